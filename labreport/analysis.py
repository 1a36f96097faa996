"""Learning-curve analysis: a Keras training history in, findings as plain data out.

The findings answer the worksheet's questions about the curves (best epoch,
over- and underfitting, convergence, noise, trend, NaN epochs) and each one
carries the numbers that support it, so the report can build its sentences
from them.  Everything returned is JSON-able: dicts, lists, str, bool, int,
float and None, where None stands for "no finite value" (a NaN or inf in the
history never reaches the output as a float).

Epochs are 1-based everywhere in the output, like Keras' progress bar and
history.csv.

Only numpy and the standard library are used: the report stage and the tests
must run without TensorFlow or Keras.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .errors import LabreportError

__all__ = [
    "EPOCH_METRICS",
    "HistoryError",
    "analyze",
    "smooth",
    "smoothing_advice",
]

EPOCH_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
BATCH_METRICS = ("loss", "accuracy")
# Curve names in the noise finding; batch curves are prefixed so they cannot
# be mistaken for the per-epoch ones.
BATCH_CURVES = {"batch_loss": "loss", "batch_accuracy": "accuracy"}
# Curves where "up" is bad; only these can be "diverging".
LOSS_CURVES = frozenset({"loss", "val_loss", "batch_loss"})

DEFAULT_SMOOTHING = 0.6
DEFAULT_UNDERFITTING_ACCURACY = 0.6
# Below chance + this share of the distance from chance to 1.0 counts as "low"
# accuracy (chance 0.5 gives 0.6, the same as the default).
UNDERFITTING_MARGIN = 0.2
# A least-squares slope of a flat stretch comes out as +-1e-17, not 0.
RISING_SLOPE_ABOVE = 1e-12

# Noise classes, on the residual between the raw and the smoothed curve.
MIN_OVERFITTING_RISE = 0.01  # val_loss must rise by 1% of its level over the patience span
NOISE_SMOOTH_BELOW = 0.05  # residual std / range below this: smooth
NOISE_NOISY_FROM = 0.10  # residual std / range from this ...
NOISE_NOISY_REVERSAL_FRACTION = 0.5  # ... and direction changes at half the steps or more: noisy
NOISE_MIN_REVERSALS = 2  # a curve that turns once has a trend, not noise

# Trend rule constants (see _trend).
TREND_DEAD_ZONE = 0.25  # a step under this share of the mean step is "flat"
TREND_FLAT_RANGE = 0.01  # a whole curve whose range is under 1% of its level is flat
TREND_NOISY_RUN_STEPS = 2  # direction runs this short ...
TREND_NOISY_ALTERNATIONS = 2  # ... that alternate this often form a "noisy" segment

# smoothing_advice: a validation curve counts as noisier than its training
# curve when its relative residual is this many times larger.
NOISIER_FACTOR = 1.5
# Sampling "accounts for" val_accuracy's movement when that movement is at
# most this many times what sampling alone would cause.
SAMPLING_EXPLAINS_FACTOR = 2.0
BATCH_SIZE_FACTOR = 4  # 4x the batch halves the batch-mean noise (1/sqrt(4))
LEARNING_RATE_FACTOR = 0.5

SMOOTHING_FORMULA = (
    "last = weight*last + (1 - weight)*y; n = n + 1; smoothed = last / (1 - weight**n), "
    "starting from last = 0, n = 0; non-finite values are passed through unchanged"
)

NOISE_LEVELS = ("smooth", "somewhat noisy", "noisy")


class HistoryError(LabreportError, ValueError):
    """The history cannot be analysed (empty, ragged, not numbers).

    A ValueError for library callers, and a LabreportError so that the CLI
    prints it as a message rather than a traceback.
    """


# ---------------------------------------------------------------- smoothing


def smooth(values, weight: float) -> list[float]:
    """TensorBoard's scalar smoothing: a debiased exponential moving average.

    For each value ``y`` in order: a non-finite ``y`` (NaN, inf) is output
    unchanged and does not touch the running state; otherwise
    ``last = weight*last + (1 - weight)*y``, ``n += 1`` and the output is
    ``last / (1 - weight**n)``, starting from ``last = 0, n = 0``.  Dividing
    by ``1 - weight**n`` removes the pull towards the zero start, so the
    first finite output equals the first finite value.

    As in TensorBoard, a series whose finite values are all equal is returned
    as it is, and ``weight == 0`` returns the series.

    ``weight == 1``: TensorBoard skips the debias there and so plots a line
    at 0, which says nothing about the data.  We return instead the limit of
    the debiased average as the weight tends to 1, which is the running mean
    of the finite values so far.

    ``values`` may hold None, read as NaN.  Returns a new list of floats.
    """
    weight = _check_weight(weight)
    series = [_to_float(value) for value in values]
    finite = [value for value in series if math.isfinite(value)]
    if weight == 0.0 or not finite or all(value == finite[0] for value in finite):
        return series
    smoothed: list[float] = []
    last = 0.0
    count = 0
    for value in series:
        if not math.isfinite(value):
            smoothed.append(value)
            continue
        count += 1
        if weight == 1.0:
            last += (value - last) / count
            smoothed.append(last)
        else:
            last = weight * last + (1.0 - weight) * value
            smoothed.append(last / (1.0 - weight**count))
    return smoothed


def _check_weight(weight) -> float:
    try:
        weight = float(weight)
    except (TypeError, ValueError):
        raise ValueError(f"smoothing weight must be a number in [0, 1], got {weight!r}") from None
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"smoothing weight must be in [0, 1], got {weight}")
    return weight


def _to_float(value) -> float:
    if value is None:
        return math.nan
    return float(value)


# ---------------------------------------------------------------- helpers


def _number(value):
    """A JSON-safe float: None for NaN/inf/missing."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _whole_number(value):
    """An int for a finite number, None otherwise (a NaN epoch label must not crash the NaN report)."""
    number = _number(value) if not isinstance(value, str) else None
    return int(number) if number is not None else None


def _series(values, where: str) -> np.ndarray:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise HistoryError(f"{where} must be a list of numbers, got {type(values).__name__}")
    floats = []
    for index, value in enumerate(values):
        try:
            floats.append(_to_float(value))
        except (TypeError, ValueError):
            raise HistoryError(f"{where}[{index}] is {value!r}, not a number") from None
    return np.asarray(floats, dtype=float)


def _finite(values: np.ndarray) -> np.ndarray:
    """Indices of the finite entries."""
    return np.flatnonzero(np.isfinite(values))


