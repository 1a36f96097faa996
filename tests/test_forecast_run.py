"""A forecast's scores and baselines (NumPy, no TensorFlow), and one tiny forecast trained end to end."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from labreport.data.timeseries import forecast_windows, read_series
from labreport.train.forecast import (
    forecast_scores,
    in_sample_scale,
    linear_ar_forecast,
    naive_forecast,
    seasonal_naive_forecast,
)


def _csv(tmp_path: Path, values, name: str = "series.csv") -> Path:
    path = tmp_path / name
    path.write_text("t,value\n" + "".join(f"{i},{v!r}\n" for i, v in enumerate(values)), encoding="utf-8")
    return path


def _windows(tmp_path, values, **options):
    series = read_series(_csv(tmp_path, values), columns=["value"], time_column="t")
    return forecast_windows(series, target_column="value", **options)


def test_naive_and_seasonal_naive_use_only_values_the_forecaster_had(tmp_path):
    values = [float(i * i % 17) for i in range(80)]
    data = _windows(tmp_path, values, lookback=6, horizon=3)
    origin = data.target_index_test - 1  # each test window's last input row
    naive = naive_forecast(data)
    assert np.array_equal(naive, np.repeat(np.asarray(values)[origin][:, None], 3, axis=1))
    seasonal = seasonal_naive_forecast(data, 2)
    # steps 1 and 2 ahead: one season (2 rows) back; step 3: two seasons back; never a row after the origin
    expected = np.stack([np.asarray(values)[origin - 1], np.asarray(values)[origin], np.asarray(values)[origin - 1]],
                        axis=1)
    assert np.array_equal(seasonal, expected)


def test_linear_autoregression_recovers_an_exact_linear_series(tmp_path):
    values = [1.0, 2.0]
    for _ in range(120):
        values.append(0.6 * values[-1] - 0.3 * values[-2] + 5.0)
    values = [v + 0.01 * math.sin(i) for i, v in enumerate(values)]  # not constant once settled
    data = _windows(tmp_path, values, lookback=4, horizon=1)
    predicted = linear_ar_forecast(data)
    assert np.max(np.abs(predicted - data.y_test_original)) < 0.05


def test_scores_in_the_series_units_and_mape_only_away_from_zero():
    actual = np.array([[10.0], [20.0], [30.0]])
    predicted = np.array([[12.0], [18.0], [33.0]])
    scores = forecast_scores(predicted, actual, scale=2.0, value_range=20.0)
    assert scores["mae"] == pytest.approx(7 / 3)
    assert scores["rmse"] == pytest.approx(math.sqrt((4 + 4 + 9) / 3))
    assert scores["mase"] == pytest.approx(7 / 6)
    assert scores["mape"] == pytest.approx((20 + 10 + 10) / 3)
    near_zero = forecast_scores(predicted - 10, actual - 10, scale=2.0, value_range=20.0)
    assert "mape" not in near_zero  # a test value of 0 lies within 1 % of the range from zero


def test_mase_scale_is_the_in_sample_naive_error_of_the_training_rows_only():
    series = np.array([0.0, 1.0, 3.0, 6.0, 100.0, -100.0])
    assert in_sample_scale(series, 4, None) == pytest.approx((1 + 2 + 3) / 3)
    assert in_sample_scale(series, 4, 2) == pytest.approx((3 + 5) / 2)


def test_a_tiny_forecast_trains_and_its_record_and_report_hold(tmp_path):
    from labreport.pipeline import train_experiment
    from labreport.record import to_record, write_run_record
    from labreport.report.render import render_report
    from labreport.spec import ExperimentSpec

    values = [round(50 + 30 * math.sin(2 * math.pi * i / 8) + 0.5 * i, 3) for i in range(90)]
    spec = ExperimentSpec.model_validate({
        "name": "tiny_forecast",
        "dataset": {"source": "timeseries-csv", "path": str(_csv(tmp_path, values)), "time_column": "t",
                    "columns": ["value"], "lookback": 8, "horizon": 2, "season": 8},
        "model": {"recurrent": [{"cell": "lstm", "units": 4}], "compare": ["simple_rnn"]},
        "training": {"epochs": 2, "batch_size": 16, "seed": 3},
    })
    run_dir = tmp_path / "run"
    record = to_record(train_experiment(spec, run_dir, progress="none", log=lambda line: None))
    assert record.task.kind == "forecast" and record.task.primary_metric == "mae"
    assert [model.cell for model in record.models] == ["lstm", "naive", "seasonal_naive", "linear_ar", "simple_rnn"]
    main = record.main
    assert len(main.history["loss"]) == len(main.history["val_mae"]) == 2
    assert main.forecast.future is not None and len(main.forecast.future) == 2
    assert len(main.forecast.mae_by_step) == 2
    # The scaler's mean is the training part's, not the whole series'.
    a = record.dataset.forecast.bounds[0]
    assert record.dataset.model_extra["scaler"]["mean"]["value"] == pytest.approx(np.mean(values[:a]))
    # The naive baseline's MAE is the mean |last input value - target| over the test windows, in the series' units.
    actual = np.asarray(record.dataset.forecast.test_actual)
    anchors = np.asarray(values)[np.asarray(record.dataset.forecast.test_index) - 1]
    assert record.models[1].test.model_extra["mae"] == pytest.approx(np.mean(np.abs(actual - anchors[:, None])))
    write_run_record(run_dir, record)
    html = render_report(run_dir, pdf=False).html_path.read_text(encoding="utf-8")
    assert "the naive forecast" in html and "fitted on the training part only" in html


def _scaled_loss(loss: str, errors: np.ndarray) -> float:
    """Keras' mse, mae and huber (delta 1) of scaled errors, averaged over every window and step."""
    e = np.abs(errors)
    return float(np.mean({"mse": e ** 2, "mae": e, "huber": np.where(e <= 1.0, 0.5 * e ** 2, e - 0.5)}[loss]))


