"""Training stage: a spec and a ``Dataset`` in, the trained results as plain data out.

This is the only stage that imports Keras/TensorFlow (inside functions, so
that importing labreport stays instant).  What it returns is JSON-able and
becomes the heart of run.json; nothing downstream needs the model object.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from .cells import CELL_TITLES
from .errors import TrainingError
from .model import build_model, describe_model, input_shape
from .train import run_files
from .train.checkpoint import checkpoint_identity, resume_or_start
from .train.divergence import trim_after_divergence
from .train.evaluation import evaluate, evaluation_outcome, log_stopping
from .train.run_files import CHECKPOINT_DIR


# Validation and test batches only run the model forward: their size changes no
# weight and no result (the loss is a mean either way), only the speed.  On the
# 2-core reference machine, evaluating Assignment 7's 25,000 test reviews took a
# median 2.35 s in batches of 128 and 1.06-1.57 s in batches of 1,024-2,048.  The
# memory is one batch of embedded inputs (1,024 x 600 steps x 32 floats = 79 MB
# for the seminar model), nothing stored for a backward pass.
INFERENCE_BATCH = 1024


def inference_batch_size(training_spec) -> int:
    """Batch size for validation and test: the training batch, or 1,024 if that is larger."""
    return max(int(training_spec.batch_size), INFERENCE_BATCH)


@dataclass
class TrainedModel:
    """One model's results, plain data (the main model or a baseline)."""

    cell: str
    model: dict
    history: dict
    batch_history: dict
    test: dict | None  # None when the loss diverged: NaN weights are never evaluated
    timing: dict
    keras_model: object = field(default=None, repr=False)  # kept for diagnostics, never serialised
    # Why training ended: {"reason": "completed", "epoch": E}, {"reason": "early_stopping", "epoch": E,
    # "best_epoch": B, "monitor": ..., ...} or {"reason": "nan_loss", "epoch": E, "batch": B, "value": "NaN" | "infinite"}.
    stopped: dict = field(default_factory=dict)
    # Which epoch's weights the test set was evaluated with (1-based; None when not evaluated), and
    # whether they were restored from the best epoch (training.early_stopping.restore_best_weights).
    evaluated_epoch: int | None = None
    restored_best_weights: bool = False
    # A compared model's name and the settings it changed (model.compare); None for the main model.
    name: str | None = None
    variant: dict | None = None

    @property
    def diverged(self) -> bool:
        return self.stopped.get("reason") == "nan_loss"

    def to_record(self) -> dict:
        named = {"name": self.name} if self.name not in (None, self.cell) else {}
        varied = {"variant": self.variant} if self.variant else {}
        return {"cell": self.cell, **named, **varied, "model": self.model, "history": self.history,
                "batch_history": self.batch_history, "test": self.test, "timing": self.timing,
                **self.evaluation_record()}

    def evaluation_record(self) -> dict:
        """The run.json fields that say which weights were evaluated and why training ended."""
        record = {"stopped": self.stopped, "restored_best_weights": self.restored_best_weights}
        if self.evaluated_epoch is not None:
            record["evaluated_epoch"] = self.evaluated_epoch
        return record


