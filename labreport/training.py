"""Training stage: a spec and a ``Dataset`` in, the trained results as plain data out.

This is the only stage that imports Keras/TensorFlow (inside functions, so
that importing labreport stays instant).  What it returns is JSON-able and
becomes the heart of run.json; nothing downstream needs the model object.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LabreportError, TrainingError
from .fingerprint import BATCH_ORDER, training_code_digest
from .model import CELL_TITLES, InputShape, build_model, describe_model
from .train import run_files
from .train.predictions import test_predictions
from .train.run_files import BATCH_KEYS, CHECKPOINT_DIR, CHECKPOINT_STATE, METRICS


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
            import jax  # noqa: F401 - only to check it is installed
        except ImportError:
            raise LabreportError(
                "training.backend is 'jax' but JAX is not installed.",
                hint="Install it with: pip install 'labreport[jax]', or set training.backend: tensorflow.",
            ) from None
    elif backend == "torch":
        try:
            import torch
        except ImportError:
            raise LabreportError(
                "training.backend is 'torch' but PyTorch is not installed.",
                hint=("Install it with: pip install 'labreport[torch]' (CPU only, without the CUDA libraries: "
                      "pip install torch --index-url https://download.pytorch.org/whl/cpu first), "
                      "or set training.backend: tensorflow."),
            ) from None
        if "OMP_NUM_THREADS" not in os.environ:
            # One thread: these LSTMs' per-step matrix products are too small to share between cores,
            # and PyTorch's threads wait on each other when the cores are busy.  On the 2-core machine
            # (load 3-5) one Keras training step of the default model took 163 ms on one thread and
            # 558 ms on two (BENCHMARKS.md).  OMP_NUM_THREADS set by the user wins.
            torch.set_num_threads(1)
    _import_keras_quietly(backend)


def _import_keras_quietly(backend: str) -> None:
    """Import Keras (and TensorFlow) with the C++ start-up log kept off the terminal.

    TensorFlow's native code prints oneDNN and CUDA notices to file descriptor 2
    before its logging is set up, so TF_CPP_MIN_LOG_LEVEL cannot silence them;
    the descriptor is pointed at a temporary file for the import and the first
    device query.  If the import fails, what it printed is shown after all.
    """
    import tempfile

    sys.stderr.flush()
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            import keras
            if backend == "tensorflow":
                import tensorflow as tf
                tf.config.list_physical_devices("GPU")
            else:
                # keras.utils.set_random_seed imports TensorFlow on every backend when it is
                # installed (to seed it too): import it here, while its start-up log is captured.
                import importlib.util
                if importlib.util.find_spec("tensorflow") is not None:
                    import tensorflow  # noqa: F401
            keras.ops.zeros((1,))
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


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

    @property
    def diverged(self) -> bool:
        return self.stopped.get("reason") == "nan_loss"

    def to_record(self) -> dict:
        return {"cell": self.cell, "model": self.model, "history": self.history,
                "batch_history": self.batch_history, "test": self.test, "timing": self.timing,
                **self.evaluation_record()}

    def evaluation_record(self) -> dict:
        """The run.json fields that say which weights were evaluated and why training ended."""
        record = {"stopped": self.stopped, "restored_best_weights": self.restored_best_weights}
        if self.evaluated_epoch is not None:
            record["evaluated_epoch"] = self.evaluated_epoch
        return record


def input_shape(dataset) -> InputShape:
    features = None if dataset.vocabulary_size else int(dataset.x_train.shape[2])
    return InputShape(dataset.sequence_length, dataset.vocabulary_size, features, dataset.n_classes)



def _nan_for_null(values: list) -> list:
    return [math.nan if v is None else v for v in values]


def read_checkpoint(folder: Path, fingerprint: dict, epochs: int) -> tuple[dict | None, str | None]:
    """(the state to resume from, or None; why an existing checkpoint is not used, or None)."""
    state_path = folder / CHECKPOINT_STATE
    if not state_path.is_file():
        return None, None
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        epoch = int(state["epoch"])
        weights = folder / str(state["weights"])
        history = {m: _nan_for_null(state["history"][m]) for m in METRICS}
        batch_history = {key: _nan_for_null(state["batch_history"][key]) for key in BATCH_KEYS}
        seconds = _nan_for_null(state["seconds_per_epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, "its state file cannot be read"
    saved = state.get("fingerprint")
    if saved != fingerprint:
        if isinstance(saved, dict) and saved.get("batch_order") != fingerprint.get("batch_order"):
            return None, "its epochs were trained with another batch order (an older labreport)"
        return None, "it was made with different dataset, model or training fields"
    if not weights.is_file():
        return None, f"its weights file {weights.name} is missing"
    if epoch > epochs:
        return None, f"it holds {epoch} finished epochs, more than training.epochs ({epochs})"
    if any(len(values) < epoch for values in history.values()):
        return None, "its history is shorter than its epoch count"
    stopping = None
    if (fingerprint.get("training") or {}).get("early_stopping") is not None:
        stopping = state.get("early_stopping")
        try:
            stopping = {"best": None if stopping["best"] is None else float(stopping["best"]),
                        "best_epoch": int(stopping["best_epoch"]), "wait": int(stopping["wait"]),
                        "stopped_epoch": int(stopping["stopped_epoch"]),
                        "best_weights": None if stopping.get("best_weights") is None else str(stopping["best_weights"])}
        except (KeyError, TypeError, ValueError):
            return None, "its early-stopping state cannot be read"
        if stopping["best_weights"] and not (folder / stopping["best_weights"]).is_file():
            return None, f"its best epoch's weights file {stopping['best_weights']} is missing"
    # Epochs after the checkpoint (history.csv may have one more) are dropped.
    return {
        "epoch": epoch,
        "weights_path": weights,
        "history": {m: values[:epoch] for m, values in history.items()},
        "seconds_per_epoch": seconds[:epoch],
        "batch_history": batch_history,
        "early_stopping": stopping,
    }, None


def checkpoint_identity(spec, cell: str) -> dict:
    """What a checkpoint must have been trained with to be resumed.

    The rule a saved run follows (fingerprint.training_fingerprint), with two settings left out:
    training.epochs (more epochs continue a run; fewer start it over) and model.compare (the baselines
    to train do not change how any one model trains).  The same training code (its digest) and the same
    batch order, as for a saved run.
    """
    fields = spec.training_fields()
    # early_stopping left unset is left out, so checkpoints from before the key existed still resume.
    fields["training"] = {k: v for k, v in fields["training"].items()
                          if k != "epochs" and not (k == "early_stopping" and v is None)}
    fields["model"] = {k: v for k, v in fields["model"].items() if k != "compare"}
    # A checkpoint of a run whose batches came in another order (before train/batches.py) is not resumed.
    return {**fields, "cell": cell, "batch_order": BATCH_ORDER, "training_code": training_code_digest()}


def _progress_verbosity(progress: str) -> int | str:
    return {"bar": 1, "epoch": 2, "none": 0}.get(progress, "auto")


def train_one(spec, dataset, *, cell: str | None = None, work_dir: Path | None = None,
              progress: str = "bar", log=print) -> TrainedModel:
    """Train the spec's model (or a baseline with every recurrent cell set to ``cell``)."""
    import keras

    from .train.batches import fit_arguments
    from .train.callbacks import BestEpochStopping, EpochCheckpoint, HistoryRecorder

    cell_name = cell or spec.model.recurrent[0].cell

    def build():
        # The same seed for the main model and each baseline: the same initial
        # draws (and the batch order is drawn from the same seed), so only the cell differs.
        keras.utils.set_random_seed(spec.training.seed)
        return build_model(spec.model, spec.training, input_shape(dataset), cell=cell)

    model = build()
    title = CELL_TITLES.get(cell_name, cell_name)
    epochs = spec.training.epochs
    stopping_spec = spec.training.early_stopping
    csv_path = backup_dir = fingerprint = state = None
    if work_dir is not None:
        csv_path = work_dir / ("history.csv" if cell is None else f"history_{cell}.csv")
        backup_dir = work_dir / CHECKPOINT_DIR / (cell or "main")
        fingerprint = checkpoint_identity(spec, cell_name)
        model, state = _resume_or_start(model, build, backup_dir, csv_path, fingerprint, epochs, title, log)
    recorder = HistoryRecorder(csv_path, state, batch_size=spec.training.batch_size, n_samples=len(dataset.y_train))
    if state is not None and csv_path is not None:
        # history.csv may hold an epoch the checkpoint does not (killed between the two writes).
        run_files.write_history_csv(csv_path, recorder.history, recorder.seconds_per_epoch)
    callbacks = [recorder]
    stopper = None
    if stopping_spec is not None:
        # Before the checkpoint: its epoch-end hook saves the stopper's state of the same epoch.
        stopper = BestEpochStopping(stopping_spec.monitor, stopping_spec.patience, stopping_spec.min_delta,
                                    stopping_spec.restore_best_weights)
        if state is not None and state.get("early_stopping") is not None:
            stopper.set_state(state["early_stopping"], state.get("best_weights_values"))
        callbacks.append(stopper)
    # Keras numbers epochs on from initial_epoch: the restored epochs are not trained again.
    initial_epoch = state["epoch"] if state is not None else 0
    checkpoint = None
    if backup_dir is not None:
        # Checkpoint every epoch so a killed run resumes at the last finished one.
        checkpoint = EpochCheckpoint(backup_dir, recorder, fingerprint, initial_epoch, stopper)
        callbacks.append(checkpoint)
    # A run that stopped early before it was killed trains no further epoch when resumed.
    fit_epochs = initial_epoch if stopper is not None and stopper.stopped_epoch else epochs
    has_validation = len(dataset.y_val) > 0

    started = time.perf_counter()
    try:
        model.fit(
            # A new order every epoch, from the seed and the epoch number (train/batches.py).
            **fit_arguments(dataset.x_train, dataset.y_train, batch_size=spec.training.batch_size,
                            seed=spec.training.seed, initial_epoch=initial_epoch, epochs=fit_epochs),
            validation_data=(dataset.x_val, dataset.y_val) if has_validation else None,
            validation_batch_size=inference_batch_size(spec.training),
            initial_epoch=initial_epoch,
            epochs=fit_epochs,
            callbacks=callbacks,
            verbose=_progress_verbosity(progress),
        )
    except KeyboardInterrupt:
        finished = len(recorder.history["loss"])
        # The checkpoint may be an epoch behind history.csv (interrupted while saving); what it holds
        # is what its state file on disk says, which Ctrl-C can have committed just before saved_epoch moved.
        saved = run_files.committed_epoch(backup_dir, checkpoint.saved_epoch) if checkpoint is not None else 0
        if saved:
            kept = "epoch 1 is" if saved == 1 else f"epochs 1-{saved} are"
            raise TrainingError(
                f"Training of the {title} model was interrupted after {finished} of {epochs} epochs; "
                f"{kept} saved in {backup_dir}.",
                hint="Run the same command again to resume from there: finished epochs and finished models "
                     "are not trained again.",
            ) from None
        raise TrainingError(
            f"Training of the {title} model was interrupted after {finished} of {epochs} epochs, "
            "before any epoch of it was saved.",
            hint="Run the same command again to start it over (models that finished are not trained again).",
        ) from None
    train_seconds = time.perf_counter() - started
    if state is not None:
        # Time spent on the restored epochs in the earlier run(s) counts too.
        train_seconds += sum(s for s in state["seconds_per_epoch"] if math.isfinite(s))

    epochs_run = len(recorder.history["loss"])
    if recorder.nan_at is not None:
        # Recorded, not hidden: the history up to the NaN batch is the evidence.
        # The weights are NaN, so the model is neither evaluated (the argmax of
        # NaN outputs would print a made-up accuracy) nor kept for diagnostics.
        stopped = {"reason": "nan_loss", **recorder.nan_at}
        # The run record keeps every finished epoch, then one row for the epoch
        # it stopped in: its loss non-finite, its accuracies and validation
        # numbers null, since they come (at least in part) from NaN outputs.
        # Per batch: every batch up to and including the one that diverged,
        # whose accuracy is null for the same reason.
        finished = stopped["epoch"]
        history = {m: list(values[:finished]) for m, values in recorder.history.items()}
        if len(history["loss"]) == finished:
            history["loss"][-1] = math.inf if stopped["value"] == "infinite" else math.nan
            for metric in ("accuracy", "val_loss", "val_accuracy"):
                history[metric][-1] = math.nan
        batch_history = _batch_record(recorder, dataset, spec.training)
        keep = [i for i, (e, b) in enumerate(zip(batch_history["epoch"], batch_history["batch"]))
                if (e, b) <= (stopped["epoch"], stopped["batch"])]
        for key in BATCH_KEYS:
            batch_history[key] = [batch_history[key][i] for i in keep]
        if keep:
            batch_history["accuracy"][-1] = math.nan
        return TrainedModel(
            cell=cell_name,
            model=describe_model(model),
            history=history,
            batch_history=batch_history,
            test=None,
            timing={"seconds_per_epoch": recorder.seconds_per_epoch[:finished],
                    "train_seconds": round(train_seconds, 3),
                    "evaluate_seconds": 0.0,
                    "epochs": finished,
                    **({"resumed_from_epoch": state["epoch"]} if state is not None else {})},
            keras_model=None,
            stopped=stopped,
        )

    started = time.perf_counter()
    # The validation batch size: validation already compiled the step for that
    # shape, so only the last, partial batch needs compiling (XLA compiles per shape).
    test_loss, test_accuracy = model.evaluate(dataset.x_test, dataset.y_test,
                                              batch_size=inference_batch_size(spec.training), verbose=0)
    # Each test example's predicted class, for the paired comparison of models and the confusion matrix.
    outputs = model.predict(dataset.x_test, batch_size=inference_batch_size(spec.training), verbose=0)
    per_example = test_predictions(outputs, dataset.y_test, dataset.n_classes)
    evaluate_seconds = time.perf_counter() - started
    evaluated_epoch, restored, stopped = _evaluation(stopper, stopping_spec, epochs_run)
    if stopper is not None and stopper.stopped_epoch:
        log(f"  Early stopping after epoch {stopper.stopped_epoch}: the {_monitor_words(stopper.monitor)} had not "
            f"improved for {_plural(stopper.stopped_epoch - stopper.best_epoch, 'epoch')}, since epoch "
            f"{stopper.best_epoch}.")
    if restored:
        log(f"  Evaluated with the weights of epoch {evaluated_epoch}, the best by the "
            f"{_monitor_words(stopper.monitor)}.")
    return TrainedModel(
        cell=cell_name,
        model=describe_model(model),
        history=recorder.history,
        batch_history=_batch_record(recorder, dataset, spec.training),
        test={"loss": float(test_loss), "accuracy": float(test_accuracy), **per_example},
        timing={"seconds_per_epoch": recorder.seconds_per_epoch,
                "train_seconds": round(train_seconds, 3),
                "evaluate_seconds": round(evaluate_seconds, 3),
                "epochs": epochs_run,
                **({"resumed_from_epoch": state["epoch"]} if state is not None else {})},
        keras_model=model,
        evaluated_epoch=evaluated_epoch,
        restored_best_weights=restored,
        stopped=stopped,
    )


