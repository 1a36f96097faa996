"""Generated long-time-lag tasks: the worksheet's aim, "remember the important
tasks and forget the less important ones", as data.

``temporal_order`` follows Hochreiter & Schmidhuber (1997), experiment 6a:
each sequence is a stream of unimportant tasks (symbols a, b, c, ...) with two
important tasks, each X or Y, one early (10-20 % of the way in) and one in the
middle (50-60 %).  The class is the pair in order: XX, XY, YX or YY.  Nothing
else in the sequence carries information, so a model must keep the first
important task in memory across the long stretch of noise that follows it.
"""

from __future__ import annotations

import string

import numpy as np

from .dataset import Dataset, split_validation

CLASS_NAMES = ["XX", "XY", "YX", "YY"]


def vocabulary(n_unimportant: int) -> list[str]:
    """Token id -> symbol. 0 is padding (never generated here)."""
    letters = list(string.ascii_lowercase[: min(n_unimportant, 23)])
    letters += [f"t{i}" for i in range(len(letters), n_unimportant)]
    return ["<pad>", *letters, "X", "Y"]


def generate(n: int, sequence_length: int, n_unimportant: int, rng: np.random.Generator):
    """Return (tokens (n, T) int32, labels (n,), important positions (n, 2))."""
    tokens = rng.integers(1, n_unimportant + 1, size=(n, sequence_length), dtype=np.int32)
    first = rng.integers(int(sequence_length * 0.1), int(sequence_length * 0.2) + 1, size=n)
    second = rng.integers(int(sequence_length * 0.5), int(sequence_length * 0.6) + 1, size=n)
    first_is_y = rng.integers(0, 2, size=n)
    second_is_y = rng.integers(0, 2, size=n)
    x_token = n_unimportant + 1  # 'X'; 'Y' is the next id
    rows = np.arange(n)
    tokens[rows, first] = x_token + first_is_y
    tokens[rows, second] = x_token + second_is_y
    labels = (first_is_y * 2 + second_is_y).astype(np.int32)
    return tokens, labels, np.stack([first, second], axis=1)


def load(spec, training) -> Dataset:
    seed = spec.seed if spec.seed is not None else training.seed
    rng = np.random.default_rng(seed)
    x_all, y_all, _ = generate(spec.n_train, spec.sequence_length, spec.n_unimportant, rng)
    x_test, y_test, important_test = generate(spec.n_test, spec.sequence_length, spec.n_unimportant, rng)
    x_train, y_train, x_val, y_val = split_validation(
        x_all, y_all, training.validation_split, shuffle=training.validation_shuffle, seed=training.seed
    )
    symbols = vocabulary(spec.n_unimportant)
    length = spec.sequence_length
    lo1, hi1 = int(length * 0.1), int(length * 0.2)
    lo2, hi2 = int(length * 0.5), int(length * 0.6)
    description = {
        "source": "generated",
        "name": "temporal order (generated)",
        "task": spec.task,
        "seed": seed,
        "summary": (
            f"Sequences of {length} tasks drawn from {spec.n_unimportant} unimportant kinds, "
            f"with two important tasks (X or Y): the first at step {lo1 + 1}-{hi1 + 1}, "
            f"the second at step {lo2 + 1}-{hi2 + 1}. The class is the ordered pair."
        ),
        "symbols": symbols,
        "important_symbols": ["X", "Y"],
        "important_windows": [[lo1, hi1], [lo2, hi2]],
        # Steps from the first important task to the end: what must be remembered.
        "min_lag": int(length - 1 - hi1),
        "chance_accuracy": 1.0 / len(CLASS_NAMES),
        "example": {
            "tokens": [symbols[t] for t in x_test[0].tolist()],
            "label": CLASS_NAMES[int(y_test[0])],
            "important_steps": important_test[0].tolist(),
        },
        "lengths": {"mean": float(length), "median": float(length), "p90": float(length),
                    "p99": float(length), "min": length, "max": length, "truncated_share": 0.0},
        "oov_share": 0.0,
    }
    return Dataset(
        x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val,
        x_test=x_test, y_test=y_test, class_names=list(CLASS_NAMES),
        vocabulary_size=len(symbols), description=description,
        important_steps_test=important_test.tolist(),
    )
