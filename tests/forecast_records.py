"""Fixed forecast run records for the word tests (no TensorFlow): a seasonal series, its chronological
split, and a network whose test forecasts are made to be good, worse than naive, or the last value shifted.

The records are built the way a run builds them: the scores come from labreport.train.forecast's
NumPy functions (the ones training calls), the record is validated by labreport.record.to_record.
"""

from __future__ import annotations

import math

import numpy as np

from labreport.spec import ExperimentSpec
from labreport.train.forecast import baseline_entry, forecast_scores, in_sample_scale, mae_by_step

N = 150
LOOKBACK = 11
SEASON = 11
BOUNDS = (105, 128)  # validation starts at row 105, test at row 128
KINDS = ("good", "worse_than_naive", "lagging")
# A series with a trend whose test part rises above every training value, and a network whose forecasts stop
# at the training maximum (a scaled network that never saw higher values).
EXTRAPOLATING = "extrapolating"


class _Windows:
    """What baseline_entry reads of a ForecastData (horizon 1)."""

    def __init__(self, series: np.ndarray):
        self.horizon = 1
        self.test_index = np.arange(BOUNDS[1], N)
        self.y_test_original = series[self.test_index][:, None]


def _series(kind: str = "good") -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(N)
    trend = 1.2 * t if kind == EXTRAPOLATING else 0.0
    return 50 + 40 * np.sin(2 * math.pi * t / SEASON) + trend + rng.normal(0, 3, N)


def _main_predictions(kind: str, series: np.ndarray, index: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(11)
    if kind == "good":
        return series[index] + rng.normal(0, 2.0, len(index))
    if kind == EXTRAPOLATING:
        return np.minimum(series[index] + rng.normal(0, 2.0, len(index)), series[:BOUNDS[0]].max())
    if kind == "worse_than_naive":
        return series[index - 1] + 30.0 + rng.normal(0, 2.0, len(index))  # persistence, biased upwards
    return series[index - 1] + rng.normal(0, 0.5, len(index))  # lagging: the last value, shifted


def _history(epochs: int = 5) -> dict:
    return {"loss": [0.9 / (e + 1) for e in range(epochs)], "mae": [20.0 / (e + 1) for e in range(epochs)],
            "val_loss": [1.0 / (e + 1) + 0.05 for e in range(epochs)],
            "val_mae": [22.0 / (e + 1) + 1 for e in range(epochs)]}


def _description(series: np.ndarray) -> dict:
    a, b = BOUNDS
    years = [str(1850 + i) for i in range(N)]

    def part(start, stop):
        return {"index": [start, stop], "rows": [start + 2, stop + 1], "time": [years[start], years[stop - 1]]}

    return {
        "source": "timeseries-csv", "task": "forecast", "name": "seasonal.csv", "path": "/data/seasonal.csv",
        "rows": N, "rows_in_file": N, "columns": ["value"], "time_column": "year", "time_kind": "number",
        "time_range": [years[0], years[-1]], "spacing": {"setting": "auto", "step": "1", "checked": True},
        "missing": {"policy": "refuse", "cells": 0, "rows_dropped": 0, "cells_filled": 0},
        "input_columns": ["value"], "target_column": "value", "lookback": LOOKBACK, "horizon": 1,
        "transform": "none",
        "scaler": {"fitted_on": part(0, a), "mean": {"value": float(series[:a].mean())},
                   "std": {"value": float(series[:a].std())}, "centred_only": [], "space": "values"},
        "splits": {"fractions": [0.7, 0.15, 0.15], "train": part(0, a), "validation": part(a, b), "test": part(b, N)},
        "window_part": "targets decide; inputs may reach back into the previous part",
        "windows": {"train": a - LOOKBACK, "validation": b - a, "test": N - b, "dropped_straddling": 0},
        "future": {"from": part(N - LOOKBACK, N), "horizon": 1},
        "season": SEASON, "sizes": {"train": a - LOOKBACK, "validation": b - a, "test": N - b},
        "sequence_length": LOOKBACK, "vocabulary_size": None,
        "forecast": {"target_column": "value", "horizon": 1, "season": SEASON, "series": series.tolist(),
                     "times": years, "bounds": list(BOUNDS), "test_actual": [], "test_index": [],
                     "scale": None, "scale_name": "seasonal_naive"},
    }


def _spec(name: str) -> dict:
    return ExperimentSpec.model_validate({
        "name": name, "description": "A seasonal series forecast one step ahead (a fixed test record).",
        "dataset": {"source": "timeseries-csv", "path": "seasonal.csv", "time_column": "year", "columns": ["value"],
                    "lookback": LOOKBACK, "season": SEASON},
        "model": {"recurrent": [{"cell": "lstm", "units": 8}], "compare": []},
        "training": {"epochs": 5, "batch_size": 16},
    }).model_dump(mode="json")


def forecast_record(kind: str) -> dict:
    """A validated forecast run record (plain data, current format) of the given kind (KINDS, EXTRAPOLATING)."""
    from labreport.record import FORECAST, to_record

    series = _series(kind)
    windows = _Windows(series)
    index = windows.test_index
    actual = windows.y_test_original
    scale = in_sample_scale(series, BOUNDS[0], SEASON)
    value_range = float(series.max() - series.min())
    predicted = _main_predictions(kind, series, index)[:, None]
    naive = series[index - 1][:, None]
    seasonal = series[index - SEASON][:, None]
    dataset = _description(series)
    dataset["forecast"].update({"test_actual": actual.tolist(), "test_index": index.tolist(), "scale": scale})
    main = {"role": "main", "cell": "lstm",
            "model": {"name": "lstm_model", "total_params": 329, "trainable_params": 329, "non_trainable_params": 0,
                      "layers": [{"name": "lstm", "type": "LSTM", "output_shape": "(None, 8)", "params": 320, "units": 8},
                                 {"name": "dense", "type": "Dense", "output_shape": "(None, 1)", "params": 9, "units": 1}]},
            "history": _history(),
            "test": {"loss": 0.1, **forecast_scores(predicted, actual, scale=scale, value_range=value_range)},
            "timing": {"seconds_per_epoch": [0.5] * 5, "train_seconds": 2.5, "evaluate_seconds": 0.1, "epochs": 5},
            "stopped": {"reason": "completed", "epoch": 5}, "evaluated_epoch": 5, "restored_best_weights": False,
            "forecast": {"test_predictions": predicted.tolist(), "mae_by_step": mae_by_step(predicted, actual),
                         "future": [float(series[-1])]}}
    baselines = [baseline_entry(name, values, windows, scale, value_range)
                 for name, values in (("naive", naive), ("seasonal_naive", seasonal))]
    record = {"experiment": f"forecast_{kind}", "description": "fixed forecast record", "spec": _spec(f"forecast_{kind}"),
              "seed": 42, "backend": "tensorflow", "task": FORECAST.model_dump(), "dataset": dataset,
              "models": [main, *baselines],
              "timing": {"data_seconds": 0.1, "diagnostics_seconds": 0.0, "diagnostics_parts_seconds": {},
                         "total_seconds": 3.0},
              "versions": {"python": "3.11.7", "labreport": "0.1.0", "backend": "tensorflow", "keras": "3.15.1",
                           "numpy": "2.4.6"},
              "created": "2026-12-07T06:00:00+0000"}
    return to_record(record).plain()