def _batch_record(recorder, dataset, training) -> dict:
    return {**recorder.batch_history, "values": "per_batch",
            "batches_per_epoch": math.ceil(len(dataset.y_train) / training.batch_size)}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _monitor_words(monitor: str) -> str:
    return {"val_loss": "validation loss", "val_accuracy": "validation accuracy",
            "loss": "training loss", "accuracy": "training accuracy"}.get(monitor, monitor)


def _evaluation(stopper, stopping_spec, epochs_run: int) -> tuple[int, bool, dict]:
    """(the epoch whose weights were evaluated, whether they were the restored best, run.json's ``stopped``)."""
    if stopper is None:
        return epochs_run, False, {"reason": "completed", "epoch": epochs_run}
    restored = bool(stopper.restored and stopper.best_epoch)
    tracked = {"best_epoch": stopper.best_epoch or None, "monitor": stopper.monitor,
               "best_value": stopper.best, "patience": stopping_spec.patience,
               "min_delta": stopping_spec.min_delta}
    if stopper.stopped_epoch:
        stopped = {"reason": "early_stopping", "epoch": stopper.stopped_epoch, **tracked}
    else:
        stopped = {"reason": "completed", "epoch": epochs_run, **tracked}
    return (stopper.best_epoch if restored else epochs_run), restored, stopped


