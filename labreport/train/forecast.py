"""Training and evaluating a forecast: the network on chronological windows, and honest baselines.

The data is ``data.timeseries.ForecastData`` (windows cut in time order, the scaler fitted on the training
part only).  The network reads the scaled windows and outputs ``horizon`` linear units trained with mean
squared error; every reported error is in the series' own units (``ForecastData.to_original`` undoes the
scaling and any differencing).  What a forecast is compared with, on the same test windows:

- ``naive``: the last value of each window, repeated for every step ahead (persistence);
- ``seasonal_naive`` (with ``dataset.season`` m): the value one season before each target;
- ``linear_ar``: a linear autoregression on the same window, fitted by least squares on the training
  windows (no network);
- the same network with each cell the spec's ``model.compare`` names (e.g. simple_rnn).

MASE divides a model's test MAE by the in-sample MAE of the naive forecast (the seasonal-naive one where
``season`` is set) one step ahead over the training part, so 1.0 means "as good as naive on the training
data"; MAPE is given only where no test value lies within 1 % of the series' range from zero.

Checkpoints and resuming, which the classification path has (training.py), are not done here: a forecast
of this size trains in seconds; an interrupted run trains again.
"""

from __future__ import annotations

import math
import time

import numpy as np

NAIVE = "naive"
SEASONAL_NAIVE = "seasonal_naive"
LINEAR_AR = "linear_ar"
MAPE_ZERO_SHARE = 0.01  # MAPE only where every test value is further than 1 % of the range from zero


# --------------------------------------------------------------------------- scores (NumPy only)


def in_sample_scale(series: np.ndarray, train_end: int, season: int | None) -> float:
    """Mean |y[t] - y[t - m]| over the training rows (m = season, else 1): MASE's denominator."""
    m = season or 1
    train = np.asarray(series[:train_end], dtype=np.float64)
    if len(train) <= m:
        return math.nan
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def forecast_scores(predicted: np.ndarray, actual: np.ndarray, *, scale: float, value_range: float) -> dict:
    """MAE, RMSE, MASE (and MAPE where no actual value is near zero) of forecasts (n, horizon), in the
    series' units, and the MAE at each horizon step."""
    errors = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    mae = float(np.mean(np.abs(errors)))
    scores = {"mae": mae, "rmse": float(np.sqrt(np.mean(errors ** 2))),
              "mase": mae / scale if scale and math.isfinite(scale) and scale > 0 else None}
    actual = np.asarray(actual, dtype=np.float64)
    if value_range > 0 and np.min(np.abs(actual)) > MAPE_ZERO_SHARE * value_range:
        scores["mape"] = float(np.mean(np.abs(errors) / np.abs(actual)) * 100.0)
    return scores


def mae_by_step(predicted: np.ndarray, actual: np.ndarray) -> list[float]:
    return [float(v) for v in np.mean(np.abs(np.asarray(predicted) - np.asarray(actual)), axis=0)]


def naive_forecast(data) -> np.ndarray:
    """Each test window's last value, for every step ahead."""
    return np.repeat(np.asarray(data.anchor_test, dtype=np.float64)[:, None], data.horizon, axis=1)


def seasonal_naive_forecast(data, season: int) -> np.ndarray:
    """For the target h steps after a window's last row o: the value at o + h - m·ceil(h / m), the latest
    value one or more seasons before it that the window's forecaster already had."""
    origin = np.asarray(data.target_index_test, dtype=np.int64) - 1
    steps = np.arange(1, data.horizon + 1)
    back = season * np.ceil(steps / season).astype(np.int64)
    rows = origin[:, None] + steps[None, :] - back[None, :]
    return np.asarray(data.series_target, dtype=np.float64)[np.clip(rows, 0, None)]


def linear_ar_forecast(data) -> np.ndarray:
    """A linear autoregression on the same (scaled) window, least squares on the training windows."""
    def design(x):
        flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        return np.hstack([flat, np.ones((len(flat), 1))])

    coefficients, *_ = np.linalg.lstsq(design(data.x_train), np.asarray(data.y_train, dtype=np.float64), rcond=None)
    return data.to_original(design(data.x_test) @ coefficients, data.anchor_test)


