"""The plain-data contract between the data stage and the model stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np


@dataclass
class Dataset:
    """Arrays ready for ``model.fit``, and a JSON-able description for run.json.

    ``x_*`` are int32 token sequences of shape (n, T) when ``vocabulary_size``
    is set (an Embedding comes first), else float32 of shape (n, T, features).
    ``y_*`` are int class indices into ``class_names``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    vocabulary_size: int | None
    description: dict = field(default_factory=dict)
    # Per test sample, the time steps that carry the label (generated tasks
    # only); the gate figure marks them.
    important_steps_test: list[list[int]] | None = None
    task: ClassVar[str] = "classification"  # what the models learn from it (data.timeseries.ForecastData: "forecast")

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def sequence_length(self) -> int:
        return int(self.x_train.shape[1])

    def sizes(self) -> dict:
        return {"train": int(len(self.y_train)), "validation": int(len(self.y_val)), "test": int(len(self.y_test))}

    def class_counts(self) -> dict:
        def counts(y):
            values = np.bincount(np.asarray(y, dtype=np.int64), minlength=self.n_classes)
            return {name: int(c) for name, c in zip(self.class_names, values)}
        return {"train": counts(self.y_train), "validation": counts(self.y_val), "test": counts(self.y_test)}

    def summary(self) -> dict:
        """What run.json records under ``dataset``."""
        return {
            **self.description,
            "sizes": self.sizes(),
            "class_names": list(self.class_names),
            "class_counts": self.class_counts(),
            # The test labels in order, so that models' per-example predictions can be compared.
            "test_labels": np.asarray(self.y_test, dtype=np.int64).reshape(-1).tolist(),
            "sequence_length": self.sequence_length,
            "vocabulary_size": self.vocabulary_size,
        }


def split_validation(x, y, fraction: float, *, shuffle: bool, seed: int):
    """Hold out ``fraction`` of (x, y) for validation.

    Without shuffling this is exactly Keras' ``validation_split``: the last
    ``fraction`` of the samples, split at ``int(n * (1 - fraction))``.  A
    fraction of 0 keeps every sample for training and an empty validation set.
    """
    n = len(y)
    if fraction == 0:
        return x, y, x[:0], y[:0]
    if shuffle:
        order = np.random.default_rng(seed).permutation(n)
        x, y = x[order], y[order]
    split_at = int(n * (1.0 - fraction))
    if split_at < 1 or split_at >= n:
        from ..errors import DataError
        raise DataError(
            f"training.validation_split {fraction} leaves {split_at} training and {n - split_at} "
            f"validation samples out of {n}; both must be at least 1."
        )
    return x[:split_at], y[:split_at], x[split_at:], y[split_at:]


def describe_lengths(lengths, sequence_length: int) -> dict:
    """Sequence lengths before padding: the numbers of the 'nature of the dataset' answer."""
    lengths = np.asarray(lengths, dtype=np.float64)
    if lengths.size == 0:
        return {}
    return {
        "mean": round(float(lengths.mean()), 1),
        "median": float(np.median(lengths)),
        "p90": float(np.percentile(lengths, 90)),
        "p99": float(np.percentile(lengths, 99)),
        "min": int(lengths.min()),
        "max": int(lengths.max()),
        "truncated_share": round(float((lengths > sequence_length).mean()), 4),
        # For the report's length figure: 30 equal bins up to the 99.5th percentile, the rest in the last.
        "histogram": _histogram(lengths),
    }


def _histogram(lengths: np.ndarray, bins: int = 30) -> dict:
    top = max(float(np.percentile(lengths, 99.5)), float(lengths.min()) + 1.0)
    counts, edges = np.histogram(np.minimum(lengths, top), bins=bins, range=(float(lengths.min()), top))
    return {"edges": [round(float(e), 2) for e in edges], "counts": [int(c) for c in counts]}


# A missing data file's message lists what is there instead (a typo, another extension): at most this many
# names, from at most this many entries of its folder (a folder the size of /usr is not read to the end).
BESIDE_NAMES = 5
BESIDE_SCAN = 2000


def files_beside(path, suffix: str) -> list[str]:
    """The names of the files with ``suffix`` in the folder that would hold ``path`` (sorted, at most
    BESIDE_NAMES; hidden files left out; empty when the folder is not there or cannot be read)."""
    import itertools
    import os
    from pathlib import Path

    folder = Path(path).expanduser().parent
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in itertools.islice(entries, BESIDE_SCAN)
                     if not entry.name.startswith(".") and entry.name.lower().endswith(suffix.lower())
                     and entry.is_file()]
    except OSError:
        return []
    return sorted(names)[:BESIDE_NAMES]


def beside_words(path, suffix: str) -> str:
    """' Beside it: a.csv, b.csv.' (or '' when there is none), for a missing file's hint."""
    names = files_beside(path, suffix)
    return f" Beside it: {', '.join(names)}." if names else ""
