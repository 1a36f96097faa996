"""What the figures draw (issue 25, class 7): the measured series first, smoothing only where it means
something, a log axis for a loss that falls over decades, legends off the data, nothing clipped, and
each class once in the gate figure."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from labreport.record import migrate
from labreport.report import figures
from labreport.report.smoothing import MIN_SMOOTHED_POINTS, draws_smoothed, spans_decades
from records import DEFAULT_RUN


@pytest.fixture
def drawn(monkeypatch):
    """The matplotlib figures the figure functions draw, kept after they are written."""
    kept = []
    save = figures.save_png
    monkeypatch.setattr(figures, "save_png", lambda fig, path: (save(fig, path), kept.append(fig)))
    monkeypatch.setattr(figures, "_DRAWN", type(figures._DRAWN)())  # draw each one, not a remembered copy
    monkeypatch.setenv(figures.FIGURE_PROCESSES_VARIABLE, "1")  # in this process, where `kept` sees them
    return kept


def words(figure, part: str = "alt") -> str:
    """The figure's alternative text (or caption) as the report words it: its registry entry's phrase macro."""
    from labreport.cells import CELL_TITLES
    from labreport.report.render import make_environment, phrase_book

    say = phrase_book(make_environment(), {"cell_titles": CELL_TITLES, "figures": {}})
    return " ".join(str(say[figures.FIGURES[figure.key].words](figure.facts, part)).split())


def history(n: int, *, loss_end: float = 0.5) -> dict:
    loss = [1.4 * (loss_end / 1.4) ** (i / max(n - 1, 1)) for i in range(n)]
    return {"loss": loss, "val_loss": [v * 1.1 for v in loss],
            "accuracy": [min(1.0, 0.25 + 0.1 * i) for i in range(n)],
            "val_accuracy": [min(1.0, 0.25 + 0.12 * i) for i in range(n)]}


def lines(fig):
    return [line for ax in fig.axes for line in ax.get_lines() if line.get_xdata() is not None
            and len(line.get_xdata()) > 2]


def test_the_smoothing_threshold():
    assert MIN_SMOOTHED_POINTS == 20
    assert not draws_smoothed(12) and draws_smoothed(20)
    assert spans_decades([1.39, 0.0006]) and not spans_decades([1.39, 0.5]) and not spans_decades([math.nan])


@pytest.mark.parametrize("n, smoothed", [(5, False), (12, False), (25, True)])
def test_a_short_curve_gets_no_smoothed_line_and_the_measured_one_is_primary(drawn, tmp_path, n, smoothed):
    figure = figures.curve_figure(tmp_path / "figures" / "accuracy.png", history=history(n), metric="accuracy", weight=0.6)
    assert figure.smoothed is smoothed
    curves = lines(drawn[0])
    assert len(curves) == (4 if smoothed else 2)
    measured = [line for line in curves if line.get_linestyle() == "-"]
    assert len(measured) == 2 and all(line.get_linewidth() >= 1.5 and (line.get_alpha() or 1) == 1
                                      for line in measured)
    assert ("No smoothed line" in words(figure)) is not smoothed


def test_a_loss_falling_over_decades_gets_a_log_axis(drawn, tmp_path):
    steep = figures.curve_figure(tmp_path / "figures" / "l.png", history=history(12, loss_end=0.0006), metric="loss",
                                 weight=0.6)
    shallow = figures.curve_figure(tmp_path / "figures" / "m.png", history=history(12), metric="loss", weight=0.6)
    assert steep.log_y and drawn[0].axes[0].get_yscale() == "log" and "logarithmic" in words(steep)
    assert not shallow.log_y and drawn[1].axes[0].get_yscale() == "linear"
    # With enough epochs for smoothing, a log-axis loss still gets none: the average of values falling
    # over decades lies above every recent point.
    long = figures.curve_figure(tmp_path / "figures" / "n.png", history=history(30, loss_end=0.0006), metric="loss",
                                weight=0.6)
    assert long.log_y and long.log_unsmoothed and not long.smoothed and len(lines(drawn[2])) == 2


def test_legends_cover_no_axes_and_no_label_is_clipped(drawn, tmp_path):
    record = migrate(json.loads(DEFAULT_RUN.read_text(encoding="utf-8")))
    figures.make_figures(record, tmp_path / "figures", 0.6,
                         ["dataset", "accuracy", "loss", "curves", "batches", "compare_accuracy", "gradients", "gates"])
    assert len(drawn) == 8
    for fig in drawn:
        renderer = fig.canvas.get_renderer()
        width, height = fig.bbox.width, fig.bbox.height
        for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                assert not box.overlaps(ax.get_window_extent(renderer)), "a legend covers an axes' data area"
        for ax in fig.axes:
            for text in [ax.xaxis.label, ax.yaxis.label, ax.title]:
                if text.get_text():
                    box = text.get_window_extent(renderer)
                    assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, text.get_text()


def test_the_gate_figure_shows_each_class_once(drawn, tmp_path):
    record = migrate(json.loads(DEFAULT_RUN.read_text(encoding="utf-8")))
    gates = record["diagnostics"]["gates"]
    assert [s["label"] for s in gates["sequences"]] == ["YY", "XX", "XX"]  # an older record: XX twice
    figure = figures.gates_figure(tmp_path / "figures" / "g.png", gates=gates)
    assert [ax.get_ylabel() for ax in drawn[0].axes] == ["class YY", "class XX"]
    assert figure.facts["classes"] == ["YY", "XX"]
    assert "one per class (YY, XX)" in words(figure)


def test_every_registered_figure_has_its_words_macro():
    """The figure registry names, for each key, a phrase macro taking (facts, part): adding a figure without
    one fails here, not in a student's render."""
    from jinja2 import Environment, nodes

    from labreport.resources import templates_dir

    tree = Environment().parse((templates_dir() / "phrases.html.j2").read_text(encoding="utf-8"))
    macros = {macro.name: [arg.name for arg in macro.args] for macro in tree.find_all(nodes.Macro)}
    for key, kind in figures.FIGURES.items():
        assert kind.key == key and kind.words in macros, key
        assert len(macros[kind.words]) == 2, (key, macros[kind.words])
        assert set(kind.requires) <= set(kind.needs), key


