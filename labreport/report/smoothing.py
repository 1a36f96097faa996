"""Smoothing for display: TensorBoard's debiased exponential moving average.

Smoothing draws the bold line in the figures and nothing else: every verdict
about the curves (labreport/facts) is computed on the raw values.
"""

from __future__ import annotations

import math


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


# --------------------------------------------------------------------------- what the figures draw

# A smoothed line is drawn beside a per-epoch curve only from this many points.  The debiased
# average weighs the last ~1/(1 - w) points (2.5 at the usual w = 0.6, 10 at 0.9) and lags a jump by
# about as many; on 5-12 epochs that lag is a large share of the curve, and the bold line drew a
# validation accuracy of 0.86 where every point from that epoch on was 1.000.  With 20 points a
# jump's lag (2-3 epochs at w = 0.6) is a small part of the curve, and the line is still drawn thin
# and dashed behind the measured one, which stays the primary line.
MIN_SMOOTHED_POINTS = 20
# A loss whose largest finite value is at least this many times its smallest positive one (a decade
# or more) is drawn on a log axis: on a linear one its later epochs are a flat line at zero.
LOG_AXIS_FROM = 10.0


def draws_smoothed(n_points: int) -> bool:
    """Whether a curve of ``n_points`` measured values gets a (light) smoothed line beside it."""
    return n_points >= MIN_SMOOTHED_POINTS


def spans_decades(*series) -> bool:
    """Whether the finite positive values of ``series`` together span a factor of LOG_AXIS_FROM or more."""
    values = [float(v) for values in series for v in values or []
              if v is not None and math.isfinite(float(v)) and float(v) > 0]
    return bool(values) and max(values) >= LOG_AXIS_FROM * min(values)
