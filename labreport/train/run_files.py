"""The files training writes into the run folder as it goes: history.csv and the checkpoint's state file.

No Keras here: the pipeline (which must not import TensorFlow) needs the
checkpoint folder's name, and ``training.read_checkpoint`` reads the state file.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from ..atomic import write_atomic

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
BATCH_KEYS = ("epoch", "batch", "loss", "accuracy")
# Per model, .checkpoint/<main|cell>/ under the run folder holds the last
# finished epoch's weights and this state file naming them.
CHECKPOINT_DIR = ".checkpoint"
CHECKPOINT_STATE = "state.json"


def write_history_csv(path: Path, history: dict, seconds_per_epoch: list) -> None:
    """history.csv, one row per epoch; rewritten whole and renamed so it is never torn."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["epoch", *METRICS, "seconds"])
    for index in range(len(history["loss"])):
        writer.writerow([index + 1, *(history[m][index] for m in METRICS),
                         seconds_per_epoch[index] if index < len(seconds_per_epoch) else ""])
    write_atomic(path, text.getvalue())


def write_checkpoint_state(folder: Path, state: dict) -> None:
    """The checkpoint's state file, renamed into place: the rename commits the epoch it names."""
    write_atomic(folder / CHECKPOINT_STATE, json.dumps(json_safe(state)), root=folder.parent)


def committed_epoch(folder: Path, fallback: int) -> int:
    """The epoch the checkpoint's state file on disk holds (``fallback`` if it cannot be read)."""
    try:
        return int(json.loads((folder / CHECKPOINT_STATE).read_text(encoding="utf-8"))["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return fallback


def json_safe(value):
    """NaN and infinity as null, so the state file is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value
