"""Verdicts about why: gradients through time and what the trained LSTM's gates did.

These are claims about mechanisms, so each needs its own evidence and says
"unclear" where the measurement cannot carry the claim.  A gate story is only
told for a model that learned the task: gates of a model at chance store nothing.
"""

from __future__ import annotations

from statistics import median  # the standard library's, not facts/statistics.py

from .curves import finite
from .outcome import setting_differences

# Gradient ratio (first step / last step, at the initial weights) classes.
UNDERFLOW_BELOW = 1e-30   # float32 gradients this small are rounding to zero
VANISHES_BELOW = 1e-2
FADES_BELOW = 0.5
GROWS_ABOVE = 2.0
# One cell keeps "much more" of the signal than another when its ratio is this many times larger.
MUCH_MORE = 10.0
# The gradient "rises" in an important window when its mean norm there is this many times its mean
# over the steps just around the window: a quarter higher, a bump a reader sees on the log axis.
PEAKS_FROM = 1.25
# Gates: the chosen unit's cell state moves this many times more at the important steps → it stores them.
WRITES_SELECTIVELY_FROM = 3.0
# Input gate at important steps minus elsewhere: "opens" from this difference, "does not single out" below.
INPUT_GATE_OPENS_FROM = 0.2
INPUT_GATE_SAME_BELOW = 0.05
INPUT_GATE_TIMES_WIDER = 3.0
# A unit "opens" at the important tasks when its input gate there exceeds its level elsewhere by this
# much, averaged over the recorded sequences (diagnostics.summarise_gates counts them).
UNITS_OPEN_FROM = 0.2
# Before against after training: what the forget gate keeps over the lag changed by less than this
# factor (and stayed in one retention class) → the initialisation set it.
KEPT_CHANGE_BELOW = 2.0
# Forget gate compounded over the lag: retains ≥ this share → holds; below DECAYS_BELOW → decays.
RETAINS_FROM = 0.5
DECAYS_BELOW = 0.1


def gradient_class(ratio: float | None, first_norm: float | None) -> str:
    if ratio is None:
        return "unavailable"
    if ratio < UNDERFLOW_BELOW or (first_norm is not None and first_norm < UNDERFLOW_BELOW):
        return "underflow"
    if ratio < VANISHES_BELOW:
        return "vanishes"
    if ratio < FADES_BELOW:
        return "fades"
    if ratio <= GROWS_ABOVE:
        return "holds"
    return "grows"


def _gradient_cells(norms: dict) -> list[dict]:
    cells = []
    for cell, values in (norms or {}).items():
        values = [v for v in values or [] if finite(v)]
        if len(values) < 2 or values[-1] <= 0:
            continue
        ratio = values[0] / values[-1]
        cells.append({"cell": cell, "first": values[0], "last": values[-1], "ratio": ratio,
                      "steps": len(values), "verdict": gradient_class(ratio, values[0])})
    return cells


def _compare_cells(by_cell: dict) -> tuple[str, float | None]:
    lstm, rnn = by_cell.get("lstm"), by_cell.get("simple_rnn")
    if not (lstm and rnn):
        return ("unavailable" if not by_cell else "single"), None
    times = lstm["ratio"] / rnn["ratio"] if rnn["ratio"] > 0 else None
    if rnn["verdict"] == "underflow" and lstm["verdict"] != "underflow":
        return "main_keeps_more", times
    if lstm["verdict"] == "underflow" and rnn["verdict"] != "underflow":
        return "baseline_keeps_more", times
    if lstm["verdict"] == "underflow":
        return "both_underflow", times
    if rnn["ratio"] > 0 and lstm["ratio"] / rnn["ratio"] >= MUCH_MORE:
        return "main_keeps_more", times
    if lstm["ratio"] > 0 and rnn["ratio"] / lstm["ratio"] >= MUCH_MORE:
        return "baseline_keeps_more", times
    return "similar", times