def _resume_or_start(model, build, backup_dir: Path, csv_path: Path, fingerprint: dict, epochs: int,
                     title: str, log) -> tuple[object, dict | None]:
    """(the model, the checkpoint state it was restored from or None), saying which in the log.

    A checkpoint that cannot be used is removed, with history.csv, and the
    model starts over (rebuilt, in case a bad weights file loaded in part).
    """
    state, refused = read_checkpoint(backup_dir, fingerprint, epochs)
    if state is not None:
        try:
            stopping = state.get("early_stopping") or {}
            if stopping.get("best_weights"):
                # The best epoch's weights, into memory (as the stopper holds them), then the last epoch's.
                _restore_weights(model, backup_dir / stopping["best_weights"])
                state["best_weights_values"] = model.get_weights()
            _restore_weights(model, state["weights_path"])
        except Exception as exc:  # noqa: BLE001 - h5py and Keras raise many kinds for a bad file
            state, refused = None, f"its weights cannot be loaded ({type(exc).__name__})"
            model = build()
    if refused:
        log(f"  Not resuming the {title} model from {backup_dir}: {refused}; starting over.")
    if state is None:
        shutil.rmtree(backup_dir, ignore_errors=True)
        csv_path.unlink(missing_ok=True)  # an earlier run's file; this run starts over
    elif (state.get("early_stopping") or {}).get("stopped_epoch"):
        log(f"  The {title} model stopped early after epoch {state['epoch']} in an earlier run "
            f"(checkpoint in {backup_dir}); not training it again.")
    elif state["epoch"] == epochs:
        log(f"  The {title} model finished all {epochs} epochs in an earlier run "
            f"(checkpoint in {backup_dir}); not training it again.")
    else:
        kept = "epoch 1 is" if state["epoch"] == 1 else f"epochs 1-{state['epoch']} are"
        log(f"  Resuming from epoch {state['epoch']} (checkpoint in {backup_dir}): the {title} model's "
            f"{kept} kept; training continues with epoch {state['epoch'] + 1} of {epochs}.")
    return model, state


def _restore_weights(model, weights_path: Path) -> None:
    """Load a checkpoint's weights, the optimizer's variables included (its moments and step count).

    ``Model.load_weights`` fills only variables that exist, and an optimizer
    creates its variables on its first step: ``build`` creates them first.
    """
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.load_weights(str(weights_path))
