"""The course page's facts: each run's verdict, flags, test result, curve and files; the class's counts.

Numbers and names only, from what the reports already compute (``labreport.facts.build_facts`` on each
run.json): the outcome verdict, the flags the facts name, the test result against the baselines, and the
validation curve as the coordinates of a small inline SVG.  The words are templates/course/index.html.j2's
(and course/words.html.j2's); index.py renders them and writes index.json from the same rows.
"""

from __future__ import annotations

import math
from pathlib import Path

# index.json's version: 1 had the columns of the old table (experiment ... pdfs); 2 adds each report's
# verdict, flags, test result, curve and files, and the page's summary (counts, distribution, attention).
INDEX_VERSION = 2

# The row's curve: validation loss per epoch, drawn in a box of this many CSS pixels.
CURVE_WIDTH = 120
CURVE_HEIGHT = 32
CURVE_PAD = 3  # room for the marker of the evaluated epoch at the box's edge

# The class's distribution of test accuracy: bins of this width from 0 to 1, drawn this many pixels high.
DISTRIBUTION_BINS = 10
DISTRIBUTION_WIDTH = 300
DISTRIBUTION_HEIGHT = 80

# The verdicts a row may have, in the order the page counts them.
VERDICTS = ("learned", "partly_learned", "chance", "diverged", "forecast_better", "forecast_unclear",
            "forecast_worse", "forecast_unavailable", "failed", "skipped", "no_run")
# What puts a row on the "needs attention" list.
ATTENTION = ("failed", "skipped", "diverged", "chance", "stale")
# The run files a row links to, besides the PDFs (the run folder's own names).
RUN_FILES = (("html", "report.html"), ("program", "program.py"), ("notebook", "program.ipynb"),
             ("record", "run.json"))


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def run_facts(record: dict, *, status: str, plan_fingerprint: str | None) -> dict:
    """One saved run's part of its row: verdict, flags, test result, curve (``record``: run.json, read)."""
    from ..facts import build_facts

    facts = build_facts(record)
    forecast = facts.get("task") == "forecast"
    if forecast:
        verdict = "diverged" if facts.get("diverged") else f"forecast_{facts['headline']['verdict']}"
        test = _forecast_test(facts)
    else:
        verdict = facts["outcome"]["verdict"]
        test = _classification_test(facts)
    n_epochs = facts.get("n_epochs") or 0
    stopped = facts.get("stopped") or {}
    flags = []
    if not forecast and (facts.get("overfitting") or {}).get("verdict") == "onset":
        flags.append({"name": "overfitting", "epoch": facts["overfitting"]["onset_epoch"]})
    if not forecast and (facts.get("end_state") or {}).get("verdict") == "still_improving":
        flags.append({"name": "still_improving"})
    if stopped.get("reason") == "early_stopping":
        flags.append({"name": "stopped_early", "epoch": stopped.get("epoch"), "of": _planned_epochs(record)})
    evaluated = facts.get("evaluated_epoch")
    if evaluated and n_epochs and evaluated != n_epochs:
        flags.append({"name": "evaluated_not_last", "epoch": evaluated, "last": n_epochs})
    fingerprint = record.get("fingerprint")
    if status in ("failed", "skipped") and fingerprint != plan_fingerprint:
        # The run on disk is not the one the spec now describes (the spec fails now, or was not run).
        flags.append({"name": "stale", "created": record.get("created")})
    if status == "reused":
        flags.append({"name": "reused", "created": record.get("created")})
    return {"kind": "forecast" if forecast else "classification", "verdict": verdict, "test": test,
            "flags": flags, "curve": curve(record, evaluated), "fingerprint": fingerprint,
            "duration": duration((record.get("timing") or {}).get("total_seconds")),
            "created": record.get("created"), "cell": _main_cell(record),
            "description": _one_line(record.get("description"))}