def _levels(norms: dict, main_cell: str | None) -> dict | None:
    """The baseline SimpleRNN's gradient over the main cell's, step by step: how far apart the drawn curves lie.

    The first/last ratio compares each curve with itself; two curves can fade alike and still lie
    a hundred times apart.  "baseline_higher"/"main_higher": at every step by MUCH_MORE or more.
    """
    main, other = (norms or {}).get(main_cell), (norms or {}).get("simple_rnn")
    if main_cell == "simple_rnn" or not main or not other or len(main) != len(other):
        return None
    pairs = [(a, b) for a, b in zip(main, other) if finite(a) and finite(b) and a > 0 and b > 0]
    if len(pairs) != len(main):
        return None
    quotients = sorted(b / a for a, b in pairs)
    verdict = ("baseline_higher" if quotients[0] >= MUCH_MORE else
               "main_higher" if quotients[-1] <= 1 / MUCH_MORE else
               "cross" if quotients[0] < 1 < quotients[-1] else "apart")
    # Which curve lies higher at every step (by any factor): "baseline", "main", or "neither" where they cross.
    higher = "baseline" if quotients[0] > 1 else "main" if quotients[-1] < 1 else "neither"
    # Each median is the median of its own step-by-step quotients: with an even number of steps the mean of
    # the two middle ones, which for main/baseline is not 1 / (the baseline/main median).
    return {"verdict": verdict, "higher": higher, "min": quotients[0], "max": quotients[-1],
            "median": median(quotients), "low": 1 / quotients[-1], "high": 1 / quotients[0],
            "main_median": median([a / b for a, b in pairs])}


def _reading(initial: str, trained: str) -> str:
    """Where this run's gradients show the LSTM keeping more of the error signal at the early steps.

    The initial and the trained weights are two readings of one run; a sentence that draws on one must
    not be contradicted by the other, so they are named together: "both", "initial_only" (the trained
    weights do not show it), "trained_only" (the initial weights do not), "neither"; where the trained
    weights were not measured, "initial_main" / "initial_not" (the initial weights alone); "single" with no
    SimpleRNN to compare with, "unavailable" without gradients.
    """
    if initial in ("unavailable", "single"):
        return initial
    if trained in ("unavailable", "single"):
        return "initial_main" if initial == "main_keeps_more" else "initial_not"
    return {(True, True): "both", (True, False): "initial_only", (False, True): "trained_only",
            (False, False): "neither"}[(initial == "main_keeps_more", trained == "main_keeps_more")]


def _windows(record: dict, steps: int) -> list[list[int]]:
    """The dataset's important windows (0-based, inclusive) that fit a gradient curve of ``steps`` steps."""
    windows = (record.get("dataset") or {}).get("important_windows") or []
    return [[int(lo), int(hi)] for lo, hi in windows
            if isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi < steps]


def _window_peaks(norms: dict, windows: list[list[int]]) -> list[dict]:
    """Per cell: the mean gradient norm in each important window over its mean at the steps around it.

    "Around": as many steps just before and just after the window as it is wide (fewer at the
    sequence's ends), leaving out any other window.  A local comparison: the curve's overall slope
    (it grows towards the last step) would otherwise decide whether a window looks high.
    """
    rows = []
    inside = {t for lo, hi in windows for t in range(lo, hi + 1)}
    for cell, values in (norms or {}).items():
        values = list(values or [])
        if not values or not all(finite(v) for v in values) or not windows:
            continue
        ratios = []
        for lo, hi in windows:
            width = hi - lo + 1
            around = [t for t in [*range(max(0, lo - width), lo), *range(hi + 1, min(len(values), hi + 1 + width))]
                      if t not in inside]
            base = sum(values[t] for t in around) / len(around) if around else 0.0
            ratios.append(sum(values[lo:hi + 1]) / width / base if base > 0 else None)
        if any(r is None for r in ratios):
            continue
        verdict = ("peaks" if all(r >= PEAKS_FROM for r in ratios) else
                   "no_peak" if all(r < PEAKS_FROM for r in ratios) else "some")
        rows.append({"cell": cell, "ratios": ratios, "verdict": verdict,
                     # 1-based, as the figure's steps
                     "peak_windows": [[lo + 1, hi + 1] for (lo, hi), r in zip(windows, ratios) if r >= PEAKS_FROM]})
    return rows


