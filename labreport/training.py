"""Training stage: a spec and a ``Dataset`` in, the trained results as plain data out.

This is the only stage that imports Keras/TensorFlow (inside functions, so
that importing labreport stays instant).  What it returns is JSON-able and
becomes the heart of run.json; nothing downstream needs the model object.
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LabreportError, TrainingError
from .model import InputShape, build_model, describe_model

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def select_backend(backend: str) -> None:
    """Choose Keras' backend before Keras is imported; refuse a switch after."""
    already = sys.modules.get("keras")
    if already is not None:
        current = already.backend.backend()
        if current != backend:
            raise LabreportError(
                f"training.backend is '{backend}' but Keras was already loaded with the "
                f"'{current}' backend in this process.",
                hint="Restart the Python process (or notebook kernel) to switch backends.",
            )
        return
    os.environ["KERAS_BACKEND"] = backend
    # TensorFlow's C++ start-up chatter is noise in a student's terminal.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend == "jax":
        try:
            import jax  # noqa: F401
        except ImportError:
            raise LabreportError(
                "training.backend is 'jax' but JAX is not installed.",
                hint="Install it with: pip install 'labreport[jax]', or set training.backend: tensorflow.",
            ) from None


@dataclass
class TrainedModel:
    """One model's results, plain data (the main model or a baseline)."""

    cell: str
    model: dict
    history: dict
    batch_history: dict
    test: dict
    timing: dict
    keras_model: object = field(default=None, repr=False)  # kept for diagnostics, never serialised
    stopped_early: dict | None = None

    def to_record(self) -> dict:
        record = {"cell": self.cell, "model": self.model, "history": self.history,
                  "batch_history": self.batch_history, "test": self.test, "timing": self.timing}
        if self.stopped_early:
            record["stopped_early"] = self.stopped_early
        return record


def input_shape(dataset) -> InputShape:
    features = None if dataset.vocabulary_size else int(dataset.x_train.shape[2])
    return InputShape(dataset.sequence_length, dataset.vocabulary_size, features, dataset.n_classes)


def _callbacks_module():
    import keras

    class HistoryRecorder(keras.callbacks.Callback):
        """Per-epoch and per-batch history, epoch times, and history.csv as training goes.

        The CSV is appended after every epoch (and flushed) so that a run
        killed mid-way keeps every finished epoch, and a resumed run
        continues it without repeating an epoch.
        """

        def __init__(self, csv_path: Path | None, initial: dict | None = None, *,
                     batch_size: int, n_samples: int):
            super().__init__()
            self.batch_size = batch_size
            self.n_samples = n_samples
            self._running = {"loss": (0.0, 0), "accuracy": (0.0, 0)}  # (mean so far, samples so far)
            self.csv_path = csv_path
            self.history = {m: list((initial or {}).get(m, [])) for m in METRICS}
            self.seconds_per_epoch = list((initial or {}).get("seconds_per_epoch", []))
            self.batch_history = {"epoch": [], "batch": [], "loss": [], "accuracy": []}
            self.nan_at: dict | None = None
            self._epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch
            self._running = {"loss": (0.0, 0), "accuracy": (0.0, 0)}
            self._epoch_started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            # Keras logs the mean over the epoch so far, weighted by samples;
            # undo it to record what each batch itself scored.
            seen = min((batch + 1) * self.batch_size, self.n_samples)
            values = {}
            for metric in ("loss", "accuracy"):
                mean = float(logs.get(metric, math.nan))
                previous_mean, previous_seen = self._running[metric]
                values[metric] = (mean * seen - previous_mean * previous_seen) / max(seen - previous_seen, 1)
                self._running[metric] = (mean, seen)
            loss = values["loss"]
            self.batch_history["epoch"].append(self._epoch + 1)
            self.batch_history["batch"].append(batch + 1)
            self.batch_history["loss"].append(loss)
            self.batch_history["accuracy"].append(values["accuracy"])
            if not math.isfinite(loss) and self.nan_at is None:
                self.nan_at = {"epoch": self._epoch + 1, "batch": batch + 1}

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            # BackupAndRestore may resume at a later epoch: drop anything at or after it.
            for metric in METRICS:
                del self.history[metric][epoch:]
            del self.seconds_per_epoch[epoch:]
            for metric in METRICS:
                self.history[metric].append(float(logs.get(metric, math.nan)))
            self.seconds_per_epoch.append(round(time.perf_counter() - self._epoch_started, 3))
            if self.csv_path is not None:
                write_history_csv(self.csv_path, self.history, self.seconds_per_epoch)

    return HistoryRecorder


