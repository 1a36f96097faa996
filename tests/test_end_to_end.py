"""The whole path through the CLI: a tiny default experiment → run.json → PDF read back."""

from __future__ import annotations

import csv
import json
import re

from pypdf import PdfReader
from records import main_of

EXP13_HEADINGS = [
    "1. Aim", "2. IDE", "3. Theory", "4. Methodology", "5. Program (Code)", "6. Results",
    "a. Model Summary", "b. Training and Validation accuracy v/s epochs",
    "c. Training and Validation loss v/s epochs", "7. Observation and Result Analysis",
    "a. Nature of the dataset", "b. During the training process", "c. After the training process",
    "d. Observation over the learning curve", "8. Post-Lab Exercise",
    "a. What is the requirement of LSTM over RNN?",
]


def pdf_text(path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def test_run_writes_every_output(tiny_run):
    run_dir = tiny_run["run_dir"]
    for name in ("report.pdf", "report.html", "run.json", "history.csv", "program.py", "program.ipynb"):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "figures" / "accuracy.png").is_file()
    assert (run_dir / "figures" / "loss.png").is_file()
    assert not (run_dir / ".checkpoint").exists()  # removed once training finished
    assert tiny_run["output"].strip().splitlines()[-1].startswith(f"Done: {run_dir / 'report.pdf'}")


def test_run_record_holds_the_contract(tiny_run):
    record = json.loads((tiny_run["run_dir"] / "run.json").read_text())
    assert record["experiment"] == "tiny"
    assert record["spec"]["training"]["epochs"] == 2
    assert set(main_of(record)["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in main_of(record)["history"].values())
    assert main_of(record)["model"]["total_params"] == sum(layer["params"] for layer in main_of(record)["model"]["layers"])
    assert [layer["type"] for layer in main_of(record)["model"]["layers"]] == ["Embedding", "LSTM", "Dense"]
    assert "Total params" in main_of(record)["model"]["summary_text"]
    assert 0.0 <= main_of(record)["test"]["accuracy"] <= 1.0
    assert record["dataset"]["sizes"] == {"train": 240, "validation": 60, "test": 100}
    assert len(main_of(record)["timing"]["seconds_per_epoch"]) == 2
    assert {"python", "tensorflow", "keras", "labreport"} <= set(record["versions"])
    assert record["seed"] == 42
    assert [b["cell"] for b in record["models"][1:]] == ["simple_rnn"]


def test_history_csv_has_one_row_per_epoch(tiny_run):
    with open(tiny_run["run_dir"] / "history.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    record = json.loads((tiny_run["run_dir"] / "run.json").read_text())
    assert [int(row["epoch"]) for row in rows] == [1, 2]
    assert [float(row["val_loss"]) for row in rows] == main_of(record)["history"]["val_loss"]


def test_pdf_has_the_worksheet_sections_and_the_run_numbers(tiny_run):
    run_dir = tiny_run["run_dir"]
    record = json.loads((run_dir / "run.json").read_text())
    text = pdf_text(run_dir / "report.pdf")
    for heading in EXP13_HEADINGS:
        assert heading in text, heading
    accuracy = f"{main_of(record)['test']['accuracy']:.4f}"
    assert accuracy in text  # the results table
    assert f"{100 * main_of(record)['test']['accuracy']:.1f}" in text  # the outcome sentence
    assert f"{main_of(record)['model']['total_params']:,}" in text
    assert "Test Student" in text and "T-001" in text
    # The theory's parameter formula, checked against Keras' count for this run's layer
    # (the words either side of a template tag once ran together: "equal toKeras'").
    lstm = next(layer for layer in main_of(record)["model"]["layers"] if layer["type"] == "LSTM")
    html = " ".join((run_dir / "report.html").read_text().split())
    assert f"= {lstm['params']:,} parameters, equal to Keras' own count for the layer." in html


def test_pdf_metadata_and_tagging(tiny_run):
    reader = PdfReader(tiny_run["run_dir"] / "report.pdf")
    meta = reader.metadata
    assert meta.title.startswith("Experiment 13")
    assert meta.author == "Test Student"
    assert meta.subject
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root  # tagged PDF (PDF/UA-1)
    assert root.get("/Lang") == "en"


def test_diagnostics_are_measured(tiny_run):
    record = json.loads((tiny_run["run_dir"] / "run.json").read_text())
    diagnostics = record["diagnostics"]
    gradients = diagnostics["gradient_norms"]
    assert set(gradients["initial"]) == {"lstm", "simple_rnn"}
    assert set(gradients["trained"]) == {"lstm", "simple_rnn"}
    assert all(len(norms) == 20 and all(n >= 0 for n in norms) for norms in gradients["initial"].values())
    gates = diagnostics["gates"]
    # The NumPy re-run of the LSTM cell agrees with Keras' own layer.
    assert gates["recomputed_vs_keras_max_abs_difference"] < 1e-4
    # Two recorded test sequences per class, the figure showing the first of each class.
    labels = [sequence["label"] for sequence in gates["sequences"]]
    assert sorted(set(labels)) == record["dataset"]["class_names"] and len(labels) == 8
    assert [gates["sequences"][i]["label"] for i in gates["figure_sequences"]] == record["dataset"]["class_names"]
    first = gates["sequences"][0]
    assert len(first["input_gate_mean"]) == len(first["unit_cell_state"]) == 20
    assert len(first["important_steps"]) == 2 and 0 <= gates["unit"] < 8
    assert gates["summary"]["available"] is True


def test_batch_history_holds_per_batch_values(tiny_run):
    record = json.loads((tiny_run["run_dir"] / "run.json").read_text())
    batches = main_of(record)["batch_history"]
    assert batches["values"] == "per_batch"
    assert batches["batches_per_epoch"] == 8  # 240 training sequences, batch 32
    assert len(batches["loss"]) == 16 and batches["epoch"] == [1] * 8 + [2] * 8
    # The mean of an epoch's per-batch losses, weighted by batch size, is Keras' epoch loss.
    sizes = [32] * 7 + [16]
    first_epoch = sum(l * n for l, n in zip(batches["loss"][:8], sizes)) / 240
    assert abs(first_epoch - main_of(record)["history"]["loss"][0]) < 1e-4