def gradients(record: dict) -> dict:
    """Per cell: the gradient norm at the first step over that at the last, at the initial and the trained weights.

    ``peaks``: where the task marks its important windows, each cell's gradient in each window
    against outside them, at the initial and the trained weights (the figure shows both).
    """
    norms = ((record.get("diagnostics") or {}).get("gradient_norms") or {})
    steps = max((len(v or []) for phase in ("initial", "trained") for v in (norms.get(phase) or {}).values()),
                default=0)
    windows = _windows(record, steps)
    peaks = {"initial": _window_peaks(norms.get("initial"), windows),
             "trained": _window_peaks(norms.get("trained"), windows)}
    main_cell = ((record.get("models") or [{}])[0] or {}).get("cell")
    initial_by_cell = {row["cell"]: row for row in peaks["initial"]}
    peak_rows = [{**row, "initial": initial_by_cell.get(row["cell"]),
                  # The rise came with training: the same windows showed none at the initial weights.
                  "learned": (row["cell"] in initial_by_cell and row["verdict"] != "no_peak"
                              and initial_by_cell[row["cell"]]["verdict"] == "no_peak")}
                 for row in peaks["trained"]]
    main_peak = next((row for row in peak_rows if row["cell"] == main_cell), None)
    cells = _gradient_cells(norms.get("initial"))
    by_cell = {row["cell"]: row for row in cells}
    verdict, times = _compare_cells(by_cell)
    trained = _gradient_cells(norms.get("trained"))
    trained_by_cell = {row["cell"]: row for row in trained}
    trained_verdict, trained_times = _compare_cells(trained_by_cell)
    rnn = by_cell.get("simple_rnn")
    return {"verdict": verdict, "cells": cells, "by_cell": by_cell, "main_over_baseline": times,
            "reading": _reading(verdict, trained_verdict),
            # Where the LSTM keeps more at the initial weights: does the SimpleRNN's own signal fade
            # ("baseline_fades", the theory's picture) or does the LSTM's grow while the SimpleRNN's holds?
            "contrast": (None if verdict != "main_keeps_more" or not rnn else
                         "baseline_fades" if rnn["verdict"] in ("fades", "vanishes", "underflow") else "main_grows"),
            # What, besides the cell, differs between the LSTM and the SimpleRNN at the initial weights (a
            # non-default or chrono forget-gate initialisation): part of what the initial comparison measures.
            "confounds": (setting_differences(record.get("spec"), "simple_rnn")
                          if main_cell == "lstm" and rnn and "lstm" in by_cell else []),
            "trained": {"verdict": trained_verdict, "cells": trained, "by_cell": trained_by_cell,
                        "main_over_baseline": trained_times},
            "windows": [[lo + 1, hi + 1] for lo, hi in windows], "peak_threshold": PEAKS_FROM,
            "levels": {"initial": _levels(norms.get("initial"), main_cell),
                       "trained": _levels(norms.get("trained"), main_cell)},  # 1-based, as the figure's steps
            # Per cell with trained norms: the trained ratios and, beside them, the initial ones.
            "peaks": peak_rows, "main_peak": main_peak,
            "peaks_verdict": ("unavailable" if not peak_rows else
                              "main_rises" if main_peak and main_peak["verdict"] != "no_peak" else "measured")}


def _input_gate_class(at, elsewhere) -> str:
    """How the chosen unit's input gate treats the important steps: opens, slightly, same or lower."""
    if not (finite(at) and finite(elsewhere)):
        return "unavailable"
    difference = at - elsewhere
    if abs(difference) < INPUT_GATE_SAME_BELOW:
        return "same"
    if difference < 0:
        return "lower"
    # Clearly open: by INPUT_GATE_OPENS_FROM, or several times as wide as elsewhere (0.21 against 0.02).
    if difference >= INPUT_GATE_OPENS_FROM or at >= INPUT_GATE_TIMES_WIDER * elsewhere:
        return "opens"
    return "slightly"


def _first_symbol(sequence: dict):
    steps = sequence.get("important_steps") or []
    tokens = sequence.get("tokens") or []
    if not steps or steps[0] >= len(tokens):
        return None
    return tokens[steps[0]]


def _span(values: list) -> dict | None:
    return {"min": min(values), "max": max(values), "mean": sum(values) / len(values), "n": len(values)} if values else None


def _one_class(classes: list[str]) -> str:
    """The class every occurrence has (a claim must hold for each one it summarises).

    Occurrences in different classes: "wider" (each opens, some only slightly), "not_wider" (none
    opens wider than elsewhere: about the same or lower), or "mixed" (some open, some do not).
    """
    if not classes:
        return "unavailable"
    if all(c == classes[0] for c in classes):
        return classes[0]
    if set(classes) <= {"opens", "slightly"}:
        return "wider"
    if set(classes) <= {"same", "lower"}:
        return "not_wider"
    return "mixed"