def train_one(spec, dataset, *, baseline=None, work_dir: Path | None = None,
              progress: str = "bar", log=print) -> TrainedModel:
    """Train the spec's model, or a compared one (``baseline``: a spec.Baseline from ``spec.baselines()``)."""
    import keras

    cell_name = baseline.cell if baseline else spec.model.recurrent[0].cell
    title = CELL_TITLES.get(cell_name, cell_name) + (f" ({baseline.name})" if baseline and baseline.overrides else "")
    model_spec = baseline.model if baseline else spec.model

    def build():
        # The same seed for the main model and each baseline: the same initial
        # draws (and the batch order is drawn from the same seed), so only the cell differs.
        keras.utils.set_random_seed(spec.training.seed)
        return build_model(model_spec, spec.training, input_shape(dataset))

    model, state, files = build(), None, None
    if work_dir is not None:
        files = _RunFiles(work_dir, baseline.name if baseline else None,
                          checkpoint_identity(spec, cell_name, baseline.overrides if baseline else None))
        model, state = resume_or_start(model, build, files.backup_dir, files.csv_path, files.identity,
                                       spec.training.epochs, title, log)
    callbacks = _callbacks(spec, dataset, state, files)
    recorder, stopper = callbacks.recorder, callbacks.stopper
    train_seconds = _fit(model, spec, dataset, callbacks, progress, title)
    if state is not None:
        # Time spent on the restored epochs in the earlier run(s) counts too.
        train_seconds += sum(s for s in state["seconds_per_epoch"] if math.isfinite(s))
    resumed = {"resumed_from_epoch": state["epoch"]} if state is not None else {}

    if recorder.nan_at is not None:
        stopped = {"reason": "nan_loss", **recorder.nan_at}
        history, batch_history = trim_after_divergence(recorder.history, _batch_record(recorder, dataset, spec.training),
                                                       stopped)
        timing = {"seconds_per_epoch": recorder.seconds_per_epoch[:stopped["epoch"]],
                  "train_seconds": round(train_seconds, 3), "evaluate_seconds": 0.0, "epochs": stopped["epoch"]}
        return TrainedModel(cell=cell_name, **_identity(baseline), model=describe_model(model), history=history,
                            batch_history=batch_history, test=None, timing={**timing, **resumed},
                            keras_model=None, stopped=stopped)

    epochs_run = len(recorder.history["loss"])
    test, evaluate_seconds = evaluate(model, dataset, inference_batch_size(spec.training))
    evaluated_epoch, restored, stopped = evaluation_outcome(stopper, spec.training.early_stopping, epochs_run)
    log_stopping(stopper, evaluated_epoch, restored, log)
    timing = {"seconds_per_epoch": recorder.seconds_per_epoch, "train_seconds": round(train_seconds, 3),
              "evaluate_seconds": round(evaluate_seconds, 3), "epochs": epochs_run}
    return TrainedModel(cell=cell_name, **_identity(baseline), model=describe_model(model), history=recorder.history,
                        batch_history=_batch_record(recorder, dataset, spec.training), test=test,
                        timing={**timing, **resumed}, keras_model=model, evaluated_epoch=evaluated_epoch,
                        restored_best_weights=restored, stopped=stopped)


def _identity(baseline) -> dict:
    """A compared model's name and changed settings for its TrainedModel (nothing for the main model)."""
    return {"name": baseline.name, "variant": baseline.overrides or None} if baseline else {}


@dataclass(frozen=True)
class _RunFiles:
    """Where one model keeps its history and checkpoints in the run folder, and what a checkpoint must match."""

    work_dir: Path
    name: str | None  # a compared model's name (its cell for a bare cell swap); None for the main model
    identity: dict

    @property
    def csv_path(self) -> Path:
        return self.work_dir / ("history.csv" if self.name is None else f"history_{self.name}.csv")

    @property
    def backup_dir(self) -> Path:
        return self.work_dir / CHECKPOINT_DIR / (self.name or "main")


@dataclass
class _Callbacks:
    """The callbacks of one fit, and where it starts (the epochs restored from a checkpoint are not trained again)."""

    recorder: object
    stopper: object | None
    checkpoint: object | None
    initial_epoch: int
    fit_epochs: int
    backup_dir: Path | None

    def as_list(self) -> list:
        return [callback for callback in (self.recorder, self.stopper, self.checkpoint) if callback is not None]


