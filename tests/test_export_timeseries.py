"""The exported program of a timeseries-csv run: forecasting and sensor-window classification.

The fast tests read the program's text, and run its data cell alone (the standard library and NumPy,
no Keras) to check that it cuts the very windows labreport cut: the same arrays, bit for bit, the
scaler fitted on the training part only.  The slow test trains a tiny forecast with labreport, runs
the exported program in a fresh Python without labreport, and compares the per-epoch losses, the
MAE in the series' units and the baselines' test errors.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cli_checks import invoke
from labreport.export import program_cells, program_notebook, program_py, program_source
from labreport.resources import shipped_experiments
from labreport.spec import load_spec


def _shipped(name: str) -> dict:
    return load_spec(shipped_experiments()[name]).model_dump(mode="json")


def _headings(spec: dict) -> list[str]:
    notebook = nbformat.reads(program_notebook(spec), as_version=4)
    nbformat.validate(notebook)
    return [line for cell in notebook.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("## ")]


def test_the_sunspots_forecast_program_says_what_the_run_did():
    spec = _shipped("sunspots_forecast")
    text = program_py(spec)
    ast.parse(text)
    assert "import labreport" not in text and "from labreport" not in text
    for literal in ['COLUMNS = ["sunspots"]', 'TARGET_COLUMN = "sunspots"', 'TIME_COLUMN = "year"', "LOOKBACK = 22",
                    "HORIZON = 1", "SEASON = 11", "SPLITS = [0.7, 0.15, 0.15]", "EPOCHS = 40", "SEED = 42",
                    "BATCH_SIZE = 32", 'keras.Input(shape=(SEQUENCE_LENGTH, N_FEATURES), name="sequence")',
                    'keras.layers.LSTM(32, name="lstm")', 'keras.layers.SimpleRNN(32, name="simple_rnn")',
                    'keras.layers.Dense(HORIZON, activation="linear", name="dense")', 'loss="mse"',
                    'metrics=["mae"]', "keras.optimizers.Adam(learning_rate=0.003)",
                    'forecasts["naive (last value)"]', 'forecasts["seasonal naive"]',
                    'forecasts["linear autoregression"]', 'results["LSTM"]', 'results["SimpleRNN"]',
                    "np.linalg.lstsq(design(x_train)", "x_future = scaled[n - LOOKBACK:"]:
        assert literal in text, literal
    # The scaler is fitted on the training rows only; a token program's pieces are not there.
    assert "mean = model_values[FIRST:train_end].mean(axis=0)" in text
    for absent in ("vocabulary_size", "VALIDATION_SPLIT", "split_validation", "Embedding", "accuracy"):
        assert absent not in text, absent
    # Comments word the run's choices (phrases.py.j2).
    assert ("# The series in sunspots_yearly.csv: from the last 22 steps of 'sunspots', the model forecasts the "
            "next value of 'sunspots'.") in text
    assert "# This program splits the rows by time (no shuffle across the split): the first 70 % train" in text
    assert ("# The layers: the scaled value of each step, an LSTM layer of 32 units, and one linear unit for the "
            "next value, trained with the mean squared error.") in text
    assert "# - SimpleRNN: Only the recurrent cell differs." in text
    assert _headings(spec) == ["## 1. Load the libraries and packages", "## 2. Load the dataset",
                               "## 3. Analyse the dataset", "## 4. Apply the LSTM model",
                               "## 5. Train the model to minimise the loss",
                               "## 6. Observe the learning curves and the forecast", "## 7. Compare with the baselines"]


@pytest.mark.parametrize("loss, said", [
    ("huber", "# The loss is Keras' Huber loss (delta 1) of the scaled targets: squared within one training standard "
              "deviation, linear beyond."),
    ("mae", "# The loss is the mean absolute error of the scaled targets."),
])
def test_a_forecast_program_compiles_every_network_with_the_specs_loss(loss, said):
    spec = _shipped("sunspots_forecast")
    spec["training"]["loss"] = loss
    text = program_py(spec)
    ast.parse(text)
    assert text.count(f"loss={loss!r}".replace("'", '"')) == 2 and 'loss="mse"' not in text  # the LSTM and the SimpleRNN
    assert said in text and f'("loss", "Loss ({loss}, scaled)")' in text
    words = {"huber": "Huber loss", "mae": "mean absolute error"}[loss]
    assert f"one linear unit for the next value, trained with the {words}." in text
    assert "mean squared error" not in text


def test_the_sensor_activity_program_classifies_whole_sequences():
    spec = _shipped("sensor_activity")
    text = program_py(spec)
    ast.parse(text)
    for literal in ['COLUMNS = ["acc_x", "acc_y", "acc_z"]', 'LABEL_COLUMN = "activity"', 'WINDOW_COLUMN = "window"',
                    "LOOKBACK = None", "SPLIT_SEED = 1337", "SEQUENCE_LENGTH = min(lengths)",
                    'keras.Input(shape=(SEQUENCE_LENGTH, N_FEATURES), name="sequence")',
                    'keras.layers.LSTM(16, name="lstm")', 'metrics=["accuracy"]', 'results["LSTM"]',
                    "train_and_test(baseline, [])"]:
        assert literal in text, literal
    for absent in ("vocabulary_size", "VALIDATION_SPLIT", "split_validation", "HORIZON", "padded at the end"):
        assert absent not in text, absent
    assert "# This program puts whole sequences into training (70 %), validation (15 %) and testing (15 %), after " \
           "a shuffle with seed 1337, so no sequence has windows on both sides" in text
    assert _headings(spec)[5:] == ["## 6. Observe the learning curves", "## 7. Compare with the baseline"]


# --------------------------------------------------------------------------- the data cell, run alone


def _data_cell(spec: dict) -> str:
    cells = [cell.text for cell in program_cells(program_source(spec)) if cell.kind == "code"]
    found = [text for text in cells if "def read_series(" in text]
    assert len(found) == 1
    return found[0]


def _program_windows(spec: dict) -> dict:
    """The names the program's data cell defines, run with only csv, io and NumPy (no Keras)."""
    namespace = {"np": np, "csv": csv, "io": io, "DATA_PATH": spec["dataset"]["path"]}
    exec(compile(_data_cell(spec), "<data cell>", "exec"), namespace)
    return namespace