def _unit_by_symbol(sequences: list[dict]) -> dict:
    """The followed unit at each important symbol, every occurrence kept, and over the unimportant steps.

    Per symbol: its input gate at each occurrence and that occurrence's class against the same
    sequence's mean input gate over the unimportant steps; |C_t - C_t-1| at each occurrence.
    Per sequence: the cell's change summed over the important steps and over the unimportant ones.
    """
    symbols: dict = {}
    elsewhere_gate, elsewhere_step, summed_at, summed_else = [], [], [], []
    for sequence in sequences:
        steps = [s for s in sequence.get("important_steps") or [] if isinstance(s, int)]
        gate = sequence.get("unit_input_gate") or []
        cell = sequence.get("unit_cell_state") or []
        tokens = sequence.get("tokens") or []
        if not steps or not gate or len(cell) != len(gate) or max(steps) >= len(gate) or max(steps) >= len(tokens):
            continue
        values = [v for v in gate + cell if finite(v)]
        if len(values) != len(gate) + len(cell):
            continue
        marked = set(steps)
        change = [abs(c - (cell[t - 1] if t else 0.0)) for t, c in enumerate(cell)]
        others = [t for t in range(len(gate)) if t not in marked]
        if not others:
            continue
        gate_else = sum(gate[t] for t in others) / len(others)
        elsewhere_gate.append(gate_else)
        elsewhere_step.extend(change[t] for t in others)
        summed_at.append(sum(change[t] for t in marked))
        summed_else.append(sum(change[t] for t in others))
        for t in sorted(marked):
            entry = symbols.setdefault(str(tokens[t]), {"gate": [], "change": [], "classes": []})
            entry["gate"].append(gate[t])
            entry["change"].append(change[t])
            entry["classes"].append(_input_gate_class(gate[t], gate_else))
    return {"symbols": symbols, "elsewhere_gate": elsewhere_gate, "elsewhere_step": elsewhere_step,
            "summed_at": summed_at, "summed_else": summed_else}


def _writes_class(changes: list[float], per_step_elsewhere: float | None) -> str:
    """Is the unit's cell written at every occurrence of a symbol (WRITES_SELECTIVELY_FROM × an unimportant step)?"""
    if not changes or not finite(per_step_elsewhere) or per_step_elsewhere < 0:
        return "unavailable"
    written = [c > 0 and c >= WRITES_SELECTIVELY_FROM * per_step_elsewhere for c in changes]
    return "writes" if all(written) else "not" if not any(written) else "mixed"


def _count_class(count) -> str:
    return "unavailable" if not isinstance(count, int) else "none" if count == 0 else "one" if count == 1 else "some"


def _retention_class(retained) -> str:
    return ("unavailable" if not finite(retained) else
            "holds" if retained >= RETAINS_FROM else "leaks" if retained >= DECAYS_BELOW else "decays")


def _initialisation(gate_record: dict, forget_after, lag) -> dict:
    """The followed unit's and all units' forget gates before training (same sequences), beside after.

    "initialisation": the retention class over the lag was the same before training, so what
    holds (or leaks) was set by the initial weights, not learned; "training": it changed.
    """
    before = gate_record.get("initial_summary") or {}
    unit_before = before.get("unit_forget_gate_after_first_important")
    if not before.get("available") or not finite(unit_before) or not finite(forget_after):
        return {"verdict": "unknown"}
    summary = gate_record.get("summary") or {}
    retained_before = unit_before ** lag if lag else None
    retained_after = forget_after ** lag if lag else None
    # What is kept over the lag changed by less than KEPT_CHANGE_BELOW times, in the same class: set
    # by the initialisation.  Otherwise training moved it (up or down), from where it started.
    same = (_retention_class(retained_before) == _retention_class(retained_after)
            and finite(retained_before) and finite(retained_after) and retained_before > 0 and retained_after > 0
            and max(retained_before, retained_after) < KEPT_CHANGE_BELOW * min(retained_before, retained_after))
    return {"verdict": "initialisation" if same else "training",
            "direction": "up" if forget_after > unit_before else "down",
            "retained_after": retained_after,
            "unit_forget_before": unit_before, "unit_forget_after": forget_after,
            "retained_before": retained_before,
            "mean_forget_before": before.get("forget_gate_after_first_important"),
            "mean_forget_after": summary.get("forget_gate_after_first_important"),
            "unit_input_at_important_before": before.get("unit_input_gate_at_important"),
            "unit_input_elsewhere_before": before.get("unit_input_gate_elsewhere")}


