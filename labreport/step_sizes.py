"""How far one optimiser step can move a weight: the learning rates the diagnosis calls high, the one it suggests,
and whether clipping the gradient can keep a step sane.  Plain arithmetic below every stage, so that the
diagnosis (facts/diagnosis.py) and the CLI's NaN-loss hint (errors.py) give the same advice."""

from __future__ import annotations

import math

# Learning rates above which Adam/RMSprop (or SGD) runs are prone to spikes and divergence.
HIGH_LEARNING_RATE = {"adam": 0.01, "rmsprop": 0.01, "sgd": 0.1}
# Gradient clipping bounds the gradient's norm, not the step: a clipped SGD step is at most learning rate × clipnorm,
# and an Adam/RMSprop step moves each weight by about the learning rate whatever the gradient.  Clipping is named as
# a cause or a next step only where that step is at most MAX_CLIPPED_STEP, the scale of the initial weights (of
# order 0.1-1, see facts/diagnosis.py MIN_TRAVEL): beyond it one clipped step still throws the weights past their own size, and only a
# lower learning rate helps (a run at 1.18e+36 clipped to norm 1 still steps by 1.18e+36).
SUGGESTED_CLIPNORM = 1.0
MAX_CLIPPED_STEP = 1.0


# Keras' own default learning rate of each optimizer: what a practitioner starts from.
USUAL_LEARNING_RATE = {"adam": 0.001, "rmsprop": 0.001, "sgd": 0.01}


def suggested_learning_rate(lr, optimizer: str):
    """A tenth of a high learning rate, or the optimizer's usual one where a tenth would still be high
    (a run at 1.18e+36 is not helped by 1.18e+35)."""
    if not _finite(lr):
        return None
    tenth = lr / 10
    if tenth >= HIGH_LEARNING_RATE.get(optimizer, 0.01):
        return USUAL_LEARNING_RATE.get(optimizer, 0.001)
    return tenth


def clipped_step(lr, optimizer: str, clipnorm=None) -> dict | None:
    """The largest step one update can take with the gradient clipped (SGD: learning rate × clipnorm; Adam/RMSprop:
    about the learning rate per weight), and whether clipping can keep it sane (MAX_CLIPPED_STEP)."""
    if not _finite(lr):
        return None
    norm = clipnorm if _finite(clipnorm) and clipnorm else SUGGESTED_CLIPNORM
    bound = lr * norm if optimizer == "sgd" else lr
    return {"learning_rate": lr, "optimizer": optimizer, "clipnorm": norm, "step": bound,
            "per_weight": optimizer != "sgd", "max_step": MAX_CLIPPED_STEP, "helps": bound <= MAX_CLIPPED_STEP}


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
