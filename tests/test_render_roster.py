"""Rendering one run many times in a process (a class roster) reuses what does not change, and only that."""

from __future__ import annotations

import dataclasses
import functools

from labreport.report import figures as figures_module
from labreport.report import render_report


def _pngs(folder):
    return {path.name: path.read_bytes() for path in sorted((folder / "figures").glob("*.png"))}


def test_roster_renders_give_the_same_figures_as_a_fresh_render(tiny_run, tmp_path, monkeypatch):
    run_dir = tiny_run["run_dir"]
    monkeypatch.setenv(figures_module.FIGURE_PROCESSES_VARIABLE, "1")  # drawn here, where `calls` counts them
    figures_module._DRAWN.clear()
    fresh = render_report(run_dir, out_dir=tmp_path / "fresh")
    drawn = _pngs(tmp_path / "fresh")
    assert drawn and len(figures_module._DRAWN) == len(drawn)

    calls = []
    original = figures_module.curve_figure

    @functools.wraps(original)
    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    # The registry holds the drawing functions: the accuracy and loss figures are drawn by curve_figure.
    curve_keys = [key for key, kind in figures_module.FIGURES.items() if kind.draw is original]
    assert curve_keys == ["accuracy", "loss"]
    for key in curve_keys:
        monkeypatch.setitem(figures_module.FIGURES, key, dataclasses.replace(figures_module.FIGURES[key], draw=counting))
    figures_module._DRAWN.clear()
    render_report(run_dir, out_dir=tmp_path / "counted", pdf=False)
    assert len(calls) == 2  # the counting function is the one drawing (a fresh cache)
    calls.clear()
    for name in ("Zelda Quist", "Grace Hopper"):  # the figures, not the PDF (test_batch's roster test writes those)
        render_report(run_dir, header={"student_name": name}, out_dir=tmp_path / "roster",
                      html_name=f"{name}.html", pdf=False)
    assert calls == []  # nothing redrawn: the same data gives the same figure
    assert _pngs(tmp_path / "roster") == drawn
    assert "Grace Hopper" in (tmp_path / "roster" / "Grace Hopper.html").read_text()
    assert "Zelda" not in (tmp_path / "roster" / "Grace Hopper.html").read_text()
    assert fresh.pdf_path.is_file() and (tmp_path / "roster" / "Zelda Quist.html").is_file()


def test_another_smoothing_weight_redraws_the_curves(tmp_path):
    """A figure that draws a smoothed line is drawn again for another weight; one that draws none is not.

    The default fixture has 20 epochs, enough for the smoothed line (report/smoothing.py's minimum)."""
    import shutil
    from pathlib import Path

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "runs" / "default_experiment.json", run_dir / "run.json")

    def render(out: str, weight: float):
        return render_report(run_dir, out_dir=tmp_path / out, smoothing=weight, pdf=False)

    render("a", 0.6)
    drawn = render("a", 0.0)
    assert drawn.figures and "accuracy" in drawn.figures
    changed = _pngs(tmp_path / "a")
    render("b", 0.0)
    assert changed == _pngs(tmp_path / "b")
    render("c", 0.6)
    assert _pngs(tmp_path / "c")["accuracy.png"] != changed["accuracy.png"]


def test_a_figure_file_changed_on_disk_is_written_again(tiny_run, tmp_path):
    run_dir = tiny_run["run_dir"]
    render_report(run_dir, out_dir=tmp_path)
    expected = _pngs(tmp_path)
    (tmp_path / "figures" / "loss.png").write_bytes(b"not a png")
    render_report(run_dir, out_dir=tmp_path)
    assert _pngs(tmp_path) == expected
