"""The Keras callbacks training runs with, public subclasses of ``keras.callbacks.Callback``.

Importing this module imports Keras, so ``training.train_one`` imports it
after ``select_backend`` has chosen the backend; nothing else does.  The
callbacks use only Keras' public callback hooks and ``Model`` methods
(``save_weights``, ``get_weights``/``set_weights``, ``stop_training``);
resuming is ``fit(initial_epoch=...)`` after ``train_one`` has loaded the
checkpoint's weights.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from pathlib import Path

import keras

from ..atomic import check_inside
from . import run_files
from .run_files import BATCH_KEYS, METRICS


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
        self._logged_batches: list[tuple[int, float, float]] = []
        self.csv_path = csv_path
        initial = initial or {}
        self.history = {m: list(initial.get("history", {}).get(m, [])) for m in METRICS}
        self.seconds_per_epoch = list(initial.get("seconds_per_epoch", []))
        self.batch_history = {key: list(initial.get("batch_history", {}).get(key, []))
                              for key in BATCH_KEYS}
        self.nan_at: dict | None = None
        self._epoch = 0
        # On JAX the batch hook runs on a worker thread, and a stop set from there can
        # land while fit has already dispatched the next step, which donates the
        # buffers fit then reads ("Buffer has been deleted or donated": 6 of 8
        # diverging fits crashed with Keras 3.15).  There the epoch-end hook
        # stops training instead, after the rest of the (already NaN) epoch.
        self.stops_at_the_batch = keras.backend.backend() != "jax"

    # Keras may call on_train_batch_end on a worker thread, several batches
    # at once and in any order (its async dispatch, used on JAX, where
    # waiting for each batch's numbers would stall the steps queued behind
    # it: Assignment 7's epochs were 19 % slower).  So the batch hook only
    # stores what Keras logged; on_epoch_end, which Keras calls after every
    # batch hook has finished, orders and converts them.
    async_safe = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._logged_batches = []  # (batch, running mean loss, running mean accuracy)
        self._epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        logged = (batch, float(logs.get("loss", math.nan)), float(logs.get("accuracy", math.nan)))
        self._logged_batches.append(logged)
        if not math.isfinite(logged[1]) and self.stops_at_the_batch:
            # Stop here rather than with keras.callbacks.TerminateOnNaN:
            # it prints its own 0-based "Batch N" line, which would
            # contradict the 1-based batch our message names.  Which batch
            # it was is settled in batch order at epoch end (Keras calls
            # on_epoch_end after a stop too).
            self.model.stop_training = True

    def _record_batches(self) -> None:
        # Keras logs the mean over the epoch so far, weighted by samples;
        # undo it to record what each batch itself scored.
        previous = {"loss": (0.0, 0), "accuracy": (0.0, 0)}  # (mean so far, samples so far)
        for batch, *means in sorted(self._logged_batches):
            seen = min((batch + 1) * self.batch_size, self.n_samples)
            values = {}
            for metric, mean in zip(("loss", "accuracy"), means):
                previous_mean, previous_seen = previous[metric]
                values[metric] = (mean * seen - previous_mean * previous_seen) / max(seen - previous_seen, 1)
                previous[metric] = (mean, seen)
            loss, logged = values["loss"], means[0]
            self.batch_history["epoch"].append(self._epoch + 1)
            self.batch_history["batch"].append(batch + 1)
            self.batch_history["loss"].append(loss)
            self.batch_history["accuracy"].append(values["accuracy"])
            if not (math.isfinite(loss) and math.isfinite(logged)) and self.nan_at is None:
                value = "NaN" if math.isnan(logged) or math.isnan(loss) else "infinite"
                self.nan_at = {"epoch": self._epoch + 1, "batch": batch + 1, "value": value}
                self.model.stop_training = True
        self._logged_batches = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self._record_batches()
        # A resumed fit(initial_epoch=K) starts after the K restored epochs; anything recorded at
        # or after this epoch (history.csv may have run an epoch ahead of the checkpoint) goes.
        for metric in METRICS:
            del self.history[metric][epoch:]
        del self.seconds_per_epoch[epoch:]
        for metric in METRICS:
            self.history[metric].append(float(logs.get(metric, math.nan)))
        self.seconds_per_epoch.append(round(time.perf_counter() - self._epoch_started, 3))
        if self.csv_path is not None:
            run_files.write_history_csv(self.csv_path, self.history, self.seconds_per_epoch)

class BestEpochStopping(keras.callbacks.Callback):
    """keras.callbacks.EarlyStopping's rule, with its state explicit so a checkpoint can carry it.

    An epoch improves when its ``monitor`` value beats the best so far by more
    than ``min_delta`` (lower for a loss, higher for an accuracy; the first
    finite value always does).  Every epoch that does not improve adds one to
    ``wait``; when ``wait`` reaches ``patience`` (None: never) training stops
    after that epoch.  With ``restore_best_weights`` the best epoch's weights
    are kept in memory and put back when training ends, so what is evaluated
    is the best epoch.  Epochs here are 1-based, as in run.json; 0 is "none".
    ``get_state``/``set_state`` carry the counters through a checkpoint; the
    best weights travel as a weights file named in it (EpochCheckpoint).
    """

    async_safe = True  # only epoch hooks

    def __init__(self, monitor: str, patience: int | None, min_delta: float, restore_best_weights: bool):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.min_delta = abs(float(min_delta))
        self.restore_best_weights = restore_best_weights
        self.higher_is_better = monitor.removeprefix("val_") == "accuracy"
        self.best: float | None = None
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights: list | None = None
        self.best_weights_file: str | None = None  # set by EpochCheckpoint when it saves them
        self.restored = False

    def improves(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        if self.higher_is_better:
            return value - self.min_delta > self.best
        return value + self.min_delta < self.best

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            return  # the spec refuses a val_* monitor without a validation set
        value = float(value)
        self.wait += 1
        if self.improves(value):
            self.best, self.best_epoch, self.wait = value, epoch + 1, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.patience is not None and self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch + 1
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
            self.restored = True

    def get_state(self) -> dict:
        return {"monitor": self.monitor, "best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "best_weights": self.best_weights_file}

    def set_state(self, state: dict, best_weights: list | None) -> None:
        self.best = state["best"]
        self.best_epoch = int(state["best_epoch"])
        self.wait = int(state["wait"])
        self.stopped_epoch = int(state["stopped_epoch"])
        self.best_weights_file = state.get("best_weights")
        self.best_weights = best_weights



class EpochCheckpoint(keras.callbacks.Callback):
    """One atomic commit per finished epoch: its weights, and the history and early-stopping state with them.

    Each epoch's weights go to a new file (``Model.save_weights``, which
    stores the optimizer's variables too, so a resumed run continues with
    the same Adam moments and step count), then a small JSON naming that
    file, the epoch, the history so far and the training fields is renamed
    into place last: the rename is the commit, so a resumed run always sees
    a state that was whole.  Keras' ``BackupAndRestore`` overwrites one
    weights file and then the epoch number in place, so a kill between the
    two leaves a torn file or weights an epoch ahead of their number.

    Restoring is not this callback's job: ``train_one`` loads the weights
    before ``fit`` (so an unreadable file can fall back to a fresh start)
    and passes ``initial_epoch``.  Nothing is deleted at the end of
    training: the pipeline removes the checkpoints once run.json is
    written, so a run killed while a baseline trains does not train the
    main model again.
    """

    def __init__(self, folder: Path, recorder: HistoryRecorder, fingerprint: dict, resume_epoch: int,
                 stopper: BestEpochStopping | None = None):
        super().__init__()
        self.folder = Path(folder)
        self.recorder = recorder
        self.stopper = stopper  # its on_epoch_end must run before this one's (it comes first in the list)
        self.fingerprint = fingerprint
        self.saved_epoch = resume_epoch  # the last epoch committed: the one a resumed run would start after

    def on_epoch_end(self, epoch, logs=None):
        if self.recorder.nan_at is not None:
            return  # never checkpoint weights that have diverged
        self.save(epoch + 1)

    def save(self, epoch: int) -> None:
        """Commit finished epoch ``epoch`` (1-based), then remove the weights files no state names."""
        self.folder.mkdir(parents=True, exist_ok=True)
        weights = f"epoch-{epoch:04d}.weights.h5"
        # Keras writes the file itself, so the guard of write_atomic is done here: the checkpoint folder must
        # not have become a link out of the run folder, and the weights go to a new, unguessable name that
        # is then renamed over the final one (a link planted at that name is replaced, never written through).
        check_inside(self.folder / weights, self.folder.parent)
        partial = self.folder / f".{uuid.uuid4().hex}.{weights}"
        try:
            self.model.save_weights(str(partial), overwrite=True)
            os.replace(partial, self.folder / weights)
        finally:
            partial.unlink(missing_ok=True)
        state = {
            "epoch": epoch,
            "weights": weights,
            "fingerprint": self.fingerprint,
            "history": self.recorder.history,
            "seconds_per_epoch": self.recorder.seconds_per_epoch,
            "batch_history": self.recorder.batch_history,
        }
        keep = {weights}
        stopper = self.stopper
        if stopper is not None:
            if stopper.restore_best_weights and stopper.best_epoch == epoch:
                # This epoch is the best so far: its weights file is the best weights' file too.
                stopper.best_weights_file = weights
            state["early_stopping"] = stopper.get_state()
            if stopper.best_weights_file:
                keep.add(stopper.best_weights_file)
        run_files.write_checkpoint_state(self.folder, state)
        self.saved_epoch = epoch
        for old in self.folder.glob("epoch-*.weights.h5"):
            if old.name not in keep:
                old.unlink(missing_ok=True)
