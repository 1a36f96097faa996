"""EpochCheckpoint: each finished epoch committed with its weights and optimizer state; a resume is exact.

The resume is Keras' public API only: ``Model.load_weights`` (after
``optimizer.build``) and ``fit(initial_epoch=...)``.  It runs in a fresh
interpreter per backend, since Keras fixes its backend at first import.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

TESTS = Path(__file__).parent
HAS_JAX = importlib.util.find_spec("jax") is not None
BACKENDS = ["tensorflow", pytest.param("jax", marks=[
    pytest.mark.slow, pytest.mark.skipif(not HAS_JAX, reason="JAX is not installed (pip install 'labreport[jax]')")])]

# argv: backend, work folder.  Prints one RESULT line of JSON.
WORKER = r"""
import json, sys
from pathlib import Path
import numpy as np
from labreport.train.backend import select_backend
select_backend(sys.argv[1])
import keras
from labreport.train.callbacks import BestEpochStopping, EpochCheckpoint, HistoryRecorder
from callback_models import BATCH, N_TRAIN, fit, tiny_model

work = Path(sys.argv[2])

def callbacks(folder, initial=None, resume_epoch=0, stopper=None):
    recorder = HistoryRecorder(None, initial, batch_size=BATCH, n_samples=N_TRAIN)
    found = [recorder] + ([stopper] if stopper else [])
    return recorder, found + [EpochCheckpoint(folder, recorder, {"test": 1}, resume_epoch, stopper)]

def values(variables):
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in variables]

# Uninterrupted: 4 epochs.
whole = tiny_model()
whole_recorder, cbs = callbacks(work / "whole")
fit(whole, cbs, epochs=4)

# Interrupted after epoch 2, then resumed in a new model from the checkpoint.
first = tiny_model()
_, cbs = callbacks(work / "split")
fit(first, cbs, epochs=2)
state = json.loads((work / "split" / "state.json").read_text())
files_after_2 = sorted(p.name for p in (work / "split").iterdir())
resumed = tiny_model(seed=99)  # other initial weights: everything must come from the checkpoint
resumed.optimizer.build(resumed.trainable_variables)
resumed.load_weights(str(work / "split" / state["weights"]))
optimizer_restored = all(np.array_equal(a, b) for a, b in
                         zip(values(resumed.optimizer.variables), values(first.optimizer.variables)))
recorder, cbs = callbacks(work / "split", initial=state, resume_epoch=state["epoch"])
epochs_run = []
fit(resumed, cbs + [keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: epochs_run.append(e))],
    epochs=4, initial_epoch=state["epoch"])
final_state = json.loads((work / "split" / "state.json").read_text())

# The best epoch's weights file is kept beside the last one while early stopping tracks it.
stopper = BestEpochStopping("loss", None, 1e9, True)  # min_delta so large only epoch 1 improves
_, cbs = callbacks(work / "best", stopper=stopper)
fit(tiny_model(), cbs, epochs=3)
best_state = json.loads((work / "best" / "state.json").read_text())

# A link planted at a weights file's name is replaced by the file, never written through.
outside = work / "outside.txt"
outside.write_text("keep")
(work / "linked").mkdir()
(work / "linked" / "epoch-0001.weights.h5").symlink_to(outside)
_, cbs = callbacks(work / "linked")
fit(tiny_model(), cbs, epochs=1)
linked = work / "linked" / "epoch-0001.weights.h5"

# A diverged run commits nothing.
_, cbs = callbacks(work / "nan")
fit(tiny_model(), cbs, epochs=2, nan_in_batch=2)

print("RESULT " + json.dumps({
    "state_epoch": state["epoch"], "state_weights": state["weights"], "files_after_2": files_after_2,
    "optimizer_restored": optimizer_restored,
    "epochs_run": epochs_run,
    "weights_equal": all(np.allclose(a, b, rtol=1e-6, atol=1e-7)
                         for a, b in zip(values(resumed.weights), values(whole.weights))),
    "optimizer_equal": all(np.allclose(a, b, rtol=1e-6, atol=1e-7) for a, b in
                           zip(values(resumed.optimizer.variables), values(whole.optimizer.variables))),
    "iterations": [int(keras.ops.convert_to_numpy(m.optimizer.iterations)) for m in (resumed, whole)],
    "history_resumed": recorder.history, "history_whole": whole_recorder.history,
    "final_epoch": final_state["epoch"], "final_files": sorted(p.name for p in (work / "split").iterdir()),
    "best_state": best_state["early_stopping"], "best_files": sorted(p.name for p in (work / "best").iterdir()),
    "nan_written": (work / "nan").exists(),
    "outside_kept": outside.read_text() == "keep", "linked_replaced": linked.is_file() and not linked.is_symlink(),
}))
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_resume_from_the_checkpoint_trains_as_if_never_interrupted(backend, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), str(TESTS),
                                                                      os.environ.get("PYTHONPATH")]))}
    env.pop("KERAS_BACKEND", None)
    result = subprocess.run([sys.executable, "-c", WORKER, backend, str(tmp_path)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    found = json.loads(result.stdout.split("RESULT ", 1)[1])

    # Epoch 2 committed: its weights and the state naming them; epoch 1's file is gone.
    assert found["state_epoch"] == 2 and found["state_weights"] == "epoch-0002.weights.h5"
    assert found["files_after_2"] == ["epoch-0002.weights.h5", "state.json"]
    # The weights file carries the optimizer's variables (Adam's moments, the step count).
    assert found["optimizer_restored"]
    # fit(initial_epoch=2) trains epochs 3 and 4 only, and ends where 4 uninterrupted epochs end.
    assert found["epochs_run"] == [2, 3]
    assert found["weights_equal"] and found["optimizer_equal"]
    assert found["iterations"] == [16, 16]
    for metric, whole in found["history_whole"].items():
        assert found["history_resumed"][metric] == pytest.approx(whole, rel=1e-5), metric
    assert found["final_epoch"] == 4
    assert found["final_files"] == ["epoch-0004.weights.h5", "state.json"]

    assert found["best_state"]["best_epoch"] == 1 and found["best_state"]["best_weights"] == "epoch-0001.weights.h5"
    assert found["best_files"] == ["epoch-0001.weights.h5", "epoch-0003.weights.h5", "state.json"]
    assert found["nan_written"] is False
    assert found["outside_kept"] and found["linked_replaced"]
