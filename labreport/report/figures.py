"""Figures stage: the run record in, PNG files out (matplotlib, no TensorFlow).

Each function draws one figure from plain data and returns its path; the
alt text that describes it in the report is returned beside it, because an
accessible PDF needs it and it too must come from this run's numbers.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from ..atomic import write_atomic
from ..cells import CELL_TITLES
from ..record import baseline_runs, main_run
from .smoothing import smooth

DPI = 150
WIDTH = 6.4
HEIGHT = 3.4
TRAIN_COLOUR = "#1f77b4"
VAL_COLOUR = "#d62728"
CELL_COLOURS = {"lstm": "#1f77b4", "gru": "#2ca02c", "simple_rnn": "#ff7f0e"}

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
    key: str
    path: Path
    alt: str
    caption: str
    number: int | None = None  # set by the worksheet's order of appearance


def _epochs(values):
    return list(range(1, len(values) + 1))


def _finish(fig, ax, path: Path, *, integer_x=True) -> None:
    if integer_x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    save_png(fig, path)


def _subplots(nrows: int = 1, ncols: int = 1, *, figsize, **kwargs):
    """A figure and its axes without pyplot.

    pyplot costs a third of a second to import and keeps every figure in a global
    registry until closed; a figure made directly is freed with its last reference
    and draws on the Agg canvas when saved, with no display needed.
    """
    fig = MplFigure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas; tight_layout measures text with it
    return fig, fig.subplots(nrows, ncols, **kwargs)


def save_png(fig, path: Path) -> None:
    """Write the figure as an RGB PNG atomically: a killed render leaves no torn image.

    RGB, not matplotlib's RGBA: the background is opaque white anyway, and
    WeasyPrint splits an alpha channel into a second image (decode, two
    re-encodes) for every figure of every PDF.  No metadata is written, so the
    same run renders to the same bytes.
    """
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="png", dpi=(DPI, DPI))
    write_atomic(path, buffer.getvalue(), root=path.parent.parent)  # the run folder: figures/ must not lead out


def _fmt(value: float, digits: int = 4) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


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


def _marks_alt(marks: dict | None) -> str:
    marks = marks or {}
    text = ""
    if marks.get("evaluated"):
        text += f" A dotted vertical line marks epoch {marks['evaluated']}, whose weights were evaluated on the test set."
    if marks.get("stopped") and marks.get("stopped") != marks.get("evaluated"):
        text += f" A dashed vertical line marks epoch {marks['stopped']}, where early stopping ended training."
    elif marks.get("stopped"):
        text += " Early stopping ended training there."
    return text


def shown_history(history: dict) -> dict:
    """The history without validation series that hold no finite value (a run with no validation split).

    Training series stay even when none of their values is finite (a run that diverged in its first
    epoch): the figures and their descriptions say what there is.
    """
    return {key: values for key, values in history.items()
            if not key.startswith("val_") or any(v is not None and math.isfinite(v) for v in values or [])}


def curve_figure(history: dict, metric: str, weight: float, path: Path, *, title: str,
                 marks: dict | None = None) -> Figure:
    """Training and validation ``metric`` per epoch: raw (faint) and smoothed (bold), with the evaluated epoch marked."""
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    for key, colour, label in ((metric, TRAIN_COLOUR, "training"), (f"val_{metric}", VAL_COLOUR, "validation")):
        values = history.get(key) or []
        if not values:
            continue
        epochs = _epochs(values)
        ax.plot(epochs, values, color=colour, alpha=0.3, marker="o", markersize=3, linewidth=1,
                label=f"{label} (raw)")
        ax.plot(epochs, smooth(values, weight), color=colour, linewidth=2.2,
                label=f"{label} (smoothed, w={weight:g})")
    _mark_epochs(ax, marks)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(title, fontsize=10)
    _finish(fig, ax, path)
    train, val = history.get(metric) or [], history.get(f"val_{metric}") or []
    alt = (f"Line chart of training {'and validation ' if val else ''}{metric} over {len(train)} epochs. "
           f"Training {metric} goes from {_fmt(train[0])} to {_fmt(train[-1])}"
           + (f"; validation {metric} from {_fmt(val[0])} to {_fmt(val[-1])}." if val else ".")
           + _marks_alt(marks))
    return Figure(metric, path, alt, title)


def curves_figure(history: dict, weight: float, path: Path, *, baselines: list[dict] | None = None,
                  main_cell: str = "lstm", marks: dict | None = None) -> Figure:
    """Accuracy and loss side by side in one short figure, for the formats with little room.

    Each panel has the training and validation curve (raw faint, smoothed bold); baselines, if
    any, add their validation curve dashed, so LSTM-vs-RNN evidence costs no extra figure.
    """
    fig, axes = _subplots(1, 2, figsize=(WIDTH, 2.55))
    main_title = CELL_TITLES.get(main_cell, main_cell)
    for ax, metric in zip(axes, ("accuracy", "loss")):
        for key, colour, label in ((metric, TRAIN_COLOUR, "training"), (f"val_{metric}", VAL_COLOUR, "validation")):
            values = history.get(key) or []
            if not values:
                continue
            epochs = _epochs(values)
            ax.plot(epochs, values, color=colour, alpha=0.3, marker="o", markersize=2.5, linewidth=1)
            ax.plot(epochs, smooth(values, weight), color=colour, linewidth=2,
                    label=f"{main_title} {label} (smoothed, w={weight:g})")
        for entry in baselines or []:
            values = entry["history"].get(f"val_{metric}") or []
            if values:
                ax.plot(_epochs(values), values, color=CELL_COLOURS.get(entry["cell"], "black"), linestyle="--",
                        linewidth=1.4, label=f"{CELL_TITLES.get(entry['cell'], entry['cell'])} validation")
        _mark_epochs(ax, marks)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel(metric, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3), frameon=False, fontsize=7)
    fig.tight_layout(rect=(0, 0.1 if len(labels) <= 3 else 0.16, 1, 1))
    save_png(fig, path)
    train_acc, train_loss = history.get("accuracy") or [], history.get("loss") or []
    val_acc = history.get("val_accuracy") or []
    alt = (f"Two line charts over {len(train_loss)} epochs, raw and smoothed with weight {weight:g}. Left: accuracy, "
           f"training from {_fmt(train_acc[0] if train_acc else None)} to {_fmt(train_acc[-1] if train_acc else None)}"
           + (f", validation from {_fmt(val_acc[0])} to {_fmt(val_acc[-1])}" if val_acc else "")
           + f". Right: loss, training from {_fmt(train_loss[0] if train_loss else None)} to "
           f"{_fmt(train_loss[-1] if train_loss else None)}."
           + "".join(f" Dashed: {CELL_TITLES.get(e['cell'], e['cell'])} validation accuracy ending at "
                     f"{_fmt(e['history']['val_accuracy'][-1])}." for e in baselines or []
                     if e["history"].get("val_accuracy"))
           + _marks_alt(marks))
    compared = [e for e in baselines or [] if e["history"].get("val_accuracy")]
    names = " and ".join(CELL_TITLES.get(e["cell"], e["cell"]) for e in compared)
    split = "training and validation" if val_acc else "training (no validation split)"
    caption = (f"{main_title} {split} accuracy (left) and loss (right) per epoch; "
               f"{names} validation dashed for comparison" if compared else
               f"{main_title} {split} accuracy (left) and loss (right) per epoch")
    return Figure("curves", path, alt, caption)


def batch_figure(batch_history: dict, weight: float, path: Path) -> Figure | None:
    """Loss and accuracy per training batch, raw and smoothed, with epoch boundaries."""
    losses = batch_history.get("loss") or []
    if not losses:
        return None
    fig, axes = _subplots(1, 2, figsize=(WIDTH, HEIGHT))
    steps = list(range(1, len(losses) + 1))
    epochs = batch_history.get("epoch") or []
    boundaries = [i + 0.5 for i in range(1, len(epochs)) if epochs[i] != epochs[i - 1]]
    unmarked = ""
    if len(boundaries) > MAX_EPOCH_LINES:  # a line per epoch would be a grey wall, drawn for minutes
        unmarked = f" The {len(boundaries) + 1:,} epochs' ends are not marked (more than {MAX_EPOCH_LINES})."
        boundaries = []
    for ax, metric in zip(axes, ("loss", "accuracy")):
        values = batch_history.get(metric) or []
        ax.plot(steps, values, color=TRAIN_COLOUR, alpha=0.25, linewidth=0.8, label="per batch (raw)")
        ax.plot(steps, smooth(values, weight), color=TRAIN_COLOUR, linewidth=1.8,
                label=f"smoothed, w={weight:g}")
        for boundary in boundaries:
            ax.axvline(boundary, color="grey", alpha=0.3, linewidth=0.6)
        ax.set_xlabel("training batch (grey lines: epoch ends)")
        ax.set_ylabel(f"training {metric}")
        _finish_axes_only(ax)
    fig.tight_layout()
    save_png(fig, path)
    alt = (f"Two line charts of training loss and accuracy for each of {len(losses)} batches, raw and "
           f"smoothed with weight {weight:g}; loss goes from {_fmt(losses[0])} to {_fmt(losses[-1])}.{unmarked}")
    return Figure("batches", path, alt, "Training loss and accuracy per batch")


def _finish_axes_only(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=7)


def comparison_figure(models: list[dict], metric: str, path: Path) -> Figure:
    """One figure with every model's training (dashed) and validation (solid) ``metric``."""
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    for entry in models:
        colour = CELL_COLOURS.get(entry["cell"], "black")
        title = CELL_TITLES.get(entry["cell"], entry["cell"])
        history = entry["history"]
        if history.get(metric):
            ax.plot(_epochs(history[metric]), history[metric], color=colour, linestyle="--", linewidth=1.2,
                    label=f"{title} training")
        if history.get(f"val_{metric}"):
            ax.plot(_epochs(history[f"val_{metric}"]), history[f"val_{metric}"], color=colour,
                    linewidth=2, label=f"{title} validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    names = " vs ".join(CELL_TITLES.get(m["cell"], m["cell"]) for m in models)
    ax.set_title(f"{names}: {metric} per epoch", fontsize=10)
    _finish(fig, ax, path)
    def final(history: dict) -> str:
        split, key = ("validation", f"val_{metric}") if history.get(f"val_{metric}") else ("training", metric)
        return f"{split} {metric} {_fmt((history.get(key) or [math.nan])[-1])}"
    finals = "; ".join(f"{CELL_TITLES.get(m['cell'], m['cell'])} ends at {final(m['history'])}" for m in models)
    return Figure(f"compare_{metric}", path, f"Line chart comparing {names} {metric} per epoch. {finals}.",
                  f"{names}: {metric} per epoch")


def gradient_figure(gradient_norms: dict, path: Path) -> Figure:
    """Input-gradient norm per time step against the distance from the last step, log scale."""
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    capped = ""
    for phase, style in (("initial", ":"), ("trained", "-")):
        models = list((gradient_norms.get(phase) or {}).items())
        if len(models) > MAX_GRADIENT_LINES:
            capped = f" The first {MAX_GRADIENT_LINES} of the {len(models):,} models run.json lists are shown."
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
    ratios = "; ".join(
        f"{CELL_TITLES.get(cell, cell)}: first step {norms[0]:.2e}, last step {norms[-1]:.2e}"
        for cell, norms in list((gradient_norms.get("initial") or {}).items())[:MAX_GRADIENT_LINES] if norms)
    return Figure("gradients", path,
                  "Line chart, log scale: the norm of the loss gradient with respect to the input at each "
                  "time step, against the distance from the end of the sequence, at the initial weights ("
                  + ratios + ") and after training." + capped,
                  "Gradient norm per time step (vanishing gradients)")


def gates_figure(gates: dict, path: Path) -> Figure:
    """The most responsive unit's input and forget gates and cell state along a few test sequences."""
    # One sequence per class where the run recorded which (every class shows once); older records: all.
    shown = gates.get("figure_sequences")
    sequences = [gates["sequences"][i] for i in shown] if shown else gates["sequences"]
    recorded = len(sequences)
    sequences = sequences[:MAX_GATE_PANELS]
    capped = (f" The first {len(sequences)} of the {recorded:,} sequences run.json lists are shown."
              if recorded > len(sequences) else "")
    unit = gates.get("unit")
    fig, axes = _subplots(len(sequences), 1, figsize=(WIDTH, 1.6 * len(sequences) + 0.7), sharex=True)
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
    axes[-1].legend(frameon=False, fontsize=6.5, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.45))
    axes[-1].set_xlabel("time step")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle("Inside the trained LSTM along test sequences", fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
    summary = gates.get("summary") or {}
    detail = ""
    if summary.get("available"):
        detail = (f" Unit {unit}'s input gate averages {summary['unit_input_gate_at_important']:.2f} at the important "
                  f"tasks and {summary['unit_input_gate_elsewhere']:.2f} elsewhere.")
    return Figure("gates", path,
                  f"Line charts over the {len(steps)} steps of {len(sequences)} test sequences: the input gate, "
                  f"forget gate and cell state of LSTM unit {unit}, and the gates' mean over all units, with the "
                  f"important tasks marked.{detail}{capped}",
                  f"LSTM gates and cell state of unit {unit} along test sequences")


def dataset_figure(dataset: dict, path: Path) -> Figure:
    """Class balance per split; beside it, the length distribution before padding when lengths vary."""
    counts = dict(list((dataset.get("class_counts") or {}).items())[:MAX_SPLITS])
    all_classes = dataset.get("class_names") or []
    classes = all_classes[:MAX_CLASS_BARS]
    capped = (f" The first {len(classes)} of the {len(all_classes):,} classes are shown."
              if len(all_classes) > len(classes) else "")
    histogram = (dataset.get("lengths") or {}).get("histogram")
    if histogram:
        fig, (ax, ax_lengths) = _subplots(1, 2, figsize=(WIDTH, HEIGHT * 0.85),
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
    ax.legend(frameon=False, fontsize=8)
    alt_lengths = ""
    if histogram:
        edges, bin_counts = histogram["edges"], histogram["counts"]
        ax_lengths.stairs(bin_counts, edges, fill=True, color="#7f7f7f", alpha=0.6)
        cut = dataset.get("sequence_length")
        lengths = dataset["lengths"]
        ax_lengths.axvline(cut, color=VAL_COLOUR, linestyle="--", linewidth=1.2,
                           label=f"padded/truncated to {cut} ({100 * lengths['truncated_share']:.1f}% cut)")
        ax_lengths.set_xlabel("tokens per training sequence, before padding")
        ax_lengths.set_ylabel("sequences")
        ax_lengths.set_title("Sequence lengths", fontsize=10)
        ax_lengths.grid(alpha=0.3)
        ax_lengths.legend(frameon=False, fontsize=7)
        alt_lengths = (f" Histogram of training sequence lengths before padding: median {lengths['median']:g}, "
                       f"90th percentile {lengths['p90']:g}; {100 * lengths['truncated_share']:.1f}% are longer "
                       f"than the padded length {cut}.")
    fig.tight_layout()
    save_png(fig, path)
    text = "; ".join(f"{split}: " + ", ".join(f"{c} {n}" for c, n in list(per_class.items())[:MAX_CLASS_BARS])
                     for split, per_class in counts.items())
    return Figure("dataset", path, f"Bar chart of sequences per class in each split ({text}).{alt_lengths}{capped}",
                  "Class balance per split" + (" and sequence lengths" if histogram else ""))


def make_figures(record: dict, figure_dir: Path, weight: float, wanted: list[str] | None = None) -> dict[str, Figure]:
    """The figures a worksheet shows (``wanted``; default all) that this run has data for."""
    def want(key: str) -> bool:
        return wanted is None or key in wanted

    figures: dict[str, Figure] = {}
    # A run without a validation split records NaN validation columns: drawn, they would only add
    # legend entries for lines that are not there, so the figures leave them out and say so.
    main = main_run(record)
    history = shown_history(main["history"])
    has_validation = "val_loss" in history or "val_accuracy" in history
    split = "Training and validation" if has_validation else "Training (no validation split)"
    baselines = [{**entry, "history": shown_history(entry["history"])} for entry in baseline_runs(record)]
    marks = evaluation_marks(main)
    if want("dataset"):
        figures["dataset"] = _drawn(dataset_figure, record["dataset"], figure_dir / "dataset.png")
    if want("accuracy"):
        figures["accuracy"] = _drawn(curve_figure, history, "accuracy", weight, figure_dir / "accuracy.png",
                                     title=f"{split} accuracy vs epochs", marks=marks)
    if want("loss"):
        figures["loss"] = _drawn(curve_figure, history, "loss", weight, figure_dir / "loss.png",
                                 title=f"{split} loss vs epochs", marks=marks)
    if want("curves") and wanted is not None:  # only where a worksheet asks for it
        figures["curves"] = _drawn(curves_figure, history, weight, figure_dir / "curves.png",
                                   baselines=baselines,
                                   main_cell=main["cell"], marks=marks)
    if want("batches"):
        batches = _drawn(batch_figure, main.get("batch_history") or {}, weight, figure_dir / "batches.png")
        if batches:
            figures["batches"] = batches
    if baselines:
        models = [{"cell": main["cell"], "history": history}, *baselines]
        for metric in ("accuracy", "loss"):
            if want(f"compare_{metric}"):
                figures[f"compare_{metric}"] = _drawn(comparison_figure, models, metric,
                                                      figure_dir / f"compare_{metric}.png")
    diagnostics = record.get("diagnostics") or {}
    if want("gradients") and diagnostics.get("gradient_norms", {}).get("initial"):
        figures["gradients"] = _drawn(gradient_figure, diagnostics["gradient_norms"], figure_dir / "gradients.png")
    if want("gates") and diagnostics.get("gates"):
        figures["gates"] = _drawn(gates_figure, diagnostics["gates"], figure_dir / "gates.png")
    return figures


# --------------------------------------------------------------------------- drawing each figure once

# Rendering one run for a whole roster (30 students, one process) draws the
# same figures 30 times: identical data in, identical PNG bytes out (the
# metadata is pinned).  Each drawn figure is remembered here by a digest of
# everything it is drawn from; a later request for the same figure writes the
# remembered bytes instead of drawing again.  Process-local and bounded.
_DRAWN: "OrderedDict[str, tuple[bytes, Figure | None]]" = OrderedDict()
_DRAWN_LIMIT = 64


def _digest(function, args, kwargs) -> str:
    text = json.dumps([function.__name__, DPI, WIDTH, HEIGHT, args, kwargs], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _drawn(function, *args, **kwargs):
    """``function(*args, path, **kwargs)`` (the path comes last), drawn at most once per process for the same data."""
    *data, path = args
    key = _digest(function, data, kwargs)
    cached = _DRAWN.get(key)
    if cached is not None:
        png, figure = cached
        _DRAWN.move_to_end(key)
        if figure is None:
            return None
        if not (path.is_file() and path.stat().st_size == len(png) and path.read_bytes() == png):
            write_atomic(path, png, root=path.parent.parent)
        return replace(figure, path=path, number=None)
    figure = function(*args, **kwargs)
    png = path.read_bytes() if figure is not None else b""
    _DRAWN[key] = (png, replace(figure, number=None) if figure is not None else None)
    while len(_DRAWN) > _DRAWN_LIMIT:
        _DRAWN.popitem(last=False)
    return figure