@pytest.mark.parametrize("loss", ["huber", "mae"])
def test_a_tiny_forecast_trains_with_the_specs_loss(tmp_path, loss):
    from labreport.pipeline import train_experiment
    from labreport.record import to_record, write_run_record
    from labreport.report.render import render_report
    from labreport.spec import ExperimentSpec

    values = [round(50 + 30 * math.sin(2 * math.pi * i / 8) + 0.5 * i, 3) for i in range(90)]
    spec = ExperimentSpec.model_validate({
        "name": f"tiny_{loss}",
        "dataset": {"source": "timeseries-csv", "path": str(_csv(tmp_path, values)), "time_column": "t",
                    "columns": ["value"], "lookback": 8, "horizon": 2},
        "model": {"recurrent": [{"cell": "lstm", "units": 4}]},
        "training": {"epochs": 2, "batch_size": 16, "seed": 3, "loss": loss},
    })
    run_dir = tmp_path / "run"
    record = to_record(train_experiment(spec, run_dir, progress="none", log=lambda line: None))
    assert record.dataset.forecast.loss == loss and record.spec["training"]["loss"] == loss
    # The test loss Keras reported is the chosen loss of the scaled test errors (not the MSE): recomputed from
    # the recorded forecasts and the training part's scaler.
    std = record.dataset.model_extra["scaler"]["std"]["value"]
    errors = (np.asarray(record.main.forecast.test_predictions) - np.asarray(record.dataset.forecast.test_actual)) / std
    assert record.main.test.model_extra["loss"] == pytest.approx(_scaled_loss(loss, errors), rel=1e-3)
    assert record.main.test.model_extra["loss"] != pytest.approx(_scaled_loss("mse", errors), rel=1e-3)
    write_run_record(run_dir, record)
    html = render_report(run_dir, pdf=False).html_path.read_text(encoding="utf-8")
    assert {"huber": "trained to minimise the Huber loss", "mae": "trained to minimise the mean absolute error"}[loss] in html
