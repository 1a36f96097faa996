"""A data source is a plugin: one Source registered in labreport/sources/registry.py, and every stage sees it.

The throwaway source here ("toy-counts": lines "label: token ids" in a text file) is declared in this test
alone, with its own spec model, loader, checks and program templates, and registered for the test only;
`validate`, `schema`, `init` and `export` then know it with no other edit to labreport.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from pydantic import Field
from typer.testing import CliRunner

from labreport.cli import app
from labreport.data import Dataset
from labreport.sources import registry
from labreport.errors import DataError, SpecError
from labreport.spec_fields import Int, Section

NAME = "toy-counts"


class ToyCountsDataset(Section):
    """Token sequences in a text file, one per line: a class, a colon, then token ids."""

    source: Literal["toy-counts"]
    path: str = Field(..., description="The file of sequences.")
    n_test: Int = Field(4, ge=1, description="The last lines are the test set.")
    sequence_length: Int = Field(6, ge=2, description="Cut or pad every sequence to this many tokens.")


def _rows(spec) -> list[tuple[int, list[int]]]:
    path = Path(spec.path)
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        label, colon, tokens = line.partition(":")
        try:
            rows.append((int(label), [int(t) for t in tokens.split()]))
        except ValueError:
            raise DataError(f"{path}: line {number}: {line!r} is not 'label: token ids'") from None
        if not colon:
            raise DataError(f"{path}: line {number}: no ':' after the label")
    return rows


def _load(spec, training) -> Dataset:
    rows = _rows(spec)
    x = np.zeros((len(rows), spec.sequence_length), dtype=np.int32)
    for row, (_, tokens) in enumerate(rows):
        kept = tokens[-spec.sequence_length:]
        x[row, spec.sequence_length - len(kept):] = kept
    y = np.array([label for label, _ in rows], dtype=np.int32)
    n_train = len(rows) - spec.n_test
    return Dataset(x[:n_train], y[:n_train], x[:0], y[:0], x[n_train:], y[n_train:], class_names=["no", "yes"],
                   vocabulary_size=int(x.max()) + 1, description={"source": NAME, "name": "toy counts"})


def _check(spec, missing) -> None:
    if not missing:
        _rows(spec)


PROGRAM_PATH = """# The file of sequences the run read.
DATA_PATH = {{ data_path | py }}
"""
PROGRAM_DATA = """
# %% [markdown]
# Token sequences, one per line of {{ data_name }}: a class, a colon, then token ids.

# %%
SEQUENCE_LENGTH = {{ dataset.sequence_length | py }}
N_TEST = {{ dataset.n_test | py }}
with open(DATA_PATH, encoding="utf-8") as toy_file:
    toy_rows = [line.split(":") for line in toy_file if line.strip()]
