"""`labreport export --framework torch`: the native PyTorch program (nn.Embedding -> nn.LSTM -> nn.Linear).

The fast tests check what the program says and what it refuses, without torch; the slow one
runs the program of a tiny generated run in a fresh Python (skipped where torch is absent).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cli_checks import invoke
from conftest import REPO, tiny_spec_text
from labreport.errors import OptionError
from labreport.export import export_program, program_cells, program_notebook, program_py, program_source
from labreport.resources import shipped_experiments
from labreport.spec import load_spec

# Runs the exported program as a student would and prints what it computed (and its data) as JSON.
_RUNNER = """
import json, os, runpy, sys
os.environ["MPLBACKEND"] = "Agg"
found = runpy.run_path(sys.argv[1], run_name="__main__")
print(json.dumps({"history": found["history"], "test": {"loss": found["test_loss"], "accuracy": found["test_accuracy"]},
                  "keras": "keras" in sys.modules, "tensorflow": "tensorflow" in sys.modules,
                  "data": {k: found[k].tolist() for k in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")}}))
"""


def _spec(path) -> dict:
    return load_spec(path).model_dump(mode="json")


def _tiny(tmp_path, name="tiny", extra="", **replace) -> Path:
    text = tiny_spec_text(name, extra=extra)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["remember_important_tasks", "imdb_assignment7"])
def test_shipped_experiments_export_a_native_torch_program(name):
    spec = _spec(shipped_experiments()[name])
    text = program_py(spec, framework="torch")
    tree = ast.parse(text)
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert imported <= {"copy", "os", "time", "urllib", "matplotlib", "numpy", "torch"}, imported
    assert not any(isinstance(node, ast.Name) and node.id in ("keras", "tf") for node in ast.walk(tree))
    assert "nn.Embedding(vocabulary_size, " in text and "batch_first=True" in text and "self.head = nn.Linear(" in text
    assert "nn.CrossEntropyLoss()" in text and "torch.optim.Adam(model.parameters(), lr=LEARNING_RATE" in text
    assert "torch.set_num_threads(1)" in text
    assert "torch.manual_seed(SEED)" in text
    # The run's batch order: epoch E's permutation drawn from (SEED, E), as labreport's training draws it.
    assert "np.random.default_rng([SEED, epoch]).permutation(len(y_train_t))" in text
    assert f"EPOCHS = {spec['training']['epochs']}" in text and f"BATCH_SIZE = {spec['training']['batch_size']}" in text
    assert "loss.backward()" in text and "evaluate(model, x_test_t, y_test_t)" in text and "plt.plot(" in text
    assert "in plain PyTorch" in text
    # Every model the run compared is trained too, by the same class and function, after the same seed.
    compared = load_spec(shipped_experiments()[name]).baselines()
    assert ("COMPARED = {" in text) == bool(compared)
    assert text.count("torch.manual_seed(SEED)") == (2 if compared else 1)
    assert text.count("train_and_test(") == (3 if compared else 2)  # defined, the main model, the compared ones


def test_assignment7_names_its_loss_choice_and_reads_a_local_file_without_downloading(tmp_path):
    spec = _spec(shipped_experiments()["imdb_assignment7"])
    text = program_py(spec, framework="torch")
    assert "one sigmoid unit and binary cross-entropy" in text and "the sigmoid of their difference" in text
    assert "urllib" in text  # no dataset.path: the program downloads Keras' copy itself
    spec["dataset"]["path"] = "/data/imdb.npz"
    text = program_py(spec, framework="torch")
    assert 'DATA_PATH = "/data/imdb.npz"' in text and "urllib" not in text and "def get_file" not in text
    assert "x_all = pad_sequences(reviews_train, maxlen=SEQUENCE_LENGTH" in text


def test_the_spec_values_reach_the_torch_program(tmp_path):
    path = _tiny(tmp_path, extra="  validation_shuffle: true\n  clipnorm: 0.5\n  optimizer: rmsprop\n"
                                 "  early_stopping: {monitor: val_accuracy, patience: null}\n",
                 **{"recurrent: [{cell: lstm, units: 8}]":
                    "recurrent: [{cell: gru, units: 6, bidirectional: true, dropout: 0.25}, "
                    "{cell: lstm, units: 5, forget_bias: chrono}, {cell: lstm, units: 3, forget_bias: 2.0}, "
                    "{cell: simple_rnn, units: 4}]"})
    text = program_py(_spec(path), framework="torch")
    assert ('RECURRENT_LAYERS = [\n'
            '    {"cell": "gru", "units": 6, "bidirectional": True, "dropout": 0.25, "forget_bias": 1.0},\n'
            '    {"cell": "lstm", "units": 5, "bidirectional": False, "dropout": 0.0, "forget_bias": "chrono"},\n'
            '    {"cell": "lstm", "units": 3, "bidirectional": False, "dropout": 0.0, "forget_bias": 2.0},\n'
            '    {"cell": "simple_rnn", "units": 4, "bidirectional": False, "dropout": 0.0, "forget_bias": 1.0},\n'
            ']') in text
    assert 'TORCH_LAYERS = {\n    "lstm": nn.LSTM,\n    "gru": nn.GRU,\n    "simple_rnn": nn.RNN,\n}' in text
    assert "self.dropout.append(nn.Dropout(layer[\"dropout\"]))" in text and "def chrono_forget_bias(" in text
    assert "self.head = nn.Linear(width, n_classes)" in text
    assert '"SimpleRNN": recurrent_layers("simple_rnn"),' in text  # the tiny spec compares a SimpleRNN
    assert "torch.optim.RMSprop(model.parameters(), lr=LEARNING_RATE, alpha=0.9, eps=1e-7)" in text
    assert "CLIPNORM = 0.5" in text and "clip_grad_norm_(weight, CLIPNORM)" in text
    assert 'MONITOR, PATIENCE, MIN_DELTA = "val_accuracy", None' in text
    assert "np.random.default_rng(SEED).permutation(len(y))" in text
    path = _tiny(tmp_path, "one_hot", **{"embedding: {output_dim: 4}": "embedding: null"})
    text = program_py(_spec(path), framework="torch")
    assert "nn.functional.one_hot(tokens, self.vocabulary_size).float()" in text and "nn.Embedding" not in text
    assert "width = vocabulary_size" in text and "self.dropout" not in text and "def chrono_forget_bias" not in text


def test_the_torch_notebook_follows_the_methodology(tmp_path):
    spec = _spec(_tiny(tmp_path))
    notebook = nbformat.reads(program_notebook(spec, framework="torch"), as_version=4)
    nbformat.validate(notebook)
    headings = [line for cell in notebook.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    assert headings == ["## 1. Load the libraries and packages", "## 2. Load the dataset",
                        "## 3. Analyse the dataset", "## 4. Apply the LSTM model",
                        "## 5. Train the model to minimise the loss", "## 6. Observe the learning curves",
                        "## 7. Compare with the baseline"]  # the tiny spec compares a SimpleRNN
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert [c.text for c in program_cells(program_source(spec, framework="torch")) if c.kind == "code"] == code


def test_what_the_torch_program_cannot_express_is_refused(tmp_path):
    path = _tiny(tmp_path, **{"recurrent: [{cell: lstm, units: 8}]":
                              "recurrent: [{cell: lstm, units: 8, recurrent_dropout: 0.1}]"})
    with pytest.raises(OptionError, match=r"recurrent_dropout 0\.1: PyTorch's nn.LSTM, nn.GRU and nn.RNN have no"):
        export_program(path, framework="torch", out=tmp_path / "x.py")
    assert not (tmp_path / "x.py").exists()
    csv_spec = tmp_path / "csv.yaml"
    csv_spec.write_text("name: csv_run\ndataset: {source: csv, path: reviews.csv}\n")
    result = invoke("export", csv_spec, "--framework", "torch", "--out", tmp_path / "y.py")
    assert result.exit_code == 2
    assert "dataset.source csv" in result.output and "TextVectorization" in result.output
    assert "--framework keras" in result.output


def test_export_cli_framework_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _tiny(tmp_path)
    result = invoke("export", "tiny.yaml", "--framework", "torch")
    assert result.exit_code == 0, result.output
    assert '{"cell": "lstm", "units": 8, "bidirectional": False' in (tmp_path / "tiny_torch.py").read_text()
    result = invoke("export", "tiny.yaml", "--framework", "torch", "--to", "ipynb")
    assert result.exit_code == 0 and (tmp_path / "tiny_torch.ipynb").exists()
    result = invoke("export", "tiny.yaml", "--framework", "mxnet")
    assert result.exit_code == 2 and "--framework 'mxnet' is unknown; allowed values: keras, torch." in result.output
    result = invoke("export", "tiny.yaml")  # the Keras program stays the default
    assert result.exit_code == 0 and "import keras" in (tmp_path / "tiny.py").read_text()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                    reason="PyTorch is not installed (pip install 'labreport[torch]'): the native program cannot run")
def test_the_torch_program_of_a_tiny_generated_run_trains_on_the_runs_data(tmp_path):
    spec_path = _tiny(tmp_path, extra="  early_stopping: {monitor: val_loss, patience: null}\n",
                      **{"compare: [simple_rnn]": "compare: []", "epochs: 2": "epochs: 3"})
    result = invoke("run", spec_path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "out" / "tiny"
    result = invoke("export", run_dir, "--framework", "torch")
    assert result.exit_code == 0, result.output
    program = run_dir / "program_torch.py"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "KERAS_BACKEND")}
    out = subprocess.run([sys.executable, "-c", _RUNNER, str(program)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    computed = json.loads(out.stdout.strip().splitlines()[-1])
    assert not computed["keras"] and not computed["tensorflow"]  # native: neither is imported
    # The same data and split as the run.
    from labreport.data import load_dataset
    spec = load_spec(spec_path)
    dataset = load_dataset(spec.dataset, spec.training)
    for key in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(np.asarray(computed["data"][key]), getattr(dataset, key), err_msg=key)
    # A training loop that tracked loss and accuracy per epoch, and evaluated the test set.
    history = computed["history"]
    assert len(history["loss"]) == len(history["val_accuracy"]) == len(history["seconds"]) == 3
    assert all(np.isfinite(history["loss"])) and all(0 <= a <= 1 for a in history["accuracy"] + history["val_accuracy"])
    assert history["loss"][-1] < history["loss"][0]  # it learns (learning rate 0.01, 3 epochs)
    assert 0 <= computed["test"]["accuracy"] <= 1 and np.isfinite(computed["test"]["loss"])


# Runs the exported program and then, as section 7 builds a compared model, the main model once more.
_COMPARED_RUNNER = """
import json, os, runpy, sys
os.environ["MPLBACKEND"] = "Agg"
found = runpy.run_path(sys.argv[1], run_name="__main__")
import torch
results = found["results"]
torch.manual_seed(found["SEED"])
again = found["RecurrentClassifier"](found["recurrent_layers"](found["RECURRENT_LAYERS"][0]["cell"]),
                                     found["vocabulary_size"], len(found["class_names"]))
history, test_loss, test_accuracy, _ = found["train_and_test"](again)
print(json.dumps({"names": list(results),
                  "models": {name: {"history": entry[1], "test": [entry[2], entry[3]],
                                    "params": sum(p.numel() for p in entry[0].parameters()),
                                    "cells": [type(m).__name__ for m in entry[0].recurrent]}
                             for name, entry in results.items()},
                  "again": {"history": history, "test": [test_loss, test_accuracy]}}))
"""


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                    reason="PyTorch is not installed (pip install 'labreport[torch]'): the native program cannot run")
def test_the_torch_program_trains_every_compared_model_as_the_main_one(tmp_path):
    """The report's comparison has a row for each model of model.compare: the PyTorch program trains each,
    with the main model's data, batch order, seed and training function (no training by labreport needed)."""
    spec_path = _tiny(tmp_path, **{"recurrent: [{cell: lstm, units: 8}]":
                                   "recurrent: [{cell: lstm, units: 8, forget_bias: chrono}]",
                                   "compare: [simple_rnn]": "compare: [simple_rnn, {cell: lstm, forget_bias: 1.0}]",
                                   "epochs: 2": "epochs: 3"})
    program = tmp_path / "tiny_torch.py"
    export_program(spec_path, framework="torch", out=program)
    text = program.read_text()
    assert "# - SimpleRNN: Besides the cell, one setting differs: the LSTM has chrono initialisation" in text
    assert "# - LSTM (lstm_forget_bias_1_0): The main model with every recurrent layer changed: forget_bias 1 " \
           "instead of chrono." in text
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "KERAS_BACKEND")}
    out = subprocess.run([sys.executable, "-c", _COMPARED_RUNNER, str(program)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    printed = out.stdout.strip().splitlines()
    computed = json.loads(printed[-1])
    # The run's models in the run's order (run.json's models: main, then compare's), under the Keras program's names.
    assert computed["names"] == ["LSTM", "SimpleRNN", "LSTM (lstm_forget_bias_1_0)"]
    models = computed["models"]
    assert [models[name]["cells"] for name in computed["names"]] == [["LSTM"], ["RNN"], ["LSTM"]]
    assert models["LSTM"]["params"] == models["LSTM (lstm_forget_bias_1_0)"]["params"] > models["SimpleRNN"]["params"]
    for name, model in models.items():
        assert len(model["history"]["loss"]) == len(model["history"]["val_loss"]) == 3, name
        assert all(np.isfinite(model["history"]["loss"])) and 0 <= model["test"][1] <= 1, name
    # The initial biases differ (chrono against 1.0), so the two LSTMs' training differs ...
    assert models["LSTM"]["history"]["loss"] != models["LSTM (lstm_forget_bias_1_0)"]["history"]["loss"]
    # ... while the main model built again the way section 7 builds a compared model repeats its numbers exactly:
    # the same data, batches, seed and training, nothing carried over from the models trained before it.
    again = computed["again"]
    for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert again["history"][metric] == models["LSTM"]["history"][metric], metric
    assert again["test"] == models["LSTM"]["test"]
    # The comparison table, printed as the Keras program prints it: a header and one row per model, in order.
    header = next(index for index, line in enumerate(printed) if line.startswith("Model "))
    assert "Test accuracy" in printed[header] and "Val. acc. >= 0.9 at epoch" in printed[header]
    assert [line.split("  ")[0] for line in printed[header + 1:header + 4]] == computed["names"]