def _callbacks(spec, dataset, state: dict | None, files: _RunFiles | None) -> _Callbacks:
    from .train.callbacks import BestEpochStopping, EpochCheckpoint, HistoryRecorder

    csv_path = files.csv_path if files is not None else None
    recorder = HistoryRecorder(csv_path, state, batch_size=spec.training.batch_size, n_samples=len(dataset.y_train))
    if state is not None and csv_path is not None:
        # history.csv may hold an epoch the checkpoint does not (killed between the two writes).
        run_files.write_history_csv(csv_path, recorder.history, recorder.seconds_per_epoch)
    stopper = None
    stopping = spec.training.early_stopping
    if stopping is not None:
        # Before the checkpoint in the list: its epoch-end hook saves the stopper's state of the same epoch.
        stopper = BestEpochStopping(stopping.monitor, stopping.patience, stopping.min_delta,
                                    stopping.restore_best_weights)
        if state is not None and state.get("early_stopping") is not None:
            stopper.set_state(state["early_stopping"], state.get("best_weights_values"))
    # Keras numbers epochs on from initial_epoch: the restored epochs are not trained again.
    initial_epoch = state["epoch"] if state is not None else 0
    # Checkpoint every epoch so a killed run resumes at the last finished one.
    checkpoint = (EpochCheckpoint(files.backup_dir, recorder, files.identity, initial_epoch, stopper)
                  if files is not None else None)
    # A run that stopped early before it was killed trains no further epoch when resumed.
    fit_epochs = initial_epoch if stopper is not None and stopper.stopped_epoch else spec.training.epochs
    return _Callbacks(recorder, stopper, checkpoint, initial_epoch, fit_epochs,
                      files.backup_dir if files is not None else None)


def _fit(model, spec, dataset, callbacks: _Callbacks, progress: str, title: str) -> float:
    """Train; the seconds it took.  Ctrl-C becomes a TrainingError saying what was saved."""
    from .train.batches import fit_arguments

    started = time.perf_counter()
    try:
        model.fit(
            # A new order every epoch, from the seed and the epoch number (train/batches.py).
            **fit_arguments(dataset.x_train, dataset.y_train, batch_size=spec.training.batch_size,
                            seed=spec.training.seed, initial_epoch=callbacks.initial_epoch,
                            epochs=callbacks.fit_epochs),
            validation_data=(dataset.x_val, dataset.y_val) if len(dataset.y_val) > 0 else None,
            validation_batch_size=inference_batch_size(spec.training),
            initial_epoch=callbacks.initial_epoch,
            epochs=callbacks.fit_epochs,
            callbacks=callbacks.as_list(),
            verbose=_progress_verbosity(progress),
        )
    except KeyboardInterrupt:
        raise _interrupted(callbacks, spec.training.epochs, title) from None
    return time.perf_counter() - started


def _interrupted(callbacks: _Callbacks, epochs: int, title: str) -> TrainingError:
    finished = len(callbacks.recorder.history["loss"])
    # The checkpoint may be an epoch behind history.csv (interrupted while saving); what it holds
    # is what its state file on disk says, which Ctrl-C can have committed just before saved_epoch moved.
    checkpoint = callbacks.checkpoint
    saved = run_files.committed_epoch(callbacks.backup_dir, checkpoint.saved_epoch) if checkpoint is not None else 0
    if saved:
        kept = "epoch 1 is" if saved == 1 else f"epochs 1-{saved} are"
        return TrainingError(
            f"Training of the {title} model was interrupted after {finished} of {epochs} epochs; "
            f"{kept} saved in {callbacks.backup_dir}.",
            hint="Run the same command again to resume from there: finished epochs and finished models "
                 "are not trained again.",
        )
    return TrainingError(
        f"Training of the {title} model was interrupted after {finished} of {epochs} epochs, "
        "before any epoch of it was saved.",
        hint="Run the same command again to start it over (models that finished are not trained again).",
    )


def _progress_verbosity(progress: str) -> int | str:
    return {"bar": 1, "epoch": 2, "none": 0}.get(progress, "auto")


def _batch_record(recorder, dataset, training) -> dict:
    return {**recorder.batch_history, "values": "per_batch",
            "batches_per_epoch": math.ceil(len(dataset.y_train) / training.batch_size)}
