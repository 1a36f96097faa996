"""Verdicts about the per-epoch learning curves, on the raw values.

Every verdict here is what a reader holding the run's per-epoch table would
say: the table prints four decimals, so two values that print the same are
"level", a step that prints higher is a rise, one that prints lower a fall.
Smoothing never enters a verdict; it only draws the figures.

Each function takes plain lists (NaN/None allowed) and returns plain data: a
``verdict`` string from a closed set and the numbers it rests on.  Epochs are
1-based.
"""

from __future__ import annotations

import math
import statistics  # the standard library's (for its median), not facts/statistics.py

# The per-epoch table prints 4 decimals: values equal at that precision are level.
TABLE_DECIMALS = 4
# Overfitting: the last validation loss this far above its lowest (relative) while the
# training loss fell over the same epochs.  Below it, a rise is "slight" and the verdict unclear.
OVERFITTING_MIN_RISE = 0.10
# Converged: over the last CONVERGENCE_EPOCHS epochs the curve moved within this share
# of its level, or within this share of its whole fall from epoch 1.
CONVERGENCE_EPOCHS = 3
CONVERGENCE_RELATIVE = 0.02
CONVERGENCE_SHARE_OF_FALL = 0.02
# Still improving: the validation loss fell by at least this much (relative) over the last epochs.
STILL_IMPROVING_MIN_FALL = 0.01
# Noise: a curve that changes direction at this share of its chances (and at least twice) zig-zags.
NOISY_REVERSAL_SHARE = 0.4
NOISY_MIN_REVERSALS = 2
# A zig-zag's largest turn (the smaller of the two moves around a change of direction) is at least this share of
# the curve's range; smaller turns are upticks on a steady course ("small_turns"), given no smoothing advice (the
# sensor run's validation loss fell from 1.07 to 0.18 with six turns, the largest 2.5 % of its range).
VISIBLE_TURN_SHARE = 0.05
# A curve with a turn is called smooth only when it had room for more: at least this many epochs between its
# first and last (a 3-epoch curve that rose and fell turned at its only chance).
SMOOTH_MIN_CHANCES = 3
# A trend with more segments than this is summarised, not listed.
LISTED_SEGMENTS = 4
# Generalisation gap at the last epoch: "close" within these margins.
GAP_ACCURACY = 0.02
GAP_LOSS_RELATIVE = 0.10
GAP_LOSS_ABSOLUTE = 0.01
# A loss spike: an epoch whose training loss is this much above the epoch before.
SPIKE_RELATIVE = 0.10
# Where run.json keeps each batch's loss, a rise is a spike only when it is also more than this many standard errors
# of the difference of the two epoch means, from the scatter of the batch losses in the epoch before the rise
# (SD · sqrt(1/n_before + 1/n_after)): a smaller rise is the ordinary scatter of mini-batch losses, not one bad
# step.  The epoch before, not the risen one, since a few exploding batches would widen their own epoch's SD.
SPIKE_STANDARD_ERRORS = 2.0
# An epoch's batch losses give a standard error from this many batches on; with fewer, the relative rule alone.
SPIKE_MIN_BATCHES = 4
# The noise of a curve: its epoch-to-epoch scatter around a smooth course, estimated from the
# second differences (for y = smooth + e, y[t+1] - 2y[t] + y[t-1] is about e[t+1] - 2e[t] + e[t-1],
# whose standard deviation is sqrt(6)·σ), robustly (1.4826 × the median absolute value, so one
# jump where the model found the task does not count as noise).  A change is told from noise when
# it exceeds NOISE_MULTIPLE noise levels.  Below NOISE_MIN_EPOCHS epochs (fewer than four second
# differences) a turn of the curve itself cannot be told from scatter, and no noise level is estimated.
NOISE_MIN_EPOCHS = 6
NOISE_MULTIPLE = 2.0
# Flat: a curve whose whole range stays within FLAT_RELATIVE of its mean level (under 1 %: on a
# loss of 1.386 that is the fourth decimal the table shows, a change no figure makes visible) or
# within NOISE_MULTIPLE of its noise level.  Its lowest epoch is then no "best epoch".
FLAT_RELATIVE = 0.01
# Overfitting without a 10 % rise: after its lowest epoch the validation loss stayed above it by more
# than its noise at every later epoch, while the training loss fell by at least this share.
OVERFITTING_TRAIN_FALL = 0.20


def finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def _clean(values) -> list:
    return [float(v) if finite(v) else None for v in (values or [])]


def _printed(value: float) -> float:
    return round(value, TABLE_DECIMALS)


def step_direction(before: float, after: float) -> int:
    """+1, -1 or 0 (level at the table's precision)."""
    a, b = _printed(before), _printed(after)
    return 0 if a == b else (1 if b > a else -1)


def trend(values, *, higher_is_better: bool, n: int | None = None) -> dict:
    """Segments of the raw curve: maximal runs of rises, falls or level steps.

    ``n``: for an accuracy curve, the number of sequences each value is a share of.  Its swings are then set
    against the sampling noise of a share on ``n`` sequences (one standard error at the curve's mean level):
    a curve that changes direction often but only by turns within two standard errors is "zigzag_within_sampling"
    (its swings are too small to tell from the luck of which sequences were drawn), not a zig-zag of its course.

    A run whose loss became NaN ends in non-finite values: its curve is described up to the last
    finite epoch, and ``non_finite_from`` names the first epoch after it (None when every value is finite).
    """
    series = _clean(values)
    finite_epochs = len(series)
    while finite_epochs and series[finite_epochs - 1] is None:
        finite_epochs -= 1
    non_finite_from = finite_epochs + 1 if finite_epochs < len(series) else None
    series = series[:finite_epochs]
    if len(series) == 1 and non_finite_from is None:
        # One epoch, one value: no course to describe, only where it stood.
        return {"verdict": "single", "n_epochs": 1, "first": series[0], "last": series[0]}
    if len(series) < 2 or any(v is None for v in series):
        return {"verdict": "unavailable", "n_epochs": len(_clean(values)), "finite": sum(v is not None for v in series),
                "non_finite_from": non_finite_from}
    segments: list[dict] = []
    for index in range(len(series) - 1):
        direction = {1: "rise", -1: "fall", 0: "level"}[step_direction(series[index], series[index + 1])]
        if segments and segments[-1]["direction"] == direction:
            segments[-1]["end_epoch"] = index + 2
            segments[-1]["end_value"] = series[index + 1]
        else:
            segments.append({"direction": direction, "start_epoch": index + 1, "end_epoch": index + 2,
                             "start_value": series[index], "end_value": series[index + 1]})
    moving = [s["direction"] for s in segments if s["direction"] != "level"]
    reversals = sum(1 for a, b in zip(moving, moving[1:]) if a != b)
    chances = max(len(series) - 2, 0)
    # The best value, earliest on a tie (as the table shows it).
    if higher_is_better:
        best_index = max(range(len(series)), key=lambda i: (_printed(series[i]), -i))
    else:
        best_index = min(range(len(series)), key=lambda i: (_printed(series[i]), i))
    rises = sum(1 for s in segments if s["direction"] == "rise")
    falls = sum(1 for s in segments if s["direction"] == "fall")
    flat = flatness(series)
    if not moving:
        shape = "level"
    elif (flat.get("relative_spread") is not None and flat["relative_spread"] <= FLAT_RELATIVE
          and len(segments) > 1):
        # Flat: it moves both ways, by under 1 % of its level.  A curve that moved one way all along is
        # described step by step (it fell, however little); one within its own noise that zig-zags by more
        # than 1 % is said to zig-zag.
        shape = "flat"
    elif len(segments) == 1:
        shape = "steady"          # one direction all the way
    elif len(segments) <= LISTED_SEGMENTS:
        shape = "turns"           # a few segments, each listed
    else:
        shape = "zigzag"          # summarised: first, last, best, counts
    noisy = reversals >= NOISY_MIN_REVERSALS and chances and reversals / chances >= NOISY_REVERSAL_SHARE
    # A turn's size: the smaller of the two moves around it (a rise of 4.9 points then a fall of 0.1 is a turn
    # of 0.1); the largest turn is what a zig-zag is judged by.
    largest_turn = _largest_turn(series)
    sampling_se = None
    if n and all(0.0 <= v <= 1.0 for v in series):
        mean = sum(series) / len(series)
        sampling_se = math.sqrt(mean * (1 - mean) / n)
    # The largest turn as a share of the curve's range, and what that range is: the curve's fall (it started at
    # its highest value and ended at its lowest), its rise (the other way round), or neither.
    turn_share = _turn_share(series)
    printed = [_printed(v) for v in series]
    span = ("fall" if printed[0] == max(printed) and printed[-1] == min(printed) else
            "rise" if printed[0] == min(printed) and printed[-1] == max(printed) else "range")
    noise_words = "zigzag" if noisy else ("some_reversals" if reversals >= NOISY_MIN_REVERSALS else "smooth")
    if noise_words == "smooth" and reversals and chances < SMOOTH_MIN_CHANCES:
        # One turn in a curve of 3 or 4 epochs: as many turns as it could show, so "smooth" would be a guess.
        noise_words = "too_short"
    if noisy and sampling_se is not None and largest_turn <= NOISE_MULTIPLE * sampling_se:
        noise_words = "zigzag_within_sampling"
    elif noisy and turn_share is not None and turn_share < VISIBLE_TURN_SHARE:
        # Many turns, each a few per cent of the range: small turns on the curve's course, not a zig-zag.
        noise_words = "small_turns"
    last_step = segments[-1]["direction"] if segments[-1]["end_epoch"] == len(series) else "level"
    return {
        "verdict": shape,
        "segments": segments,
        "n_epochs": len(series),
        "first": series[0], "last": series[-1],
        "best": series[best_index], "best_epoch": best_index + 1,
        "best_is_last": best_index == len(series) - 1,
        "rises": rises, "falls": falls,
        "reversals": reversals, "reversal_chances": chances,
        "noise": noise_words, "largest_turn": largest_turn, "sampling_se": sampling_se, "n": n,
        "largest_turn_share": turn_share, "span": span,
        "last_step": last_step,
        "overall": {1: "rise", -1: "fall", 0: "level"}[step_direction(series[0], series[-1])],
        "non_finite_from": non_finite_from,
        "low": flat.get("low"), "high": flat.get("high"), "noise_level": flat.get("noise"),
        "relative_spread": flat.get("relative_spread"),
    }


