"""A CSV of texts and labels: the loader is labreport/data/csv_text.py (shared text steps: data/text.py)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from ..spec_fields import PADDING_HELP, TRUNCATING_HELP, Float, Int, Section, TextEncoding
from .registry import TEXT, Source, SpecSizes


class CsvDataset(Section):
    """A CSV with a text column and a label column (Kaggle's IMDB layout by default)."""

    source: Literal["csv"]
    path: str = Field(..., description="The CSV file.")
    test_path: Optional[str] = Field(None, description="A second CSV for the test set; default: split by test_fraction.")
    text_column: str = "review"
    label_column: str = "sentiment"
    labels: Optional[list[str]] = Field(None, description="Class values in class-index order; default: sorted distinct values.")
    test_fraction: Float = Field(0.2, gt=0, lt=1)
    split_seed: Int = 1337
    encoding: TextEncoding = "utf-8"
    vocabulary_size: Int = Field(10000, ge=3)
    sequence_length: Int = Field(200, ge=1)
    padding: Literal["pre", "post"] = Field("pre", description=PADDING_HELP)
    truncating: Literal["pre", "post"] = Field("pre", description=TRUNCATING_HELP)


def sizes(spec) -> SpecSizes:
    # The vocabulary is at most vocabulary_size; the row count needs the file.
    return SpecSizes(spec.sequence_length, spec.vocabulary_size, None, None, False)


SOURCE = Source(
    name="csv",
    spec_model=CsvDataset,
    kind=TEXT,
    load="labreport.data.csv_text:load",
    sizes=sizes,
    check="labreport.data.csv_text:check",
    file_keys=("path", "test_path"),
    classes=lambda dataset: len(dataset["labels"]) if dataset.get("labels") else None,
    starter={"path": "data.csv"},
    program="csv",
    program_imports=("csv", "html", "io", "re", "sys", "unicodedata"),
    torch_refusal=("its texts become token ids through Keras' TextVectorization, which the PyTorch program "
                   "does not reimplement (the generated task and keras-imdb it reads)"),
)
