"""Figures stage: the run record in, PNG files out (matplotlib, no TensorFlow).

Each function draws one figure from plain data and returns it with plain facts about what it drew
(series end points, marked epochs, compared cells); the phrase macros word the alternative text
and the caption from those facts.  ``FIGURES`` is the registry: every figure key a format may
list, what draws it and what of the run it needs.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from ..atomic import write_atomic
from ..cells import CELL_TITLES
from ..record import baseline_runs, main_run, variant_runs
from .smoothing import MIN_SMOOTHED_POINTS, draws_smoothed, smooth, spans_decades

DPI = 150
WIDTH = 6.4
HEIGHT = 3.4
TRAIN_COLOUR = "#1f77b4"
VAL_COLOUR = "#d62728"
CELL_COLOURS = {"lstm": "#1f77b4", "gru": "#2ca02c", "simple_rnn": "#ff7f0e"}
# A variant shares its cell with the main model, so it takes a colour no cell has.
VARIANT_COLOURS = ("#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

# Bounds on what one figure draws: a run writes a few of each; a run.json edited to hold thousands would
# take minutes and a page of panels no one reads.  Past a bound the figure draws the first ones and its
# alternative text says how many there were.
MAX_GATE_PANELS = 8        # test sequences in the gates figure (a run records one per class, usually 2)
MAX_GRADIENT_LINES = 8     # models per phase in the gradient figure (a run records 1-3)
MAX_CLASS_BARS = 50        # classes in the class-balance figure
MAX_SPLITS = 6             # splits in the class-balance figure (train, validation, test)
MAX_EPOCH_LINES = 300      # epoch boundaries drawn in the per-batch figure


@dataclass
class Figure:
    """One drawn figure: its file, and plain facts about what it draws (end points, marks, compared cells).

    No words: the phrase macro its registry entry names (``FigureKind.words``) words the alternative text
    and the caption from ``facts`` (templates/phrases.html.j2, "figures"), so a course can reword them and
    the claim check reads them like every other sentence.
    """

    key: str
    path: Path
    facts: dict = field(default_factory=dict)
    number: int | None = None  # set by the worksheet's order of appearance
    # The phrase macro that words it, where it is not the registry's.
    words: str | None = None
    # What is drawn, for the words about it: a smoothed line beside the measured one; a log loss axis.
    smoothed: bool = False
    log_y: bool = False
    # A loss on a log axis gets no smoothed line even with enough epochs: the moving average of values
    # falling over decades is held up by the earlier, larger ones and lies above every recent point.
    log_unsmoothed: bool = False


def _ends(curve: str, values) -> dict | None:
    """A drawn series' end points: its first and last value and how many there are (None: not drawn).

    A series that ends in non-finite values (a run that diverged) is drawn up to its last finite value:
    ``last_finite`` and its 1-based position ``finite_count`` (0: no finite value at all).
    """
    values = list(values or [])
    if not values:
        return None
    finite = [i for i, v in enumerate(values) if isinstance(v, (int, float)) and math.isfinite(v)]
    return {"curve": curve, "first": values[0], "last": values[-1], "count": len(values),
            "last_finite": values[finite[-1]] if finite else None, "finite_count": finite[-1] + 1 if finite else 0,
            "ends_finite": bool(finite) and finite[-1] == len(values) - 1, "any_finite": bool(finite)}


def _uniform(n_classes: int | None) -> dict | None:
    """The uniform guess's loss level a loss figure draws, ln C (None: not drawn)."""
    return {"classes": n_classes, "value": math.log(n_classes)} if n_classes and n_classes >= 2 else None


def _capped(shown: int, total: int) -> dict | None:
    """How many of the items run.json lists a bounded figure draws (None: all of them)."""
    return {"shown": shown, "total": total} if total > shown else None


def _epochs(values):
    return list(range(1, len(values) + 1))


def _whole_numbers_x(ax) -> None:
    """Whole numbers (epochs, steps) on the x axis.  A single epoch is centred with its one tick: over the
    ±0.05 margin matplotlib gives one point, the integer locator falls back to ticks 0.945 ... 1.050."""
    low, high = ax.get_xlim()
    if high - low < 1:
        middle = round((low + high) / 2)
        ax.set_xlim(middle - 0.5, middle + 0.5)
        ax.set_xticks([middle])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _finish(fig, ax, path: Path, *, integer_x=True) -> None:
    if integer_x:
        _whole_numbers_x(ax)
    for axis in fig.axes:
        if axis.get_yscale() == "linear":
            # Plain values on the y axis: over a tiny range (a 1-epoch loss of 1.38628 and 1.38622) matplotlib
            # would tick 2 ... 8 under an offset "1e-5+1.3862", which reads as a loss of 8.
            axis.ticklabel_format(axis="y", useOffset=False)
    ax.grid(alpha=0.3)
    _legend_below(fig, [ax], fontsize=8)
    save_png(fig, path)


def _shows(values) -> bool:
    """Whether a curve shows anything: at least one finite value (a legend entry only for a drawn curve; a model
    that diverged in its first epoch has none)."""
    return any(v is not None and math.isfinite(v) for v in values or [])


def _line_style(values) -> dict:
    """A curve's point markers where no two finite values are adjacent: a line alone would draw nothing there."""
    finite = [v is not None and math.isfinite(v) for v in values or []]
    joined = any(a and b for a, b in zip(finite, finite[1:]))
    return {} if joined else {"marker": "o", "markersize": 3.5}


def _legend_below(fig, axes, *, fontsize: float = 7, ncol: int = 3) -> None:
    """One legend for the figure, below the axes: it never covers a curve, whatever the data.

    The figure's constrained layout (see _subplots) makes room for it and for every axis label,
    so nothing is clipped at the edge of the PNG.
    """
    handles, labels, seen = [], [], set()
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in seen:
                seen.add(label)
                handles.append(handle)
                labels.append(label)
    if labels:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), ncol), frameon=False,
                   fontsize=fontsize)


def _log_loss_axis(ax, *series) -> bool:
    """A log y axis when the loss values drawn span a decade or more; returns whether it is log."""
    if spans_decades(*series):
        ax.set_yscale("log")
        return True
    return False


def _subplots(nrows: int = 1, ncols: int = 1, *, figsize, **kwargs):
    """A figure and its axes without pyplot.

    pyplot costs a third of a second to import and keeps every figure in a global
    registry until closed; a figure made directly is freed with its last reference
    and draws on the Agg canvas when saved, with no display needed.
    """
    fig = MplFigure(figsize=figsize, dpi=DPI, layout="constrained")  # room for labels and outside legends
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas; tight_layout measures text with it
    return fig, fig.subplots(nrows, ncols, **kwargs)


PNG_COMPRESSION = 3


def save_png(fig, path: Path) -> None:
    """Write the figure as an RGB PNG atomically: a killed render leaves no torn image.

    RGB, not matplotlib's RGBA: the background is opaque white anyway, and
    WeasyPrint splits an alpha channel into a second image (decode, two
    re-encodes) for every figure of every PDF.  No metadata is written, so the
    same run renders to the same bytes.  zlib level 3, not Pillow's 6: half the encoding time for files
    a tenth larger, and the PDF is not affected (WeasyPrint decodes every PNG and encodes it again).
    """
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="png", dpi=(DPI, DPI), compress_level=PNG_COMPRESSION)
    write_atomic(path, buffer.getvalue(), root=path.parent.parent)  # the run folder: figures/ must not lead out


