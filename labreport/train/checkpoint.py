"""Checkpoint and resume: when a model's saved epochs may be continued, and restoring them.

One rule for reuse (as for a saved run, fingerprint.py): the same dataset, model and training fields
(epochs and the baselines to train aside), the same batch order and the same training code.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

from ..fingerprint import BATCH_ORDER, training_code_digest
from .run_files import BATCH_KEYS, CHECKPOINT_STATE, METRICS


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


def checkpoint_identity(spec, cell: str, variant: dict | None = None) -> dict:
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
    # A compared variant's changed settings (left out when none, so earlier checkpoints still resume).
    varied = {"variant": variant} if variant else {}
    return {**fields, "cell": cell, **varied, "batch_order": BATCH_ORDER, "training_code": training_code_digest()}


def resume_or_start(model, build, backup_dir: Path, csv_path: Path, fingerprint: dict, epochs: int,
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
