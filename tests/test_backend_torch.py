"""training.backend: torch (Keras' PyTorch backend), end to end; skipped where PyTorch is not installed.

Keras fixes its backend at first import and this test process has already
loaded it with TensorFlow, so the run happens in a fresh interpreter.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from pypdf import PdfReader

from conftest import REPO, tiny_spec_text  # tests/ is on sys.path under pytest
from records import main_of

_NO_TORCH = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                               reason="PyTorch is not installed (pip install 'labreport[torch]'); "
                                      "TensorFlow is the default backend")


def _env():
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("KERAS_BACKEND", None)
    return env


@pytest.mark.slow
@_NO_TORCH
def test_tiny_run_on_the_torch_backend(tmp_path):
    spec = tmp_path / "tiny_torch.yaml"
    # jit_compile: true is asked for, and ignored: the torch backend runs eagerly.
    spec.write_text(tiny_spec_text("tiny_torch", extra="  backend: torch\n  jit_compile: true\n"))
    result = subprocess.run(
        [sys.executable, "-m", "labreport", "run", str(spec), "--out", str(tmp_path / "out"), "--quiet"],
        capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "oneDNN" not in result.stderr  # TensorFlow's start-up log stays captured on this backend too
    run_dir = tmp_path / "out" / "tiny_torch"
    record = json.loads((run_dir / "run.json").read_text())
    import torch
    assert record["backend"] == "torch"
    assert record["versions"]["backend"] == "torch"
    assert record["versions"]["torch"] == torch.__version__
    assert record["spec"]["training"]["backend"] == "torch"
    assert main_of(record)["model"]["jit_compile"] is False
    batches = main_of(record)["batch_history"]
    assert batches["epoch"] == [1] * 8 + [2] * 8 and batches["batch"] == list(range(1, 9)) * 2
    # The diagnostics ran through the torch.autograd branch and the gate check agrees with Keras.
    norms = record["diagnostics"]["gradient_norms"]
    assert set(norms["initial"]) == {"lstm", "simple_rnn"} and len(norms["initial"]["lstm"]) == 20
    assert set(norms["trained"]) == {"lstm", "simple_rnn"}
    assert all(value > 0 for value in norms["trained"]["lstm"])
    assert record["diagnostics"]["gates"]["recomputed_vs_keras_max_abs_difference"] < 1e-4
    # The report's IDE section names the backend and its version.
    text = " ".join(page.extract_text() for page in PdfReader(run_dir / "report.pdf").pages)
    assert "on the torch backend" in " ".join(text.split())
    html = (run_dir / "report.html").read_text()
    assert f"<th>Backend</th><td>torch {record['versions']['torch']}</td>" in html
    # The run's program.py (plain Keras on the torch backend) repeats the run.
    program = run_dir / "program.py"
    assert 'os.environ["KERAS_BACKEND"] = "torch"' in program.read_text()
    runner = ("import json, os, runpy, sys; os.environ['MPLBACKEND'] = 'Agg'; "
              "found = runpy.run_path(sys.argv[1], run_name='__main__'); "
              "print(json.dumps({'loss': found['history'].history['loss'], 'test': found['test_accuracy']}))")
    env = {key: value for key, value in _env().items() if key != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", runner, str(program)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    computed = json.loads(out.stdout.strip().splitlines()[-1])
    assert max(abs(a - b) for a, b in zip(computed["loss"], main_of(record)["history"]["loss"])) <= 1e-5
    assert len(computed["loss"]) == len(main_of(record)["history"]["loss"])
    assert abs(computed["test"] - main_of(record)["test"]["accuracy"]) <= 1e-5


@_NO_TORCH
def test_torch_gradient_norms_match_tensorflows(tmp_path):
    """The torch.autograd branch computes what the TensorFlow branch computes, for the same weights."""
    code = """
import json, sys
import numpy as np
from labreport.train.backend import select_backend
select_backend(sys.argv[1])
import keras
from labreport.train.probes import step_gradient_norms
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((12,)), keras.layers.Embedding(9, 4), keras.layers.LSTM(5),
                          keras.layers.Dense(3, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy")
weights = np.load(sys.argv[2], allow_pickle=True)
model.set_weights([weights[k] for k in sorted(weights.files, key=int)])
rng = np.random.default_rng(1)
x = rng.integers(0, 9, size=(16, 12)).astype("int32")
y = rng.integers(0, 3, size=16).astype("int32")
print(json.dumps(step_gradient_norms(model, x, y)))
"""
    rng = np.random.default_rng(2)
    shapes = [(9, 4), (4, 20), (5, 20), (20,), (5, 3), (3,)]
    np.savez(tmp_path / "w.npz", **{str(i): rng.normal(0, 0.5, s).astype("float32") for i, s in enumerate(shapes)})
    found = {}
    for backend in ("tensorflow", "torch"):
        out = subprocess.run([sys.executable, "-c", code, backend, str(tmp_path / "w.npz")],
                             capture_output=True, text=True, env=_env(), check=True)
        found[backend] = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(found["torch"]) == 12
    np.testing.assert_allclose(found["torch"], found["tensorflow"], rtol=1e-4, atol=1e-7)


@_NO_TORCH
def test_the_torch_backend_trains_on_one_thread_unless_told_otherwise():
    code = ("from labreport.train.backend import select_backend; select_backend('torch'); "
            "import torch; print(torch.get_num_threads())")
    env = _env()
    env.pop("OMP_NUM_THREADS", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == "1"
    env["OMP_NUM_THREADS"] = "2"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == "2"


def test_torch_backend_without_torch_says_how_to_install(tmp_path):
    """Where torch cannot be imported, backend torch is refused with the install hint (exit 2)."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    # A torch package that fails to import stands for a missing one.
    (blocker / "torch").mkdir()
    (blocker / "torch" / "__init__.py").write_text("raise ImportError('No module named torch')\n")
    spec = tmp_path / "tiny_no_torch.yaml"
    spec.write_text(tiny_spec_text("tiny_no_torch", extra="  backend: torch\n"))
    env = _env()
    env["PYTHONPATH"] = str(blocker) + os.pathsep + env["PYTHONPATH"]
    result = subprocess.run([sys.executable, "-m", "labreport", "run", str(spec), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "training.backend is 'torch' but PyTorch is not installed." in said
    assert "pip install 'labreport[torch]'" in said and "download.pytorch.org/whl/cpu" in said
    assert "Traceback" not in said