def gates(record: dict, learned: bool) -> dict:
    """What the recomputed gates of the trained LSTM show about storing and holding the important tasks.

    Every claim is checked against each recorded sequence and each important symbol it covers: a
    unit that opens for X and stays shut for Y is described per symbol, not by the pooled mean.
    """
    gate_record = (record.get("diagnostics") or {}).get("gates") or {}
    summary = gate_record.get("summary") or {}
    if not gate_record:
        return {"verdict": "unavailable", "reason": "not_lstm"}
    base = {"units": gate_record.get("units"), "unit": gate_record.get("unit"),
            "recomputed_difference": gate_record.get("recomputed_vs_keras_max_abs_difference")}
    if not summary.get("available"):
        return {"verdict": "unavailable", "reason": "no_marked_steps", **base}
    lag = (record.get("dataset") or {}).get("min_lag")
    written = summary.get("unit_cell_change_at_important")
    ignored = summary.get("unit_cell_change_elsewhere")
    write_ratio = written / ignored if finite(written) and finite(ignored) and ignored > 0 else None
    input_at, input_else = summary.get("unit_input_gate_at_important"), summary.get("unit_input_gate_elsewhere")
    input_difference = input_at - input_else if finite(input_at) and finite(input_else) else None
    forget_after = summary.get("unit_forget_gate_after_first_important")
    retained = forget_after ** lag if finite(forget_after) and lag else None

    recorded = gate_record.get("sequences") or []
    unit = _unit_by_symbol(recorded)
    per_step_else = (sum(unit["elsewhere_step"]) / len(unit["elsewhere_step"])) if unit["elsewhere_step"] else None
    by_symbol = []
    for name, entry in sorted(unit["symbols"].items()):
        by_symbol.append({"symbol": name, "input_gate": _span(entry["gate"]), "cell_change": _span(entry["change"]),
                          "input": _one_class(entry["classes"]),
                          "writes": _writes_class(entry["change"], per_step_else)})
    input_classes = {row["input"] for row in by_symbol}
    write_classes = {row["writes"] for row in by_symbol}
    drift_more = sum(1 for at, other in zip(unit["summed_at"], unit["summed_else"]) if other > at)
    # Writes: "selective" only when every important symbol writes at every occurrence AND in every
    # sequence the unimportant steps together move the cell less than the important ones did.
    if not by_symbol or "unavailable" in write_classes:
        writes = "unavailable" if write_ratio is None else ("not_selective" if write_ratio < WRITES_SELECTIVELY_FROM
                                                             else "selective")
    elif write_classes == {"writes"}:
        writes = "selective" if drift_more == 0 else "per_step_only"
    elif write_classes == {"not"}:
        writes = "not_selective"
    else:
        writes = "by_symbol"

    # Does the unit's cell state at the last step tell the first important task apart?
    groups: dict = {}
    for sequence in recorded:
        symbol = _first_symbol(sequence)
        trace = sequence.get("unit_cell_state") or []
        if symbol is not None and trace and finite(trace[-1]):
            groups.setdefault(str(symbol), []).append(trace[-1])
    if len(groups) == 2:
        (name_a, a), (name_b, b) = sorted(groups.items())
        separated = min(a) > max(b) or min(b) > max(a)
        carries = "separates" if separated else "overlaps"
    else:
        carries = "unclear"
    evidence = {
        **base, "lag": lag,
        "cell_change_at_important": written, "cell_change_elsewhere": ignored, "write_ratio": write_ratio,
        "writes": writes,
        "by_symbol": by_symbol,
        "cell_change_per_unimportant_step": per_step_else,
        "summed_change_at_important": _span(unit["summed_at"]),
        "summed_change_elsewhere": _span(unit["summed_else"]),
        "sequences_drifting_more": drift_more,
        "drift_everywhere": bool(unit["summed_at"]) and drift_more == len(unit["summed_at"]),
        "unimportant_steps": (len(recorded[0].get("unit_cell_state") or []) - len(recorded[0].get("important_steps") or [])
                              if recorded else None),
        "input_gate_at_important": input_at, "input_gate_elsewhere": input_else,
        "input_gate_elsewhere_span": _span(unit["elsewhere_gate"]),
        "input_gate_difference": input_difference,
        # Pooled only when every important symbol's every occurrence is in the same class.
        "input_gate": (next(iter(input_classes)) if len(input_classes) == 1
                       and input_classes <= {"opens", "slightly", "same", "lower"} else
                       "by_symbol" if by_symbol else _input_gate_class(input_at, input_else)),
        "units_opening": summary.get("units_opening_at_important"),
        "units_opening_verdict": _count_class(summary.get("units_opening_at_important")),
        "opening_threshold": UNITS_OPEN_FROM,
        "mean_input_gate_at_important": summary.get("input_gate_at_important"),
        "mean_input_gate_elsewhere": summary.get("input_gate_elsewhere"),
        "forget_gate_after_first": forget_after,
        "retained_over_lag": retained,
        "retention": _retention_class(retained),
        "initialisation": _initialisation(gate_record, forget_after, lag),
        "final_cell_by_first_task": {k: v for k, v in sorted(groups.items())},
        "carries_first_task": carries,
        "sequences": sum(len(v) for v in groups.values()),
    }
    if not learned:
        return {"verdict": "not_learned", **evidence}
    if writes == "selective" and carries == "separates":
        return {"verdict": "stores_and_carries", **evidence}
    if writes == "selective":
        return {"verdict": "stores", **evidence}
    return {"verdict": "unclear", **evidence}
