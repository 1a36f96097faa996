"""The training batches come in a new order every epoch, drawn from the seed and the epoch number.

Keras' own ``fit(x, y, shuffle=True)`` repeats one order every epoch on the
TensorFlow backend once ``keras.utils.set_random_seed`` is set (Keras 3.15,
TF 2.21), and on other backends an epoch's order depends on the draws before
it, so a resumed run would see other batches.  labreport's batches
(train/batches.py) are checked here as ``fit`` trains on them: which samples
formed each batch is read off a toy model (tests/batch_order_probe.py), on
every backend that is installed (each in a fresh interpreter, since Keras
fixes its backend at first import).  A resumed ``train_one`` is checked
against an uninterrupted one on TensorFlow.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, tiny_spec_text

TESTS = Path(__file__).parent
PROBE = TESTS / "batch_order_probe.py"
N_SAMPLES, BATCH_SIZE, EPOCHS, SEED = 64, 16, 3, 7  # the probe's


def _backend(name: str):
    if name == "tensorflow":
        return name
    module = {"jax": "jax", "torch": "torch"}[name]
    return pytest.param(name, marks=pytest.mark.skipif(
        importlib.util.find_spec(module) is None,
        reason=f"{module} is not installed (pip install 'labreport[{name}]'): this backend's batch order is unchecked"))


BACKENDS = [_backend(name) for name in ("tensorflow", "jax", "torch")]


def probe(backend: str) -> dict[str, dict[int, list[frozenset]]]:
    """{fit: {epoch: [the set of sample ids of each batch, in batch order]}} as fit trained on them."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("KERAS_BACKEND", None)
    result = subprocess.run([sys.executable, str(PROBE), backend], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return {fit: {int(epoch): [frozenset(batch) for batch in batches] for epoch, batches in epochs.items()}
            for fit, epochs in found.items()}


def expected(epoch: int) -> list[frozenset]:
    """The batches of an epoch as the exported programs draw them: default_rng([seed, epoch])."""
    order = np.random.default_rng([SEED, epoch]).permutation(N_SAMPLES)
    return [frozenset(int(i) for i in order[start:start + BATCH_SIZE]) for start in range(0, N_SAMPLES, BATCH_SIZE)]


@pytest.fixture(scope="module")
def probes():
    found: dict = {}

    def get(backend: str):
        if backend not in found:
            found[backend] = probe(backend)
        return found[backend]
    return get


@pytest.mark.parametrize("backend", BACKENDS)
def test_batches_differ_between_epochs_and_repeat_between_runs(backend, probes):
    run = probes(backend)["whole"]
    assert sorted(run) == [1, 2, 3]
    for epoch, batches in run.items():
        # Every sample once per epoch, in batches of 16.
        assert [len(batch) for batch in batches] == [BATCH_SIZE] * 4, epoch
        assert frozenset().union(*batches) == frozenset(range(N_SAMPLES)), epoch
    # No batch of one epoch is a batch of another: the composition changes every epoch.
    for first in (1, 2, 3):
        for second in range(first + 1, 4):
            assert not set(run[first]) & set(run[second]), (first, second)
    # The same seed, the same batches: a second run, and the exported programs' own draw.
    assert probes(backend)["again"] == run
    assert run == {epoch: expected(epoch) for epoch in (1, 2, 3)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_resumed_fit_sees_the_batches_of_an_uninterrupted_one(backend, probes):
    resumed = probes(backend)["resumed"]  # fit(initial_epoch=1): epochs 2 and 3
    assert sorted(resumed) == [2, 3]
    whole = probes(backend)["whole"]
    assert resumed == {epoch: whole[epoch] for epoch in (2, 3)}


def test_the_batches_cover_whole_epochs_with_a_partial_last_batch():
    pytest.importorskip("keras")
    from labreport.train.batches import EpochShuffledBatches, epoch_order, fit_arguments

    x, y = np.arange(10 * 3).reshape(10, 3), np.arange(10)
    batches = EpochShuffledBatches(x, y, batch_size=4, seed=5, first_epoch=3, last_epoch=4)
    assert batches.batches_per_epoch == 3 and len(batches) == 6
    for epoch in (3, 4):
        order = epoch_order(5, epoch, 10)
        got = [batches[i] for i in range(3 * (epoch - 3), 3 * (epoch - 2))]
        assert [len(b[1]) for b in got] == [4, 4, 2]  # the last batch of each epoch is the partial one
        assert np.concatenate([b[1] for b in got]).tolist() == order.tolist()
        assert all((b[0][:, 0] // 3 == b[1]).all() for b in got)  # x and y rows stay together
    with pytest.raises(IndexError):
        batches[6]
    # A run resumed after it stopped early trains no epoch, but fit still gets one epoch's batches.
    arguments = fit_arguments(x, y, batch_size=4, seed=5, initial_epoch=4, epochs=4)
    assert len(arguments["x"]) == 3 and arguments["steps_per_epoch"] == 3 and arguments["shuffle"] is False


def test_a_run_resumed_from_its_checkpoint_trains_as_the_uninterrupted_one(tmp_path):
    """train_one: 2 epochs, then the same spec with 3 resumes from the checkpoint; epoch 3 is the same."""
    from labreport.data import load_dataset
    from labreport.spec import load_spec
    from labreport.training import train_one

    spec_path = tmp_path / "resume.yaml"
    spec_path.write_text(tiny_spec_text("resume", epochs=3).replace("compare: [simple_rnn]", "compare: []"))
    spec = load_spec(spec_path)
    dataset = load_dataset(spec.dataset, spec.training)
    quiet = dict(progress="none", log=lambda *args: None)
    whole = train_one(spec, dataset, work_dir=tmp_path / "whole", **quiet)
    # Only training.epochs differs, which a checkpoint may resume with (train_one leaves the checkpoint behind).
    two = spec.model_copy(update={"training": spec.training.model_copy(update={"epochs": 2})})
    train_one(two, dataset, work_dir=tmp_path / "split", **quiet)
    resumed = train_one(spec, dataset, work_dir=tmp_path / "split", **quiet)
    assert resumed.timing["resumed_from_epoch"] == 2
    for metric, values in whole.history.items():
        assert resumed.history[metric] == pytest.approx(values, rel=1e-5, abs=1e-6), metric
    assert resumed.batch_history["loss"] == pytest.approx(whole.batch_history["loss"], rel=1e-5, abs=1e-6)
