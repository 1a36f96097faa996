"""One text file per sample in class folders (aclImdb): the loader is labreport/data/text_folder.py."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from pydantic import Field

from ..spec_fields import PADDING_HELP, TRUNCATING_HELP, Int, Section, TextEncoding
from .registry import TEXT, Source, SpecSizes


class TextFolderDataset(Section):
    """One text file per sample in class folders (the aclImdb layout)."""

    source: Literal["text-folder"]
    path: str = Field(..., description="The folder holding train/ and test/.")
    train_dir: str = "train"
    test_dir: str = "test"
    class_names: Optional[list[str]] = Field(None, description="Class folders to use (leave out aclImdb's unsup).")
    encoding: TextEncoding = "utf-8"
    vocabulary_size: Int = Field(10000, ge=3)
    sequence_length: Int = Field(200, ge=1)
    padding: Literal["pre", "post"] = Field("pre", description=PADDING_HELP)
    truncating: Literal["pre", "post"] = Field("pre", description=TRUNCATING_HELP)


def sizes(spec) -> SpecSizes:
    # The vocabulary is at most vocabulary_size; the file count needs the folders.
    return SpecSizes(spec.sequence_length, spec.vocabulary_size, None, None, False)


def fingerprint_paths(dataset: dict) -> dict:
    # The loader reads only the train and test folders; hash those, not the whole tree
    # (aclImdb's 50,000 unlabelled reviews never reach the model).
    if not dataset.get("path"):
        return {}
    root = Path(dataset["path"])
    return {field: str(root / dataset.get(field, field.split("_")[0])) for field in ("train_dir", "test_dir")}


SOURCE = Source(
    name="text-folder",
    spec_model=TextFolderDataset,
    kind=TEXT,
    load="labreport.data.text_folder:load",
    sizes=sizes,
    check="labreport.data.text_folder:check",
    file_keys=("path",),
    fingerprint_paths=fingerprint_paths,
    classes=lambda dataset: len(dataset["class_names"]) if dataset.get("class_names") else None,
    starter={"path": "aclImdb"},
    program="text-folder",
    program_imports=("html", "re", "sys", "unicodedata"),
    torch_refusal=("its texts become token ids through Keras' TextVectorization, which the PyTorch program "
                   "does not reimplement (the generated task and keras-imdb it reads)"),
)
