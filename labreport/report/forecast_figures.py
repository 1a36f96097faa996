"""A forecast's figures (run.json's task kind ``forecast``): matplotlib from run.json, no TensorFlow.

Self-contained on purpose (figures.py's drawing helpers only): ``forecast_figures`` is what the report
stage calls for a forecast in place of ``figures.make_figures``.

- ``forecast_series``: the whole target series with the training, validation and test parts shaded;
- ``forecast_test``: the test part's actual values, the network's forecast and the naive (last value)
  forecast, the first step ahead of every test window: a forecast that only repeats the last value
  sits one step to the right of the actual curve, on top of the naive one;
- ``forecast_curves``: the training loss and the MAE in the series' units, training and validation, per epoch.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..record import baseline_runs, main_run
from .figures import HEIGHT, TRAIN_COLOUR, VAL_COLOUR, WIDTH, Figure, _finish, _subplots

NAIVE_COLOUR = "#7f7f7f"
PART_COLOURS = {"training": "#1f77b4", "validation": "#ff7f0e", "test": "#2ca02c"}
FORECAST_FIGURES = ("forecast_series", "forecast_test", "forecast_curves")


def _x_values(times: list | None, n: int) -> tuple[list, str]:
    """The time axis: the stamps when they are plain numbers (years), else the row index."""
    if times and len(times) == n:
        try:
            return [float(t) for t in times], "time"
        except ValueError:
            pass
    return list(range(n)), "row"


def series_figure(forecast: dict, path: Path) -> Figure | None:
    series = forecast.get("series")
    if not series:
        return None
    x, axis = _x_values(forecast.get("times"), len(series))
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
    return Figure("forecast_series", path, words="figure_forecast_series", facts={
        "n": len(series), "column": forecast.get("target_column"), "training": a, "validation": b - a,
        "test": len(series) - b})


def test_figure(record: dict, path: Path) -> Figure | None:
    forecast = (record.get("dataset") or {}).get("forecast") or {}
    actual, index = forecast.get("test_actual"), forecast.get("test_index")
    main = main_run(record)
    predicted = (main.get("forecast") or {}).get("test_predictions")
    if not (actual and index and predicted):
        return None
    series = forecast.get("series") or []
    x_all, axis = _x_values(forecast.get("times"), len(series)) if series else (None, "row")
    x = [x_all[i] for i in index] if x_all else list(index)
    naive = next((run for run in baseline_runs(record) if run.get("cell") == "naive"), None)
    fig, ax = _subplots(figsize=(WIDTH, HEIGHT))
    ax.plot(x, [row[0] for row in actual], color="black", linewidth=1.2, label="actual")
    ax.plot(x, [row[0] for row in predicted], color=TRAIN_COLOUR, linewidth=1.2, label=f"{main['cell'].upper()} forecast")
    if naive and (naive.get("forecast") or {}).get("test_predictions"):
        ax.plot(x, [row[0] for row in naive["forecast"]["test_predictions"]], color=NAIVE_COLOUR, linewidth=1.0,
                linestyle="--", label="naive forecast (last value)")
    ax.set_xlabel(axis)
    ax.set_ylabel(forecast.get("target_column") or "value")
    ax.set_title("Test part: actual values and one-step-ahead forecasts")
    _finish(fig, ax, path, integer_x=axis == "row")
    mae = (main.get("test") or {}).get("mae")
    naive_mae = ((naive or {}).get("test") or {}).get("mae")
    return Figure("forecast_test", path, words="figure_forecast_test", facts={
        "n": len(actual), "cell": main["cell"], "mae": mae if mae is not None and math.isfinite(mae) else None,
        "naive": naive is not None,
        "naive_mae": naive_mae if naive_mae is not None and math.isfinite(naive_mae) else None})


def curves_figure(history: dict, path: Path) -> Figure | None:
    loss = history.get("loss") or []
    if not any(isinstance(v, (int, float)) and math.isfinite(v) for v in loss):
        return None  # a run that diverged in its first epoch: nothing to draw
    epochs = list(range(1, len(loss) + 1))
    fig, (left, right) = _subplots(1, 2, figsize=(WIDTH, HEIGHT))
    left.plot(epochs, loss, color=TRAIN_COLOUR, marker="o", markersize=2.5, label="training")
    left.plot(epochs, history.get("val_loss") or [math.nan] * len(epochs), color=VAL_COLOUR, marker="o",
              markersize=2.5, label="validation")
    left.set_title("Loss (MSE, scaled)", fontsize=9)
    right.plot(epochs, history.get("mae") or [], color=TRAIN_COLOUR, marker="o", markersize=2.5)
    right.plot(epochs, history.get("val_mae") or [], color=VAL_COLOUR, marker="o", markersize=2.5)
    right.set_title("MAE in the series' units", fontsize=9)
    for ax in (left, right):
        ax.set_xlabel("epoch")
    right.grid(alpha=0.3)
    _finish(fig, left, path)
    return Figure("forecast_curves", path, words="figure_forecast_curves", facts={"epochs": len(epochs)})


def forecast_figures(record: dict, figure_dir: Path, wanted: list[str] | None = None) -> dict[str, Figure]:
    """The forecast figures this run has data for (``wanted``: the format's list; default all)."""
    forecast = (record.get("dataset") or {}).get("forecast") or {}
    drawn = {"forecast_series": lambda: series_figure(forecast, figure_dir / "forecast_series.png"),
             "forecast_test": lambda: test_figure(record, figure_dir / "forecast_test.png"),
             "forecast_curves": lambda: curves_figure(main_run(record).get("history") or {},
                                                      figure_dir / "forecast_curves.png")}
    figures = {}
    for key in FORECAST_FIGURES:
        if wanted is None or key in wanted:
            figure = drawn[key]()
            if figure is not None:
                figures[key] = figure
    return figures