def _largest_turn(series: list) -> float:
    """A finite curve's largest turn: at each change of direction, the smaller of the moves on either side."""
    moves = [b - a for a, b in zip(series, series[1:]) if step_direction(a, b) != 0]
    return max((min(abs(a), abs(b)) for a, b in zip(moves, moves[1:]) if (a > 0) != (b > 0)), default=0.0)


def _turn_share(series: list) -> float | None:
    """The largest turn as a share of the curve's range (None for a curve without a range)."""
    spread = max(series) - min(series)
    return _largest_turn(series) / spread if spread > 0 else None


def noise_level(values) -> float | None:
    """The curve's epoch-to-epoch scatter (one standard deviation), from its second differences."""
    series = _clean(values)
    if len(series) < NOISE_MIN_EPOCHS or None in series:
        return None
    second = sorted(abs(series[i + 1] - 2 * series[i] + series[i - 1]) for i in range(1, len(series) - 1))
    middle = len(second) // 2
    median = second[middle] if len(second) % 2 else (second[middle - 1] + second[middle]) / 2
    return 1.4826 * median / math.sqrt(6)


def flatness(values) -> dict:
    """Whether a finite curve stays within its noise, or within FLAT_RELATIVE of its level, throughout."""
    series = _clean(values)
    if len(series) < 3 or None in series:
        return {"flat": False, "noise": None}
    low, high = min(series), max(series)
    level = sum(abs(v) for v in series) / len(series)
    noise = noise_level(series)
    spread = high - low
    flat = (level > 0 and spread <= FLAT_RELATIVE * level) or (noise is not None and spread <= NOISE_MULTIPLE * noise)
    return {"flat": bool(flat), "noise": noise, "low": low, "high": high,
            "spread": spread, "relative_spread": spread / level if level > 0 else None}