MARK_COLOUR = "#444444"


def evaluation_marks(run: dict) -> dict:
    """The epochs the learning curves mark: the one whose weights were evaluated, and an early stop.

    ``run``: an entry of the record's models.  A run that diverged was not evaluated and gets
    no mark; a record from before these fields existed was evaluated with its last epoch's weights.
    """
    history = run.get("history") or {}
    stopped = run.get("stopped") or {}
    accuracy = (run.get("test") or {}).get("accuracy")
    if stopped.get("reason") == "nan_loss" or not isinstance(accuracy, (int, float)) or not math.isfinite(accuracy):
        return {}
    evaluated = run.get("evaluated_epoch") or len(history.get("loss") or [])
    marks = {"evaluated": evaluated} if evaluated else {}
    if stopped.get("reason") == "early_stopping" and stopped.get("epoch"):
        marks["stopped"] = stopped["epoch"]
    return marks


def _mark_epochs(ax, marks: dict | None, *, fontsize: float = 7) -> None:
    """Vertical lines: dotted at the evaluated epoch, dashed at an early stop elsewhere."""
    marks = marks or {}
    evaluated, stopped = marks.get("evaluated"), marks.get("stopped")
    if evaluated:
        label = f"evaluated: epoch {evaluated}'s weights" + ("; early stop" if stopped == evaluated else "")
        ax.axvline(evaluated, color=MARK_COLOUR, linestyle=":", linewidth=1.4, label=label)
    if stopped and stopped != evaluated:
        ax.axvline(stopped, color=MARK_COLOUR, linestyle="--", linewidth=1.0, alpha=0.8,
                   label=f"early stop after epoch {stopped}")


def shown_history(history: dict) -> dict:
    """The history without validation series that hold no finite value (a run with no validation split).

    Training series stay even when none of their values is finite (a run that diverged in its first
    epoch): the figures and their descriptions say what there is.
    """
    return {key: values for key, values in history.items()
            if not key.startswith("val_") or any(v is not None and math.isfinite(v) for v in values or [])}



def _marks_facts(marks: dict | None) -> dict:
    """The vertical lines drawn (``_mark_epochs``): the evaluated epoch, an early stop, whether they differ."""
    marks = marks or {}
    evaluated, stopped = marks.get("evaluated"), marks.get("stopped")
    return {"evaluated": evaluated, "stopped": stopped, "stop_apart": bool(stopped and stopped != evaluated)}


def _smoothing_facts(smoothed: bool, weight: float, *, log_unsmoothed: bool = False) -> dict:
    """Whether a smoothed line is drawn beside the measured one, and if not, why not."""
    return {"smoothed": smoothed, "weight": weight, "min_points": MIN_SMOOTHED_POINTS,
            "log_unsmoothed": log_unsmoothed}


def curve_figure(path: Path, *, history: dict, metric: str, weight: float, marks: dict | None = None,
                 n_classes: int | None = None) -> Figure:
    """Training and validation ``metric`` per epoch, the measured values as the line, the evaluated epoch marked.

    A thin dashed smoothed line is added only from MIN_SMOOTHED_POINTS epochs on; a loss spanning a
    decade or more gets a log axis; a loss figure marks the uniform guess's level, ln C.
    """
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    train, val = history.get(metric) or [], history.get(f"val_{metric}") or []
    log_y = metric == "loss" and _log_loss_axis(ax, train, val)
    smoothed = draws_smoothed(len(train)) and not log_y
    for values, colour, label in ((train, TRAIN_COLOUR, "training"), (val, VAL_COLOUR, "validation")):
        if not values:
            continue
        epochs = _epochs(values)
        ax.plot(epochs, values, color=colour, marker="o", markersize=3.5, linewidth=1.8, label=label)
        if smoothed:
            ax.plot(epochs, smooth(values, weight), color=colour, linewidth=1, linestyle="--", alpha=0.7,
                    label=f"{label}, smoothed (w={weight:g})")
    _mark_epochs(ax, marks)
    if metric == "loss":
        uniform_guess_line(ax, n_classes)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric + (" (log scale)" if log_y else ""))
    split = "Training and validation" if val else "Training (no validation split)"
    ax.set_title(f"{split} {metric} vs epochs", fontsize=10)
    _finish(fig, ax, path)
    log_unsmoothed = log_y and draws_smoothed(len(train))
    facts = {"metric": metric, "epochs": len(train), "validation": bool(val), "log_y": log_y,
             "series": [s for s in (_ends(metric, train), _ends(f"val_{metric}", val)) if s],
             "smoothing": _smoothing_facts(smoothed, weight, log_unsmoothed=log_unsmoothed),
             "marks": _marks_facts(marks), "uniform": _uniform(n_classes) if metric == "loss" else None}
    return Figure(metric, path, facts, smoothed=smoothed, log_y=log_y, log_unsmoothed=log_unsmoothed)


def curves_figure(path: Path, *, history: dict, weight: float, baselines: list[dict] | None = None,
                  main_cell: str = "lstm", marks: dict | None = None, n_classes: int | None = None) -> Figure:
    """Accuracy and loss side by side in one short figure, for the formats with little room.

    Each panel has the training and validation curve (the measured values as the line; a thin
    dashed smoothed line only from MIN_SMOOTHED_POINTS epochs); baselines, if any, add their
    validation curve dashed, so LSTM-vs-RNN evidence costs no extra figure.  The loss panel is on a
    log axis when what it draws spans a decade or more.
    """
    fig, axes = _subplots(1, 2, figsize=(WIDTH, 2.9))
    main_title = CELL_TITLES.get(main_cell, main_cell)
    smoothed = draws_smoothed(len(history.get("loss") or []))
    # The loss panel's axis first: on a log axis its smoothed line is left out (Figure.log_unsmoothed).
    log_y = spans_decades(history.get("loss"), history.get("val_loss"),
                          *[entry["history"].get("val_loss") for entry in baselines or []])
    for ax, metric in zip(axes, ("accuracy", "loss")):
        smooth_here = smoothed and not (metric == "loss" and log_y)
        for key, colour, label in ((metric, TRAIN_COLOUR, "training"), (f"val_{metric}", VAL_COLOUR, "validation")):
            values = history.get(key) or []
            if not values:
                continue
            epochs = _epochs(values)
            ax.plot(epochs, values, color=colour, marker="o", markersize=2.5, linewidth=1.6,
                    label=f"{main_title} {label}")
            if smooth_here:
                ax.plot(epochs, smooth(values, weight), color=colour, linewidth=0.9, linestyle="--", alpha=0.7,
                        label=f"{main_title} {label}, smoothed (w={weight:g})")
        for entry in baselines or []:
            values = entry["history"].get(f"val_{metric}") or []
            if _shows(values):
                ax.plot(_epochs(values), values, color=CELL_COLOURS.get(entry["cell"], "black"), linestyle="--",
                        linewidth=1.4, **_line_style(values), label=f"{CELL_TITLES.get(entry['cell'], entry['cell'])} validation")
        if metric == "loss" and log_y:
            ax.set_yscale("log")
        _mark_epochs(ax, marks)
        if metric == "loss":
            uniform_guess_line(ax, n_classes)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel(metric + (" (log scale)" if metric == "loss" and log_y else ""), fontsize=8)
        ax.tick_params(labelsize=7)
        _whole_numbers_x(ax)
        ax.grid(alpha=0.3)
    _legend_below(fig, axes)
    save_png(fig, path)
    panels = {metric: [s for s in (_ends(metric, history.get(metric)), _ends(f"val_{metric}", history.get(f"val_{metric}")))
                       if s] for metric in ("accuracy", "loss")}
    # The baselines' validation curves, dashed in both panels (a baseline without one draws nothing).
    compared = [{"cell": entry["cell"],
                 "series": [s for s in (_ends(f"val_{metric}", entry["history"].get(f"val_{metric}"))
                                        for metric in ("accuracy", "loss")) if s]}
                for entry in baselines or [] if entry["history"].get("val_accuracy")]
    facts = {"epochs": len(history.get("loss") or []), "main_cell": main_cell,
             "validation": bool(history.get("val_accuracy") or history.get("val_loss")), "log_y": log_y,
             "accuracy": panels["accuracy"], "loss": panels["loss"], "compared": compared,
             "smoothing": _smoothing_facts(smoothed, weight, log_unsmoothed=smoothed and log_y),
             "marks": _marks_facts(marks), "uniform": _uniform(n_classes)}
    return Figure("curves", path, facts, smoothed=smoothed, log_y=log_y, log_unsmoothed=smoothed and log_y)