def write_history_csv(path: Path, history: dict, seconds_per_epoch: list) -> None:
    """history.csv, one row per epoch; rewritten whole and renamed so it is never torn."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *METRICS, "seconds"])
        for index in range(len(history["loss"])):
            writer.writerow([index + 1, *(history[m][index] for m in METRICS),
                             seconds_per_epoch[index] if index < len(seconds_per_epoch) else ""])
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_history_csv(path: Path) -> dict:
    """The history a killed run left behind (empty if none)."""
    history = {m: [] for m in METRICS}
    history["seconds_per_epoch"] = []
    if not path.exists():
        return history
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for metric in METRICS:
                history[metric].append(float(row[metric]))
            history["seconds_per_epoch"].append(float(row["seconds"]) if row.get("seconds") else math.nan)
    return history


def _progress_verbosity(progress: str) -> int | str:
    return {"bar": 1, "epoch": 2, "none": 0}.get(progress, "auto")


def train_one(spec, dataset, *, cell: str | None = None, work_dir: Path | None = None,
              progress: str = "bar", log=print) -> TrainedModel:
    """Train the spec's model (or a baseline with every recurrent cell set to ``cell``)."""
    import keras

    cell_name = cell or spec.model.recurrent[0].cell
    # The same seed for the main model and each baseline: the same initial
    # draws and the same batch order, so only the cell differs.
    keras.utils.set_random_seed(spec.training.seed)
    model = build_model(spec.model, spec.training, input_shape(dataset), cell=cell)

    csv_path = backup_dir = None
    initial = None
    if work_dir is not None:
        suffix = "" if cell is None else f"_{cell}"
        csv_path = work_dir / f"history{suffix}.csv"
        backup_dir = work_dir / ".checkpoint" / (cell or "main")
        if backup_dir.exists():
            initial = read_history_csv(csv_path)
        elif csv_path.exists():
            csv_path.unlink()  # a finished earlier run's file; this run starts over
    Recorder = _callbacks_module()
    recorder = Recorder(csv_path, initial, batch_size=spec.training.batch_size, n_samples=len(dataset.y_train))
    callbacks = [recorder, keras.callbacks.TerminateOnNaN()]
    if backup_dir is not None:
        # Checkpoint every epoch so a killed run resumes at the last finished one.
        callbacks.append(keras.callbacks.BackupAndRestore(str(backup_dir), save_freq="epoch",
                                                          delete_checkpoint=True))

    started = time.perf_counter()
    try:
        model.fit(
            dataset.x_train, dataset.y_train,
            validation_data=(dataset.x_val, dataset.y_val),
            batch_size=spec.training.batch_size,
            epochs=spec.training.epochs,
            shuffle=True,
            callbacks=callbacks,
            verbose=_progress_verbosity(progress),
        )
    except KeyboardInterrupt:
        raise TrainingError(
            f"Training interrupted after {len(recorder.history['loss'])} finished epoch(s).",
            hint="Run the same command again to resume from the last finished epoch.",
        ) from None
    train_seconds = time.perf_counter() - started

    stopped = None
    if recorder.nan_at is not None:
        stopped = {"reason": "nan_loss", **recorder.nan_at}
        raise NanLossError(cell_name, recorder, stopped)

    started = time.perf_counter()
    # The training batch size: validation already compiled the step for that
    # shape, so only the last, partial batch needs compiling (XLA compiles per shape).
    test_loss, test_accuracy = model.evaluate(dataset.x_test, dataset.y_test,
                                              batch_size=spec.training.batch_size, verbose=0)
    evaluate_seconds = time.perf_counter() - started
    epochs_run = len(recorder.history["loss"])
    return TrainedModel(
        cell=cell_name,
        model=describe_model(model),
        history=recorder.history,
        batch_history={**recorder.batch_history, "values": "per_batch",
                       "batches_per_epoch": math.ceil(len(dataset.y_train) / spec.training.batch_size)},
        test={"loss": float(test_loss), "accuracy": float(test_accuracy)},
        timing={"seconds_per_epoch": recorder.seconds_per_epoch,
                "train_seconds": round(train_seconds, 3),
                "evaluate_seconds": round(evaluate_seconds, 3),
                "epochs": epochs_run},
        keras_model=model,
    )


class NanLossError(TrainingError):
    """The loss became NaN; the history up to that point is kept in history.csv."""

    def __init__(self, cell: str, recorder, stopped: dict):
        self.history = recorder.history
        self.stopped = stopped
        super().__init__(
            f"The {cell} model's loss became NaN at epoch {stopped['epoch']}, batch {stopped['batch']}; "
            f"training stopped. The {len(recorder.history['loss'])} finished epoch(s) are kept in history.csv.",
            hint="Lower training.learning_rate (say by 10x) or set training.clipnorm: 1.0, then run again.",
        )