def _one_line(text, limit: int = 200) -> str:
    line = " ".join(str(text or "").split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def duration(seconds) -> dict | None:
    """A training time as whole minutes and the seconds left over (the page prints 7 min 34 s, not 454.07 s)."""
    if not _finite(seconds) or seconds < 0:
        return None
    whole = round(seconds)  # a minute and more: to the second (59.6 s past 7 min is 8 min 0 s, not 7 min 60 s)
    return {"minutes": whole // 60 if seconds >= 60 else 0, "seconds": whole % 60, "total": seconds}


def _main_cell(record: dict) -> str | None:
    from ..record import main_run

    return main_run(record).get("cell")


def _planned_epochs(record: dict) -> int | None:
    return ((record.get("spec") or {}).get("training") or {}).get("epochs")


def _classification_test(facts: dict) -> dict:
    outcome = facts["outcome"]
    return {"metric": "accuracy", "value": outcome.get("test_accuracy"), "chance": outcome.get("floor"),
            "baselines": [{"cell": row["cell"], "value": row.get("baseline_accuracy"), "verdict": row["verdict"]}
                          for row in facts.get("comparison") or []]}


def _forecast_test(facts: dict) -> dict:
    test = facts.get("test") or {}
    return {"metric": "mae", "value": test.get("mae") if _finite(test.get("mae")) else None, "chance": None,
            # A forecast's baselines are named as its report names them (naive, seasonal naive, ...).
            "baselines": [{"cell": row["cell"], "title": row.get("title"), "verdict": row["verdict"],
                           "value": row["base_mae"] if _finite(row.get("base_mae")) else None}
                          for row in facts.get("versus") or []]}


def curve(record: dict, evaluated_epoch: int | None = None) -> dict | None:
    """The main model's validation loss (its training loss without validation data) as SVG coordinates.

    ``lines``: "x,y x,y ..." for each polyline in a CURVE_WIDTH x CURVE_HEIGHT box, the lowest loss at the
    bottom; epochs whose loss is not finite (a diverged run's NaN) are left out, and so is a gap's line.
    ``marker``: the evaluated epoch's point.  None when no epoch has a finite loss.
    """
    from ..record import main_run

    history = main_run(record).get("history") or {}
    series = "val_loss" if history.get("val_loss") else "loss"  # no validation data: the training loss
    values = history.get(series) or []
    finite = [(index, value) for index, value in enumerate(values) if _finite(value)]
    if not finite:
        return None
    low, high = min(v for _, v in finite), max(v for _, v in finite)
    n = len(values)

    def x(index: int) -> float:
        return CURVE_WIDTH / 2 if n == 1 else CURVE_PAD + index * (CURVE_WIDTH - 2 * CURVE_PAD) / (n - 1)

    def y(value: float) -> float:
        if high == low:
            return CURVE_HEIGHT / 2
        return CURVE_PAD + (high - value) / (high - low) * (CURVE_HEIGHT - 2 * CURVE_PAD)

    segments, current, previous = [], [], None
    for index, value in finite:
        if previous is not None and index != previous + 1:
            segments.append(current)
            current = []
        current.append(f"{x(index):.1f},{y(value):.1f}")
        previous = index
    segments.append(current)
    marker = None
    if evaluated_epoch and 0 < evaluated_epoch <= n and _finite(values[evaluated_epoch - 1]):
        marker = {"x": round(x(evaluated_epoch - 1), 1), "y": round(y(values[evaluated_epoch - 1]), 1),
                  "epoch": evaluated_epoch, "value": values[evaluated_epoch - 1]}
    lowest = min(finite, key=lambda item: (item[1], item[0]))
    return {"series": series, "width": CURVE_WIDTH, "height": CURVE_HEIGHT,
            "lines": [" ".join(segment) for segment in segments if len(segment) > 1],
            "dots": [segment[0].split(",") for segment in segments if len(segment) == 1],
            "marker": marker, "n_epochs": n, "first": finite[0][1], "last": finite[-1][1],
            "lowest": lowest[1], "lowest_epoch": lowest[0] + 1}


def run_files(run_dir: Path, experiment: str) -> dict:
    """The run folder's files a row links to ({key: href relative to the output folder}), those that exist."""
    return {key: f"{experiment}/{name}" for key, name in RUN_FILES if (run_dir / name).is_file()}


def mark_identical(rows: list[dict]) -> list[list[str]]:
    """Rows whose runs have one training fingerprint (same spec's training fields, data and seed): each row's
    ``identical_to`` names the others and ``identical_group`` numbers the group (1, 2, ...)."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("fingerprint") and not any(flag["name"] == "stale" for flag in row.get("flags", [])):
            groups.setdefault(row["fingerprint"], []).append(row)
    shared = [members for members in groups.values() if len(members) > 1]
    for number, members in enumerate(shared, start=1):
        for row in members:
            row["identical_group"] = number
            row["identical_to"] = [other["experiment"] for other in members if other is not row]
    return [[row["experiment"] for row in members] for members in shared]


def attention(row: dict) -> list[str]:
    """Why a row needs the instructor's attention (ATTENTION's names, in that order); [] when it does not."""
    names = {row["status"], row.get("verdict")} | {flag["name"] for flag in row.get("flags", [])}
    return [name for name in ATTENTION if name in names]


def summary(rows: list[dict], groups: list[list[str]]) -> dict:
    """The top of the page: counts by verdict, the distribution of test accuracy, the needs-attention list."""
    counts = {verdict: 0 for verdict in VERDICTS}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    # A failed or skipped spec's earlier run (stale) is not the class's result.
    accuracies = [row["test"]["value"] for row in rows
                  if row.get("kind") == "classification" and row["verdict"] not in ("failed", "skipped")
                  and _finite((row.get("test") or {}).get("value"))]
    return {"n_reports": len(rows),
            "counts": [{"verdict": verdict, "count": count} for verdict, count in counts.items() if count],
            "distribution": distribution(accuracies),
            "not_in_distribution": len(rows) - len(accuracies),
            "attention": [{"experiment": row["experiment"], "anchor": row["anchor"], "why": row["attention"],
                           "reason": row.get("reason_line", "")} for row in rows if row["attention"]],
            "identical": groups}


def distribution(values: list[float]) -> dict:
    """Test accuracies in DISTRIBUTION_BINS bins from 0 to 1 (1.0 in the last), as SVG bars."""
    counts = [0] * DISTRIBUTION_BINS
    for value in values:
        counts[min(int(value * DISTRIBUTION_BINS), DISTRIBUTION_BINS - 1) if value >= 0 else 0] += 1
    most = max(counts) if values else 0
    step = DISTRIBUTION_WIDTH / DISTRIBUTION_BINS
    bars = []
    for index, count in enumerate(counts):
        height = DISTRIBUTION_HEIGHT * count / most if most else 0
        bars.append({"low": index / DISTRIBUTION_BINS, "high": (index + 1) / DISTRIBUTION_BINS, "count": count,
                     "x": round(index * step + 1, 1), "width": round(step - 2, 1),
                     "y": round(DISTRIBUTION_HEIGHT - height, 1), "height": round(height, 1),
                     "label_x": round(index * step + step / 2, 1), "label_y": round(DISTRIBUTION_HEIGHT - height - 3, 1)})
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = (ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2) if ordered else None
    return {"bars": bars, "n": len(values), "width": DISTRIBUTION_WIDTH, "height": DISTRIBUTION_HEIGHT,
            # Room around the bars for the counts above them and the axis' labels below.
            "view_box": f"-14 -14 {DISTRIBUTION_WIDTH + 30} {DISTRIBUTION_HEIGHT + 30}",
            "low": ordered[0] if ordered else None, "high": ordered[-1] if ordered else None, "median": median,
            "ticks": [{"value": index / DISTRIBUTION_BINS, "x": round(index * step, 1), "y": DISTRIBUTION_HEIGHT + 13}
                      for index in range(0, DISTRIBUTION_BINS + 1, 2)]}