def batch_figure(path: Path, *, batch_history: dict, weight: float) -> Figure | None:
    """Loss and accuracy per training batch, with epoch boundaries.

    The measured per-batch values are the primary line; a smoothed line (in black, thinner) is
    added from MIN_SMOOTHED_POINTS batches on; a loss spanning a decade or more gets a log axis.
    """
    losses = batch_history.get("loss") or []
    if not losses:
        return None
    fig, axes = _subplots(1, 2, figsize=(WIDTH, HEIGHT))
    steps = list(range(1, len(losses) + 1))
    epochs = batch_history.get("epoch") or []
    boundaries = [i + 0.5 for i in range(1, len(epochs)) if epochs[i] != epochs[i - 1]]
    n_epochs = len(boundaries) + 1
    ends_marked = len(boundaries) <= MAX_EPOCH_LINES
    if not ends_marked:  # a line per epoch would be a grey wall, drawn for minutes
        boundaries = []
    smoothed = draws_smoothed(len(losses))
    log_y = False
    for ax, metric in zip(axes, ("loss", "accuracy")):
        values = batch_history.get(metric) or []
        ax.plot(steps, values, color=TRAIN_COLOUR, linewidth=0.8, zorder=3, label="per batch (measured)")
        if metric == "loss":
            log_y = _log_loss_axis(ax, values)
        if smoothed and not (metric == "loss" and log_y):  # beneath the measured line, thin
            ax.plot(steps, smooth(values, weight), color="black", linewidth=0.9, alpha=0.55, zorder=2,
                    label=f"smoothed {metric}, w={weight:g}")  # per panel: none on a log loss axis
        for boundary in boundaries:
            ax.axvline(boundary, color="grey", alpha=0.3, linewidth=0.6)
        ax.set_xlabel("training batch (grey: epoch ends)", fontsize=9)
        ax.set_ylabel(f"training {metric}" + (" (log scale)" if metric == "loss" and log_y else ""))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.grid(alpha=0.3)
    _legend_below(fig, axes)
    save_png(fig, path)
    facts = {"batches": len(losses), "epochs": n_epochs, "ends_marked": ends_marked,
             "max_epoch_lines": MAX_EPOCH_LINES, "log_y": log_y,
             "series": [s for s in (_ends("loss", losses), _ends("accuracy", batch_history.get("accuracy"))) if s],
             "smoothing": _smoothing_facts(smoothed, weight, log_unsmoothed=smoothed and log_y)}
    return Figure("batches", path, facts, smoothed=smoothed, log_y=log_y)


def comparison_figure(path: Path, *, models: list[dict], metric: str, n_classes: int | None = None) -> Figure:
    """One figure with every model's training (dashed) and validation (solid) ``metric``."""
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    drawn = []
    variants = iter(VARIANT_COLOURS * len(models))
    for entry in models:
        colour = next(variants) if entry.get("variant") else CELL_COLOURS.get(entry["cell"], "black")
        title = _model_label(entry)
        history = entry["history"]
        # Only a curve with a finite value is drawn and named in the legend (a model that diverged in its first
        # epoch has none); isolated finite values get markers, since a line joins none of them.
        if _shows(history.get(metric)):
            drawn.append(history[metric])
            ax.plot(_epochs(history[metric]), history[metric], color=colour, linestyle="--", linewidth=1.2,
                    **_line_style(history[metric]), label=f"{title} training")
        if _shows(history.get(f"val_{metric}")):
            drawn.append(history[f"val_{metric}"])
            ax.plot(_epochs(history[f"val_{metric}"]), history[f"val_{metric}"], color=colour,
                    linewidth=2, **_line_style(history[f"val_{metric}"]), label=f"{title} validation")
    log_y = metric == "loss" and _log_loss_axis(ax, *drawn)
    if metric == "loss":
        uniform_guess_line(ax, n_classes)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric + (" (log scale)" if log_y else ""))
    names = " vs ".join(_model_label(m) for m in models)
    ax.set_title(f"{names}: {metric} per epoch", fontsize=10)
    _finish(fig, ax, path)

    def last(history: dict) -> dict:
        """Each model's validation curve's end, or its training curve's where it has no validation."""
        curve = f"val_{metric}" if history.get(f"val_{metric}") else metric
        return _ends(curve, history.get(curve)) or _ends(curve, [math.nan])

    facts = {"metric": metric, "log_y": log_y,
             "models": [{"cell": m["cell"], "variant": m.get("variant"), "end": last(m["history"])} for m in models],
             "uniform": _uniform(n_classes) if metric == "loss" else None}
    return Figure(f"compare_{metric}", path, facts, log_y=log_y)


def _model_label(entry: dict) -> str:
    """A model's legend label: its cell, and for a variant the spec settings it changed (keys and values, as
    the spec writes them: a label, not a sentence)."""
    title = CELL_TITLES.get(entry["cell"], entry["cell"])
    changes = entry.get("variant") or {}
    return f"{title} ({', '.join(f'{key} {value}' for key, value in changes.items())})" if changes else title


