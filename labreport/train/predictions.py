"""Per-example test predictions and the confusion matrix, from the model's outputs (NumPy only).

run.json keeps both for every model: the predictions let two models on the same test set be
compared example by example (McNemar's test), and the confusion matrix shows a model that answers
one class everywhere for what it is.
"""

from __future__ import annotations

import numpy as np


def predicted_classes(outputs) -> np.ndarray:
    """Class indices from a softmax layer's rows, or from one sigmoid unit (two classes)."""
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(-1) > 0.5).astype(np.int64)


def test_predictions(outputs, y_true, n_classes: int) -> dict:
    """``{"predictions": [...], "confusion": [[...]]}``; confusion[i][j]: true class i predicted as j."""
    predicted = predicted_classes(outputs)
    truth = np.asarray(y_true, dtype=np.int64).reshape(-1)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return {"predictions": predicted.astype(int).tolist(), "confusion": confusion.tolist()}