def _labreport_windows(spec: dict):
    from labreport.data.timeseries_csv import windows
    from labreport.sources import registry
    return windows(registry.get("timeseries-csv").spec_model.model_validate(spec["dataset"]))


def _spec_with(tmp_path: Path, rows: list[list], header: list[str], dataset: str) -> dict:
    path = tmp_path / "series.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    text = f"name: ts\ndataset:\n  source: timeseries-csv\n  path: {path}\n{dataset}model:\n  recurrent: [{{cell: lstm, units: 4}}]\n"
    (tmp_path / "ts.yaml").write_text(text, encoding="utf-8")
    return load_spec(tmp_path / "ts.yaml").model_dump(mode="json")


def _series_rows(n: int = 120) -> list[list]:
    rng = np.random.default_rng(3)
    rows = []
    for t in range(n):
        value = 10 + 0.2 * t + 3 * math.sin(2 * math.pi * t / 12) + rng.normal(0, 0.5)
        rows.append([2000 + t, f"{value:.4f}", f"{rng.normal(5, 1):.4f}"])
    return rows


FORECASTS = {
    "sunspots": None,
    "difference, horizon 3, two inputs": ("  columns: [load, temp]\n  target_column: load\n  time_column: year\n"
                                          "  lookback: 10\n  horizon: 3\n  season: 12\n  transform: difference\n"
                                          "  splits: [0.6, 0.2, 0.2]\n"),
    "interpolated": "  columns: [temp]\n  target_column: load\n  lookback: 6\n  missing: interpolate\n",
    "dropped": "  columns: [load]\n  lookback: 6\n  horizon: 2\n  missing: drop\n  splits: [0.7, 0.0, 0.3]\n",
}