def gradient_figure(path: Path, *, gradient_norms: dict, windows: list | None = None) -> Figure:
    """Input-gradient norm per time step against the distance from the last step, log scale.

    ``windows``: the task's important windows (0-based first and last step), shaded, so the peaks
    the text describes can be found in the figure.
    """
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    capped = None
    steps = max((len(norms or []) for phase in ("initial", "trained")
                 for norms in (gradient_norms.get(phase) or {}).values()), default=0)
    shaded = [(lo, hi) for lo, hi in windows or [] if isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi < steps]
    for k, (lo, hi) in enumerate(shaded):
        ax.axvspan(steps - 1 - hi, steps - 1 - lo, color="#d62728", alpha=0.08, linewidth=0,
                   label="where an important task can be" if k == 0 else None)
    for phase, style in (("initial", ":"), ("trained", "-")):
        models = list((gradient_norms.get(phase) or {}).items())
        capped = capped or _capped(MAX_GRADIENT_LINES, len(models))
        for cell, norms in models[:MAX_GRADIENT_LINES]:
            distance = list(range(len(norms) - 1, -1, -1))
            positive = [n if n > 0 else math.nan for n in norms]
            ax.plot(distance, positive, linestyle=style, color=CELL_COLOURS.get(cell, "black"), linewidth=1.6,
                    label=f"{CELL_TITLES.get(cell, cell)}, {phase} weights")
    ax.set_yscale("log")
    ax.set_xlabel("distance from the last time step (steps)")
    ax.set_ylabel("‖∂loss/∂input‖ (mean over batch)")
    ax.set_title("How much of the error signal reaches each earlier step", fontsize=10)
    _finish(fig, ax, path)
    initial = [{"cell": cell, "first": norms[0], "last": norms[-1]}
               for cell, norms in list((gradient_norms.get("initial") or {}).items())[:MAX_GRADIENT_LINES] if norms]
    facts = {"steps": steps, "initial": initial, "trained": bool(gradient_norms.get("trained")),
             "shaded": [[lo + 1, hi + 1] for lo, hi in shaded], "capped": capped}
    return Figure("gradients", path, facts)


def gates_figure(path: Path, *, gates: dict) -> Figure:
    """The most responsive unit's input and forget gates and cell state along a few test sequences."""
    # One sequence per class: the run's choice where it recorded one, else the first of each class.
    # A class never shows twice (an older record listed two XX sequences and one YY).
    shown = gates.get("figure_sequences")
    listed = gates.get("sequences") or []
    candidates = [listed[i] for i in shown if isinstance(i, int) and 0 <= i < len(listed)] if shown else listed
    sequences, classes = [], set()
    for sequence in candidates:
        if sequence.get("label") not in classes:
            classes.add(sequence.get("label"))
            sequences.append(sequence)
    recorded = len(sequences)
    sequences = sequences[:MAX_GATE_PANELS]
    unit = gates.get("unit")
    fig, axes = _subplots(len(sequences), 1, figsize=(WIDTH, 1.6 * len(sequences) + 1.1), sharex=True)
    if len(sequences) == 1:
        axes = [axes]
    for ax, seq in zip(axes, sequences):
        steps = list(range(1, len(seq["input_gate_mean"]) + 1))
        if "unit_input_gate" in seq:
            ax.plot(steps, seq["unit_input_gate"], color="#2ca02c", linewidth=1.5, label=f"input gate (unit {unit})")
            ax.plot(steps, seq["unit_forget_gate"], color="#9467bd", linewidth=1.5, label=f"forget gate (unit {unit})")
            ax.plot(steps, [math.tanh(c) for c in seq["unit_cell_state"]], color="#555555", linewidth=1.2,
                    label=f"tanh(cell state) (unit {unit})")
        ax.plot(steps, seq["input_gate_mean"], color="#2ca02c", linewidth=0.8, alpha=0.45, linestyle=":",
                label="input gate (mean of units)")
        ax.plot(steps, seq["forget_gate_mean"], color="#9467bd", linewidth=0.8, alpha=0.45, linestyle=":",
                label="forget gate (mean of units)")
        for k, step in enumerate(seq["important_steps"]):
            ax.axvline(step + 1, color="#d62728", linestyle="--", linewidth=1,
                       label="important task" if k == 0 else None)
            ax.annotate(str(seq["tokens"][step]), (step + 1, 1.07), color="#d62728", fontsize=8,
                        ha="center", va="bottom", annotation_clip=False)
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel(f"class {seq['label']}", fontsize=8)
        ax.grid(alpha=0.3)
    _legend_below(fig, axes, fontsize=6.5)
    axes[-1].set_xlabel("time step")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle("Inside the trained LSTM along test sequences", fontsize=10)
    save_png(fig, path)
    summary = gates.get("summary") or {}
    facts = {"unit": unit, "steps": len(steps), "classes": [str(seq["label"]) for seq in sequences],
             "gate": ({"at_important": summary["unit_input_gate_at_important"],
                       "elsewhere": summary["unit_input_gate_elsewhere"]} if summary.get("available") else None),
             "capped": _capped(len(sequences), recorded)}
    return Figure("gates", path, facts)