def baseline_entry(name: str, predicted: np.ndarray, data, scale: float, value_range: float) -> dict:
    """A run.json model entry for a baseline that is not trained (no history)."""
    test = forecast_scores(predicted, data.y_test_original, scale=scale, value_range=value_range)
    return {"role": "baseline", "cell": name, "history": {}, "test": test,
            "forecast": {"test_predictions": np.asarray(predicted, dtype=np.float64).tolist(),
                         "mae_by_step": mae_by_step(predicted, data.y_test_original)}}


def dataset_record(data, season: int | None, scale: float, max_series: int, loss: str = "mse") -> dict:
    """run.json's ``dataset`` for a forecast: the data's summary and what the figures and verdicts need (the
    series itself only up to ``max_series`` values, what run.json may hold)."""
    series = np.asarray(data.series_target, dtype=np.float64)
    kept = len(series) <= max_series
    return {**data.summary(), "forecast": {
        "target_column": data.target_column, "horizon": int(data.horizon), "season": season, "loss": loss,
        "series": series.tolist() if kept else None,
        "times": list(data.times) if kept and data.times is not None else None,
        "bounds": [int(data.bounds[0]), int(data.bounds[1])],
        "test_actual": np.asarray(data.y_test_original, dtype=np.float64).tolist(),
        "test_index": np.asarray(data.target_index_test, dtype=np.int64).tolist(),
        "scale": scale if math.isfinite(scale) else None,
        "scale_name": SEASONAL_NAIVE if season else NAIVE}}


# --------------------------------------------------------------------------- the network


def _history_callback(data, batch_size: int):
    import keras

    class ForecastHistory(keras.callbacks.Callback):
        """Per epoch: the training and validation loss (training.loss on the scaled targets) and MAE in the series' units at the
        epoch's end weights; stops at the first batch whose loss is not finite."""

        def __init__(self):
            super().__init__()
            self.history = {"loss": [], "mae": [], "val_loss": [], "val_mae": []}
            self.seconds_per_epoch: list[float] = []
            self.nan_at: dict | None = None
            self._epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch, self._started = epoch, time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            loss = float((logs or {}).get("loss", math.nan))
            if not math.isfinite(loss) and self.nan_at is None:
                self.nan_at = {"epoch": self._epoch + 1, "batch": batch + 1,
                               "value": "NaN" if math.isnan(loss) else "infinite"}
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.history["loss"].append(float(logs.get("loss", math.nan)))
            self.history["val_loss"].append(float(logs.get("val_loss", math.nan)))
            self.history["mae"].append(_original_mae(self.model, data.x_train, data.anchor_train,
                                                     data.y_train_original, data, batch_size))
            self.history["val_mae"].append(_original_mae(self.model, data.x_val, data.anchor_val,
                                                         data.y_val_original, data, batch_size))
            self.seconds_per_epoch.append(round(time.perf_counter() - self._started, 3))

    return ForecastHistory()


def _original_mae(model, x, anchors, actual, data, batch_size: int) -> float:
    if len(x) == 0:
        return math.nan
    predicted = data.to_original(_forward(model, x, batch_size), anchors)
    return float(np.mean(np.abs(predicted - actual)))


def _forward(model, x, batch_size: int) -> np.ndarray:
    """The model's outputs for ``x``, a compiled batch at a time (``predict`` sets up a loop on every call,
    which twice an epoch costs more than the forward pass itself on a series of a few hundred windows)."""
    chunks = [np.asarray(model.predict_on_batch(x[start:start + batch_size]))
              for start in range(0, len(x), batch_size)]
    return np.concatenate(chunks, axis=0).astype(np.float64)


def _fit(model, spec, data, callbacks: list, progress: str) -> float:
    from .batches import fit_arguments

    started = time.perf_counter()
    model.fit(**fit_arguments(data.x_train, data.y_train, batch_size=spec.training.batch_size,
                              seed=spec.training.seed, initial_epoch=0, epochs=spec.training.epochs),
              validation_data=(data.x_val, data.y_val) if len(data.y_val) > 0 else None,
              validation_batch_size=_inference_batch(spec),
              epochs=spec.training.epochs, callbacks=callbacks,
              verbose={"bar": 1, "epoch": 2, "none": 0}.get(progress, "auto"))
    return time.perf_counter() - started


def _inference_batch(spec) -> int:
    return max(int(spec.training.batch_size), INFERENCE_BATCH)


INFERENCE_BATCH = 1024  # as training.INFERENCE_BATCH: forward passes only, the size changes no result


