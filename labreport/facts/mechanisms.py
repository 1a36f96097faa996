"""Verdicts about why: gradients through time and what the trained LSTM's gates did.

These are claims about mechanisms, so each needs its own evidence and says
"unclear" where the measurement cannot carry the claim.  A gate story is only
told for a model that learned the task: gates of a model at chance store nothing.
"""

from __future__ import annotations

from .curves import finite

# Gradient ratio (first step / last step, at the initial weights) classes.
UNDERFLOW_BELOW = 1e-30   # float32 gradients this small are rounding to zero
VANISHES_BELOW = 1e-2
FADES_BELOW = 0.5
GROWS_ABOVE = 2.0
# One cell keeps "much more" of the signal than another when its ratio is this many times larger.
MUCH_MORE = 10.0
# Gates: the chosen unit's cell state moves this many times more at the important steps → it stores them.
WRITES_SELECTIVELY_FROM = 3.0
# Input gate at important steps minus elsewhere: "opens" from this difference, "does not single out" below.
INPUT_GATE_OPENS_FROM = 0.2
INPUT_GATE_SAME_BELOW = 0.05
INPUT_GATE_TIMES_WIDER = 3.0
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


def gradients(record: dict) -> dict:
    """Per cell: the gradient norm at the first step over that at the last, at the initial and the trained weights."""
    norms = ((record.get("diagnostics") or {}).get("gradient_norms") or {})
    cells = _gradient_cells(norms.get("initial"))
    by_cell = {row["cell"]: row for row in cells}
    verdict, times = _compare_cells(by_cell)
    trained = _gradient_cells(norms.get("trained"))
    trained_by_cell = {row["cell"]: row for row in trained}
    trained_verdict, trained_times = _compare_cells(trained_by_cell)
    return {"verdict": verdict, "cells": cells, "by_cell": by_cell, "main_over_baseline": times,
            "trained": {"verdict": trained_verdict, "cells": trained, "by_cell": trained_by_cell,
                        "main_over_baseline": trained_times}}


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


def gates(record: dict, learned: bool) -> dict:
    """What the recomputed gates of the trained LSTM show about storing and holding the important tasks."""
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

    # Does the unit's cell state at the last step tell the first important task apart?
    groups: dict = {}
    for sequence in gate_record.get("sequences") or []:
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
        "writes": ("unavailable" if write_ratio is None else
                   "selective" if write_ratio >= WRITES_SELECTIVELY_FROM else "not_selective"),
        "input_gate_at_important": input_at, "input_gate_elsewhere": input_else,
        "input_gate_difference": input_difference,
        "input_gate": _input_gate_class(input_at, input_else),
        "units_opening": summary.get("units_opening_at_important"),
        "mean_input_gate_at_important": summary.get("input_gate_at_important"),
        "mean_input_gate_elsewhere": summary.get("input_gate_elsewhere"),
        "forget_gate_after_first": forget_after,
        "retained_over_lag": retained,
        "retention": ("unavailable" if retained is None else
                      "holds" if retained >= RETAINS_FROM else "leaks" if retained >= DECAYS_BELOW else "decays"),
        "final_cell_by_first_task": {k: v for k, v in sorted(groups.items())},
        "carries_first_task": carries,
        "sequences": sum(len(v) for v in groups.values()),
    }
    if not learned:
        return {"verdict": "not_learned", **evidence}
    if evidence["writes"] == "selective" and carries == "separates":
        return {"verdict": "stores_and_carries", **evidence}
    if evidence["writes"] == "selective":
        return {"verdict": "stores", **evidence}
    return {"verdict": "unclear", **evidence}