@pytest.mark.parametrize("case", list(FORECASTS))
def test_the_forecast_data_cell_cuts_labreports_windows(case, tmp_path):
    if FORECASTS[case] is None:
        spec = _shipped("sunspots_forecast")
    else:
        rows = _series_rows()
        if "missing" in FORECASTS[case]:
            rows[40][1] = ""  # a missing value: interpolated or its row dropped
            rows[77][2] = "NA"
        spec = _spec_with(tmp_path, rows, ["year", "load", "temp"], FORECASTS[case])
    ours, theirs = _labreport_windows(spec), _program_windows(spec)
    for part in ("train", "val", "test"):
        for name in ("x", "y", "y_{}_original", "anchor", "target_index"):
            key = name.format(part) if "{}" in name else f"{name}_{part}"
            assert np.array_equal(getattr(ours, key), theirs[key]), key
            assert getattr(ours, key).dtype == theirs[key].dtype, key
    assert np.array_equal(ours.x_future, theirs["x_future"]) and ours.anchor_future == theirs["anchor_future"]
    assert np.array_equal(ours.series_target, theirs["series"])
    assert (ours.bounds[0], ours.bounds[1]) == (theirs["train_end"], theirs["val_end"])
    # Scaled forecasts back in the series' units, as labreport's metrics take them.
    sample = np.linspace(-1, 1, len(ours.y_test) * ours.horizon).reshape(len(ours.y_test), ours.horizon)
    assert np.array_equal(ours.to_original(sample, ours.anchor_test), theirs["to_original"](sample, ours.anchor_test))


def test_the_forecast_data_cell_fits_the_scaler_on_the_training_rows_only(tmp_path):
    rows = _series_rows()
    spec = _spec_with(tmp_path, rows, ["year", "load", "temp"], "  columns: [load]\n  lookback: 6\n")
    before = _program_windows(spec)
    for row in rows[100:]:
        row[1] = "1000000"  # wild test rows
    spec = _spec_with(tmp_path, rows, ["year", "load", "temp"], "  columns: [load]\n  lookback: 6\n")
    after = _program_windows(spec)
    assert np.array_equal(before["mean"], after["mean"]) and np.array_equal(before["std"], after["std"])
    assert np.array_equal(before["x_train"], after["x_train"])