def _unavailable(reason: str, **extra) -> dict:
    return {"available": False, "reason": reason, **extra}


def _load_history(history) -> dict[str, np.ndarray]:
    if not isinstance(history, Mapping):
        raise HistoryError(
            f"history must be a mapping of metric name to per-epoch values, got {type(history).__name__}"
        )
    curves = {
        metric: _series(history[metric], f"history['{metric}']")
        for metric in EPOCH_METRICS
        if history.get(metric) is not None
    }
    if not curves:
        raise HistoryError(
            f"history has none of {', '.join(EPOCH_METRICS)}: there is nothing to analyse",
            hint=f"It has the keys: {', '.join(map(str, history)) or 'none'}.",
        )
    lengths = {metric: len(values) for metric, values in curves.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{metric}: {length}" for metric, length in lengths.items())
        raise HistoryError(f"history metrics have different numbers of epochs ({listed})")
    if next(iter(lengths.values())) == 0:
        raise HistoryError("history is empty: no epoch was recorded",
                           hint="Train for at least one epoch before analysing the curves.")
    return curves


def _load_batch_history(batch_history, batch_values: str) -> dict[str, np.ndarray] | str:
    """The per-batch curves as per-batch values, or the reason there are none."""
    if batch_history is None:
        return "no batch history was given"
    if not isinstance(batch_history, Mapping):
        raise HistoryError(f"batch history must be a mapping, got {type(batch_history).__name__}")
    curves = {
        metric: _series(batch_history[metric], f"batch_history['{metric}']")
        for metric in BATCH_METRICS
        if batch_history.get(metric) is not None
    }
    if not curves:
        return "the batch history has neither loss nor accuracy"
    needed = dict(curves)
    if batch_values == "running_mean":
        for key in ("epoch", "batch"):
            if batch_history.get(key) is None:
                raise HistoryError(
                    f"batch history has no '{key}' list, which is needed to undo Keras' "
                    "per-epoch running mean",
                    hint="Pass batch_values='per_batch' if the values are already per batch.",
                )
            needed[key] = _series(batch_history[key], f"batch_history['{key}']")
    lengths = {key: len(values) for key, values in needed.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{key}: {length}" for key, length in lengths.items())
        raise HistoryError(f"batch history lists have different lengths ({listed})")
    if next(iter(lengths.values())) == 0:
        return "the batch history is empty"
    if batch_values == "running_mean":
        epoch, batch = needed["epoch"], needed["batch"]
        if not (np.all(np.isfinite(batch)) and np.all(batch >= 1) and np.all(batch == np.round(batch))):
            raise HistoryError("batch_history['batch'] must hold 1-based batch numbers (1, 2, ...)")
        curves = {metric: _undo_running_mean(epoch, batch, values) for metric, values in curves.items()}
    return curves


def _undo_running_mean(epoch: np.ndarray, batch: np.ndarray, running_mean: np.ndarray) -> np.ndarray:
    """Per-batch values from Keras' batch logs, which are running means over the epoch so far.

    Keras resets its metrics at each epoch start and logs, after batch b, the
    mean over batches 1..b (weighted by samples).  The mean over the batches
    since the previous record is then (b*m_b - b_prev*m_prev) / (b - b_prev),
    exact when the batches have equal sizes (only an epoch's last, smaller
    batch comes out approximate).  Without this the curve would look smooth
    late in each epoch and jump at every epoch start, and its noise would
    say nothing about the batch size.
    """
    values = np.empty_like(running_mean)
    for index in range(len(running_mean)):
        continues_epoch = index > 0 and epoch[index] == epoch[index - 1] and batch[index] > batch[index - 1]
        previous_count = batch[index - 1] if continues_epoch else 0.0
        previous_mean = running_mean[index - 1] if continues_epoch else 0.0
        values[index] = (batch[index] * running_mean[index] - previous_count * previous_mean) / (
            batch[index] - previous_count
        )
    return values


def _check_settings(*, patience, chance_accuracy, underfitting_threshold, final_epochs,
                    convergence_tolerance, batch_values):
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(f"patience must be a whole number of epochs >= 1, got {patience!r}")
    if chance_accuracy is not None and not 0.0 <= chance_accuracy < 1.0:
        raise ValueError(f"chance_accuracy must be in [0, 1), got {chance_accuracy}")
    if underfitting_threshold is not None and not 0.0 < underfitting_threshold <= 1.0:
        raise ValueError(f"underfitting_threshold must be in (0, 1], got {underfitting_threshold}")
    if isinstance(final_epochs, bool) or not isinstance(final_epochs, int) or final_epochs < 2:
        raise ValueError(f"final_epochs must be a whole number >= 2, got {final_epochs!r}")
    if not convergence_tolerance > 0:
        raise ValueError(f"convergence_tolerance must be > 0, got {convergence_tolerance}")
    if batch_values not in ("running_mean", "per_batch"):
        raise ValueError(f"batch_values must be 'running_mean' or 'per_batch', got {batch_values!r}")


# ---------------------------------------------------------------- analyze


def analyze(history, batch_history=None, *, smoothing: float = DEFAULT_SMOOTHING, patience: int = 2,
            chance_accuracy: float | None = None, underfitting_threshold: float | None = None,
            final_epochs: int = 3, convergence_tolerance: float = 0.02,
            batch_values: str = "running_mean") -> dict:
    """Findings about a training run's learning curves, as plain data.

    ``history``: ``{"loss": [...], "accuracy": [...], "val_loss": [...],
    "val_accuracy": [...]}``, one value per epoch; any of the four may be
    missing (findings that need it say ``available: False``), values may be
    NaN/inf/None, other keys are ignored.  ``batch_history``: ``{"epoch",
    "batch", "loss", "accuracy"}`` lists, one entry per batch, epoch and batch
    1-based.  ``batch_values="running_mean"`` (Keras' batch logs, as
    training.py records them) turns the running means back into per-batch
    values first; ``"per_batch"`` takes them as they are.

    ``smoothing`` is the TensorBoard weight used for the noise and trend
    findings.  ``patience``: consecutive val_loss rises that make overfitting.
    ``chance_accuracy`` / ``underfitting_threshold`` set the underfitting
    threshold.  ``final_epochs``: how many final epochs the convergence and
    the still-rising tests look at.  ``convergence_tolerance``: relative
    range below which a curve counts as converged.

    Raises HistoryError (a ValueError) for an empty or malformed history,
    ValueError for bad settings.
    """
    weight = _check_weight(smoothing)
    _check_settings(patience=patience, chance_accuracy=chance_accuracy,
                    underfitting_threshold=underfitting_threshold, final_epochs=final_epochs,
                    convergence_tolerance=convergence_tolerance, batch_values=batch_values)
    curves = _load_history(history)
    n_epochs = len(next(iter(curves.values())))
    batch_curves = _load_batch_history(batch_history, batch_values)

    smoothed = {name: np.asarray(smooth(values, weight), dtype=float) for name, values in curves.items()}
    if isinstance(batch_curves, dict):
        for name, metric in BATCH_CURVES.items():
            if metric in batch_curves:
                smoothed[name] = np.asarray(smooth(batch_curves[metric], weight), dtype=float)

    best = _best_epoch(curves, n_epochs)
    return {
        "n_epochs": n_epochs,
        "metrics": [metric for metric in EPOCH_METRICS if metric in curves],
        "settings": {
            "smoothing": weight,
            "patience": patience,
            "chance_accuracy": chance_accuracy,
            "underfitting_threshold": underfitting_threshold,
            "final_epochs": final_epochs,
            "convergence_tolerance": convergence_tolerance,
            "batch_values": batch_values if isinstance(batch_curves, dict) else None,
        },
        "best_epoch": best,
        "overfitting": _overfitting(curves, best, patience),
        "generalisation_gap": _generalisation_gap(curves, best),
        "underfitting": _underfitting(curves, chance_accuracy, underfitting_threshold, final_epochs),
        "convergence": _convergence(curves, final_epochs, convergence_tolerance),
        "noise": _noise_finding(curves, batch_curves, smoothed, weight, batch_values),
        "trend": _trend_finding(curves, smoothed, weight),
        "nan": _nan_finding(curves, n_epochs, batch_history, batch_curves),
    }


def _value_at(curves, metric: str, index: int):
    return _number(curves[metric][index]) if metric in curves else None


def _best_epoch(curves, n_epochs: int) -> dict:
    """The epoch with the lowest finite val_loss (the earliest one on a tie)."""
    if "val_loss" not in curves:
        return _unavailable("the history has no val_loss")
    finite = _finite(curves["val_loss"])
    if finite.size == 0:
        return _unavailable("val_loss is never finite")
    index = int(finite[np.argmin(curves["val_loss"][finite])])
    return {
        "available": True,
        "selected_by": "lowest finite val_loss",
        "epoch": index + 1,
        "n_epochs": n_epochs,
        "is_last_epoch": index + 1 == n_epochs,
        "epochs_after_best": n_epochs - (index + 1),
        **{metric: _value_at(curves, metric, index) for metric in EPOCH_METRICS},
    }


def _rising_run(flags: np.ndarray, start: int) -> int:
    length = 0
    while start + length < len(flags) and flags[start + length]:
        length += 1
    return length


def _overfitting(curves, best: dict, patience: int) -> dict:
    """Onset: the first epoch k where val_loss rises, rising for ``patience``
    consecutive epochs (k, k+1, ..., k+patience-1 each above the epoch before)
    while the training loss falls at each of those same epochs.

    Epochs where loss or val_loss is not finite are skipped: "consecutive"
    means consecutive among the epochs where both are finite.  A rise smaller
    than MIN_OVERFITTING_RISE of the val_loss before it is jitter on a plateau
    (a model still at chance wobbles by 0.01%), not overfitting.
    """
    missing = [metric for metric in ("loss", "val_loss") if metric not in curves]
    if missing:
        return _unavailable(f"the history has no {' or '.join(missing)}", patience=patience)
    loss, val_loss = curves["loss"], curves["val_loss"]
    both_finite = np.flatnonzero(np.isfinite(loss) & np.isfinite(val_loss))
    needed = patience + 1
    if both_finite.size < needed:
        return _unavailable(
            f"needs at least {needed} epochs with finite loss and val_loss for patience {patience}, "
            f"has {both_finite.size}",
            patience=patience, epochs_needed=needed, epochs_with_finite_values=int(both_finite.size),
        )
    epochs = both_finite + 1
    train, val = loss[both_finite], val_loss[both_finite]
    val_rises = val[1:] > val[:-1]  # step j goes from epochs[j] to epochs[j + 1]
    train_falls = train[1:] < train[:-1]

    onset_step = None
    first_rise_without_falling_train = None
    for step in range(len(val_rises) - patience + 1):
        if not val_rises[step:step + patience].all():
            continue
        if val[step + patience] - val[step] < MIN_OVERFITTING_RISE * abs(val[step]):
            continue
        if train_falls[step:step + patience].all():
            onset_step = step
            break
        if first_rise_without_falling_train is None:
            first_rise_without_falling_train = step

    longest_rise = max((_rising_run(val_rises, step) for step in range(len(val_rises))), default=0)
    finding = {
        "available": True,
        "detected": onset_step is not None,
        "patience": patience,
        "rule": f"val_loss above the epoch before for {patience} consecutive epochs, by at least "
                f"{MIN_OVERFITTING_RISE:.0%} in all, while the training loss falls at each of them",
        "min_relative_rise": MIN_OVERFITTING_RISE,
        "onset_epoch": None,
        "epoch_before_onset": None,
        "span_end_epoch": None,
        "val_loss_before_onset": None,
        "val_loss_at_onset": None,
        "val_loss_at_span_end": None,
        "val_loss_change_over_span": None,
        "train_loss_before_onset": None,
        "train_loss_at_span_end": None,
        "train_loss_change_over_span": None,
        "consecutive_rises": None,
        "rise_end_epoch": None,
        "val_loss_at_rise_end": None,
        "sustained": None,
        "last_epoch": int(epochs[-1]),
        "val_loss_at_last": _number(val[-1]),
        "train_loss_at_last": _number(train[-1]),
        "best_epoch": best.get("epoch"),
        "val_loss_at_best": best.get("val_loss"),
        "val_loss_change_best_to_last": (_number(val[-1] - best["val_loss"]) if best["available"] else None),
        "longest_val_loss_rise": longest_rise,
        "not_detected_because": None,
        "first_rise_without_falling_train_loss_epoch": (
            None if first_rise_without_falling_train is None
            else int(epochs[first_rise_without_falling_train + 1])
        ),
    }
    if onset_step is None:
        finding["not_detected_because"] = (
            "training_loss_did_not_fall_while_val_loss_rose" if first_rise_without_falling_train is not None
            else "val_loss_never_rose_for_patience_epochs"
        )
        return finding
    end = onset_step + patience
    rises = _rising_run(val_rises, onset_step)
    finding.update({
        "onset_epoch": int(epochs[onset_step + 1]),
        "epoch_before_onset": int(epochs[onset_step]),
        "span_end_epoch": int(epochs[end]),
        "val_loss_before_onset": _number(val[onset_step]),
        "val_loss_at_onset": _number(val[onset_step + 1]),
        "val_loss_at_span_end": _number(val[end]),
        "val_loss_change_over_span": _number(val[end] - val[onset_step]),
        "train_loss_before_onset": _number(train[onset_step]),
        "train_loss_at_span_end": _number(train[end]),
        "train_loss_change_over_span": _number(train[end] - train[onset_step]),
        "consecutive_rises": rises,
        "rise_end_epoch": int(epochs[onset_step + rises]),
        "val_loss_at_rise_end": _number(val[onset_step + rises]),
        # Still worse at the end than before the rise, or did val_loss come back down?
        "sustained": bool(val[-1] > val[onset_step]),
    })
    return finding


def _gaps_at(curves, index: int) -> dict:
    row = {"epoch": index + 1, **{metric: _value_at(curves, metric, index) for metric in EPOCH_METRICS}}
    row["accuracy_gap"] = (row["accuracy"] - row["val_accuracy"]
                           if row["accuracy"] is not None and row["val_accuracy"] is not None else None)
    row["loss_gap"] = (row["val_loss"] - row["loss"]
                       if row["loss"] is not None and row["val_loss"] is not None else None)
    return row


def _generalisation_gap(curves, best: dict) -> dict:
    """accuracy_gap = accuracy - val_accuracy, loss_gap = val_loss - loss
    (both positive when the model does better on its training data), at the
    best epoch and at the last epoch where every recorded metric is finite."""
    pairs = [pair for pair in (("accuracy", "val_accuracy"), ("loss", "val_loss"))
             if pair[0] in curves and pair[1] in curves]
    if not pairs:
        return _unavailable("needs accuracy with val_accuracy, or loss with val_loss")
    all_finite = np.logical_and.reduce([np.isfinite(values) for values in curves.values()])
    last_candidates = np.flatnonzero(all_finite)
    if last_candidates.size == 0:
        return _unavailable("no epoch has every metric finite")
    at_last = _gaps_at(curves, int(last_candidates[-1]))
    at_best = _gaps_at(curves, best["epoch"] - 1) if best["available"] else None

    def change(key):
        if at_best is None or at_best[key] is None or at_last[key] is None:
            return None
        return at_last[key] - at_best[key]

    return {
        "available": True,
        "definition": "accuracy_gap = accuracy - val_accuracy; loss_gap = val_loss - loss",
        "at_best": at_best,
        "at_last": at_last,
        "accuracy_gap_change": change("accuracy_gap"),
        "loss_gap_change": change("loss_gap"),
    }


def _final_window(values: np.ndarray, size: int):
    """Indices of the last ``size`` finite values (fewer if there are fewer)."""
    return _finite(values)[-size:]


def _underfitting(curves, chance_accuracy, explicit_threshold, final_epochs) -> dict:
    """Underfitting: accuracy and val_accuracy at their last finite epoch are
    both below the threshold AND both still rising, i.e. the least-squares
    slope over the last ``final_epochs`` finite epochs is above 0 (above
    1e-12, so that rounding in a flat stretch does not count as a rise).

    Threshold: ``underfitting_threshold`` if given; else, with
    ``chance_accuracy`` c, c + 0.2*(1 - c); else 0.6.  Low and not rising
    (both) is reported as ``stalled_below_threshold`` instead.
    """
    if explicit_threshold is not None:
        threshold, source = float(explicit_threshold), "underfitting_threshold"
    elif chance_accuracy is not None:
        threshold = chance_accuracy + UNDERFITTING_MARGIN * (1.0 - chance_accuracy)
        source = "chance_accuracy"
    else:
        threshold, source = DEFAULT_UNDERFITTING_ACCURACY, "default"
    base = {"threshold": threshold, "threshold_source": source, "chance_accuracy": chance_accuracy,
            "final_epochs": final_epochs, "rising_if_slope_above": RISING_SLOPE_ABOVE}
    missing = [metric for metric in ("accuracy", "val_accuracy") if metric not in curves]
    if missing:
        return _unavailable(f"the history has no {' or '.join(missing)}", **base)
    per_metric = {}
    for metric in ("accuracy", "val_accuracy"):
        window = _final_window(curves[metric], final_epochs)
        if window.size < 2:
            return _unavailable(f"{metric} needs at least 2 finite epochs to tell whether it is still "
                                f"rising, has {window.size}", **base)
        values = curves[metric][window]
        epochs = window + 1.0
        centred = epochs - epochs.mean()
        slope = float(np.sum(centred * (values - values.mean())) / np.sum(centred**2))
        per_metric[metric] = {
            "final_value": float(values[-1]),
            "final_epoch": int(window[-1] + 1),
            "window_start_epoch": int(window[0] + 1),
            "window_end_epoch": int(window[-1] + 1),
            "slope_per_epoch": slope,
            "below_threshold": bool(values[-1] < threshold),
            "rising": slope > RISING_SLOPE_ABOVE,
        }
    both_low = all(row["below_threshold"] for row in per_metric.values())
    both_rising = all(row["rising"] for row in per_metric.values())
    return {
        "available": True,
        "detected": both_low and both_rising,
        "stalled_below_threshold": both_low and not any(row["rising"] for row in per_metric.values()),
        **base,
        **per_metric,
    }


def _convergence(curves, final_epochs: int, tolerance: float) -> dict:
    """Per curve over its last ``final_epochs`` finite epochs:
    relative_change = (end - start) / |start| and
    relative_range = (max - min) / |mean|.  Converged when relative_range is
    below the tolerance: the range, not the net change, so that a curve that
    swings and comes back is not called converged.  A loss near zero makes
    any wobble large relative to its level, so a curve whose final range is
    below the tolerance as a share of everything it moved over the whole run
    (share_of_total_range) counts as converged too."""
    per_curve = {}
    for metric in ("loss", "val_loss"):
        if metric not in curves:
            per_curve[metric] = _unavailable(f"the history has no {metric}")
            continue
        window = _final_window(curves[metric], final_epochs)
        if window.size < 2:
            per_curve[metric] = _unavailable(f"{metric} needs at least 2 finite epochs, has {window.size}")
            continue
        values = curves[metric][window]
        scale = max(abs(float(values.mean())), np.finfo(float).tiny)
        relative_range = float(values.max() - values.min()) / scale
        finite_values = curves[metric][_finite(curves[metric])]
        total_range = max(float(finite_values.max() - finite_values.min()), np.finfo(float).tiny)
        share_of_total_range = float(values.max() - values.min()) / total_range
        per_curve[metric] = {
            "available": True,
            "start_epoch": int(window[0] + 1),
            "end_epoch": int(window[-1] + 1),
            "epochs_used": int(window.size),
            "start_value": float(values[0]),
            "end_value": float(values[-1]),
            "relative_change": float(values[-1] - values[0]) / max(abs(float(values[0])), np.finfo(float).tiny),
            "relative_range": relative_range,
            "share_of_total_range": share_of_total_range,
            "converged": relative_range < tolerance or share_of_total_range < tolerance,
        }
    judged = [metric for metric, row in per_curve.items() if row["available"]]
    if not judged:
        return _unavailable("needs loss or val_loss with at least 2 finite epochs",
                            final_epochs=final_epochs, tolerance=tolerance, **per_curve)
    return {
        "available": True,
        "converged": all(per_curve[metric]["converged"] for metric in judged),
        "based_on": judged,
        "final_epochs": final_epochs,
        "tolerance": tolerance,
        **per_curve,
    }


def _noise_level(relative_residual: float, reversals: int, reversal_fraction: float) -> str:
    if reversals < NOISE_MIN_REVERSALS or relative_residual < NOISE_SMOOTH_BELOW:
        return "smooth"
    if relative_residual >= NOISE_NOISY_FROM and reversal_fraction >= NOISE_NOISY_REVERSAL_FRACTION:
        return "noisy"
    return "somewhat noisy"


def _curve_noise(raw: np.ndarray, smoothed: np.ndarray) -> dict:
    finite = _finite(raw)
    if finite.size < 2:
        return _unavailable(f"needs at least 2 finite values, has {finite.size}")
    values, smoothed_values = raw[finite], smoothed[finite]
    value_range = float(values.max() - values.min())
    residual_std = float(np.std(values - smoothed_values))
    relative_residual = residual_std / value_range if value_range > 0 else 0.0
    steps = np.diff(values)
    directions = np.sign(steps[steps != 0])
    reversals = int(np.count_nonzero(directions[1:] != directions[:-1]))
    opportunities = max(directions.size - 1, 0)
    reversal_fraction = reversals / opportunities if opportunities else 0.0
    return {
        "available": True,
        "points": int(finite.size),
        "range": value_range,
        "residual_std": residual_std,
        "relative_residual": relative_residual,
        "reversals": reversals,
        "reversal_opportunities": opportunities,
        "reversal_fraction": reversal_fraction,
        "mean_abs_step": float(np.mean(np.abs(steps))),
        "level": _noise_level(relative_residual, reversals, reversal_fraction),
    }


def _noise_finding(curves, batch_curves, smoothed, weight, batch_values) -> dict:
    """Per curve: residual_std = std(raw - smoothed) over the finite values,
    relative_residual = residual_std / (max - min), and the direction
    reversals (sign changes between successive non-zero steps).

    level: "smooth" when fewer than 2 reversals or relative_residual < 0.05;
    "noisy" when relative_residual >= 0.10 and reversals happen at half the
    possible places or more; "somewhat noisy" otherwise.  The reversal gate
    matters because the smoothed curve lags a steep but clean drop, which
    alone gives a large residual.
    """
    per_curve = {}
    for metric in EPOCH_METRICS:
        per_curve[metric] = (_curve_noise(curves[metric], smoothed[metric]) if metric in curves
                             else _unavailable(f"the history has no {metric}"))
    for name, metric in BATCH_CURVES.items():
        if isinstance(batch_curves, str):
            per_curve[name] = _unavailable(batch_curves)
        elif metric not in batch_curves:
            per_curve[name] = _unavailable(f"the batch history has no {metric}")
        else:
            per_curve[name] = {**_curve_noise(batch_curves[metric], smoothed[name]), "unit": "batch"}
    return {
        "available": any(row["available"] for row in per_curve.values()),
        "smoothing": weight,
        "batch_values": batch_values if not isinstance(batch_curves, str) else None,
        "thresholds": {
            "smooth_below_relative_residual": NOISE_SMOOTH_BELOW,
            "noisy_from_relative_residual": NOISE_NOISY_FROM,
            "noisy_from_reversal_fraction": NOISE_NOISY_REVERSAL_FRACTION,
            "min_reversals_for_noise": NOISE_MIN_REVERSALS,
        },
        "curves": per_curve,
    }


def _runs(labels: list[str]) -> list[list]:
    """[label, first_step, last_step] for each run of equal step labels."""
    runs: list[list] = []
    for step, label in enumerate(labels):
        if runs and runs[-1][0] == label:
            runs[-1][2] = step
        else:
            runs.append([label, step, step])
    return runs


def _merge_noisy(runs: list[list]) -> list[list]:
    merged: list[list] = []
    index = 0
    while index < len(runs):
        if runs[index][2] - runs[index][1] + 1 > TREND_NOISY_RUN_STEPS:
            merged.append(runs[index])
            index += 1
            continue
        end = index
        while end < len(runs) and runs[end][2] - runs[end][1] + 1 <= TREND_NOISY_RUN_STEPS:
            end += 1
        group = runs[index:end]
        directions = [run[0] for run in group if run[0] != "flat"]
        alternations = sum(1 for before, after in zip(directions, directions[1:]) if before != after)
        if alternations >= TREND_NOISY_ALTERNATIONS:
            merged.append(["noisy", group[0][1], group[-1][2]])
        else:
            merged.extend(group)
        index = end
    return merged


def _absorb_pauses(runs: list[list]) -> list[list]:
    """A one-step "flat" run between two runs of the same direction joins them:
    a fall that pauses for one epoch is still a fall."""
    result: list[list] = []
    index = 0
    while index < len(runs):
        label, first, last = runs[index]
        if (label == "flat" and last == first and result and index + 1 < len(runs)
                and result[-1][0] in ("rising", "falling") and runs[index + 1][0] == result[-1][0]):
            result[-1][2] = runs[index + 1][2]
            index += 2
            continue
        if result and result[-1][0] == label:
            result[-1][2] = last
        else:
            result.append([label, first, last])
        index += 1
    return result


def _split_flattening(runs: list[list], steps: np.ndarray, mean_step: float) -> list[list]:
    """Split a rising/falling run's slowing tail off as "flattening"."""
    result: list[list] = []
    for label, first, last in runs:
        if label not in ("rising", "falling"):
            result.append([label, first, last])
            continue
        sizes = np.abs(steps[first:last + 1])
        tail = len(sizes)
        # Walk back while the steps stay small and do not grow towards the end.
        while tail > 0 and sizes[tail - 1] < mean_step and (tail == len(sizes) or sizes[tail - 1] >= sizes[tail]):
            tail -= 1
        if len(sizes) - tail >= 2 and tail > 0 and sizes[tail - 1] >= mean_step:
            result.append([label, first, first + tail - 1])
            result.append(["flattening", first + tail, last])
        else:
            result.append([label, first, last])
    return result


def _merge_equal(runs: list[list]) -> list[list]:
    merged: list[list] = []
    for run in runs:
        if merged and merged[-1][0] == run[0]:
            merged[-1][2] = run[2]
        else:
            merged.append(list(run))
    return merged


def _describe(segments: list[dict]) -> str:
    parts = [f"{segment['trend']} from epoch {segment['start_epoch']} to {segment['end_epoch']}"
             for segment in segments]
    return ", then ".join(parts)


def _trend(name: str, raw: np.ndarray, smoothed: np.ndarray) -> dict:
    """Segments of one curve's smoothed values; see _trend_finding for the rule."""
    finite = _finite(raw)
    if finite.size < 2:
        return _unavailable(f"needs at least 2 finite values, has {finite.size}")
    epochs = finite + 1
    values, smoothed_values = raw[finite], smoothed[finite]
    value_range = float(values.max() - values.min())
    level = float(np.median(np.abs(values)))
    mean_step = value_range / (finite.size - 1)
    if value_range == 0 or value_range < TREND_FLAT_RANGE * level:
        runs = [["flat", 0, finite.size - 2]]
        dead_zone = None
    else:
        dead_zone = TREND_DEAD_ZONE * mean_step
        steps = np.diff(smoothed_values)
        labels = ["rising" if step > dead_zone else "falling" if step < -dead_zone else "flat" for step in steps]
        runs = _split_flattening(_absorb_pauses(_merge_noisy(_runs(labels))), steps, mean_step)
        if name in LOSS_CURVES:
            # A loss that climbs back above where it started has lost all
            # that training gained: divergence, not a wobble or mild overfitting.
            runs = [["diverging", first, last]
                    if label == "rising" and smoothed_values[last + 1] > smoothed_values[0] else [label, first, last]
                    for label, first, last in runs]
        runs = _merge_equal(runs)
    segments = [{
        "trend": label,
        "start_epoch": int(epochs[first]),
        "end_epoch": int(epochs[last + 1]),
        "start_value": float(smoothed_values[first]),
        "end_value": float(smoothed_values[last + 1]),
    } for label, first, last in runs]
    non_finite_from = int(epochs[-1]) + 1 if finite[-1] < len(raw) - 1 else None
    if name in LOSS_CURVES and non_finite_from is not None:
        # The loss went NaN/inf and stayed there: the classic divergence.
        if segments[-1]["trend"] == "diverging":
            segments[-1].update(end_epoch=len(raw), end_value=None)
        else:
            segments.append({"trend": "diverging", "start_epoch": int(epochs[-1]), "end_epoch": len(raw),
                             "start_value": float(smoothed_values[-1]), "end_value": None})
    return {
        "available": True,
        "non_finite_from_epoch": non_finite_from,
        "segments": segments,
        "final_trend": segments[-1]["trend"],
        "changes_at_epochs": [segment["start_epoch"] for segment in segments[1:]],
        "description": _describe(segments),
        "flat_step_below": dead_zone,
    }


def _trend_finding(curves, smoothed, weight) -> dict:
    """Trend of each per-epoch curve, read off its smoothed values.

    Rule: a curve whose raw range is 0 or under 1% of its median magnitude is
    "flat" throughout.  Otherwise each epoch-to-epoch step of the smoothed
    curve is "rising" / "falling" when it moves by more than a quarter of the
    mean step (range / (epochs - 1)), else "flat"; runs of equal labels form
    segments.  Runs of at most 2 steps that alternate direction at least
    twice merge into one "noisy" segment; a single flat step between two
    runs of the same direction joins them.  The tail of a rising or falling
    segment whose steps shrink, each below the mean step, for at least 2
    steps after a step at or above the mean step becomes "flattening".  On a
    loss curve a rising segment that ends above the curve's first value is
    "diverging", and so is a final stretch where the loss stays NaN/inf
    (end_value None; non_finite_from_epoch says where it starts).
    Adjacent segments share their boundary epoch.  The smoothed curve lags
    the raw one by about weight/(1-weight) epochs, so boundaries come that
    much later than they would on the raw curve.
    """
    per_curve = {metric: (_trend(metric, curves[metric], smoothed[metric]) if metric in curves
                          else _unavailable(f"the history has no {metric}"))
                 for metric in EPOCH_METRICS}
    return {
        "available": any(row["available"] for row in per_curve.values()),
        "smoothing": weight,
        "labels": ["rising", "falling", "flattening", "diverging", "noisy", "flat"],
        "curves": per_curve,
    }


def _nan_finding(curves, n_epochs: int, batch_history, batch_curves) -> dict:
    by_metric = {metric: [int(index) + 1 for index in np.flatnonzero(~np.isfinite(values))]
                 for metric, values in curves.items()}
    epochs = sorted({epoch for listed in by_metric.values() for epoch in listed})
    batches = None
    if isinstance(batch_curves, dict):
        # Report the logged values, not the recovered per-batch ones: a NaN
        # there is what the user saw in the progress bar.
        logged = {metric: _series(batch_history[metric], f"batch_history['{metric}']")
                  for metric in BATCH_METRICS if batch_history.get(metric) is not None}
        bad = np.logical_or.reduce([~np.isfinite(values) for values in logged.values()])
        bad_positions = np.flatnonzero(bad)
        first = None
        if bad_positions.size:
            position = int(bad_positions[0])
            epoch_list, batch_list = batch_history.get("epoch"), batch_history.get("batch")
            first = {
                "step": position + 1,
                "epoch": _whole_number(epoch_list[position]) if epoch_list is not None else None,
                "batch": _whole_number(batch_list[position]) if batch_list is not None else None,
            }
        batches = {"count": int(bad_positions.size), "first": first}
    return {
        "available": True,
        "any": bool(epochs) or bool(batches and batches["count"]),
        "epochs": epochs,
        "count": len(epochs),
        "n_epochs": n_epochs,
        "first_epoch": epochs[0] if epochs else None,
        "by_metric": by_metric,
        "batches": batches,
    }


# ---------------------------------------------------------------- advice


def _noise_row(findings, curve: str) -> dict | None:
    row = findings["noise"]["curves"].get(curve)
    return row if row and row["available"] else None


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def smoothing_advice(findings: dict, *, batch_size: int, n_validation: int,
                     learning_rate: float) -> list[dict]:
    """Changes that would make THIS run's curves smoother, each only when it applies.

    ``findings`` is what ``analyze`` returned.  Each item is
    ``{"id", "change", "applies", "numbers"}``: ``change`` says what to do,
    ``applies`` why, in a sentence built from the numbers, ``numbers`` holds
    them.  Items, in this order:

    - ``display_smoothing``: always.
    - ``larger_batch``: the per-batch loss is "somewhat noisy" or "noisy".
    - ``lower_learning_rate``: the per-epoch training loss is not "smooth"
      (it reverses direction), or it diverges.
    - ``more_validation_samples``: val_loss or val_accuracy is not "smooth"
      and its relative residual is at least 1.5x its training curve's.
    - ``early_stopping``: overfitting was detected.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    if isinstance(n_validation, bool) or not isinstance(n_validation, int) or n_validation < 1:
        raise ValueError(f"n_validation must be a whole number >= 1, got {n_validation!r}")
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0 and math.isfinite(learning_rate)):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    advice = [_display_smoothing(findings)]
    for build in (_larger_batch, _lower_learning_rate, _more_validation_samples, _early_stopping):
        item = build(findings, batch_size=batch_size, n_validation=n_validation, learning_rate=learning_rate)
        if item is not None:
            advice.append(item)
    return advice


def _display_smoothing(findings) -> dict:
    weight = findings["settings"]["smoothing"]
    recommended = weight if 0.0 < weight < 1.0 else DEFAULT_SMOOTHING
    noisiest = None
    for curve, row in findings["noise"]["curves"].items():
        # A smooth curve's residual is mostly the smoothed line's lag, not noise.
        if row["available"] and row["level"] != "smooth" and (noisiest is None or row["relative_residual"] > noisiest[1]["relative_residual"]):
            noisiest = (curve, row)
    window = 1.0 / (1.0 - recommended)
    applies = (f"always: the raw curves stay visible and the smoothed line shows the trend; with weight "
               f"{recommended:g} each point averages over about {window:.1f} epochs (1/(1 - weight))")
    if weight != recommended:
        applies += f" (this analysis used weight {weight:g}, which {'does not smooth' if weight == 0 else 'flattens the line to a running mean'})"
    numbers = {"weight": recommended, "analysis_weight": weight, "effective_window_epochs": window,
               "formula": SMOOTHING_FORMULA, "noisiest_curve": None,
               "noisiest_residual_std": None, "noisiest_relative_residual": None}
    if noisiest is not None:
        curve, row = noisiest
        numbers.update(noisiest_curve=curve, noisiest_residual_std=row["residual_std"],
                       noisiest_relative_residual=row["relative_residual"])
        applies += (f"; the noisiest curve, {curve} ({row['level']}), differs from its smoothed line by std "
                    f"{row['residual_std']:.3g} ({_percent(row['relative_residual'])} of its range) and changes "
                    f"direction {row['reversals']} times in {row['reversal_opportunities']} possible places")
    return {"id": "display_smoothing",
            "change": f"Plot the smoothed curve (TensorBoard smoothing, weight {recommended:g}) over the faint raw curve",
            "applies": applies, "numbers": numbers}


def _larger_batch(findings, *, batch_size, **_) -> dict | None:
    row = _noise_row(findings, "batch_loss")
    if row is None or row["level"] == "smooth":
        return None
    suggested = batch_size * BATCH_SIZE_FACTOR
    noise_factor = 1.0 / math.sqrt(BATCH_SIZE_FACTOR)
    return {
        "id": "larger_batch",
        "change": f"Train with batch size {suggested} instead of {batch_size}",
        "applies": (f"the per-batch training loss is {row['level']}: it differs from its smoothed line by "
                    f"std {row['residual_std']:.3g} ({_percent(row['relative_residual'])} of its range) and "
                    f"changes direction at {row['reversals']} of {row['reversal_opportunities']} steps; the noise "
                    f"of a batch-mean loss shrinks as 1/sqrt(batch size), so {BATCH_SIZE_FACTOR}x the batch "
                    f"({suggested}) cuts it to about {noise_factor:.2g}x; there are then "
                    f"{BATCH_SIZE_FACTOR}x fewer updates per epoch, so more epochs or a larger learning "
                    "rate may be needed"),
        "numbers": {"batch_size": batch_size, "suggested_batch_size": suggested,
                    "expected_noise_factor": noise_factor, "level": row["level"],
                    "residual_std": row["residual_std"], "relative_residual": row["relative_residual"],
                    "reversals": row["reversals"], "reversal_opportunities": row["reversal_opportunities"],
                    "reversal_fraction": row["reversal_fraction"]},
    }


def _lower_learning_rate(findings, *, learning_rate, **_) -> dict | None:
    row = _noise_row(findings, "loss")
    trend = findings["trend"]["curves"].get("loss", {})
    diverging = [segment for segment in trend.get("segments", []) if segment["trend"] == "diverging"]
    if (row is None or row["level"] == "smooth") and not diverging:
        return None
    suggested = learning_rate * LEARNING_RATE_FACTOR
    reasons = []
    if row is not None and row["level"] != "smooth":
        reasons.append(f"the per-epoch training loss is {row['level']}: it changes direction "
                       f"{row['reversals']} times in {row['reversal_opportunities']} possible places and "
                       f"differs from its smoothed line by std {row['residual_std']:.3g} "
                       f"({_percent(row['relative_residual'])} of its range); a step size too large for the loss surface "
                       "overshoots and bounces")
    if diverging:
        reasons.append(f"the training loss diverges from epoch {diverging[0]['start_epoch']}")
    return {
        "id": "lower_learning_rate",
        "change": (f"Lower the learning rate from {learning_rate:g} to {suggested:g}, or decay it "
                   f"(e.g. ReduceLROnPlateau with factor {LEARNING_RATE_FACTOR:g})"),
        "applies": "; ".join(reasons),
        "numbers": {"learning_rate": learning_rate, "suggested_learning_rate": suggested,
                    "level": row["level"] if row else None,
                    "reversals": row["reversals"] if row else None,
                    "reversal_opportunities": row["reversal_opportunities"] if row else None,
                    "residual_std": row["residual_std"] if row else None,
                    "relative_residual": row["relative_residual"] if row else None,
                    "diverging_from_epoch": diverging[0]["start_epoch"] if diverging else None},
    }


def _validation_accuracy_estimate(findings):
    """The accuracy p used for the standard error: val_accuracy at the best epoch, else the last one."""
    best = findings["best_epoch"]
    if best["available"] and best["val_accuracy"] is not None:
        return best["val_accuracy"], f"val_accuracy at the best epoch ({best['epoch']})"
    underfitting = findings["underfitting"]
    if underfitting["available"]:
        row = underfitting["val_accuracy"]
        return row["final_value"], f"val_accuracy at epoch {row['final_epoch']}"
    return None, None


def _more_validation_samples(findings, *, n_validation, **_) -> dict | None:
    noisier = []
    for validation_curve, training_curve in (("val_loss", "loss"), ("val_accuracy", "accuracy")):
        validation_row = _noise_row(findings, validation_curve)
        if validation_row is None or validation_row["level"] == "smooth":
            continue
        training_row = _noise_row(findings, training_curve)
        training_residual = training_row["relative_residual"] if training_row else None
        if training_residual is None or validation_row["relative_residual"] >= NOISIER_FACTOR * training_residual:
            noisier.append((validation_curve, validation_row, training_curve, training_residual))
    if not noisier:
        return None
    p, p_source = _validation_accuracy_estimate(findings)
    standard_error = math.sqrt(p * (1.0 - p) / n_validation) if p is not None else None
    parts = []
    for validation_curve, row, training_curve, training_residual in noisier:
        against = (f", against {_percent(training_residual)} for {training_curve}"
                   if training_residual is not None else "")
        parts.append(f"{validation_curve} is {row['level']} (differs from its smoothed line by "
                     f"{_percent(row['relative_residual'])} of its range{against}; {row['reversals']} direction changes in "
                     f"{row['reversal_opportunities']} possible places)")
    applies = "; ".join(parts)
    val_accuracy_row = _noise_row(findings, "val_accuracy")
    # Two independent estimates with standard error SE differ by 2*SE/sqrt(pi)
    # on average (their difference is normal with std sqrt(2)*SE): the
    # epoch-to-epoch movement that validation sampling alone would cause.
    sampling_mean_abs_step = 2.0 * standard_error / math.sqrt(math.pi) if standard_error is not None else None
    sampling_explains_noise = None
    if standard_error is not None:
        applies += (f"; with {n_validation} validation samples an accuracy near {p:.3g} has standard error "
                    f"sqrt(p(1-p)/n) = {standard_error:.3g}, so sampling alone moves it by about "
                    f"{sampling_mean_abs_step:.3g} between epochs")
        if val_accuracy_row is not None:
            sampling_explains_noise = (val_accuracy_row["mean_abs_step"]
                                       <= SAMPLING_EXPLAINS_FACTOR * sampling_mean_abs_step)
            applies += f"; val_accuracy moves by {val_accuracy_row['mean_abs_step']:.3g} on average"
            if sampling_explains_noise:
                applies += ", which sampling accounts for"
            else:
                applies += (", more than sampling accounts for: the rest is the model itself changing "
                            "between epochs, which more samples will not remove")
    applies += (f"; {4 * n_validation} samples (4x) halve the standard error, since it shrinks "
                "as 1/sqrt(n)")
    return {
        "id": "more_validation_samples",
        "change": f"Validate on more samples: {4 * n_validation} instead of {n_validation}",
        "applies": applies,
        "numbers": {
            "n_validation": n_validation,
            "suggested_n_validation": 4 * n_validation,
            "accuracy_estimate": p,
            "accuracy_estimate_source": p_source,
            "standard_error": standard_error,
            "suggested_standard_error": standard_error / 2 if standard_error is not None else None,
            "sampling_mean_abs_step": sampling_mean_abs_step,
            "val_accuracy_mean_abs_step": val_accuracy_row["mean_abs_step"] if val_accuracy_row else None,
            "sampling_explains_noise": sampling_explains_noise,
            "noisier_curves": [
                {"curve": validation_curve, "level": row["level"], "relative_residual": row["relative_residual"],
                 "training_curve": training_curve, "training_relative_residual": training_residual}
                for validation_curve, row, training_curve, training_residual in noisier
            ],
        },
    }


def _early_stopping(findings, **_) -> dict | None:
    overfitting = findings["overfitting"]
    best = findings["best_epoch"]
    if not overfitting["available"] or not overfitting["detected"] or not best["available"]:
        return None
    if best["epochs_after_best"] == 0:
        # val_loss came back down to a new low at the last epoch: stopping
        # earlier would have lost that, so there is nothing to advise.
        return None
    patience = overfitting["patience"]
    wasted = best["epochs_after_best"]
    return {
        "id": "early_stopping",
        "change": (f"Stop at the best epoch: EarlyStopping(monitor='val_loss', patience={patience}, "
                   "restore_best_weights=True)"),
        "applies": (f"val_loss rose for {overfitting['consecutive_rises']} consecutive epochs from epoch "
                    f"{overfitting['onset_epoch']} ({overfitting['val_loss_before_onset']:.4g} at epoch "
                    f"{overfitting['epoch_before_onset']} to {overfitting['val_loss_at_rise_end']:.4g} at epoch "
                    f"{overfitting['rise_end_epoch']}) while the training loss fell by "
                    f"{-overfitting['train_loss_change_over_span']:.4g} over the first {patience}; the lowest "
                    f"val_loss, {best['val_loss']:.4g}, was at epoch {best['epoch']}, and the {wasted} epochs "
                    "after it only fit the training data more closely"),
        "numbers": {"best_epoch": best["epoch"], "val_loss_at_best": best["val_loss"],
                    "n_epochs": findings["n_epochs"], "epochs_after_best": wasted, "patience": patience,
                    "onset_epoch": overfitting["onset_epoch"],
                    "consecutive_rises": overfitting["consecutive_rises"],
                    "val_loss_at_last": overfitting["val_loss_at_last"],
                    "train_loss_change_over_span": overfitting["train_loss_change_over_span"]},
    }