def overfitting(loss, val_loss) -> dict:
    """Did the validation loss turn up after its lowest epoch while the training loss kept falling?"""
    train, val = _clean(loss), _clean(val_loss)
    if len(val) < 3 and val and None not in val and None not in train:
        return {"verdict": "unavailable", "reason": "few_epochs", "n_epochs": len(val)}
    if len(val) < 3 or any(v is None for v in val) or any(v is None for v in train):
        return {"verdict": "unavailable"}
    best = min(range(len(val)), key=lambda i: (_printed(val[i]), i))
    last = len(val) - 1
    evidence = {"best_epoch": best + 1, "last_epoch": last + 1, "val_loss_at_best": val[best],
                "val_loss_at_last": val[last], "train_loss_at_best": train[best], "train_loss_at_last": train[last]}
    shape = flatness(val)
    noise = shape["noise"]
    evidence.update({"noise": noise, "val_loss_low": shape.get("low"), "val_loss_high": shape.get("high"),
                     "val_loss_relative_spread": shape.get("relative_spread")})
    # Rose at every epoch from its lowest to the last (at the table's precision), over two epochs or more.
    rose_every_epoch = last - best >= 2 and all(step_direction(val[i], val[i + 1]) > 0 for i in range(best, last))
    evidence["rose_every_epoch"] = rose_every_epoch
    # Within 1 % of its level, but rising at every epoch while the training loss fell (chance_level's SimpleRNN:
    # 1.3901 to 1.3936 in six rises): the direction of overfitting, too small to call it; never "flat".
    steady_small_rise = shape["flat"] and rose_every_epoch and step_direction(train[best], train[last]) < 0
    if shape["flat"] and not steady_small_rise:
        # Its lowest epoch is read off a difference smaller than the curve's scatter or its fourth decimal.
        return {"verdict": "flat", **evidence}
    if best == last or _printed(val[last]) == _printed(val[best]):
        # The last epoch's validation loss prints as the lowest (a tie at the table's precision).
        return {"verdict": "none", **{**evidence, "best_epoch": last + 1}}
    rise = (val[last] - val[best]) / val[best] if val[best] > 0 else math.inf
    train_change = (train[last] - train[best]) / train[best] if train[best] > 0 else 0.0
    # "Kept falling" only where it fell at every epoch after the best one; otherwise it only ended lower.
    train_fell_every_epoch = all(step_direction(train[i], train[i + 1]) < 0 for i in range(best, last))
    margin = NOISE_MULTIPLE * noise if noise is not None else 0.0
    # Stayed above: every epoch after the lowest one is above it by more than the curve's noise.
    stayed_above = all(val[i] - val[best] > (noise or 0.0) for i in range(best + 1, last + 1))
    evidence.update({"val_loss_rise": rise, "train_loss_change": train_change,
                     "epochs_after_best": last - best, "train_fell_every_epoch": train_fell_every_epoch,
                     "stayed_above": stayed_above})
    if steady_small_rise:
        return {"verdict": "slight", **evidence}
    if val[last] - val[best] <= margin:
        # The last epoch is within the curve's own scatter of its lowest: no rise to speak of.
        return {"verdict": "within_noise", **evidence}
    train_fell = step_direction(train[best], train[last]) < 0
    if train_fell and (rise >= OVERFITTING_MIN_RISE
                       or (stayed_above and -train_change >= OVERFITTING_TRAIN_FALL)):
        return {"verdict": "onset", "onset_epoch": best + 2, **evidence}
    if rise < OVERFITTING_MIN_RISE:
        return {"verdict": "slight", **evidence}
    return {"verdict": "both_rose", **evidence}


def end_repeats_overfitting(end: dict, over: dict) -> bool:
    """Whether 'past its best' is the rise the overfitting verdict already states (same curve, same best epoch).

    The reports say the two one after the other; the second then only names the best epoch, so a
    reader is not told the same numbers twice.
    """
    return (end.get("verdict") == "past_best" and end.get("curve") == "val_loss"
            and over.get("verdict") in ("onset", "both_rose", "slight")
            and over.get("best_epoch") == end.get("best_epoch"))