def dataset_figure(path: Path, *, dataset: dict) -> Figure:
    """Class balance per split; beside it, the length distribution before padding when lengths vary."""
    counts = dict(list((dataset.get("class_counts") or {}).items())[:MAX_SPLITS])
    all_classes = dataset.get("class_names") or []
    classes = all_classes[:MAX_CLASS_BARS]
    histogram = (dataset.get("lengths") or {}).get("histogram")
    if histogram:
        fig, (ax, ax_lengths) = _subplots(1, 2, figsize=(WIDTH, HEIGHT * 0.78),
                                             gridspec_kw={"width_ratios": [1, 1.3]})
    else:
        fig, ax = _subplots(figsize=(WIDTH, HEIGHT * 0.85))
    width = 0.8 / max(len(counts), 1)
    for k, (split, per_class) in enumerate(counts.items()):
        xs = [i + k * width for i in range(len(classes))]
        ax.bar(xs, [per_class.get(c, 0) for c in classes], width=width, label=split)
    ax.set_xticks([i + width * (len(counts) - 1) / 2 for i in range(len(classes))], classes)
    ax.set_ylabel("sequences")
    ax.set_title("Class balance per split", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    lengths = None
    if histogram:
        edges, bin_counts = histogram["edges"], histogram["counts"]
        ax_lengths.stairs(bin_counts, edges, fill=True, color="#7f7f7f", alpha=0.6)
        cut = dataset.get("sequence_length")
        recorded = dataset["lengths"]
        ax_lengths.axvline(cut, color=VAL_COLOUR, linestyle="--", linewidth=1.2,
                           label=f"padded/truncated to {cut} ({100 * recorded['truncated_share']:.1f}% cut)")
        ax_lengths.set_xlabel("tokens per training sequence, before padding")
        ax_lengths.set_ylabel("sequences")
        ax_lengths.set_title("Sequence lengths", fontsize=10)
        ax_lengths.grid(alpha=0.3)
        lengths = {"median": recorded["median"], "p90": recorded["p90"],
                   "truncated_share": recorded["truncated_share"], "padded_to": cut}
    _legend_below(fig, [ax, ax_lengths] if histogram else [ax], fontsize=7, ncol=4)
    save_png(fig, path)
    splits = [{"split": split, "classes": [{"name": name, "count": n} for name, n in list(per_class.items())[:MAX_CLASS_BARS]]}
              for split, per_class in counts.items()]
    facts = {"splits": splits, "lengths": lengths, "capped": _capped(len(classes), len(all_classes))}
    return Figure("dataset", path, facts)


UNIFORM_COLOUR = "#555555"
MAX_CONFUSION_LABELS = 12  # classes whose counts are written in the confusion matrix's cells


def uniform_guess_line(ax, n_classes: int | None) -> None:
    """The loss of a uniform guess over C classes, ln C, as a dash-dotted horizontal line with a legend label
    (a label written on the plot would sit on the curves, which start at that level)."""
    if not n_classes or n_classes < 2:
        return
    level = math.log(n_classes)
    ax.axhline(level, color=UNIFORM_COLOUR, linestyle="-.", linewidth=1.0, alpha=0.8,
               label=f"uniform guess: ln {n_classes} = {level:.4f}")


def confusion_figure(path: Path, *, confused: list[dict], class_names: list[str]) -> Figure:
    """Each model's confusion matrix on the test set (rows: true class, columns: answer), side by side."""
    models = confused
    names = class_names[:MAX_CLASS_BARS]
    k = len(names)
    # Panels of about 2.5 inches with 9-point counts: legible where a compact format shows the figure small.
    # One model: the canvas stays 4.8 inches wide, so a lone panel is not blown up to the page's width.
    width = min(WIDTH, max(0.4 + 2.5 * len(models), 4.8))
    fig, axes = _subplots(1, len(models), figsize=(width, 2.3 + 0.1 * min(k, 20)), squeeze=False)
    described = []
    for ax, entry in zip(axes[0], models):
        matrix = np.array(entry["confusion"], dtype=float)[:k, :k]
        title = CELL_TITLES.get(entry["cell"], entry["cell"])
        ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(matrix.max(), 1))
        if k <= MAX_CONFUSION_LABELS:
            top = matrix.max() or 1
            for i in range(k):
                for j in range(k):
                    ax.text(j, i, f"{int(matrix[i, j]):,}", ha="center", va="center", fontsize=9,
                            color="white" if matrix[i, j] > 0.6 * top else "black")
            ax.set_xticks(range(k), names, fontsize=8, rotation=45 if k > 4 else 0)
            ax.set_yticks(range(k), names, fontsize=8)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        correct, total = int(np.trace(matrix)), int(matrix.sum())
        ax.set_title(f"{title}: {correct:,} of {total:,} correct", fontsize=9)
        ax.set_xlabel("answer", fontsize=9)
        ax.set_ylabel("true class", fontsize=9)
        described.append({"cell": entry["cell"], "correct": correct, "total": total,
                          "answers": [{"name": name, "count": int(matrix[:, j].sum())} for j, name in enumerate(names)]})
    save_png(fig, path)  # the figure's constrained layout places the titles (tight_layout would replace it, with a warning)
    return Figure("confusion", path, {"models": described, "capped": _capped(k, len(class_names))})


# --------------------------------------------------------------------------- a forecast's figures
# run.json's task kind ``forecast``: the series and its chronological split, the test part with the network's
# and the naive forecast (a forecast that only repeats the last value sits one step to the right of the
# actual curve, on top of the naive one), and the learning curves in the series' own units.

NAIVE_COLOUR = "#7f7f7f"
PART_COLOURS = {"training": "#1f77b4", "validation": "#ff7f0e", "test": "#2ca02c"}


def _time_axis(times: list | None, n: int) -> tuple[list, str]:
    """The time axis: the stamps when they are plain numbers (years), else the row index."""
    if times and len(times) == n:
        try:
            return [float(t) for t in times], "time"
        except ValueError:
            pass
    return list(range(n)), "row"


def forecast_series_figure(path: Path, *, forecast: dict) -> Figure | None:
    """The whole target series with the training, validation and test parts shaded."""
    series = forecast.get("series")
    if not series:
        return None
    x, axis = _time_axis(forecast.get("times"), len(series))
    a, b = forecast["bounds"]
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    ax.plot(x, series, color="black", linewidth=0.9)
    for (start, stop), name in (((0, a), "training"), ((a, b), "validation"), ((b, len(series)), "test")):
        if stop > start:
            ax.axvspan(x[start], x[stop - 1], color=PART_COLOURS[name], alpha=0.15, label=f"{name} part")
    ax.set_xlabel(axis)
    ax.set_ylabel(forecast.get("target_column") or "value")
    ax.set_title("The series and its chronological split")
    _finish(fig, ax, path, integer_x=axis == "row")
    return Figure("forecast_series", path, facts={
        "n": len(series), "column": forecast.get("target_column"), "training": a, "validation": b - a,
        "test": len(series) - b})


