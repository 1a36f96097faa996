"""HistoryRecorder: per-epoch and per-batch history, history.csv after every epoch, the NaN batch."""

from __future__ import annotations

import csv
import math

import pytest

from callback_models import BATCH, N_TRAIN, fit, tiny_model

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def recorder_for(csv_path, initial=None):
    from labreport.train.callbacks import HistoryRecorder
    return HistoryRecorder(csv_path, initial, batch_size=BATCH, n_samples=N_TRAIN)


def csv_epochs(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


def test_it_records_what_keras_logs_and_writes_history_csv(tmp_path):
    recorder = recorder_for(tmp_path / "history.csv")
    keras_history = fit(tiny_model(), [recorder], epochs=3).history
    for metric in METRICS:
        assert recorder.history[metric] == pytest.approx(keras_history[metric], rel=1e-6)
    assert len(recorder.seconds_per_epoch) == 3 and all(s >= 0 for s in recorder.seconds_per_epoch)
    assert csv_epochs(tmp_path / "history.csv") == [1, 2, 3]
    batches = recorder.batch_history
    assert batches["epoch"] == [1] * 4 + [2] * 4 + [3] * 4
    assert batches["batch"] == [1, 2, 3, 4] * 3
    # Each batch's own loss, not Keras' running mean: their mean is the epoch's loss.
    for epoch in range(3):
        losses = batches["loss"][4 * epoch: 4 * epoch + 4]
        assert sum(losses) / 4 == pytest.approx(recorder.history["loss"][epoch], rel=1e-5)
    assert recorder.nan_at is None


def test_a_resumed_fit_continues_the_history_without_repeating_an_epoch(tmp_path):
    first = recorder_for(None)
    model = tiny_model()
    fit(model, [first], epochs=2)
    initial = {"history": first.history, "seconds_per_epoch": first.seconds_per_epoch,
               "batch_history": first.batch_history}
    resumed = recorder_for(tmp_path / "history.csv", initial)
    fit(model, [resumed], epochs=3, initial_epoch=2)
    assert all(len(values) == 3 for values in resumed.history.values())
    assert all(resumed.history[m][:2] == first.history[m] for m in METRICS)
    assert resumed.batch_history["epoch"] == [1] * 4 + [2] * 4 + [3] * 4
    assert csv_epochs(tmp_path / "history.csv") == [1, 2, 3]


def test_a_nan_loss_stops_training_and_names_the_batch(tmp_path):
    recorder = recorder_for(tmp_path / "history.csv")
    fit(tiny_model(), [recorder], epochs=3, nan_in_batch=3)
    assert recorder.nan_at == {"epoch": 1, "batch": 3, "value": "NaN"}
    assert len(recorder.history["loss"]) == 1  # stopped in the epoch it diverged in
    assert not math.isfinite(recorder.batch_history["loss"][recorder.nan_at["batch"] - 1])