def generalisation_gap(history, *, at_chance: bool = False, training_critical: float | None = None) -> dict:
    """Training against validation at the last epoch.

    ``at_chance``: the model's test accuracy is at chance (facts.outcome); ``training_critical``: the lowest
    training accuracy a one-sided binomial test tells from the training split's own chance level.  A model at
    chance on the test set whose training accuracy is below that has fitted nothing either, so a difference
    between the splits comes from their class shares and sampling noise: verdict ``at_chance``.  (A model at
    chance that memorised its training data keeps the ordinary verdicts: its gap is real.)"""
    acc, val_acc = _clean(history.get("accuracy")), _clean(history.get("val_accuracy"))
    loss, val_loss = _clean(history.get("loss")), _clean(history.get("val_loss"))
    if not (acc and val_acc and loss and val_loss) or None in (acc[-1], val_acc[-1], loss[-1], val_loss[-1]):
        return {"verdict": "unavailable"}
    accuracy_gap = acc[-1] - val_acc[-1]
    loss_gap = val_loss[-1] - loss[-1]
    evidence = {"accuracy": acc[-1], "val_accuracy": val_acc[-1], "loss": loss[-1], "val_loss": val_loss[-1],
                "accuracy_gap": accuracy_gap, "loss_gap": loss_gap,
                "loss_gap_relative": loss_gap / loss[-1] if loss[-1] > 0 else None}
    evidence["training_critical"] = training_critical
    if len(acc) == 1:
        # Keras' training figures are means over the epoch's batches, taken while the weights moved; after one
        # epoch that mean starts from the untrained model, and the validation figure is the end's: not comparable.
        verdict = "single_epoch"
    elif at_chance and training_critical is not None and acc[-1] < training_critical:
        verdict = "at_chance"
    elif accuracy_gap > GAP_ACCURACY or loss_gap > GAP_LOSS_RELATIVE * loss[-1] + GAP_LOSS_ABSOLUTE:
        verdict = "validation_worse"
    elif accuracy_gap < -GAP_ACCURACY or loss_gap < -(GAP_LOSS_RELATIVE * loss[-1] + GAP_LOSS_ABSOLUTE):
        verdict = "validation_better"
    else:
        verdict = "close"
    return {"verdict": verdict, **evidence}