def test_a_forecast_draws_the_registrys_forecast_figures(drawn, tmp_path):
    """A forecast record (task kind forecast) draws the registry's forecast figures by default, each worded by
    its macro; a diverged one draws no forecast over the test part and no curves without a finite epoch; the
    error by horizon step needs more than one step ahead."""
    forecasts = Path(__file__).parent / "fixtures" / "forecast_runs"
    record = json.loads((forecasts / "forecast_learned.json").read_text(encoding="utf-8"))
    made = figures.make_figures(record, tmp_path / "learned", 0.6)
    # One step ahead: every forecast figure but the error by horizon step.
    assert list(made) == [key for key, kind in figures.FIGURES.items()
                          if kind.task == "forecast" and key != "forecast_horizon"]
    for key, figure in made.items():
        assert figure.path.is_file() and words(figure) and words(figure, "caption"), key
    assert made["forecast_test"].facts["naive"] and made["forecast_test"].facts["cell"] == "lstm"
    record = json.loads((forecasts / "forecast_diverged.json").read_text(encoding="utf-8"))
    assert list(figures.make_figures(record, tmp_path / "diverged", 0.6)) == ["forecast_series"]
    record = json.loads((forecasts / "forecast_three_steps.json").read_text(encoding="utf-8"))
    made = figures.make_figures(record, tmp_path / "three", 0.6)
    assert "forecast_horizon" in made and words(made["forecast_horizon"]) and words(made["forecast_horizon"], "caption")
    assert [m["cell"] for m in made["forecast_horizon"].facts["models"]] == ["lstm", "naive", "linear_ar"]


def test_make_figures_draws_what_the_registry_lists_and_the_run_has(drawn, tmp_path):
    """Every key but the listed-only ones by default; a key the run has no data for is left out."""
    record = migrate(json.loads(DEFAULT_RUN.read_text(encoding="utf-8")))
    made = figures.make_figures(record, tmp_path / "figures", 0.6)
    assert list(made) == [key for key, kind in figures.FIGURES.items()
                          if not kind.listed_only and kind.task == "classification" and key != "confusion"]
    assert all(figure.path == tmp_path / "figures" / f"{key}.png" and figure.path.is_file() for key, figure in made.items())
    for key, figure in made.items():
        text = words(figure)
        assert text and re.search(r"\d", text) and "\n" not in text, (key, text)
        assert words(figure, "caption"), key
