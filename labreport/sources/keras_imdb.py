"""IMDB reviews in Keras' imdb.npz layout: the loader is labreport/data/imdb.py."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from ..spec_fields import PADDING_HELP, TRUNCATING_HELP, Int, OptionalInt, Section
from .registry import TEXT, Source, SpecSizes

IMDB_REVIEWS = 25000      # per set, in Keras' imdb.npz
IMDB_WORD_INDEX = 88588   # the full IMDB word index + 4 reserved ids


class KerasImdbDataset(Section):
    """IMDB reviews as word indices, with keras.datasets.imdb.load_data semantics."""

    source: Literal["keras-imdb"]
    path: Optional[str] = Field(None, description="A local imdb.npz (Keras' layout); default: Keras' download and cache.")
    num_words: OptionalInt = Field(None, ge=1, description="Keep the num_words most frequent words.")
    skip_top: Int = Field(0, ge=0, description="Skip the most frequent words.")
    maxlen: OptionalInt = Field(None, ge=1, description="Drop reviews longer than this before padding.")
    start_char: OptionalInt = Field(1, ge=0)
    oov_char: OptionalInt = Field(2, ge=0)
    index_from: Int = Field(3, ge=0)
    shuffle_seed: Int = Field(113, description="Keras shuffles with seed 113.")
    sequence_length: Int = Field(300, ge=1, description="Pad/truncate every review to this many tokens.")
    padding: Literal["pre", "post"] = Field("pre", description=PADDING_HELP)
    truncating: Literal["pre", "post"] = Field("pre", description=TRUNCATING_HELP)
    limit_train: OptionalInt = Field(None, ge=1, description="Use only the first N training reviews (quick runs).")
    limit_test: OptionalInt = Field(None, ge=1, description="Use only the first N test reviews (quick runs).")


def sizes(spec) -> SpecSizes:
    train = spec.limit_train or IMDB_REVIEWS
    test = spec.limit_test or IMDB_REVIEWS
    if spec.num_words:
        return SpecSizes(spec.sequence_length, spec.num_words, train, test, True)
    return SpecSizes(spec.sequence_length, IMDB_WORD_INDEX, train, test, False)


SOURCE = Source(
    name="keras-imdb",
    spec_model=KerasImdbDataset,
    kind=TEXT,
    load="labreport.data.imdb:load",
    sizes=sizes,
    check="labreport.data.imdb:check",
    file_keys=("path",),
    classes=lambda dataset: 2,  # negative, positive
    program="keras-imdb",
    program_knows_classes=True,
    torch_helpers="keras-imdb.torch.py.j2",
    downloads=lambda dataset: not dataset.get("path"),
    report_partial="sources/keras-imdb.html.j2",
)