def end_state(loss, val_loss) -> dict:
    """Where training stood at the last epoch: still improving, converged, past its best, or unclear."""
    train, val = _clean(loss), _clean(val_loss)
    curve = val if val and None not in val else train
    if len(curve) == 1 and None not in curve and None not in train:
        # A single epoch cannot show whether more training would help.
        return {"verdict": "single_epoch", "curve": "val_loss" if curve is val else "loss", "n_epochs": 1}
    if len(curve) < 2 or None in curve or None in train:
        return {"verdict": "unavailable"}
    n = len(curve)
    best = min(range(n), key=lambda i: (_printed(curve[i]), i))
    window = curve[-min(CONVERGENCE_EPOCHS, n):]
    spread = max(window) - min(window)
    level = abs(window[-1]) or 1.0
    whole_fall = max(curve) - min(curve)
    relative_spread = spread / level
    share_of_fall = spread / whole_fall if whole_fall > 0 else 0.0
    recent_fall = (window[0] - window[-1]) / abs(window[0]) if window[0] else 0.0
    evidence = {"curve": "val_loss" if curve is val else "loss", "best_epoch": best + 1, "n_epochs": n,
                "window_epochs": len(window), "window_first": window[0], "window_last": window[-1],
                "relative_spread": relative_spread, "share_of_whole_fall": share_of_fall,
                "recent_fall": recent_fall,
                "train_last_step": {1: "rise", -1: "fall", 0: "level"}[step_direction(train[-2], train[-1])],
                "val_last_step": {1: "rise", -1: "fall", 0: "level"}[step_direction(curve[-2], curve[-1])],
                "best_value": curve[best]}
    shape = flatness(curve)
    noise = shape["noise"]
    if shape["flat"]:
        # A flat curve has no best epoch to be past: it stayed within its noise or under 1 % of its level.
        return {"verdict": "flat", "low": shape["low"], "high": shape["high"],
                "flat_relative_spread": shape["relative_spread"], **evidence}
    if (best < n - 1 and step_direction(curve[best], curve[-1]) > 0
            and (noise is None or curve[-1] - curve[best] > NOISE_MULTIPLE * noise)):
        return {"verdict": "past_best", **evidence}
    moving = [step_direction(a, b) for a, b in zip(curve, curve[1:])]
    moving = [d for d in moving if d]
    reversals = sum(1 for a, b in zip(moving, moving[1:]) if a != b)
    # Whether training was still improving is a question about its end: a curve that zig-zagged early
    # and then moved one way through the whole last window is judged on that window.
    window_moves = {d for d in (step_direction(a, b) for a, b in zip(window, window[1:])) if d}
    steady_end = len(window_moves) <= 1
    # The last window's own course: one way throughout, or both ways (an "unclear" end is worded by it).
    evidence["window_direction"] = ({-1: "fall", 1: "rise"}[next(iter(window_moves))] if len(window_moves) == 1
                                    else "level" if not window_moves else "mixed")
    if (not steady_end and reversals >= NOISY_MIN_REVERSALS and n > 2
            and reversals / (n - 2) >= NOISY_REVERSAL_SHARE):
        # A zig-zagging curve that happens to end on a low point is not "still improving".  ``small_turns``: its
        # turns are all under VISIBLE_TURN_SHARE of its range, so its last epochs moved both ways but did not swing.
        share = _turn_share(curve)
        return {"verdict": "noisy", "reversals": reversals,
                "small_turns": share is not None and share < VISIBLE_TURN_SHARE, **evidence}
    if (best == n - 1 and evidence["val_last_step"] == "fall" and evidence["train_last_step"] == "fall"
            and recent_fall >= STILL_IMPROVING_MIN_FALL and share_of_fall > CONVERGENCE_SHARE_OF_FALL):
        return {"verdict": "still_improving", **evidence}
    if relative_spread <= CONVERGENCE_RELATIVE:
        return {"verdict": "converged", "basis": "level", **evidence}
    if share_of_fall <= CONVERGENCE_SHARE_OF_FALL:
        # A loss near zero still halves from epoch to epoch; against its whole fall it has stopped moving.
        return {"verdict": "converged", "basis": "share_of_fall", **evidence}
    return {"verdict": "unclear", **evidence}


def epoch_scatter(batches: dict | None) -> dict:
    """Epoch -> its batch losses' mean, sample standard deviation and count, for each epoch of run.json's
    batch_history with at least SPIKE_MIN_BATCHES finite batch losses."""
    batches = batches or {}
    epochs, losses = batches.get("epoch") or [], batches.get("loss") or []
    if not epochs or len(epochs) != len(losses):
        return {}
    by_epoch: dict = {}
    for epoch, value in zip(epochs, losses):
        if finite(value):
            by_epoch.setdefault(epoch, []).append(value)
    errors = {}
    for epoch, values in by_epoch.items():
        if len(values) >= SPIKE_MIN_BATCHES:
            mean = sum(values) / len(values)
            sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
            errors[epoch] = {"mean": mean, "sd": sd, "batches": len(values)}
    return errors


def loss_spikes(loss, batches: dict | None = None) -> dict:
    """Epochs whose training loss rose by more than SPIKE_RELATIVE over the epoch before and, where run.json keeps
    the batch losses of both epochs (``batches``: its batch_history), by more than SPIKE_STANDARD_ERRORS standard
    errors of the difference of the two epoch means, from the batch losses' scatter in the epoch before: more than
    that scatter explains.  ``within_scatter`` lists the rises the relative rule alone would have called spikes."""
    train = _clean(loss)
    errors = epoch_scatter(batches)
    spikes, within_scatter = [], []
    for index in range(1, len(train)):
        before, after = train[index - 1], train[index]
        if before is None or after is None or before <= 0:
            continue
        if (after - before) / before > SPIKE_RELATIVE and step_direction(before, after) > 0:
            rise = {"epoch": index + 1, "before": before, "after": after, "relative_rise": (after - before) / before,
                    "rise": after - before, "scatter": None}
            first, second = errors.get(index), errors.get(index + 1)
            if first and second:
                se = first["sd"] * math.sqrt(1 / first["batches"] + 1 / second["batches"])
                rise["scatter"] = {"standard_error": se, "threshold": SPIKE_STANDARD_ERRORS * se, "sd": first["sd"],
                                   "batches": first["batches"],
                                   "sd_over_mean": first["sd"] / first["mean"] if first["mean"] > 0 else None}
                if after - before <= SPIKE_STANDARD_ERRORS * se:
                    within_scatter.append(rise)
                    continue
            spikes.append(rise)
    largest = max(spikes, key=lambda s: s["relative_rise"]) if spikes else None
    return {"verdict": "spikes" if spikes else "none", "spikes": spikes, "largest": largest,
            "count": len(spikes), "single": len(spikes) == 1, "within_scatter": within_scatter,
            "basis": "batch_scatter" if errors else "relative"}


