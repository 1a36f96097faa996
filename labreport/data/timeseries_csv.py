"""The timeseries-csv source's loader and `validate` check (labreport/sources/timeseries_csv.py declares them).

Both read the file with ``timeseries.read_series`` and cut it with ``forecast_windows`` or
``classify_windows``: the same calls, so `validate` refuses exactly what `run` would, with the same
messages (file, row, column).  A forecast loads as ``timeseries.ForecastData``; a classification as a
``Dataset`` of float windows (no vocabulary).
"""

from __future__ import annotations

from pathlib import Path

from .timeseries import classify_windows, forecast_windows, read_series


def _series(spec):
    columns = list(spec.columns)
    if spec.task == "forecast" and spec.target not in columns:
        columns.append(spec.target)
    return read_series(Path(spec.path).expanduser(), columns=columns, time_column=spec.time_column,
                       label_column=spec.label_column, window_column=spec.window_column,
                       missing=spec.missing, spacing=spec.spacing, encoding=spec.encoding)


def windows(spec):
    """The spec's windows: ForecastData (task forecast) or a Dataset (task classify)."""
    series = _series(spec)
    if spec.task == "forecast":
        data = forecast_windows(series, target_column=spec.target, input_columns=list(spec.columns),
                                lookback=spec.window_lookback, horizon=spec.horizon or 1,
                                splits=tuple(spec.splits), transform=spec.transform or "none")
        data.description["season"] = spec.season
        return data
    data = classify_windows(series, input_columns=list(spec.columns), lookback=spec.window_lookback,
                            stride=spec.stride or 1, window_label=spec.window_label or "last",
                            allow_label_change=bool(spec.allow_label_change), unequal=spec.unequal or "truncate",
                            split_by=spec.split_by, splits=tuple(spec.splits), split_seed=spec.split_seed)
    return data


def load(spec, training):
    # training.validation_split is not used: the validation part is the spec's splits[1], in time order.
    stopping = getattr(training, "early_stopping", None)
    if spec.task == "forecast" and stopping is not None and "accuracy" in stopping.monitor:
        from ..errors import DataError
        raise DataError(f"training.early_stopping.monitor is {stopping.monitor}, but a forecast has no accuracy.",
                        hint="Watch val_loss (the validation MSE) or loss instead.")
    return windows(spec)


def check(spec, missing: list) -> None:
    """`validate`'s check: the file read and cut into windows as `run` does (no model, no TensorFlow)."""
    if str(spec.path) in missing:
        return
    windows(spec)