def _finite_or_none(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def forecast_test_figure(path: Path, *, forecast: dict, forecast_main: dict, forecast_naive: dict | None) -> Figure | None:
    """The test part's actual values, the network's and the naive forecast, one step ahead of every window."""
    actual, index = forecast.get("test_actual"), forecast.get("test_index")
    predicted = forecast_main.get("predictions")
    if not (actual and index and predicted):
        return None
    series = forecast.get("series") or []
    x_all, axis = _time_axis(forecast.get("times"), len(series)) if series else (None, "row")
    x = [x_all[i] for i in index] if x_all else list(index)
    naive = (forecast_naive or {}).get("predictions")
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    ax.plot(x, [row[0] for row in actual], color="black", linewidth=1.2, label="actual")
    ax.plot(x, [row[0] for row in predicted], color=TRAIN_COLOUR, linewidth=1.2,
            label=f"{CELL_TITLES.get(forecast_main['cell'], forecast_main['cell'])} forecast")
    if naive:
        ax.plot(x, [row[0] for row in naive], color=NAIVE_COLOUR, linewidth=1.0, linestyle="--",
                label="naive forecast (last value)")
    ax.set_xlabel(axis)
    ax.set_ylabel(forecast.get("target_column") or "value")
    ax.set_title("Test part: actual values and one-step-ahead forecasts")
    _finish(fig, ax, path, integer_x=axis == "row")
    return Figure("forecast_test", path, facts={
        "n": len(actual), "cell": forecast_main["cell"], "mae": _finite_or_none(forecast_main.get("mae")),
        "naive": bool(naive), "naive_mae": _finite_or_none((forecast_naive or {}).get("mae"))})


def forecast_curves_figure(path: Path, *, history: dict, forecast: dict | None = None,
                           weight: float = 0.6) -> Figure | None:
    """The training loss (run.json's dataset.forecast.loss) and the MAE in the series' units, training and
    validation, per epoch; from MIN_SMOOTHED_POINTS epochs on a thin dashed smoothed line beside each, as the
    classification curves have."""
    trained_with = (forecast or {}).get("loss") or "mse"
    loss = history.get("loss") or []
    if not any(isinstance(v, (int, float)) and math.isfinite(v) for v in loss):
        return None  # a run that diverged in its first epoch: nothing to draw
    epochs = _epochs(loss)
    smoothed = draws_smoothed(len(epochs))
    fig, (left, right) = _subplots(1, 2, figsize=(WIDTH, HEIGHT))
    for ax, names in ((left, ("loss", "val_loss")), (right, ("mae", "val_mae"))):
        for name, colour, label in zip(names, (TRAIN_COLOUR, VAL_COLOUR), ("training", "validation")):
            values = history.get(name) or ([math.nan] * len(epochs) if name == "val_loss" else [])
            if not values:
                continue
            ax.plot(_epochs(values), values, color=colour, marker="o", markersize=2.5,
                    label=label if ax is left else None)
            if smoothed and any(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
                ax.plot(_epochs(values), smooth(values, weight), color=colour, linewidth=1, linestyle="--",
                        alpha=0.7, label=f"{label}, smoothed (w={weight:g})" if ax is left else None)
        ax.set_xlabel("epoch")
    left.set_title(f"Loss ({LOSS_TITLES.get(trained_with, trained_with)}, scaled)", fontsize=9)
    right.set_title("MAE in the series' units", fontsize=9)
    right.grid(alpha=0.3)
    _finish(fig, left, path)
    return Figure("forecast_curves", path, facts={"epochs": len(epochs), "loss": trained_with,
                                                  "smoothing": _smoothing_facts(smoothed, weight)},
                  smoothed=smoothed)


LOSS_TITLES = {"mse": "MSE", "mae": "MAE", "huber": "Huber"}  # a forecast's training loss (training.loss)
MAX_RESIDUAL_LAGS = 20  # the residual figure's autocorrelations: lags 1 to min(20, n // 4)


def forecast_residuals_figure(path: Path, *, forecast: dict, forecast_main: dict) -> Figure | None:
    """The one-step test residuals (actual - the network's forecast) in three panels: over time, their
    histogram, and their autocorrelation by lag with the ±2/√n band (facts/forecast.py's residual verdict
    reads lag 1 of the same autocorrelations)."""
    from ..facts.forecast import MIN_RESIDUALS, autocorrelations, one_step_residuals, residual_band

    actual, index = forecast.get("test_actual") or [], forecast.get("test_index")
    errors = one_step_residuals({"forecast": {"test_predictions": forecast_main.get("predictions")}}, actual)
    if errors is None or len(errors) < MIN_RESIDUALS or not index or len(index) != len(errors):
        return None
    n = len(errors)
    lags = min(MAX_RESIDUAL_LAGS, n // 4)
    r = autocorrelations(errors, lags)
    if r is None:
        return None  # errors that do not vary have no autocorrelation
    band = residual_band(n)
    series = forecast.get("series") or []
    x_all, axis = _time_axis(forecast.get("times"), len(series)) if series else (None, "row")
    x = [x_all[i] for i in index] if x_all else list(index)
    fig, (over, histogram, acf) = _subplots(1, 3, figsize=(WIDTH, HEIGHT * 0.78),
                                            gridspec_kw={"width_ratios": [1.5, 1.0, 1.2]})
    over.axhline(0.0, color=NAIVE_COLOUR, linewidth=0.8)
    over.plot(x, errors, color=TRAIN_COLOUR, linewidth=0.9, marker="o", markersize=1.8)
    over.set_xlabel(axis, fontsize=8)
    over.set_ylabel(f"actual - forecast ({forecast.get('target_column') or 'value'})", fontsize=8)
    over.set_title("Over time", fontsize=9)
    if axis == "row":
        over.xaxis.set_major_locator(MaxNLocator(integer=True))
    histogram.hist(errors, bins=min(20, max(5, round(math.sqrt(n)))), color=TRAIN_COLOUR, alpha=0.8,
                   edgecolor="white", linewidth=0.5)
    histogram.axvline(0.0, color=NAIVE_COLOUR, linewidth=0.8)
    histogram.set_xlabel("actual - forecast", fontsize=8)
    histogram.set_ylabel("test windows", fontsize=8)
    histogram.set_title("Histogram", fontsize=9)
    steps = list(range(1, len(r) + 1))
    outside = [lag for lag, value in zip(steps, r) if abs(value) > band]
    acf.vlines(steps, 0.0, r, color=TRAIN_COLOUR, linewidth=1.6)
    acf.plot(steps, r, linestyle="none", marker="o", markersize=2.5, color=TRAIN_COLOUR)
    acf.axhline(0.0, color="black", linewidth=0.6)
    acf.axhspan(-band, band, color=NAIVE_COLOUR, alpha=0.18, linewidth=0,
                label=f"±2/√n = ±{band:.3f}: 95 % band of errors without autocorrelation (n = {n})")
    acf.set_xlabel("lag (test windows)", fontsize=8)
    acf.set_ylabel("autocorrelation", fontsize=8)
    reach = min(1.0, max(1.6 * band, 1.15 * max(abs(value) for value in r)))  # the band and every bar in view
    acf.set_ylim(-reach, reach)
    acf.set_title("Autocorrelation by lag", fontsize=9)
    acf.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (over, histogram, acf):
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    _legend_below(fig, [acf], fontsize=7)
    save_png(fig, path)
    return Figure("forecast_residuals", path, facts={
        "n": n, "cell": forecast_main["cell"], "low": min(errors), "high": max(errors),
        "mean": sum(errors) / n, "lags": len(r), "r1": r[0], "band": band, "outside": outside})


HORIZON_BASELINES = ("naive", "linear_ar")  # the error by horizon figure sets the network against these


def forecast_horizon_figure(path: Path, *, forecast_steps: list[dict]) -> Figure | None:
    """The test MAE at each step ahead, the network's beside the naive forecast's and the linear
    autoregression's (run.json's per-step numbers, ``mae_by_step``)."""
    drawn = [run for run in forecast_steps if run["mae_by_step"]
             and all(isinstance(v, (int, float)) and math.isfinite(v) for v in run["mae_by_step"])]
    if not drawn or drawn[0]["role"] != "main":
        return None
    horizon = len(drawn[0]["mae_by_step"])
    steps = list(range(1, horizon + 1))
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    styles = {"naive": dict(color=NAIVE_COLOUR, linestyle="--"), "linear_ar": dict(color="#9467bd", linestyle="-.")}
    for run in drawn:
        label = {"naive": "naive forecast (last value)", "linear_ar": "linear autoregression"}.get(
            run["cell"], f"{CELL_TITLES.get(run['cell'], run['cell'])} forecast")
        ax.plot(steps, run["mae_by_step"], marker="o", markersize=3.5, linewidth=1.3, label=label,
                **styles.get(run["cell"], dict(color=TRAIN_COLOUR)))
    ax.set_xlabel("steps ahead")
    ax.set_ylabel("test MAE")
    ax.set_ylim(bottom=0)
    ax.set_title("Test error by horizon step")
    _finish(fig, ax, path)
    return Figure("forecast_horizon", path, facts={
        "horizon": horizon, "models": [{"cell": run["cell"], "role": run["role"], "first": run["mae_by_step"][0],
                                        "last": run["mae_by_step"][-1]} for run in drawn]})


def _forecast_steps(record: dict, horizon: int) -> list[dict] | None:
    """The network's and the horizon baselines' test MAE per step ahead (None: one step ahead only)."""
    if horizon < 2:
        return None
    runs = [main_run(record)] + [next((b for b in baseline_runs(record) if b.get("cell") == cell), None)
                                 for cell in HORIZON_BASELINES]
    return [{"cell": run["cell"], "role": run.get("role"), "mae_by_step": (run.get("forecast") or {}).get("mae_by_step")}
            for run in runs if run is not None]


def _forecast_run(entry: dict | None) -> dict | None:
    """A forecast model entry as its figures read it: cell, test predictions and test MAE."""
    if not entry or not (entry.get("forecast") or {}).get("test_predictions"):
        return None
    return {"cell": entry["cell"], "predictions": entry["forecast"]["test_predictions"],
            "mae": (entry.get("test") or {}).get("mae"), "mae_by_step": entry["forecast"].get("mae_by_step")}


# --------------------------------------------------------------------------- the registry

@dataclass(frozen=True)
class FigureKind:
    """A figure a format may list in its format.yaml: the one place a figure key is defined.

    ``draw(path, **inputs)`` draws it from the ``needs`` (the parts of the run record named in
    ``figure_inputs``) and the fixed ``options``; it is not drawn when one of ``requires`` is empty
    (the run has no data for it), or, for ``listed_only``, unless a format lists it.  ``words`` names
    the phrase macro (templates/phrases.html.j2) that words its alternative text and caption from
    ``Figure.facts``; ``shows`` is the line the documentation gives it; ``task`` is the kind of run it draws
    (a classification's figures for ``figures``, a forecast's for ``forecast_figures`` in format.yaml).
    """

    key: str
    draw: Callable[..., Figure | None]
    needs: tuple[str, ...]
    words: str
    shows: str
    requires: tuple[str, ...] = ()
    options: tuple[tuple[str, object], ...] = ()
    listed_only: bool = False
    task: str = "classification"  # the run.json task kind it draws (record.py's Task.kind)


FIGURES: dict[str, FigureKind] = {kind.key: kind for kind in (
    FigureKind("dataset", dataset_figure, ("dataset",), "figure_dataset",
               "the data: class balance per split and, where lengths vary, the sequence lengths before padding"),
    FigureKind("accuracy", curve_figure, ("history", "weight", "marks"), "figure_curve",
               "training and validation accuracy per epoch, measured and (from 20 epochs) smoothed",
               options=(("metric", "accuracy"),)),
    FigureKind("loss", curve_figure, ("history", "weight", "marks", "n_classes"), "figure_curve",
               "training and validation loss per epoch, measured and (from 20 epochs) smoothed, with ln C",
               options=(("metric", "loss"),)),
    FigureKind("curves", curves_figure, ("history", "weight", "baselines", "main_cell", "marks", "n_classes"),
               "figure_curves", "accuracy and loss side by side, the baselines' validation curves dashed",
               listed_only=True),
    FigureKind("batches", batch_figure, ("batch_history", "weight"), "figure_batches",
               "training loss and accuracy per batch", requires=("batch_history",)),
    FigureKind("compare_accuracy", comparison_figure, ("models", "n_classes"), "figure_comparison",
               "accuracy of every model per epoch", requires=("models",), options=(("metric", "accuracy"),)),
    FigureKind("compare_loss", comparison_figure, ("models", "n_classes"), "figure_comparison",
               "loss of every model per epoch", requires=("models",), options=(("metric", "loss"),)),
    FigureKind("confusion", confusion_figure, ("confused", "class_names"), "figure_confusion",
               "every model's confusion matrix on the test set", requires=("confused", "class_names")),
    FigureKind("gradients", gradient_figure, ("gradient_norms", "windows"), "figure_gradients",
               "gradient norm through time at the initial and the trained weights", requires=("gradient_norms",)),
    FigureKind("gates", gates_figure, ("gates",), "figure_gates",
               "the trained LSTM's gates and cell state along test sequences", requires=("gates",)),
    FigureKind("forecast_series", forecast_series_figure, ("forecast",), "figure_forecast_series",
               "a forecast's whole series with its training, validation and test parts shaded",
               requires=("forecast",), task="forecast"),
    FigureKind("forecast_test", forecast_test_figure, ("forecast", "forecast_main", "forecast_naive"),
               "figure_forecast_test", "the test part: actual values, the network's and the naive forecast "
               "one step ahead", requires=("forecast", "forecast_main"), task="forecast"),
    FigureKind("forecast_horizon", forecast_horizon_figure, ("forecast_steps",), "figure_forecast_horizon",
               "a forecast's test MAE at each step ahead (horizon > 1), against the naive and linear forecasts",
               requires=("forecast_steps",), task="forecast"),
    FigureKind("forecast_curves", forecast_curves_figure, ("history", "forecast", "weight"), "figure_forecast_curves",
               "a forecast's loss and MAE in the series' units per epoch, training and validation", task="forecast"),
    FigureKind("forecast_residuals", forecast_residuals_figure, ("forecast", "forecast_main"),
               "figure_forecast_residuals", "a forecast's one-step test residuals: over time, their histogram and "
               "their autocorrelation by lag with the ±2/√n band", requires=("forecast", "forecast_main"),
               task="forecast"),
)}
FIGURE_KEYS: tuple[str, ...] = tuple(FIGURES)
# Each key with the task kind it draws, as the formats check their figure lists (report/formats.py).
FIGURE_TASKS: tuple[tuple[str, str], ...] = tuple((key, kind.task) for key, kind in FIGURES.items())


def figure_inputs(record: dict, weight: float) -> dict:
    """What the figures are drawn from, by the names the registry's ``needs`` use."""
    # A run without a validation split records NaN validation columns: drawn, they would only add
    # legend entries for lines that are not there, so the figures leave them out and say so.
    main = main_run(record)
    history = shown_history(main["history"])
    baselines = [{"cell": entry["cell"], "history": shown_history(entry["history"])} for entry in baseline_runs(record)]
    variants = [{"cell": entry["cell"], "variant": entry.get("variant") or {}, "history": shown_history(entry["history"])}
                for entry in variant_runs(record)]
    dataset = record.get("dataset") or {}
    diagnostics = record.get("diagnostics") or {}
    gradient_norms = diagnostics.get("gradient_norms") or {}
    # The test set's confusion matrix of every model that has one (a record from before they were kept: none).
    confused = [{"cell": entry["cell"], "confusion": (entry.get("test") or {}).get("confusion")}
                for entry in [main, *baseline_runs(record)] if (entry.get("test") or {}).get("confusion")]
    return {
        "history": history, "weight": weight, "marks": evaluation_marks(main),
        "n_classes": len(dataset.get("class_names") or []) or None,
        "baselines": baselines, "main_cell": main["cell"],
        "models": [{"cell": main["cell"], "history": history}, *baselines, *variants] if baselines or variants else [],
        "dataset": dataset, "batch_history": main.get("batch_history") or {},
        "confused": confused, "class_names": dataset.get("class_names") or [],
        "gradient_norms": gradient_norms if gradient_norms.get("initial") else None,
        "windows": dataset.get("important_windows"), "gates": diagnostics.get("gates"),
        # A forecast's (task kind forecast): its series and test windows, the network's and the naive forecast.
        "forecast": dataset.get("forecast") or None, "forecast_main": _forecast_run(main),
        "forecast_naive": _forecast_run(next((b for b in baseline_runs(record) if b.get("cell") == "naive"), None)),
        "forecast_steps": _forecast_steps(record, ((dataset.get("forecast") or {}).get("horizon") or 1)),
    }


def make_figures(record: dict, figure_dir: Path, weight: float, wanted: list[str] | None = None, *,
                 meanwhile: Callable[[], object] | None = None) -> dict[str, Figure]:
    """The figures a worksheet shows (``wanted``, keys of FIGURES; default all) that this run has data for.

    ``meanwhile``: work of the caller's own (loading the PDF libraries, compiling the templates) that this
    process does while a second process draws figures (``draw_ahead``), before it takes figures itself.
    """
    inputs = figure_inputs(record, weight)
    task = (record.get("task") or {}).get("kind") or "classification"
    keys = wanted if wanted is not None else [key for key, kind in FIGURES.items()
                                              if not kind.listed_only and kind.task == task]
    jobs = []
    for key in keys:
        kind = FIGURES[key]
        if all(inputs[name] for name in kind.requires):
            jobs.append((key, kind.draw, figure_dir / f"{key}.png",
                         {**{name: inputs[name] for name in kind.needs}, **dict(kind.options)}))
    draw_ahead(jobs, meanwhile=meanwhile)
    figures: dict[str, Figure] = {}
    for key, function, path, kwargs in jobs:
        figure = _drawn(function, path, **kwargs)
        if figure is not None:
            figures[key] = figure
    return figures


# --------------------------------------------------------------------------- drawing each figure once

# Rendering one run for a whole roster (30 students, one process) draws the
# same figures 30 times: identical data in, identical PNG bytes out (the
# metadata is pinned).  Each drawn figure is remembered here by a digest of
# everything it is drawn from; a later request for the same figure writes the
# remembered bytes instead of drawing again.  Process-local and bounded.
_DRAWN: "OrderedDict[str, tuple[bytes, Figure | None]]" = OrderedDict()
_DRAWN_LIMIT = 64


def _digest(function, kwargs) -> str:
    text = json.dumps([function.__name__, DPI, WIDTH, HEIGHT, kwargs], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _drawn(function, path: Path, **kwargs):
    """``function(path, **kwargs)``, drawn at most once per process for the same data."""
    key = _digest(function, kwargs)
    cached = _DRAWN.get(key)
    if cached is not None:
        png, figure = cached
        _DRAWN.move_to_end(key)
        if figure is None:
            return None
        if not (path.is_file() and path.stat().st_size == len(png) and path.read_bytes() == png):
            write_atomic(path, png, root=path.parent.parent)
        return replace(figure, path=path, number=None)
    figure = function(path, **kwargs)
    _remember(key, path.read_bytes() if figure is not None else b"", figure)
    return figure


def _remember(key: str, png: bytes, figure: Figure | None) -> None:
    _DRAWN[key] = (png, replace(figure, number=None) if figure is not None else None)
    _DRAWN.move_to_end(key)
    while len(_DRAWN) > _DRAWN_LIMIT:
        _DRAWN.popitem(last=False)


# --------------------------------------------------------------------------- two processes

# A fresh `labreport render` spends a third of its time drawing figures, one after another on one core
# of two.  With a second core free, a forked copy of this process draws some of them while this one
# draws the rest: the two take the next figure from one queue (a pipe holding one byte per figure, so
# the expensive ones spread by themselves), and the copy sends back what it drew (the PNG bytes and the
# figure's facts) into _DRAWN, from where make_figures takes them as if drawn here.  A fork copies
# the process as it is, so nothing is imported or read again; it is done only where that is safe:
# Linux, two or more usable cores, no other Python thread, and no TensorFlow, PyTorch or JAX loaded
# (their thread pools may hold locks at the fork; `labreport run` draws in one process).  A figure the
# copy could not draw is drawn here, so an error is raised here with its own traceback.
# LABREPORT_FIGURE_PROCESSES=1 draws every figure in this process.
FIGURE_PROCESSES_VARIABLE = "LABREPORT_FIGURE_PROCESSES"
_FRAMEWORKS = ("tensorflow", "torch", "jax", "keras")


def figure_processes() -> int:
    """How many processes may draw a report's figures: 2 unless LABREPORT_FIGURE_PROCESSES=1."""
    import os

    return 1 if os.environ.get(FIGURE_PROCESSES_VARIABLE, "").strip() == "1" else 2


def _may_fork() -> bool:
    import os
    import sys
    import threading

    if figure_processes() < 2 or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if threading.active_count() != 1 or any(name in sys.modules for name in _FRAMEWORKS):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return False


def draw_ahead(jobs: list, *, meanwhile: Callable[[], object] | None = None) -> None:
    """Draw the figures of ``jobs`` (key, function, path, kwargs) not yet in _DRAWN, in two processes where
    that is safe (see above); each ends up in _DRAWN.  Elsewhere nothing happens here, and make_figures
    draws them one by one.

    With two processes, this one first calls ``meanwhile`` (a warm-up of later work: what fails there
    fails again where that work is done, with its own message, so its errors are ignored here), then
    takes figures from the queue until it is empty.
    """
    pending, seen = [], set()
    for job in jobs:
        digest = _digest(job[1], job[3])
        if digest not in _DRAWN and digest not in seen:
            seen.add(digest)
            pending.append(job)
    if len(pending) < 2 or len(pending) > 255 or not _may_fork():
        return
    import os
    import pickle
    import signal

    queue_read, queue_write = os.pipe()
    os.write(queue_write, bytes(range(len(pending))))  # at most 255 bytes: a pipe holds them all
    os.close(queue_write)  # the queue reads empty once every figure is taken
    results_read, results_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: draw from the queue, send back what was drawn, and leave without cleaning up
        try:
            os.close(results_read)
            done = []
            while index := os.read(queue_read, 1):
                key, function, path, kwargs = pending[index[0]]
                try:
                    figure = function(path, **kwargs)
                    done.append((_digest(function, kwargs), path.read_bytes() if figure is not None else b"", figure))
                except Exception:  # drawn again by the parent, which raises it
                    continue
            payload = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(results_write, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(results_write)
    finished = False
    try:
        if meanwhile is not None:
            try:
                meanwhile()
            except Exception:
                pass
        while index := os.read(queue_read, 1):
            key, function, path, kwargs = pending[index[0]]
            _drawn(function, path, **kwargs)
        received, results_read = os.fdopen(results_read, "rb"), None  # closed by the file object from here on
        with received:
            payload = received.read()
        os.waitpid(pid, 0)
        finished = True
    finally:
        os.close(queue_read)
        if results_read is not None:
            os.close(results_read)
        if not finished:  # this process failed or was interrupted: the copy's figures are not wanted
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    try:
        done = pickle.loads(payload) if payload else []  # the copy's own pickle; empty if it died
    except Exception:
        done = []
    for digest, png, figure in done:
        _remember(digest, png, figure)