def first_epoch_at_or_above(values, threshold: float):
    for index, value in enumerate(_clean(values)):
        if value is not None and value >= threshold:
            return index + 1
    return None


def epoch_rows(history, seconds) -> list[dict]:
    rows = []
    for index in range(len(history.get("loss") or [])):
        def value(key):
            values = history.get(key) or []
            return values[index] if index < len(values) and finite(values[index]) else None
        rows.append({"epoch": index + 1, "loss": value("loss"), "accuracy": value("accuracy"),
                     "val_loss": value("val_loss"), "val_accuracy": value("val_accuracy"),
                     "seconds": seconds[index] if index < len(seconds or []) and finite(seconds[index]) else None})
    return rows


# The loss at the uniform guess "at" which a curve ended: within this share of ln C.
UNIFORM_NEAR = 0.01


def uniform_guess(history, n_classes: int | None, train_counts: dict | None = None) -> dict:
    """The loss of a uniform guess over C classes, ln C (for two classes, a sigmoid output of 0.5: ln 2),
    and where the last losses stand against it: ``below``, ``at`` (within UNIFORM_NEAR) or ``above``.

    ``train_counts``: the training split's class counts.  A model that answers every sequence with the training
    shares p has training loss -Σ p ln p, ``prior``, below ln C when the classes are not balanced.
    ``train_between_prior``: the last training loss lies between the two (within UNIFORM_NEAR of ln C below the
    prior) and nearer the prior, so "at the uniform guess" says less than the numbers do: chance_level's 1.3782
    is under ln 4 = 1.3863 and 0.0014 above its prior, 1.3768.  The loss alone says how confident the answers
    were, not what was learnt: a model can rank the right class first at that loss.
    """
    if not n_classes or n_classes < 2:
        return {"verdict": "unavailable"}
    level = math.log(n_classes)
    counts = [v for v in (train_counts or {}).values() if isinstance(v, (int, float)) and v > 0]
    total = sum(counts)
    prior = -sum(c / total * math.log(c / total) for c in counts) if len(counts) == n_classes else None

    def last(key):
        values = [v for v in _clean(history.get(key)) if v is not None]
        return values[-1] if values else None

    def side(value):
        if value is None:
            return None
        if abs(value - level) <= UNIFORM_NEAR * level:
            return "at"
        return "below" if value < level else "above"

    val, train = last("val_loss"), last("loss")
    curve, value = ("val_loss", val) if val is not None else ("loss", train)
    # Said only where the last training loss lies nearer the prior than ln C (a balanced split's prior is ln C
    # itself; the 1-epoch default run's 1.3863 is ln 4, not its prior 1.3858).
    between = (prior is not None and train is not None and level - prior > 1e-4
               and prior - UNIFORM_NEAR * level <= train <= level and train - prior < level - train)
    return {"verdict": side(value) or "unavailable", "classes": n_classes, "value": level,
            "curve": curve, "last": value, "train_last": train, "train_side": side(train),
            "prior": prior, "train_between_prior": between}