def _labelled_rows(n: int = 150) -> list[list]:
    rng = np.random.default_rng(5)
    rows = []
    for t in range(n):
        label = ["rest", "walk", "run"][(t // 17) % 3]
        rows.append([f"{rng.normal(0, 1):.4f}", f"{rng.normal(2, 0.5):.4f}", label, f"s{t // 13}"])
    return rows


CLASSIFY = {
    "sensor_activity": None,
    "rows, majority, label changes kept": ("  columns: [a, b]\n  task: classify\n  label_column: label\n  lookback: 8\n"
                                           "  stride: 3\n  window_label: majority\n  allow_label_change: true\n"),
    "rows, last label": "  columns: [a]\n  task: classify\n  label_column: label\n  lookback: 5\n  missing: drop\n",
    "sequences padded, by time": ("  columns: [a, b]\n  task: classify\n  label_column: label\n  window_column: seq\n"
                                  "  unequal: pad\n  split_by: time\n  missing: interpolate\n"),
    "sequences in windows": ("  columns: [a, b]\n  task: classify\n  label_column: label\n  window_column: seq\n"
                             "  lookback: 4\n  stride: 2\n  unequal: pad\n  split_seed: 7\n"),
}


@pytest.mark.parametrize("case", list(CLASSIFY))
def test_the_classify_data_cell_cuts_labreports_windows(case, tmp_path):
    if CLASSIFY[case] is None:
        spec = _shipped("sensor_activity")
    else:
        rows = _labelled_rows()
        if "seq" in CLASSIFY[case]:
            for row in rows:  # one label per sequence, sequences of unequal length
                row[2] = ["rest", "walk", "run"][int(row[3][1:]) % 3]
            rows = [row for i, row in enumerate(rows) if not (row[3] == "s4" and i % 2)]
        if "missing" in CLASSIFY[case]:
            rows[30][0] = ""
        spec = _spec_with(tmp_path, rows, ["a", "b", "label", "seq"], CLASSIFY[case])
    ours, theirs = _labreport_windows(spec), _program_windows(spec)
    assert ours.class_names == theirs["class_names"]
    for part in ("train", "val", "test"):
        for name in ("x", "y"):
            key = f"{name}_{part}"
            assert np.array_equal(getattr(ours, key), theirs[key]), key
            assert getattr(ours, key).dtype == theirs[key].dtype, key
    assert ours.x_train.shape[1] == theirs["SEQUENCE_LENGTH"]


# --------------------------------------------------------------------------- the program repeats the run (slow)

_RUNNER = """
import json, os, runpy, sys
os.environ["MPLBACKEND"] = "Agg"
found = runpy.run_path(sys.argv[1], run_name="__main__")
print(json.dumps({"history": found["history"], "test": found["test"], "future": list(found["future"]),
                  "results": {name: entry[1] for name, entry in found["results"].items()}}))
"""


@pytest.mark.slow
def test_the_forecast_programs_repeats_the_run(tmp_path):
    rows = _series_rows(160)
    rows[50][2] = ""
    _spec_with(tmp_path, rows, ["year", "load", "temp"],
               "  columns: [load, temp]\n  target_column: load\n  time_column: year\n  lookback: 8\n  horizon: 2\n"
               "  season: 12\n  transform: difference\n  missing: interpolate\n")
    spec_path = tmp_path / "ts.yaml"
    spec_path.write_text(spec_path.read_text(encoding="utf-8").replace(
        "  recurrent: [{cell: lstm, units: 4}]\n", "  recurrent: [{cell: lstm, units: 8}]\n  compare: [gru]\n")
        + "training:\n  epochs: 5\n  batch_size: 16\n  learning_rate: 0.01\n"
          "  early_stopping: {monitor: val_loss, patience: 2, restore_best_weights: true}\n", encoding="utf-8")
    result = invoke("run", spec_path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "out" / "ts"
    # The files the run says it wrote are there (a forecast keeps its history in run.json, no history.csv).
    assert f"Written in {run_dir}: report.html, program.py and program.ipynb (the program to attach), run.json\n" \
        in result.output
    assert not (run_dir / "history.csv").exists()
    record = json.loads((run_dir / "run.json").read_text())
    assert (run_dir / "program.py").read_text() == program_py(record["spec"])
    nbformat.validate(nbformat.read(run_dir / "program.ipynb", as_version=4))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    ran = subprocess.run([sys.executable, "-c", _RUNNER, str(run_dir / "program.py")], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=900)
    assert ran.returncode == 0, ran.stderr[-3000:]
    computed = json.loads(ran.stdout.strip().splitlines()[-1])
    main = record["models"][0]
    differences = {}
    for metric in ("loss", "val_loss", "mae", "val_mae"):
        assert len(main["history"][metric]) == len(computed["history"][metric]), metric
        differences[metric] = max(abs(a - b) for a, b in zip(main["history"][metric], computed["history"][metric]))
    for key in ("loss", "mae", "rmse", "mase"):
        differences[f"test_{key}"] = abs(main["test"][key] - computed["test"][key])
    differences["future"] = max(abs(a - b) for a, b in zip(main["forecast"]["future"], computed["future"]))
    titles = {"naive": "naive (last value)", "seasonal_naive": "seasonal naive", "linear_ar": "linear autoregression",
              "gru": "GRU"}
    assert sorted(computed["results"]) == sorted(["LSTM", *(titles[entry["cell"]] for entry in record["models"][1:])])
    for entry in record["models"][1:]:
        theirs = computed["results"][titles[entry["cell"]]]
        for key in ("mae", "rmse", "mase"):
            differences[f"{entry['cell']}_{key}"] = abs(entry["test"][key] - theirs[key])
    print(f"largest differences {differences}")
    assert max(differences.values()) <= 1e-4, differences


@pytest.mark.slow
def test_a_window_classification_programs_repeats_the_run(tmp_path):
    from test_export import _check_exact

    _spec_with(tmp_path, _labelled_rows(300), ["a", "b", "label", "seq"],
               "  columns: [a, b]\n  task: classify\n  label_column: label\n  lookback: 8\n  stride: 2\n"
               "  window_label: majority\n  allow_label_change: true\n")
    spec_path = tmp_path / "ts.yaml"
    spec_path.write_text(spec_path.read_text(encoding="utf-8").replace(
        "  recurrent: [{cell: lstm, units: 4}]\n", "  recurrent: [{cell: lstm, units: 6, forget_bias: chrono}]\n")
        + "training:\n  epochs: 3\n  batch_size: 16\n  learning_rate: 0.01\n"
          "  early_stopping: {monitor: val_accuracy, patience: 1}\n", encoding="utf-8")
    result = invoke("run", spec_path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    _check_exact(tmp_path / "out" / "ts", tmp_path)
