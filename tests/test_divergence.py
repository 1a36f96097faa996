"""What run.json keeps of a run whose loss became NaN: train/divergence.py, a pure function (no Keras)."""

from __future__ import annotations

import math

from labreport.train.divergence import trim_after_divergence


def _histories():
    history = {"loss": [1.0, 0.9, 0.8], "accuracy": [0.5, 0.6, 0.7],
               "val_loss": [1.1, 1.0, 0.9], "val_accuracy": [0.4, 0.5, 0.6]}
    batches = {"epoch": [1, 1, 2, 2, 3, 3], "batch": [1, 2, 1, 2, 1, 2],
               "loss": [1.0, 0.9, 0.9, 0.8, 0.8, 0.7], "accuracy": [0.5, 0.5, 0.6, 0.6, 0.7, 0.7]}
    return history, batches


def test_the_epoch_it_diverged_in_keeps_a_non_finite_loss_and_null_metrics():
    history, batches = _histories()
    kept, kept_batches = trim_after_divergence(history, batches, {"epoch": 2, "batch": 1, "value": "NaN"})
    assert kept["loss"][0] == 1.0 and math.isnan(kept["loss"][1]) and len(kept["loss"]) == 2
    assert all(math.isnan(kept[metric][1]) for metric in ("accuracy", "val_loss", "val_accuracy"))
    assert kept_batches["epoch"] == [1, 1, 2] and kept_batches["batch"] == [1, 2, 1]
    assert kept_batches["loss"] == [1.0, 0.9, 0.9]
    assert kept_batches["accuracy"][:2] == [0.5, 0.5] and math.isnan(kept_batches["accuracy"][2])
    assert history["loss"] == [1.0, 0.9, 0.8] and len(batches["epoch"]) == 6  # the inputs are not changed


def test_an_infinite_loss_is_kept_as_infinite():
    history, batches = _histories()
    kept, _ = trim_after_divergence(history, batches, {"epoch": 3, "batch": 2, "value": "infinite"})
    assert kept["loss"][:2] == [1.0, 0.9] and kept["loss"][2] == math.inf


def test_an_epoch_not_yet_in_the_history_is_not_invented():
    """Diverged in epoch 3 before its end-of-epoch row was written: two finished epochs, kept as they were."""
    history, batches = _histories()
    history = {metric: values[:2] for metric, values in history.items()}
    kept, kept_batches = trim_after_divergence(history, batches, {"epoch": 3, "batch": 1, "value": "NaN"})
    assert kept == history
    assert kept_batches["batch"] == [1, 2, 1, 2, 1]