def train_network(spec, data, *, cell: str | None = None, scale: float, value_range: float,
                  progress: str = "bar") -> dict:
    """Train the spec's network (or, with ``cell``, the same network with every recurrent cell swapped) on
    the forecast windows; its run.json model entry."""
    import keras

    from ..model import build_model, describe_model, input_shape
    from .callbacks import BestEpochStopping
    from .evaluation import evaluation_outcome

    keras.utils.set_random_seed(spec.training.seed)  # the same initial draws and batch order for every cell
    model = build_model(spec.model, spec.training, input_shape(data), cell=cell)
    recorder = _history_callback(data, _inference_batch(spec))
    stopping = spec.training.early_stopping
    stopper = (BestEpochStopping(stopping.monitor, stopping.patience, stopping.min_delta, stopping.restore_best_weights)
               if stopping is not None else None)
    train_seconds = _fit(model, spec, data, [c for c in (recorder, stopper) if c is not None], progress)
    entry = {"role": "main" if cell is None else "baseline", "cell": cell or spec.model.recurrent[0].cell,
             "model": describe_model(model), "history": recorder.history}
    epochs = len(recorder.history["loss"])
    timing = {"seconds_per_epoch": recorder.seconds_per_epoch, "train_seconds": round(train_seconds, 3),
              "epochs": epochs}
    if recorder.nan_at is not None:
        return {**entry, "test": None, "timing": {**timing, "evaluate_seconds": 0.0},
                "stopped": {"reason": "nan_loss", **recorder.nan_at}}
    evaluated_epoch, restored, stopped = evaluation_outcome(stopper, stopping, epochs)
    started = time.perf_counter()
    batch = _inference_batch(spec)
    predicted = data.to_original(_forward(model, data.x_test, batch), data.anchor_test)
    future = data.to_original(_forward(model, data.x_future, batch), np.array([data.anchor_future]))[0]
    loss = float(model.evaluate(data.x_test, data.y_test, batch_size=batch, verbose=0)[0])
    test = {"loss": loss, **forecast_scores(predicted, data.y_test_original, scale=scale, value_range=value_range)}
    timing["evaluate_seconds"] = round(time.perf_counter() - started, 3)
    return {**entry, "test": test, "timing": timing, "stopped": stopped, "evaluated_epoch": evaluated_epoch,
            "restored_best_weights": restored,
            "forecast": {"test_predictions": predicted.tolist(), "mae_by_step": mae_by_step(predicted, data.y_test_original),
                         "future": [float(v) for v in future]}}


def train_forecast_run(spec, data, *, max_series: int, progress: str = "bar", log=print) -> dict:
    """The forecast's part of run.json: dataset and models (the network first, then the baselines)."""
    season = data.description.get("season")
    scale = in_sample_scale(data.series_target, data.bounds[0], season)
    series = np.asarray(data.series_target, dtype=np.float64)
    value_range = float(series.max() - series.min())
    log(f"Training the {spec.model.recurrent[0].cell.upper()} forecaster for {spec.training.epochs} epoch(s) "
        f"({data.lookback} steps in, {data.horizon} out, loss {spec.regression_loss()}; scaler fitted on the training "
        "part only)...")
    main = train_network(spec, data, scale=scale, value_range=value_range, progress=progress)
    if main["test"] is not None:
        log(f"  test MAE {main['test']['mae']:.4g}, RMSE {main['test']['rmse']:.4g} (in the series' units)")
    models = [main]
    forecasts = [(NAIVE, naive_forecast(data))]
    if season:
        forecasts.append((SEASONAL_NAIVE, seasonal_naive_forecast(data, season)))
    forecasts.append((LINEAR_AR, linear_ar_forecast(data)))
    models += [baseline_entry(name, predicted, data, scale, value_range) for name, predicted in forecasts]
    for compared in spec.baselines():  # cells only: a forecast spec with a variant is refused (spec.py)
        # Early stopping ends each training at its own epoch: the same rule, not the same epochs.
        length = "epoch limit and early-stopping rule" if spec.training.early_stopping else "epochs"
        log(f"Training the {compared.cell} baseline (same windows, units, optimiser, {length} and seed)...")
        models.append(train_network(spec, data, cell=compared.cell, scale=scale, value_range=value_range,
                                    progress=progress))
    for entry in models[1:]:
        if entry["test"] is not None:
            log(f"  {entry['cell']}: test MAE {entry['test']['mae']:.4g}")
    return {"dataset": dataset_record(data, season, scale, max_series, spec.regression_loss()), "models": models}
