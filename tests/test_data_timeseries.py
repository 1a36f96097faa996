"""The time-series source's data core: reading, forecast windows, classify windows (NumPy only, no training)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labreport.data.sensor_windows import ACTIVITIES, sensor_table, write_sensor_csv
from labreport.data.timeseries import (
    apply_transform,
    classify_windows,
    forecast_windows,
    read_series,
    undo_transform,
)
from labreport.errors import DataError
from labreport.resources import experiments_dir

SUNSPOTS = experiments_dir() / "data" / "sunspots_yearly.csv"


def _csv(tmp_path: Path, lines: list[str], name: str = "series.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wave(n: int, start: int = 0) -> list[float]:
    return [round(10 + 5 * np.sin(i / 3.0) + 0.1 * i, 4) for i in range(start, start + n)]


def _yearly(tmp_path: Path, values, *, name: str = "series.csv", extra=None) -> Path:
    lines = ["year,value" + (",other" if extra is not None else "")]
    for i, v in enumerate(values):
        lines.append(f"{1900 + i},{v}" + (f",{extra[i]}" if extra is not None else ""))
    return _csv(tmp_path, lines, name)


def _error(call) -> str:
    with pytest.raises(DataError) as caught:
        call()
    return str(caught.value)


# --------------------------------------------------------------------------- the shipped series


def test_sunspots_reads_309_yearly_rows_and_windows():
    series = read_series(SUNSPOTS, columns=["sunspots"], time_column="year")
    assert len(series) == 309
    assert series.times[0] == "1700" and series.times[-1] == "2008"
    assert series.spacing == {"setting": "auto", "step": "1", "checked": True}
    assert series.column("sunspots")[:3].tolist() == [5.0, 11.0, 16.0]
    data = forecast_windows(series, target_column="sunspots", lookback=22, horizon=2)
    a, b = data.bounds
    assert (a, b) == (round(309 * 0.7), round(309 * 0.85))
    sizes = data.sizes()
    # Targets decide the part: train targets end before a; the first validation target is a, and so on.
    assert sizes == {"train": a - 22 - 2 + 1, "validation": (b - a) - 2 + 1, "test": (309 - b) - 2 + 1}
    assert data.description["windows"]["dropped_straddling"] == 2 * (2 - 1)
    assert data.x_train.shape == (sizes["train"], 22, 1) and data.x_train.dtype == np.float32
    assert data.y_test.shape == (sizes["test"], 2) and data.y_test.dtype == np.float32
    json.dumps(data.summary())


# --------------------------------------------------------------------------- bad input, each naming file, row, column


def test_non_numeric_cell_names_file_row_and_column(tmp_path):
    path = _csv(tmp_path, ["year,value", "2000,1", "2001,abc", "2002,3"])
    message = _error(lambda: read_series(path, columns=["value"], time_column="year"))
    assert f"{path}: row 3, column 'value': 'abc' is not a number" in message
    path = _csv(tmp_path, ["year,value", "2000,1", '2001,"1,234"'], "thousands.csv")
    message = _error(lambda: read_series(path, columns=["value"], time_column="year"))
    assert "row 3, column 'value': '1,234' is not a number" in message and "thousands separators" in message
    path = _csv(tmp_path, ["year,value", "2000,1", "2001,inf"], "inf.csv")
    assert "row 3, column 'value': 'inf' is not a number" in _error(lambda: read_series(path, columns=["value"]))


def test_missing_column_is_named_with_the_columns_there(tmp_path):
    path = _csv(tmp_path, ["year,value", "2000,1", "2001,2"])
    message = _error(lambda: read_series(path, columns=["Value"], time_column="year"))
    assert f"{path}: row 1 (header) has no column 'Value'" in message and "Did you mean 'value'?" in message
    assert "file not found" in _error(lambda: read_series(tmp_path / "absent.csv", columns=["value"]))


def test_missing_values_refused_by_default_naming_the_first_and_the_count(tmp_path):
    path = _csv(tmp_path, ["year,a,b", "2000,1,1", "2001,,2", "2002,3,NA", "2003,4,4"])
    message = _error(lambda: read_series(path, columns=["a", "b"], time_column="year"))
    assert f"{path}: row 3, column 'a': the value is missing (2 missing value(s) in all)" in message
    assert "dataset.missing" in message


def test_missing_values_dropped_and_counted(tmp_path):
    path = _csv(tmp_path, ["year,a,b", "2000,1,1", "2001,,2", "2002,3,NA", "2003,4,4"])
    series = read_series(path, columns=["a", "b"], time_column="year", missing="drop")
    assert series.rows == [2, 5] and series.times == ["2000", "2003"]
    assert series.missing == {"policy": "drop", "cells": 2, "rows_dropped": 2, "cells_filled": 0}


def test_missing_values_interpolated_linearly_and_counted(tmp_path):
    path = _csv(tmp_path, ["year,a", "2000,1", "2001,", "2002,", "2003,7", "2004,8"])
    series = read_series(path, columns=["a"], time_column="year", missing="interpolate")
    assert series.column("a").tolist() == [1.0, 3.0, 5.0, 7.0, 8.0]
    assert series.missing == {"policy": "interpolate", "cells": 2, "rows_dropped": 0, "cells_filled": 2}
    path = _csv(tmp_path, ["year,a", "2000,1", "2001,2", "2002,"], "end.csv")
    message = _error(lambda: read_series(path, columns=["a"], time_column="year", missing="interpolate"))
    assert f"{path}: row 4, column 'a': the last value is missing" in message


def test_unsorted_and_repeated_time_stamps_name_both_rows(tmp_path):
    path = _csv(tmp_path, ["day,v", "2020-01-01,1", "2020-01-03,2", "2020-01-02,3"])
    message = _error(lambda: read_series(path, columns=["v"], time_column="day"))
    assert f"{path}: row 4, column 'day': time stamp '2020-01-02' comes before row 3's" in message
    path = _csv(tmp_path, ["day,v", "2020-01-01,1", "2020-01-02,2", "2020-01-02,3"], "dup.csv")
    message = _error(lambda: read_series(path, columns=["v"], time_column="day"))
    assert f"{path}: row 4, column 'day': time stamp '2020-01-02' repeats row 3's" in message
    path = _csv(tmp_path, ["day,v", "2020-01-01,1", "soon,2"], "bad.csv")
    assert "row 3, column 'day': 'soon' is not a time stamp" in _error(
        lambda: read_series(path, columns=["v"], time_column="day"))


def test_gap_not_explained_by_the_spacing_names_the_row(tmp_path):
    days = [date(2021, 3, 1) + timedelta(days=i) for i in range(10)]
    del days[6]
    path = _csv(tmp_path, ["day,v"] + [f"{d.isoformat()},{i}" for i, d in enumerate(days)])
    message = _error(lambda: read_series(path, columns=["v"], time_column="day"))
    assert (f"{path}: row 8, column 'day': the step from '2021-03-06' (row 7) to '2021-03-08' is 2 days; "
            f"the most common step is 1 day") in message
    assert "1 step(s) look missing" in message
    # Treating the rows as ordered steps accepts the gap.
    series = read_series(path, columns=["v"], time_column="day", spacing="steps")
    assert series.spacing == {"setting": "steps", "step": "1 row", "checked": False}


def test_business_days_skip_weekends_but_not_weekdays(tmp_path):
    weekdays = [d for d in (date(2024, 1, 1) + timedelta(days=i) for i in range(30)) if d.weekday() < 5]
    path = _csv(tmp_path, ["day,price"] + [f"{d},{i}" for i, d in enumerate(weekdays)])
    series = read_series(path, columns=["price"], time_column="day", spacing="business-day")
    assert len(series) == len(weekdays) and series.spacing["step"] == "1 business day"
    # Under auto the weekend is a gap.
    assert "is 3 days; the most common step is 1 day" in _error(
        lambda: read_series(path, columns=["price"], time_column="day"))
    missing_wednesday = [d for d in weekdays if d != date(2024, 1, 10)]
    path = _csv(tmp_path, ["day,price"] + [f"{d},{i}" for i, d in enumerate(missing_wednesday)], "gap.csv")
    message = _error(lambda: read_series(path, columns=["price"], time_column="day", spacing="business-day"))
    assert f"{path}: row 9, column 'day': 2024-01-11 follows 2024-01-09 (row 8), skipping 1 business day(s)" in message


def test_monthly_dates_are_regular_under_auto(tmp_path):
    months = [f"{1949 + i // 12}-{i % 12 + 1:02d}-01" for i in range(30)]
    path = _csv(tmp_path, ["month,passengers"] + [f"{m},{100 + i}" for i, m in enumerate(months)])
    assert read_series(path, columns=["passengers"], time_column="month").spacing["step"] == "1 month"
    del months[5]
    path = _csv(tmp_path, ["month,passengers"] + [f"{m},{100 + i}" for i, m in enumerate(months)], "gap.csv")
    message = _error(lambda: read_series(path, columns=["passengers"], time_column="month"))
    assert "row 7, column 'month': the step from '1949-05-01' (row 6) to '1949-07-01' is 2 months" in message


def test_series_shorter_than_lookback_horizon_and_splits(tmp_path):
    path = _yearly(tmp_path, _wave(12))
    series = read_series(path, columns=["value"], time_column="year")
    message = _error(lambda: forecast_windows(series, target_column="value", lookback=8, horizon=2))
    assert f"{path}: column 'value' has 12 rows; lookback 8 + horizon 2 need at least 14 rows" in message


def test_lookback_longer_than_the_training_part(tmp_path):
    path = _yearly(tmp_path, _wave(40))
    series = read_series(path, columns=["value"], time_column="year")
    message = _error(lambda: forecast_windows(series, target_column="value", lookback=25, horizon=1,
                                              splits=(0.5, 0.25, 0.25)))
    assert f"{path}: the training part is rows 2-21 (20 rows); lookback 25 + horizon 1 does not fit" in message


def test_constant_target_is_refused(tmp_path):
    path = _yearly(tmp_path, [5.0] * 40, extra=_wave(40))
    series = read_series(path, columns=["value", "other"], time_column="year")
    message = _error(lambda: forecast_windows(series, target_column="value", input_columns=["other"], lookback=4))
    assert f"{path}: the column 'value' is constant (5) over the training part, rows 2-29" in message
    # A constant input column is only centred, and said so.
    path = _yearly(tmp_path, _wave(40), extra=[5.0] * 40, name="input.csv")
    data = forecast_windows(read_series(path, columns=["value", "other"]), target_column="value",
                            input_columns=["value", "other"], lookback=4)
    assert data.description["scaler"]["centred_only"] == ["other"]


def test_empty_label_and_window_id_are_named(tmp_path):
    path = _csv(tmp_path, ["w,v,label", "a,1,up", "a,2,", "b,3,down"])
    assert f"{path}: row 3, column 'label': the label is empty" in _error(
        lambda: read_series(path, columns=["v"], label_column="label"))
    path = _csv(tmp_path, ["w,v,label", "a,1,up", ",2,up"], "ids.csv")
    assert "row 3, column 'w': the window id is empty" in _error(
        lambda: read_series(path, columns=["v"], label_column="label", window_column="w"))


# --------------------------------------------------------------------------- forecast windows


def _forecast(tmp_path, values, **options):
    series = read_series(_yearly(tmp_path, values, name=options.pop("name", "series.csv")), columns=["value"],
                         time_column="year")
    return forecast_windows(series, target_column="value", **options)


def test_scaler_and_training_windows_see_no_validation_or_test_value(tmp_path):
    values = _wave(120)
    base = _forecast(tmp_path, values, lookback=6, horizon=3)
    a, b = base.bounds
    wild = values[:a] + [v * 1000 - 5e4 for v in values[a:]]
    changed = _forecast(tmp_path, wild, lookback=6, horizon=3, name="wild.csv")
    assert base.x_train.tobytes() == changed.x_train.tobytes()
    assert base.y_train.tobytes() == changed.y_train.tobytes()
    assert base.scaler.mean.tobytes() == changed.scaler.mean.tobytes()
    assert base.scaler.std.tobytes() == changed.scaler.std.tobytes()
    assert base.description["scaler"] == changed.description["scaler"]
    assert not np.array_equal(base.x_test, changed.x_test)  # the change did reach the test windows
    # And the scaler is the training rows' own statistics.
    assert base.scaler.mean[0] == pytest.approx(np.mean(values[:a]))
    assert base.scaler.std[0] == pytest.approx(np.std(values[:a]))
    # A change in the training rows does move the scaler (the comparison above can fail).
    moved = _forecast(tmp_path, [values[0] + 50] + values[1:], lookback=6, horizon=3, name="moved.csv")
    assert moved.scaler.mean.tobytes() != base.scaler.mean.tobytes()


def test_differenced_scaler_sees_no_validation_or_test_value(tmp_path):
    values = _wave(120)
    base = _forecast(tmp_path, values, lookback=6, horizon=2, transform="difference")
    a, _ = base.bounds
    wild = values[:a] + [v * 1000 for v in values[a:]]
    changed = _forecast(tmp_path, wild, lookback=6, horizon=2, transform="difference", name="wild.csv")
    assert base.x_train.tobytes() == changed.x_train.tobytes()
    assert base.scaler.mean.tobytes() == changed.scaler.mean.tobytes()
    assert base.scaler.std.tobytes() == changed.scaler.std.tobytes()


def test_targets_decide_the_part_and_straddling_windows_are_dropped(tmp_path):
    n, lookback, horizon = 100, 5, 4
    data = _forecast(tmp_path, _wave(n), lookback=lookback, horizon=horizon)
    a, b = data.bounds
    for part, low, high in (("train", 0, a), ("val", a, b), ("test", b, n)):
        first = getattr(data, f"target_index_{part}")
        assert len(first) > 0
        assert np.all(first >= low) and np.all(first + horizon - 1 < high)
        # Inputs come from rows before the targets, never from a later part.
        assert np.all(first - lookback >= 0)
    assert np.all(data.target_index_train - lookback >= 0) and np.all(data.target_index_train + horizon <= a)
    # Every window start is accounted for: kept in one part, or dropped for straddling a boundary.
    total = n - lookback - horizon + 1
    windows = data.description["windows"]
    assert sum(data.sizes().values()) + windows["dropped_straddling"] == total
    assert windows["dropped_straddling"] == 2 * (horizon - 1)
    # The targets are the series' values at those rows, scaled by the training statistics.
    series = data.series_target
    expected = (series[data.target_index_test[:, None] + np.arange(horizon)] - data.target_mean) / data.target_std
    np.testing.assert_allclose(data.y_test, expected, rtol=1e-6)
    np.testing.assert_array_equal(data.anchor_test, series[data.target_index_test - 1])
    # Validation inputs may reach back into the training rows.
    assert data.target_index_val[0] - lookback < a


def test_future_inputs_are_the_last_lookback_rows(tmp_path):
    values = _wave(60)
    data = _forecast(tmp_path, values, lookback=7, horizon=3)
    expected = (np.array(values[-7:]) - data.target_mean) / data.target_std
    np.testing.assert_allclose(data.x_future[0, :, 0], expected, rtol=1e-6)
    assert data.x_future.shape == (1, 7, 1) and data.anchor_future == values[-1]
    assert data.description["future"]["from"]["time"] == [str(1900 + 53), str(1900 + 59)]


def test_differencing_round_trip_on_the_windows(tmp_path):
    values = _wave(80)
    data = _forecast(tmp_path, values, lookback=5, horizon=3, transform="difference")
    for part in ("train", "val", "test"):
        y, anchors = getattr(data, f"y_{part}"), getattr(data, f"anchor_{part}")
        original = getattr(data, f"y_{part}_original")
        # float32 model-space targets come back within float32 precision of the series' units...
        np.testing.assert_allclose(data.to_original(y, anchors), original, atol=1e-4)
        # ...and the transform itself round-trips exactly in float64.
        model = apply_transform(original, anchors, data.target_mean, data.target_std, "difference")
        np.testing.assert_allclose(model, y, atol=1e-5)
        np.testing.assert_allclose(undo_transform(model, anchors, data.target_mean, data.target_std, "difference"),
                                   original, rtol=0, atol=1e-9)
    # The first differenced row starts no window (it has no difference).
    assert data.target_index_train[0] == 1 + 5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=8), st.floats(-1e6, 1e6),
       st.floats(0.01, 1e3), st.sampled_from(["none", "difference"]))
def test_transform_round_trip_property(values, anchor, std, transform):
    y = np.array([values])
    model = apply_transform(y, [anchor], 3.5, std, transform)
    np.testing.assert_allclose(undo_transform(model, [anchor], 3.5, std, transform), y, rtol=1e-9, atol=1e-6)


# --------------------------------------------------------------------------- classify windows


def _labelled(tmp_path, labels, name="rows.csv"):
    lines = ["t,v,state"] + [f"{i},{np.sin(i / 2):.4f},{label}" for i, label in enumerate(labels)]
    return read_series(_csv(tmp_path, lines, name), columns=["v"], time_column="t", label_column="state")


def test_row_labels_windows_never_straddle_a_label_change_unless_allowed(tmp_path):
    labels = ["calm"] * 6 + ["storm"] * 6
    series = _labelled(tmp_path, labels)
    strict = classify_windows(series, lookback=3, split_by="time", splits=(0.5, 0.25, 0.25))
    assert strict.description["windows"]["dropped_label_change"] == 0  # the change falls on a split boundary
    series = _labelled(tmp_path, ["calm"] * 5 + ["storm"] * 7, "shifted.csv")
    strict = classify_windows(series, lookback=3, split_by="time", splits=(0.5, 0.25, 0.25))
    # Train rows 0-5 (labels c c c c c s): windows 0-2..3-5; the one over rows 3-5 changes label.
    assert strict.description["windows"]["dropped_label_change"] == 1
    assert strict.y_train.tolist() == [0, 0, 0]
    allowed = classify_windows(series, lookback=3, split_by="time", splits=(0.5, 0.25, 0.25),
                               allow_label_change=True)
    assert allowed.y_train.tolist() == [0, 0, 0, 1]  # the last row's label
    majority = classify_windows(series, lookback=3, split_by="time", splits=(0.5, 0.25, 0.25),
                                allow_label_change=True, window_label="majority")
    assert majority.y_train.tolist() == [0, 0, 0, 0]
    assert strict.class_names == ["calm", "storm"] and strict.vocabulary_size is None
    assert strict.x_train.dtype == np.float32 and strict.x_train.shape == (3, 3, 1)


def test_row_label_windows_lie_wholly_in_one_time_part(tmp_path):
    labels = (["a"] * 10 + ["b"] * 10) * 5
    data = classify_windows(_labelled(tmp_path, labels), lookback=4, stride=2, split_by="time")
    n, lookback = len(labels), 4
    a, b = round(n * 0.7), round(n * 0.85)
    starts = range(0, n - lookback + 1, 2)
    straddling = sum(1 for s in starts if not (s + lookback <= a or (s >= a and s + lookback <= b) or s >= b))
    assert data.description["windows"]["dropped_straddling"] == straddling > 0


def test_sequences_never_on_both_sides_of_a_split(tmp_path):
    path = write_sensor_csv(tmp_path / "sensor.csv", seed=2, subjects=3, windows_per_activity=3, length=40)
    series = read_series(path, columns=["acc_x", "acc_y", "acc_z"], time_column="t", label_column="activity",
                         window_column="window")
    for split_by in ("sequence", "time"):
        data = classify_windows(series, lookback=16, stride=8, split_by=split_by, split_seed=5)
        owners = data.description["window_sequences"]
        assert len(owners["train"]) == len(data.y_train) and len(owners["test"]) == len(data.y_test)
        train, val, test = (set(owners[p]) for p in ("train", "validation", "test"))
        assert not (train & val) and not (train & test) and not (val & test)
        assert len(owners["train"]) > len(train)  # several windows per sequence, all on one side
        assert train | val | test == set(series.groups)
    # Seeded: the same seed gives the same split, another seed another one.
    one = classify_windows(series, lookback=16, stride=8, split_seed=5).description["splits"]
    assert one == classify_windows(series, lookback=16, stride=8, split_seed=5).description["splits"]
    assert one != classify_windows(series, lookback=16, stride=8, split_seed=6).description["splits"]


def test_sequence_scaler_uses_training_sequences_only(tmp_path):
    text = sensor_table(seed=4, subjects=2, windows_per_activity=2, length=20)
    path = tmp_path / "sensor.csv"
    path.write_text(text)
    columns = ["acc_x", "acc_y", "acc_z"]
    series = read_series(path, columns=columns, label_column="activity", window_column="window")
    data = classify_windows(series, split_seed=1)
    train_ids = set(data.description["splits"]["train"]["sequences"])
    rows = np.array([g in train_ids for g in series.groups])
    assert data.description["scaler"]["mean"]["acc_x"] == pytest.approx(series.column("acc_x")[rows].mean())


def test_unequal_sequences_truncated_or_padded(tmp_path):
    path = write_sensor_csv(tmp_path / "sensor.csv", seed=3, subjects=2, windows_per_activity=2, length=30,
                            length_jitter=6)
    series = read_series(path, columns=["acc_x", "acc_y", "acc_z"], time_column="t", label_column="activity",
                         window_column="window")
    lengths = [series.groups.count(g) for g in dict.fromkeys(series.groups)]
    assert len(set(lengths)) > 1
    cut = classify_windows(series, unequal="truncate")
    assert cut.sequence_length == min(lengths)
    assert cut.description["unequal_lengths"]["truncated_sequences"] == sum(1 for n in lengths if n > min(lengths))
    padded = classify_windows(series, unequal="pad")
    assert padded.sequence_length == max(lengths)
    assert padded.description["unequal_lengths"]["padded_windows"] == sum(1 for n in lengths if n < max(lengths))
    assert padded.description["unequal_lengths"]["padding"] == "at the end with 0.0 after standardisation"
    x = np.concatenate([padded.x_train, padded.x_val, padded.x_test])
    real = (x != 0).any(axis=2).sum(axis=1)
    assert sorted(real.tolist()) == sorted(lengths)
    message = _error(lambda: classify_windows(series, lookback=max(lengths), unequal="truncate"))
    assert f"{path}: sequence '" in message and f"fewer than lookback {max(lengths)}" in message
    json.dumps(padded.summary())


def test_a_sequence_with_two_labels_is_refused_naming_the_row(tmp_path):
    path = _csv(tmp_path, ["w,v,act", "a,1,walk", "a,2,walk", "a,3,run", "b,1,run", "b,2,run"])
    series = read_series(path, columns=["v"], label_column="act", window_column="w")
    message = _error(lambda: classify_windows(series, splits=(0.5, 0, 0.5)))
    assert f"{path}: row 4, column 'act': label 'run' differs from 'walk' (row 2) within sequence 'a'" in message


def test_sensor_generator_is_seeded_and_holds_every_activity():
    assert sensor_table(seed=7) == sensor_table(seed=7)
    assert sensor_table(seed=7) != sensor_table(seed=8)
    lines = sensor_table(seed=7, subjects=2, windows_per_activity=1, length=10).splitlines()
    assert lines[0] == "window,subject,t,acc_x,acc_y,acc_z,activity"
    assert len(lines) == 1 + 2 * len(ACTIVITIES) * 10
    assert {line.rsplit(",", 1)[1] for line in lines[1:]} == set(ACTIVITIES)


def test_month_stamps_and_hourly_date_times(tmp_path):
    path = _csv(tmp_path, ["Month,Passengers", "1949-01,112", "1949-02,118", "1949-03,132", "1949-04,129"])
    series = read_series(path, columns=["Passengers"], time_column="Month")
    assert series.time_kind == "date" and series.spacing["step"] == "1 month"
    hours = [f"2024-03-01T{h:02d}:00:00Z" for h in (0, 1, 2, 4)]
    path = _csv(tmp_path, ["time,load"] + [f"{h},{i}" for i, h in enumerate(hours)], "hourly.csv")
    message = _error(lambda: read_series(path, columns=["load"], time_column="time"))
    assert "row 5, column 'time': the step from '2024-03-01T02:00:00Z' (row 4) to '2024-03-01T04:00:00Z' is 2 hours; " \
           "the most common step is 1 hour (seen 2 times)" in message


def test_row_labels_need_a_test_window(tmp_path):
    series = _labelled(tmp_path, ["calm"] * 10 + ["storm", "calm"] * 2)
    message = _error(lambda: classify_windows(series, lookback=3, splits=(0.7, 0.0, 0.3)))
    assert "the test part (rows 12-15) holds no window of 3 rows with one label (column 'state')" in message


def test_business_day_series_starting_on_a_weekend_is_refused(tmp_path):
    path = _csv(tmp_path, ["day,price", "2024-01-06,1", "2024-01-08,2"])
    message = _error(lambda: read_series(path, columns=["price"], time_column="day", spacing="business-day"))
    assert f"{path}: row 2, column 'day': 2024-01-06 is a Saturday, not a business day" in message


def test_a_single_column_series_reads_an_empty_quoted_cell_as_missing(tmp_path):
    path = _csv(tmp_path, ["value", "1", '""', "3"])
    message = _error(lambda: read_series(path, columns=["value"]))
    assert f"{path}: row 3, column 'value': the value is missing" in message
    series = read_series(path, columns=["value"], missing="interpolate")
    assert series.column("value").tolist() == [1.0, 2.0, 3.0]
    assert series.spacing == {"setting": "auto", "step": "1 row", "checked": False}


@settings(max_examples=40, deadline=None)
@given(st.integers(30, 120), st.integers(1, 8), st.integers(1, 4), st.sampled_from([(0.7, 0.15, 0.15), (0.6, 0.2, 0.2),
                                                                                  (0.8, 0.0, 0.2)]),
       st.sampled_from(["none", "difference"]), st.integers(0, 2**32 - 1))
def test_every_window_lies_in_one_part_and_the_scaler_sees_training_rows_only(n, lookback, horizon, splits,
                                                                             transform, seed):
    from labreport.data.timeseries import Series

    values = np.random.default_rng(seed).normal(size=(n, 2)).cumsum(axis=0)
    series = Series(path=Path("memory.csv"), columns=["a", "b"], values=values, rows=list(range(2, n + 2)))
    try:
        data = forecast_windows(series, target_column="a", input_columns=["a", "b"], lookback=lookback,
                                horizon=horizon, splits=splits, transform=transform)
    except DataError as error:
        assert "memory.csv: " in str(error)  # too short for these settings: refused, naming the file
        return
    a, b = data.bounds
    first = 1 if transform == "difference" else 0
    for part, low, high in (("train", first, a), ("val", a, b), ("test", b, n)):
        targets = getattr(data, f"target_index_{part}")
        assert np.all(targets >= low) and np.all(targets + horizon <= high)
        assert np.all(targets - lookback >= first)
    modelled = np.diff(values, axis=0) if transform == "difference" else values
    np.testing.assert_allclose(data.scaler.mean, modelled[: a - first].mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(data.scaler.std, modelled[: a - first].std(axis=0), rtol=1e-12, atol=1e-12)
    changed = values.copy()
    changed[a:] = changed[a:] * 100 + 7
    other = forecast_windows(Series(path=Path("memory.csv"), columns=["a", "b"], values=changed,
                                    rows=list(range(2, n + 2))),
                             target_column="a", input_columns=["a", "b"], lookback=lookback, horizon=horizon,
                             splits=splits, transform=transform)
    assert other.x_train.tobytes() == data.x_train.tobytes() and other.y_train.tobytes() == data.y_train.tobytes()


def test_walking_and_stairs_differ_in_shape_not_in_mean_or_spread(tmp_path):
    """The generated task needs the order of the samples: per-window mean and spread do not part walking
    from stairs, the vertical wave's second harmonic does."""
    path = write_sensor_csv(tmp_path / "sensor.csv", seed=0, subjects=8, windows_per_activity=10, length=64)
    series = read_series(path, columns=["acc_x", "acc_y", "acc_z"], time_column="t", label_column="activity",
                         window_column="window")
    data = classify_windows(series, split_seed=0)
    walking, stairs = data.class_names.index("walking"), data.class_names.index("stairs")

    def summary(x):
        return np.concatenate([x.mean(axis=1), x.std(axis=1)], axis=1)

    def harmonic_share(x):
        power = np.abs(np.fft.rfft(x[:, :, 2] - x[:, :, 2].mean(axis=1, keepdims=True), axis=1)) ** 2
        return power[:, 7:13].sum(axis=1) / power[:, 3:13].sum(axis=1)

    train = np.isin(data.y_train, [walking, stairs])
    test = np.isin(data.y_test, [walking, stairs])
    x_train, y_train, x_test, y_test = data.x_train[train], data.y_train[train], data.x_test[test], data.y_test[test]
    centroids = {k: summary(x_train[y_train == k]).mean(axis=0) for k in (walking, stairs)}
    nearest = [min(centroids, key=lambda k: np.sum((f - centroids[k]) ** 2)) for f in summary(x_test)]
    assert np.mean(np.array(nearest) == y_test) < 0.75  # mean and spread: near a coin toss
    share = harmonic_share(x_test)
    assert share[y_test == walking].max() < share[y_test == stairs].min()  # the shape: apart
