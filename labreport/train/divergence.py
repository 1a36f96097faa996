"""A run whose loss became NaN or infinite: what run.json keeps of it, as a pure function.

Recorded, not hidden: the history up to the NaN batch is the evidence.  The weights are NaN, so the
model is neither evaluated (the argmax of NaN outputs would print a made-up accuracy) nor kept for
diagnostics.  The run record keeps every finished epoch, then one row for the epoch it stopped in:
its loss non-finite, its accuracies and validation numbers null, since they come (at least in part)
from NaN outputs.  Per batch: every batch up to and including the one that diverged, whose accuracy
is null for the same reason.
"""

from __future__ import annotations

import math

from .run_files import BATCH_KEYS


def trim_after_divergence(history: dict, batch_history: dict, stopped: dict) -> tuple[dict, dict]:
    """(per-epoch history, per-batch history) as run.json keeps them for a run stopped by ``stopped``
    (``{"epoch": E, "batch": B, "value": "NaN" | "infinite"}``); the arguments are not changed."""
    finished = stopped["epoch"]
    history = {metric: list(values[:finished]) for metric, values in history.items()}
    if len(history["loss"]) == finished:
        history["loss"][-1] = math.inf if stopped["value"] == "infinite" else math.nan
        for metric in ("accuracy", "val_loss", "val_accuracy"):
            history[metric][-1] = math.nan
    batch_history = dict(batch_history)
    keep = [i for i, (epoch, batch) in enumerate(zip(batch_history["epoch"], batch_history["batch"]))
            if (epoch, batch) <= (stopped["epoch"], stopped["batch"])]
    for key in BATCH_KEYS:
        batch_history[key] = [batch_history[key][i] for i in keep]
    if keep:
        batch_history["accuracy"][-1] = math.nan
    return history, batch_history