x_all = keras.utils.pad_sequences([[int(t) for t in tokens.split()] for _, tokens in toy_rows], maxlen=SEQUENCE_LENGTH)
y_all = np.array([int(label) for label, _ in toy_rows], dtype=np.int32)
class_names = ["no", "yes"]
vocabulary_size = int(x_all.max()) + 1
x_test, y_test = x_all[-N_TEST:], y_all[-N_TEST:]
x_train, y_train, x_val, y_val = split_validation(x_all[:-N_TEST], y_all[:-N_TEST], VALIDATION_SPLIT)
"""


@contextlib.contextmanager
def toy_registered(folder: Path):
    templates = folder / "toy-templates"
    (templates / "program" / "data").mkdir(parents=True)
    (templates / "program" / "data" / f"{NAME}.path.py.j2").write_text(PROGRAM_PATH, encoding="utf-8")
    (templates / "program" / "data" / f"{NAME}.py.j2").write_text(PROGRAM_DATA, encoding="utf-8")
    source = registry.Source(
        name=NAME, spec_model=ToyCountsDataset, kind=registry.TEXT, load=_load,
        sizes=lambda spec: registry.SpecSizes(spec.sequence_length, 8, None, spec.n_test, False),
        check=_check, file_keys=("path",), classes=lambda dataset: 2, starter={"path": "counts.txt"},
        program=NAME, program_knows_classes=True,
        torch_refusal="a toy source for a test, which the PyTorch program does not read", templates=templates)
    registry.register(source)
    try:
        yield source
    finally:
        registry.unregister(NAME)


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with toy_registered(tmp_path) as source:
        yield source


def _spec_file(folder: Path, lines: list[str]) -> Path:
    (folder / "counts.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = folder / "toy.yaml"
    spec.write_text(f"name: toy\ndataset:\n  source: {NAME}\n  path: counts.txt\n  n_test: 2\n"
                    "model:\n  compare: []\ntraining:\n  epochs: 1\n", encoding="utf-8")
    return spec


GOOD_LINES = [f"{i % 2}: {' '.join(str(1 + (i * j) % 7) for j in range(1, 4 + i % 5))}" for i in range(10)]


def test_schema_lists_the_registered_source(toy):
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert "ToyCountsDataset" in schema["$defs"]
    dataset = schema["properties"]["dataset"]
    assert dataset["discriminator"]["mapping"][NAME] == "#/$defs/ToyCountsDataset"
    assert {"$ref": "#/$defs/ToyCountsDataset"} in dataset["oneOf"]


def test_init_writes_the_sources_starter(toy, tmp_path):
    result = CliRunner().invoke(app, ["init", "toy", "--dataset", NAME])
    assert result.exit_code == 0, result.output
    assert "set dataset.path to your data" in result.output
    text = (tmp_path / "toy.yaml").read_text(encoding="utf-8")
    assert f"source: {NAME}" in text and "path: counts.txt" in text and "sequence_length: 6" in text
    assert f"| {NAME}" in text  # the list of sources in the dataset comment
    # The schema init writes beside it knows the source too.
    schema = json.loads((tmp_path / "labreport-spec.schema.json").read_text(encoding="utf-8"))
    assert "ToyCountsDataset" in schema["$defs"]
    # The starter is a valid spec; its file is not there yet, which validate notes.
    result = CliRunner().invoke(app, ["validate", "toy.yaml"])
    assert result.exit_code == 0, result.output
    assert "counts.txt: not there yet" in result.output


def test_validate_runs_the_sources_checks_and_estimate(toy, tmp_path):
    spec = _spec_file(tmp_path, GOOD_LINES)
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 0, result.output
    assert f"valid (toy: {NAME} data" in result.output
    assert f"data: {NAME} from {tmp_path / 'counts.txt'}" in result.output
    assert "dense                    Dense            (None, 1)" in result.output  # classes(): two, one sigmoid unit

    _spec_file(tmp_path, [*GOOD_LINES[:3], "1 2 3", *GOOD_LINES[3:]])
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 2
    assert "counts.txt: line 4: '1 2 3' is not 'label: token ids'" in result.output


def test_the_stages_read_the_sources_declaration(toy, tmp_path):
    from labreport.containment import path_fields
    from labreport.data import load_dataset
    from labreport.fingerprint import training_fingerprint
    from labreport.spec import load_spec

    spec = load_spec(_spec_file(tmp_path, GOOD_LINES))
    assert spec.dataset.path == str(tmp_path / "counts.txt")  # a file key: made relative to the spec's folder
    data = load_dataset(spec.dataset, spec.training)
    assert data.sizes() == {"train": 8, "validation": 0, "test": 2}
    assert ("dataset", "path") in path_fields(NAME)  # what a batch checks and sends to its workers
    content = training_fingerprint(spec).inputs["training"]["dataset"]["content"]
    assert set(content) == {"path"} and content["path"]["sha256"]


def test_export_writes_the_sources_program(toy, tmp_path):
    spec = _spec_file(tmp_path, GOOD_LINES)
    result = CliRunner().invoke(app, ["export", str(spec), "--out", str(tmp_path / "toy_program.py")])
    assert result.exit_code == 0, result.output
    program = (tmp_path / "toy_program.py").read_text(encoding="utf-8")
    compile(program, "toy_program.py", "exec")
    assert f'DATA_PATH = "{tmp_path / "counts.txt"}"' in program
    assert "# Token sequences, one per line of counts.txt: a class, a colon, then token ids." in program
    assert 'keras.layers.Dense(1, activation="sigmoid", name="dense")' in program  # program_knows_classes

    result = CliRunner().invoke(app, ["export", str(spec), "--framework", "torch"])
    assert result.exit_code == 2
    assert f"dataset.source {NAME}: a toy source for a test" in result.output


def test_unregistering_removes_the_source_everywhere(tmp_path, monkeypatch):
    from labreport.spec import ExperimentSpec, validate_spec

    monkeypatch.chdir(tmp_path)
    raw = {"name": "toy", "dataset": {"source": NAME, "path": "counts.txt"}}
    with toy_registered(tmp_path):
        assert isinstance(validate_spec(raw, "toy.yaml").dataset, ToyCountsDataset)
        assert NAME in registry.names()
    assert NAME not in registry.names()
    assert "ToyCountsDataset" not in json.dumps(ExperimentSpec.model_json_schema())
    with pytest.raises(SpecError) as error:
        validate_spec(raw, "toy.yaml")
    assert f"dataset.source: '{NAME}' is not allowed" in str(error.value)
    assert "'generated', 'keras-imdb', 'csv', 'text-folder'" in str(error.value)


def test_a_source_of_an_unknown_kind_is_refused():
    source = registry.Source(name="odd", spec_model=ToyCountsDataset, kind="pictures", load=_load,
                             sizes=lambda spec: registry.SpecSizes(None, None, None, None, False))
    with pytest.raises(ValueError, match="kind 'pictures' is not one of"):
        registry.register(source)
    assert "odd" not in registry.names()


def test_every_shipped_source_is_complete():
    """Each built-in source's module declares itself under its own name, with a spec model whose `source` is
    that name, and the program templates and report partial it names exist."""
    from labreport.resources import templates_dir

    assert registry.names()[: len(registry.BUILTIN_SOURCES)] == registry.BUILTIN_SOURCES
    for source in registry.sources():
        assert source.kind in registry.KINDS
        assert source.spec_model.model_fields["source"].annotation == Literal[source.name]
        # A source with no exported program yet says why (program_refusal) and names no template.
        assert bool(source.program) != bool(source.program_refusal)
        for suffix in ([".path.py.j2"] if source.file_keys and source.program else []) + [".py.j2"] * bool(source.program):
            assert (templates_dir() / "program" / "data" / f"{source.program}{suffix}").is_file()
        if source.torch_helpers:
            assert (templates_dir() / "program" / "data" / source.torch_helpers).is_file()
        assert (templates_dir() / source.report_partial).is_file()
        assert set(source.file_keys) <= set(source.spec_model.model_fields)
        assert set(source.starter) <= set(source.spec_model.model_fields)