def curve_noise(history, n_validation: int | None, val_loss_trend: dict | None = None) -> dict:
    """How noisy the epoch curves are: the validation loss's scatter (noise_level) and the standard error
    of one epoch's validation accuracy on n_validation sequences, sqrt(p(1-p)/n) at its last value.
    ``val_loss_trend``: trend() of the validation loss, where the caller has it already."""
    noise = noise_level(history.get("val_loss"))
    # A curve that turned at most once shows no scatter to measure: its second differences are its own
    # bends (a fall from 1.39 to 0.002 in three epochs bends by tenths), and calling them scatter would
    # contradict "a smooth curve".
    if noise is not None:
        turns = (val_loss_trend or trend(history.get("val_loss"), higher_is_better=False)).get("reversals") or 0
        if turns < 2:
            noise = None
    cleaned = _clean(history.get("val_accuracy"))
    values = [v for v in cleaned if v is not None]
    # The epoch of the last value (a diverged run's last epoch has none).
    last_epoch = max((i + 1 for i, v in enumerate(cleaned) if v is not None), default=None)
    # At 0 or 100 % the binomial standard error is 0 and says nothing about the scatter: not stated.
    se = (math.sqrt(values[-1] * (1 - values[-1]) / n_validation)
          if values and n_validation and 0 < values[-1] < 1 else None)
    loss_values = [v for v in _clean(history.get("val_loss")) if v is not None]
    return {"val_loss_noise": noise, "val_loss_last": loss_values[-1] if loss_values else None,
            "val_accuracy_se": se, "val_accuracy_last": values[-1] if values else None,
            "val_accuracy_last_epoch": last_epoch,
            "n_validation": n_validation}


# Where a diverged run's loss exploded: the first batch whose loss is non-finite or more than this many times the
# first batch's.  The first batch's loss is the untrained model's (about ln C for C classes); a cross-entropy a
# hundred times that needs logits hundreds of units apart, which ordinary learning, noise or overfitting do not
# give (an overfitted model's validation loss reaches a few times ln C) but weights thrown far by huge steps do.
EXPLOSION_FACTOR = 100.0


def explosion(batches: dict | None, stopped: dict | None) -> dict:
    """Where a diverged run's loss exploded (EXPLOSION_FACTOR), from run.json's batch_history, and what it did
    between there and the batch where it became NaN or infinite (``stopped``).

    verdict: ``unknown`` (the run did not diverge, or keeps no batch losses), ``at_stop`` (the loss went straight
    to NaN or infinity: the explosion is the stop), ``before_stop`` (it exploded earlier; ``between`` holds the
    finite batch losses after the explosion's batch and before the stop's, their range and median)."""
    stopped = stopped or {}
    unknown = {"verdict": "unknown", "factor": EXPLOSION_FACTOR}
    batches = batches or {}
    epochs, numbers, losses = batches.get("epoch") or [], batches.get("batch") or [], batches.get("loss") or []
    if stopped.get("reason") != "nan_loss" or not losses or not (len(epochs) == len(numbers) == len(losses)):
        return unknown
    first = losses[0]
    if not finite(first):
        return {**unknown, "verdict": "at_stop", "epoch": epochs[0], "batch": numbers[0]}
    index = next((i for i, v in enumerate(losses) if not finite(v) or v > EXPLOSION_FACTOR * first), None)
    if index is None:
        return unknown  # the record's batch losses end before the stop
    where = {"epoch": epochs[index], "batch": numbers[index], "first_loss": first, "factor": EXPLOSION_FACTOR,
             "before": losses[index - 1] if index else None, "stop_epoch": stopped.get("epoch"),
             "stop_batch": stopped.get("batch"),
             # Exploded in an epoch before the one it stopped in: the epochs between ran on exploded weights.
             "earlier_epoch": stopped.get("epoch") is not None and epochs[index] < stopped["epoch"]}
    if not finite(losses[index]) or (epochs[index], numbers[index]) == (stopped.get("epoch"), stopped.get("batch")):
        return {**where, "verdict": "at_stop", "loss": None}
    between = [v for e, b, v in zip(epochs[index + 1:], numbers[index + 1:], losses[index + 1:])
               if finite(v) and (e, b) != (stopped.get("epoch"), stopped.get("batch"))]
    return {**where, "verdict": "before_stop", "loss": losses[index], "between": len(between),
            # how the batches between are worded: a range and median, the one value, or nothing
            "span": "several" if len(between) > 1 else "one" if between else "none",
            "lowest": min(between, default=None), "highest": max(between, default=None),
            "median": statistics.median(between) if between else None}
