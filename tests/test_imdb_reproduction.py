"""Assignment 7 reproduced on the shared IMDB copy (slow: minutes on 2 cores; CI runs it)."""

from __future__ import annotations

import json
import re

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from labreport.cli import app
from records import main_of


@pytest.mark.slow
def test_assignment7_reproduces_the_handout(shared_imdb, tmp_path):
    result = CliRunner().invoke(app, ["run", "imdb_assignment7", "--data", str(shared_imdb),
                                      "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "imdb_assignment7"
    record = json.loads((run_dir / "run.json").read_text())

    # The hand-out's model summary, layer for layer.
    assert [(layer["type"], layer["output_shape"], layer["params"]) for layer in main_of(record)["model"]["layers"]] == [
        ("Embedding", "(None, 300, 15)", 75000), ("LSTM", "(None, 10)", 1040), ("Dense", "(None, 1)", 11)]
    assert main_of(record)["model"]["total_params"] == 76051
    assert record["dataset"]["sizes"] == {"train": 20000, "validation": 5000, "test": 25000}
    assert main_of(record)["test"]["accuracy"] >= 0.85  # the hand-out reports 0.8590

    # What the PDF prints is what run.json holds.
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(run_dir / "report.pdf").pages))
    assert "76,051" in text
    assert f"test accuracy {100 * main_of(record)['test']['accuracy']:.1f}" in text  # the outcome sentence (86.4 %)
    assert f"; loss {main_of(record)['test']['loss']:.4f})" in text  # "(95 % interval ...; loss L)"
    assert f"{main_of(record)['history']['loss'][0]:.4f}" in text and f"{main_of(record)['history']['loss'][-1]:.4f}" in text


def test_small_imdb_run_reports_the_nature_of_the_data(shared_imdb, tmp_path):
    spec = tmp_path / "imdb_small.yaml"
    spec.write_text(f"""
name: imdb_small
dataset: {{source: keras-imdb, path: {shared_imdb}, num_words: 2000, sequence_length: 120,
          limit_train: 400, limit_test: 200}}
model: {{embedding: {{output_dim: 8}}, recurrent: [{{cell: lstm, units: 4}}], compare: []}}
training: {{epochs: 1, batch_size: 64}}
""")
    result = CliRunner().invoke(app, ["run", str(spec), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "out" / "imdb_small" / "run.json").read_text())
    lengths = record["dataset"]["lengths"]
    assert lengths["truncated_share"] > 0 and lengths["median"] > 0
    text = re.sub(r"\s+", " ", "\n".join(
        page.extract_text() for page in PdfReader(tmp_path / "out" / "imdb_small" / "report.pdf").pages))
    assert f"median {lengths['median']:g}" in text
    assert "An example (" in text  # a decoded review


@pytest.mark.slow
def test_seminar_reproduction_benchmark_runs_reduced(shared_imdb, tmp_path):
    """benchmarks/seminar_reproduction.py --quick: the seminar with best-epoch weights and the seminar-faithful
    variant (all training reviews, no validation set) on 2,000 reviews; the full run is a benchmark."""
    import subprocess
    import sys

    from conftest import REPO

    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "seminar_reproduction.py"), "--quick", "--data", str(shared_imdb),
         "--variants", "seminar_early_stopping,seminar_faithful", "--out", str(tmp_path / "runs"), "--json", str(out)],
        capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = {row["variant"]: row for row in json.loads(out.read_text())["rows"]}
    stopping, faithful = rows["seminar_early_stopping"], rows["seminar_faithful"]
    assert stopping["restored_best_weights"] is True and stopping["stopped"]["monitor"] == "val_loss"
    assert (stopping["train"], stopping["validation"], stopping["steps_per_epoch"]) == (1600, 400, 25)
    assert (faithful["train"], faithful["validation"], faithful["steps_per_epoch"]) == (2000, 0, 32)
    assert faithful["restored_best_weights"] is False and faithful["evaluated_epoch"] == faithful["epochs_run"] == 2
    assert all(0.0 <= row["test_accuracy"] <= 1.0 for row in rows.values())
    assert (tmp_path / "runs" / "seminar_faithful" / "report.pdf").is_file()
