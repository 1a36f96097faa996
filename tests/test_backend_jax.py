"""training.backend: jax, end to end (skipped where JAX is not installed; TensorFlow stays the default).

Keras fixes its backend at first import and this test process has already
loaded it with TensorFlow, so the run happens in a fresh interpreter.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, tiny_spec_text  # tests/ is on sys.path under pytest
from records import main_of

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                       reason="JAX is not installed (pip install 'labreport[jax]'); TensorFlow is the default backend"),
]


def test_tiny_run_on_the_jax_backend(tmp_path):
    spec = tmp_path / "tiny_jax.yaml"
    spec.write_text(tiny_spec_text("tiny_jax", extra="  backend: jax\n"))
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("KERAS_BACKEND", None)
    result = subprocess.run(
        [sys.executable, "-m", "labreport", "run", str(spec), "--out", str(tmp_path / "out"), "--quiet"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run_dir = tmp_path / "out" / "tiny_jax"
    record = json.loads((run_dir / "run.json").read_text())
    assert record["backend"] == "jax"
    assert record["versions"]["backend"] == "jax"
    assert record["versions"]["jax"] == importlib.metadata.version("jax")
    assert record["spec"]["training"]["backend"] == "jax"
    # Compiled: on JAX, Keras' jit_compile=False would run every step eagerly, op by op.
    assert main_of(record)["model"]["jit_compile"] is True
    # On JAX Keras calls the batch hooks asynchronously, possibly out of order: the
    # recorded batches are still in order and still undo Keras' running means.
    batches = main_of(record)["batch_history"]
    assert batches["epoch"] == [1] * 8 + [2] * 8 and batches["batch"] == list(range(1, 9)) * 2
    sizes = [32] * 7 + [16]  # 240 training sequences, batch 32
    for epoch in (0, 1):
        losses = batches["loss"][8 * epoch: 8 * epoch + 8]
        weighted = sum(loss * n for loss, n in zip(losses, sizes)) / 240
        assert abs(weighted - main_of(record)["history"]["loss"][epoch]) < 1e-4
    # The diagnostics ran through the JAX gradient branch and the gate check agrees with Keras.
    norms = record["diagnostics"]["gradient_norms"]
    assert set(norms["initial"]) == {"lstm", "simple_rnn"} and len(norms["initial"]["lstm"]) == 20
    assert record["diagnostics"]["gates"]["recomputed_vs_keras_max_abs_difference"] < 1e-4
    # The report's IDE section names the backend and its version.
    text = " ".join(page.extract_text() for page in PdfReader(run_dir / "report.pdf").pages)
    assert "on the jax backend" in " ".join(text.split())
    html = (run_dir / "report.html").read_text()
    assert f"<th>Backend</th><td>jax {record['versions']['jax']}</td>" in html


def test_jax_backend_choice_reaches_keras(tmp_path):
    """select_backend('jax') before the first Keras import gives Keras' JAX backend."""
    code = ("from labreport.train.backend import select_backend; select_backend('jax'); "
            "import keras; print(keras.backend.backend())")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KERAS_BACKEND", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == "jax"
