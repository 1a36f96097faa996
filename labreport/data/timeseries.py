"""Numeric time series from a CSV: forecasting windows and labelled sensor windows (pure NumPy).

Row numbers in messages count CSV records with the header as row 1, the way a spreadsheet shows them;
every message names the file, and the row and column where there is one.

Design choices
--------------
Reading (``read_series``)
    An optional time column (ISO dates, ISO date-times, or plain numbers such as years) and one or more
    numeric columns.  Time stamps must increase strictly (unsorted or repeated stamps are refused with both
    rows named).  ``spacing``: ``"auto"`` -- the most common step must explain every step (dates a whole
    number of calendar months apart on the same day of the month, or all on a month's last day, count as
    monthly, quarterly or yearly); ``"business-day"`` -- each step goes to the next weekday (Friday to
    Monday is regular; a skipped holiday is a gap); ``"steps"`` -- rows are ordered steps and their spacing
    is not checked (stamps, if given, must still increase).  Spacing is checked on the file's rows, before
    the ``missing`` policy: ``"refuse"`` (default), ``"drop"`` (rows with an empty cell in a used column are
    removed; a window may then span a removed row, and the description says how many were removed) or
    ``"interpolate"`` (linear in row order, which is linear in time once the spacing is regular; an empty
    first or last value cannot be interpolated and is refused).  Empty, ``NA``, ``NaN`` and ``null`` cells
    are missing; any other non-number (``1,234``, ``inf``, ``n/a?``) is an error whatever the policy.

Forecast windows (``forecast_windows``)
    The rows are split chronologically by ``splits`` (train, validation, test fractions of the rows; the
    boundaries are ``round(n * train)`` and ``round(n * (train + validation))``).  A window is ``lookback``
    input rows followed by ``horizon`` target rows.  **The targets decide the part**: a window belongs to
    the part holding all its target rows, and a window whose targets straddle a boundary is dropped.  The
    inputs may reach back into the previous part (a validation window's inputs may be training rows; a
    test window's inputs may be validation rows): those are rows a forecaster at that time already had, and
    no target is ever an input of a window in an earlier part.  The **scaler** (standardisation: mean and
    standard deviation per column) is fitted on the training part's rows only, so no statistic of the
    validation or test rows reaches any model input (tests/test_data_timeseries.py changes the test rows
    wildly and checks the training windows and the scaler are byte-identical).  An input column constant
    over the training rows is only centred (std 1, listed in the description); a constant target is refused.
    ``transform="difference"`` models ``v[t] - v[t-1]`` of every used column (the first row has no
    difference and starts no window); ``ForecastData.to_original`` undoes the scaling and the differencing
    (``anchor + cumsum``) so metrics are in the series' own units.  ``anchor_*`` is the target's original
    value at each window's last input row: it is also the naive last-value forecast.  ``x_future`` holds the
    last ``lookback`` rows, the inputs for forecasting the ``horizon`` steps past the end of the series.
    Targets (``y_*``) are real-valued float32 of shape (n, horizon) in model space (scaled, and differenced
    where asked); ``y_*_original`` are float64 in the series' units.

Classify windows (``classify_windows``), returning a ``Dataset`` (``vocabulary_size`` None, x float32
(n, T, features), y int32 class indices into sorted label names)
    (a) a ``label_column`` on every row: sliding windows of ``lookback`` rows every ``stride`` rows; the
    label is the last row's (``window_label="last"``) or the most frequent one (``"majority"``; a tie goes
    to the label seen latest in the window).  A window whose rows change label is dropped unless
    ``allow_label_change``.  Split by time only (as for forecasting, a window belongs to a part only if all
    its rows do; straddling windows are dropped).
    (b) a ``window_column`` grouping rows into sequences, one label each (a sequence whose rows disagree is
    refused).  Without ``lookback`` each sequence is one sample: ``unequal="truncate"`` cuts every sequence
    to the shortest one's length (its first rows), ``"pad"`` pads every sequence at the end to the longest
    one's length with 0.0 after standardisation (the description counts any real step that is all zeros,
    so a Masking layer's exactness is known).  With ``lookback``, each sequence gives windows of
    ``lookback`` rows every ``stride`` rows; a shorter sequence is padded (``"pad"``) or refused
    (``"truncate"``).  ``split_by="sequence"`` shuffles the sequences with ``split_seed`` and assigns
    whole sequences to train/validation/test; ``"time"`` assigns them in order of first appearance.  Either
    way every window of a sequence lies in that sequence's part.
    In both layouts the scaler is fitted on the training part's real rows only.

What the registry calls
    ``read_series(path, columns=..., time_column=..., label_column=..., window_column=..., missing=...,
    spacing=..., encoding=...)`` with every column the task uses (for forecasting: the input columns and the
    target), then ``forecast_windows(series, target_column=..., input_columns=..., lookback=..., horizon=...,
    splits=..., transform=...)`` or ``classify_windows(series, input_columns=..., lookback=..., stride=...,
    window_label=..., allow_label_change=..., unequal=..., split_by=..., splits=..., split_seed=...)``.  The
    same two calls serve the spec check (each raises DataError for every bad input above) and the load.
    ``ForecastData.summary()`` and ``Dataset.summary()`` are JSON-able, for run.json's ``dataset``.  The model
    stage reads ``ForecastData`` as it reads a Dataset with ``vocabulary_size`` None (float inputs, no
    embedding), except that the output is ``horizon`` linear units trained on ``y_*`` with a regression loss,
    and metrics come from ``to_original(prediction, anchor_*)`` against ``y_*_original``; the forecast past
    the end is ``to_original(model(x_future), [anchor_future])``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..safe_io import DATA_BYTES, UnreadableFile, excerpt, read_bounded
from .csv_text import _decode, column_index
from .dataset import Dataset, beside_words

MISSING_POLICIES = ("refuse", "drop", "interpolate")
SPACINGS = ("auto", "business-day", "steps")
TRANSFORMS = ("none", "difference")
WINDOW_LABELS = ("last", "majority")
UNEQUAL = ("truncate", "pad")
SPLIT_BY = ("sequence", "time")
_MISSING_WORDS = frozenset({"", "na", "nan", "n/a", "null", "none"})
_SECONDS_PER_DAY = 86400.0


# --------------------------------------------------------------------------- reading


@dataclass
class Series:
    """The numeric table of a CSV after the missing-value policy: what the window builders read."""

    path: Path
    columns: list[str]             # the numeric columns read, in the order asked
    values: np.ndarray             # float64 (rows, columns), no NaN
    rows: list[int]                # CSV row number of each kept row (header = row 1)
    time_column: str | None = None
    time_kind: str | None = None   # "date", "datetime", "number" or None
    times: list[str] | None = None  # each kept row's stamp as written (stripped)
    labels: list[str] | None = None
    label_column: str | None = None
    groups: list[str] | None = None
    window_column: str | None = None
    rows_in_file: int = 0
    missing: dict = field(default_factory=dict)
    spacing: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]

    def time_at(self, index: int) -> str | None:
        return self.times[index] if self.times is not None else None


def _read_text(path: Path, encoding: str) -> str:
    try:
        raw = read_bounded(path, DATA_BYTES)
    except UnreadableFile as exc:
        reason = str(exc)
        if reason == "file not found":
            raise DataError(f"{path}: file not found.",
                            hint="Check dataset.path (relative paths are from the spec's folder)."
                                 + beside_words(path, ".csv")) from None
        if reason == "is a folder, not a file":
            raise DataError(f"{path}: is a folder, not a CSV file.", hint="Point dataset.path at the .csv file.") from None
        raise DataError(f"{path}: {reason}.", hint="dataset.path must name a regular .csv file.") from None
    text = _decode(path, raw, encoding)
    if not text.strip():
        raise DataError(f"{path}: the file is empty.",
                        hint="It needs a header row naming its columns, then one row per time step.")
    return text


def _series_column(path: Path, header: list[str], name: str, key: str, lines: int) -> int:
    return column_index(path, header, name, key, lines=lines, contents="numeric columns",
                        set_hint=f"Set {key} to one of them.")


def _parse_number(cell: str) -> float | None:
    """The cell's value; None when it is a missing-value word; ValueError when it is not a finite number."""
    text = cell.strip()
    if text.lower() in _MISSING_WORDS:
        return None
    value = float(text)  # ValueError for '1,234', 'abc'
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _parse_stamp(text: str):
    """('number', float) | ('date', date) | ('datetime', datetime); ValueError when none fits."""
    try:
        value = float(text)
        if math.isfinite(value):
            return "number", value
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return "date", date.fromisoformat(text)
    if re.fullmatch(r"\d{4}-\d{2}", text):  # a month, as Kaggle's monthly series write it: the 1st
        return "date", date(int(text[:4]), int(text[5:]), 1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", text):
        return "datetime", datetime.fromisoformat(text.replace("Z", "+00:00"))
    raise ValueError(text)


def _stamp_seconds(kind: str, value) -> float:
    if kind == "number":
        return float(value)
    if kind == "date":
        return float(value.toordinal()) * _SECONDS_PER_DAY
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def read_series(path, *, columns: list[str], time_column: str | None = None, label_column: str | None = None,
                window_column: str | None = None, missing: str = "refuse", spacing: str = "auto",
                encoding: str = "utf-8") -> Series:
    """The numeric ``columns`` (and time, label, window columns where named) of a CSV, checked.

    DataError naming the file, row and column for: a missing file or column, a non-numeric cell, a missing
    value under ``missing="refuse"``, an unparsable, unsorted or repeated time stamp, a gap the ``spacing``
    does not explain, an empty label or window id.
    """
    path = Path(path).expanduser()
    _choice(missing, MISSING_POLICIES, "dataset.missing")
    _choice(spacing, SPACINGS, "dataset.spacing")
    if not columns:
        raise DataError("dataset.columns is empty: name at least one numeric column.")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise DataError(f"dataset.columns lists {', '.join(repeated)} more than once.")
    if spacing == "business-day" and time_column is None:
        raise DataError("dataset.spacing 'business-day' needs dataset.time_column: there are no dates to check.",
                        hint="Name the date column, or set spacing: steps.")
    text = _read_text(path, encoding)
    lines = 2 if re.search(r"[\r\n]\s*\S", text) else 1
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 0
    cells: list[list[float | None]] = []
    rows: list[int] = []
    stamps: list[str] = []
    labels: list[str] = []
    groups: list[str] = []
    try:
        header = [name.strip() for name in next(reader)]
        row = 1
        value_index = [_series_column(path, header, c, "dataset.columns", lines) for c in columns]
        time_index = _series_column(path, header, time_column, "dataset.time_column", lines) if time_column else None
        label_index = _series_column(path, header, label_column, "dataset.label_column", lines) if label_column else None
        group_index = _series_column(path, header, window_column, "dataset.window_column", lines) if window_column else None
        named = [(i, c) for i, c in zip(value_index, columns)]
        for index, name in ((time_index, time_column), (label_index, label_column), (group_index, window_column)):
            if index is not None:
                named.append((index, name))
        needed = max(i for i, _ in named) + 1
        for row, record in enumerate(reader, start=2):
            if not record:
                continue  # a blank line, e.g. at the end of the file
            if len(record) < needed:
                absent = next(name for i, name in named if i >= len(record))
                raise DataError(f"{path}: row {row} has {len(record)} field(s), so no value for column "
                                f"'{absent}' (the header has {len(header)}).")
            values: list[float | None] = []
            for i, name in zip(value_index, columns):
                try:
                    values.append(_parse_number(record[i]))
                except ValueError:
                    hint = ("Write numbers without thousands separators, with a point as the decimal mark."
                            if re.fullmatch(r"[\d.,\s-]+", record[i].strip()) else
                            "Every cell of a numeric column must be a number, or empty where a value is missing.")
                    raise DataError(f"{path}: row {row}, column '{name}': '{excerpt(record[i].strip())}' is not a "
                                    f"number.", hint=hint) from None
            for index, name, kept in ((time_index, time_column, stamps), (label_index, label_column, labels),
                                      (group_index, window_column, groups)):
                if index is None:
                    continue
                cell = record[index].strip()
                if not cell:
                    what = {time_column: "time stamp", label_column: "label", window_column: "window id"}[name]
                    raise DataError(f"{path}: row {row}, column '{name}': the {what} is empty.",
                                    hint="Give every row one, or remove the row.")
                kept.append(cell)
            cells.append(values)
            rows.append(row)
    except csv.Error as exc:
        raise DataError(f"{path}: row {row + 1} cannot be parsed as CSV: {exc}.",
                        hint="An opening double quote without a closing one swallows the rows after it.") from None
    if not rows:
        raise DataError(f"{path}: has a header but no data rows.")

    series = Series(path=path, columns=list(columns), values=np.empty((0, len(columns))), rows=rows,
                    time_column=time_column, label_column=label_column, window_column=window_column,
                    rows_in_file=len(rows))
    if time_column:
        series.times = stamps
        sequences = _group_positions(groups) if window_column else [list(range(len(rows)))]
        kinds = _check_times(path, time_column, stamps, rows, sequences, spacing, series)
        series.time_kind = kinds
    else:
        # No time stamps: the rows are ordered steps, whatever the spacing setting.
        series.spacing = {"setting": spacing, "step": "1 row", "checked": False}
    series.labels = labels if label_column else None
    series.groups = groups if window_column else None
    values = np.array([[np.nan if v is None else v for v in r] for r in cells], dtype=np.float64)
    _apply_missing(series, values, missing)
    return series


def _choice(value, allowed, key):
    if value not in allowed:
        raise DataError(f"{key} is '{value}'; it must be one of {', '.join(allowed)}.")


def _group_positions(groups: list[str]) -> list[list[int]]:
    positions: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        positions.setdefault(g, []).append(i)
    return list(positions.values())


def _check_times(path, name, stamps, rows, sequences, spacing, series) -> str:
    parsed = []
    kind = None
    for stamp, row in zip(stamps, rows):
        try:
            this_kind, value = _parse_stamp(stamp)
        except ValueError:
            raise DataError(f"{path}: row {row}, column '{name}': '{excerpt(stamp)}' is not a time stamp.",
                            hint="Write dates as YYYY-MM-DD, date-times as YYYY-MM-DDTHH:MM[:SS], or plain numbers.") from None
        if kind is None:
            kind, first_row = this_kind, row
        elif this_kind != kind:
            raise DataError(f"{path}: row {row}, column '{name}': '{excerpt(stamp)}' is a {this_kind}, but row "
                            f"{first_row} holds a {kind}.", hint="Write every time stamp the same way.")
        if kind == "datetime" and parsed and (value.tzinfo is None) != (parsed[0].tzinfo is None):
            raise DataError(f"{path}: row {row}, column '{name}': '{excerpt(stamp)}' "
                            f"{'has no' if value.tzinfo is None else 'has a'} time zone, unlike row {first_row}.",
                            hint="Give every time stamp a time zone, or none.")
        parsed.append(value)
    if spacing == "business-day" and kind != "date":
        raise DataError(f"{path}: column '{name}' holds {kind}s; dataset.spacing 'business-day' needs dates "
                        f"(YYYY-MM-DD).", hint="Set spacing: auto or steps.")
    seconds = np.array([_stamp_seconds(kind, v) for v in parsed], dtype=np.float64)
    for positions in sequences:
        for a, b in zip(positions, positions[1:]):
            if seconds[b] == seconds[a]:
                raise DataError(f"{path}: row {rows[b]}, column '{name}': time stamp '{excerpt(stamps[b])}' repeats "
                                f"row {rows[a]}'s.", hint="Each time step must appear once; remove or merge the repeat.")
            if seconds[b] < seconds[a]:
                raise DataError(f"{path}: row {rows[b]}, column '{name}': time stamp '{excerpt(stamps[b])}' comes "
                                f"before row {rows[a]}'s ('{excerpt(stamps[a])}'); the rows are not in time order.",
                                hint="Sort the file by its time column, oldest first.")
    if spacing == "steps":
        series.spacing = {"setting": "steps", "step": "1 row", "checked": False}
    elif spacing == "business-day":
        for positions in sequences:
            start = parsed[positions[0]]
            if start.weekday() >= 5:
                raise DataError(f"{path}: row {rows[positions[0]]}, column '{name}': {start.isoformat()} is a "
                                f"{start.strftime('%A')}, not a business day.", hint="Set spacing: auto or steps.")
            for a, b in zip(positions, positions[1:]):
                da, db = parsed[a], parsed[b]
                if db.weekday() >= 5:
                    raise DataError(f"{path}: row {rows[b]}, column '{name}': {db.isoformat()} is a "
                                    f"{db.strftime('%A')}, not a business day.", hint="Set spacing: auto or steps.")
                expected = 3 if da.weekday() == 4 else 1
                if (db - da).days != expected:
                    missing_days = _business_days_between(da, db)
                    raise DataError(
                        f"{path}: row {rows[b]}, column '{name}': {db.isoformat()} follows {da.isoformat()} "
                        f"(row {rows[a]}), skipping {missing_days} business day(s); the spacing is business-day.",
                        hint="Add the missing days, or set spacing: steps if the gaps are holidays.")
        series.spacing = {"setting": "business-day", "step": "1 business day", "checked": True}
    else:
        series.spacing = _auto_spacing(path, name, kind, parsed, seconds, stamps, rows, sequences)
    return kind


def _business_days_between(a: date, b: date) -> int:
    return int(np.busday_count(np.datetime64(a.isoformat()) + 1, np.datetime64(b.isoformat())))


def _month_index(value) -> int:
    return value.year * 12 + value.month - 1


def _month_end(value) -> bool:
    from calendar import monthrange
    return value.day == monthrange(value.year, value.month)[1]


def _auto_spacing(path, name, kind, parsed, seconds, stamps, rows, sequences) -> dict:
    pairs = [(a, b) for positions in sequences for a, b in zip(positions, positions[1:])]
    if not pairs:
        return {"setting": "auto", "step": None, "checked": True}
    if kind in ("date", "datetime"):
        same_time = kind == "date" or len({(v.hour, v.minute, v.second, v.microsecond) for v in parsed}) == 1
        calendar_like = same_time and (len({v.day for v in parsed}) == 1 or all(_month_end(v) for v in parsed))
        if calendar_like:
            months = Counter(_month_index(parsed[b]) - _month_index(parsed[a]) for a, b in pairs)
            step, seen = months.most_common(1)[0]
            if step >= 1:
                for a, b in pairs:
                    got = _month_index(parsed[b]) - _month_index(parsed[a])
                    if got != step:
                        _gap_error(path, name, stamps, rows, a, b, _months_words(got), _months_words(step), seen,
                                   got / step - 1)
                return {"setting": "auto", "step": _months_words(step), "checked": True}
    diffs = np.array([seconds[b] - seconds[a] for a, b in pairs])
    rounded = Counter(np.round(diffs, 6).tolist())
    step, seen = rounded.most_common(1)[0]
    for (a, b), got in zip(pairs, diffs):
        if not math.isclose(got, step, rel_tol=1e-9, abs_tol=1e-9):
            _gap_error(path, name, stamps, rows, a, b, _seconds_words(kind, got), _seconds_words(kind, step), seen,
                       got / step - 1)
    return {"setting": "auto", "step": _seconds_words(kind, step), "checked": True}


def _gap_error(path, name, stamps, rows, a, b, got, step, seen, missing_steps):
    if missing_steps > 0 and float(missing_steps).is_integer():
        missing = f", so {int(missing_steps)} step(s) look missing"
    else:
        missing = ", which is not a whole number of steps"
    raise DataError(
        f"{path}: row {rows[b]}, column '{name}': the step from '{excerpt(stamps[a])}' (row {rows[a]}) to "
        f"'{excerpt(stamps[b])}' is {got}; the most common step is {step} (seen {seen} times){missing}.",
        hint="Add the missing rows, set spacing: business-day for a weekday series, or spacing: steps to treat "
             "the rows as ordered steps whatever their time stamps.",
    )


def _months_words(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years != 1 else ''}"
    if months == 3:
        return "1 quarter"
    return f"{months} month{'s' if months != 1 else ''}"


def _seconds_words(kind: str, seconds: float) -> str:
    if kind == "number":
        return f"{seconds:g}"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size and float(seconds / size).is_integer():
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:g} seconds"


def _apply_missing(series: Series, values: np.ndarray, policy: str) -> None:
    path, rows, columns = series.path, series.rows, series.columns
    holes = np.isnan(values)
    cells = int(holes.sum())
    series.missing = {"policy": policy, "cells": cells, "rows_dropped": 0, "cells_filled": 0}
    if cells == 0:
        series.values = values
        return
    first_row, first_col = np.argwhere(holes)[0]
    if policy == "refuse":
        raise DataError(
            f"{path}: row {rows[first_row]}, column '{columns[first_col]}': the value is missing "
            f"({cells:,} missing value(s) in all).",
            hint="Fill it in, or set dataset.missing to drop (remove such rows) or interpolate (fill linearly).")
    if policy == "drop":
        keep = ~holes.any(axis=1)
        if not keep.any():
            raise DataError(f"{path}: every row has a missing value, so missing: drop leaves no rows.")
        series.missing["rows_dropped"] = int((~keep).sum())
        index = np.flatnonzero(keep)
        series.values = values[keep]
        series.rows = [rows[i] for i in index]
        for attr in ("times", "labels", "groups"):
            kept = getattr(series, attr)
            if kept is not None:
                setattr(series, attr, [kept[i] for i in index])
        return
    # interpolate: linear in row order, within each sequence where a window column groups the rows
    sequences = _group_positions(series.groups) if series.groups is not None else [list(range(len(rows)))]
    filled = values.copy()
    for positions in sequences:
        positions = np.asarray(positions)
        for c in range(values.shape[1]):
            column = values[positions, c]
            bad = np.isnan(column)
            if not bad.any():
                continue
            good = np.flatnonzero(~bad)
            if good.size == 0 or bad[0] or bad[-1]:
                at = int(np.flatnonzero(bad)[0] if good.size == 0 or bad[0] else np.flatnonzero(bad)[-1])
                where = "first" if at == 0 else "last"
                scope = " of its sequence" if series.groups is not None else ""
                raise DataError(
                    f"{path}: row {rows[positions[at]]}, column '{columns[c]}': the {where} value{scope} is missing, "
                    f"and interpolation needs a value on both sides.",
                    hint="Fill it in, or set dataset.missing: drop.")
            filled[positions[bad], c] = np.interp(np.flatnonzero(bad), good, column[good])
    series.missing["cells_filled"] = cells
    series.values = filled


# --------------------------------------------------------------------------- splitting and scaling


def _split_bounds(path: Path, n: int, splits) -> tuple[int, int]:
    train, validation, test = (float(s) for s in splits)
    if train <= 0 or test <= 0 or validation < 0 or abs(train + validation + test - 1.0) > 1e-6:
        raise DataError(f"dataset.splits {list(splits)}: the train, validation and test fractions must add up "
                        f"to 1, with train and test above 0.")
    a = int(round(n * train))
    b = int(round(n * (train + validation)))
    return a, b


@dataclass
class Scaler:
    """Standardisation per column, fitted on the training rows only."""

    columns: list[str]
    mean: np.ndarray
    std: np.ndarray
    centred_only: list[str]

    @classmethod
    def fit(cls, columns: list[str], rows: np.ndarray) -> "Scaler":
        mean = rows.mean(axis=0)
        std = rows.std(axis=0)
        centred = [c for c, s in zip(columns, std) if s == 0]
        std = np.where(std == 0, 1.0, std)
        return cls(list(columns), mean, std, centred)

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.mean) / self.std

    def describe(self) -> dict:
        return {"mean": {c: float(m) for c, m in zip(self.columns, self.mean)},
                "std": {c: float(s) for c, s in zip(self.columns, self.std)},
                "centred_only": list(self.centred_only)}


def _part_description(series: Series, start: int, stop: int) -> dict:
    if stop <= start:
        return {"index": [start, stop], "rows": None, "time": None}
    return {"index": [start, stop], "rows": [series.rows[start], series.rows[stop - 1]],
            "time": [series.time_at(start), series.time_at(stop - 1)] if series.times is not None else None}


def _base_description(series: Series, task: str) -> dict:
    return {
        "source": "timeseries-csv",
        "task": task,
        "name": series.path.name,
        "path": str(series.path),
        "rows": len(series),
        "rows_in_file": series.rows_in_file,
        "columns": list(series.columns),
        "time_column": series.time_column,
        "time_kind": series.time_kind,
        # Where a window column groups the rows, each sequence keeps its own clock: no one range.
        "time_range": [series.times[0], series.times[-1]] if series.times and series.groups is None else None,
        "spacing": dict(series.spacing),
        "missing": dict(series.missing),
    }


# --------------------------------------------------------------------------- forecasting


@dataclass
class ForecastData:
    """Forecast windows ready for ``model.fit``, and what the metrics and figures need.

    ``x_*``: float32 (n, lookback, features), scaled (and differenced where asked).  ``y_*``: float32
    (n, horizon), the target in model space.  ``y_*_original``: float64 (n, horizon) in the series' units.
    ``anchor_*``: float64 (n,), the target's original value at each window's last input row (the naive
    last-value forecast, and the base differencing is undone from).  ``target_index_*``: int (n,), the row
    index (into the Series) of each window's first target step.  ``x_future``/``anchor_future``: the last
    ``lookback`` rows, to forecast the ``horizon`` steps past the end.  ``series_target``: the whole target
    column in original units, and ``bounds`` the row indices where validation and test start (for MASE's
    in-sample naive error on the training rows, and the figure of the parts).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    y_train_original: np.ndarray
    y_val_original: np.ndarray
    y_test_original: np.ndarray
    anchor_train: np.ndarray
    anchor_val: np.ndarray
    anchor_test: np.ndarray
    target_index_train: np.ndarray
    target_index_val: np.ndarray
    target_index_test: np.ndarray
    x_future: np.ndarray
    anchor_future: float
    series_target: np.ndarray
    bounds: tuple[int, int]
    input_columns: list[str]
    target_column: str
    lookback: int
    horizon: int
    transform: str
    scaler: Scaler
    description: dict = field(default_factory=dict)
    times: list[str] | None = None  # each row's time stamp as written (None: no time column)
    task: ClassVar[str] = "forecast"

    @property
    def sequence_length(self) -> int:
        return self.lookback

    @property
    def n_features(self) -> int:
        return len(self.input_columns)

    def sizes(self) -> dict:
        return {"train": int(len(self.y_train)), "validation": int(len(self.y_val)), "test": int(len(self.y_test))}

    def to_original(self, y_model: np.ndarray, anchors: np.ndarray) -> np.ndarray:
        """Model-space forecasts (n, horizon) back in the series' units: unscale, then undo differencing."""
        return undo_transform(y_model, anchors, self.target_mean, self.target_std, self.transform)

    @property
    def target_mean(self) -> float:
        return float(self.scaler.mean[self.scaler.columns.index(self.target_column)])

    @property
    def target_std(self) -> float:
        return float(self.scaler.std[self.scaler.columns.index(self.target_column)])

    def summary(self) -> dict:
        """What run.json records under ``dataset`` (JSON-able)."""
        return {**self.description, "sizes": self.sizes(), "sequence_length": self.lookback,
                "vocabulary_size": None}


def apply_transform(y_original, anchors, mean: float, std: float, transform: str) -> np.ndarray:
    """Targets (n, horizon) in the series' units into model space: differences from the anchor (if
    differenced), then ``(y - mean) / std``.  ``undo_transform`` is its inverse."""
    y = np.asarray(y_original, dtype=np.float64)
    if transform == "difference":
        y = np.diff(np.concatenate([np.asarray(anchors, dtype=np.float64).reshape(-1, 1), y], axis=1), axis=1)
    return (y - mean) / std


def undo_transform(y_model, anchors, mean: float, std: float, transform: str) -> np.ndarray:
    """Inverse of the forecast targets' transform: ``y * std + mean``, then ``anchor + cumsum`` if differenced."""
    y = np.asarray(y_model, dtype=np.float64) * std + mean
    if transform == "difference":
        y = np.asarray(anchors, dtype=np.float64).reshape(-1, 1) + np.cumsum(y, axis=1)
    return y


def forecast_windows(series: Series, *, target_column: str, input_columns: list[str] | None = None,
                     lookback: int, horizon: int = 1, splits=(0.7, 0.15, 0.15),
                     transform: str = "none") -> ForecastData:
    """Chronological forecast windows of ``series`` (see the module docstring for the choices)."""
    path = series.path
    _choice(transform, TRANSFORMS, "dataset.transform")
    input_columns = list(input_columns) if input_columns else [target_column]
    for name, key in [(target_column, "dataset.target_column")] + [(c, "dataset.input_columns") for c in input_columns]:
        if name not in series.columns:
            raise DataError(f"{key} '{name}' is not one of the columns read ({', '.join(series.columns)}).")
    if lookback < 1 or horizon < 1:
        raise DataError(f"dataset.lookback ({lookback}) and dataset.horizon ({horizon}) must be at least 1.")
    used = list(dict.fromkeys(input_columns + [target_column]))
    original = np.stack([series.column(c) for c in used], axis=1)
    n = len(series)
    first = 1 if transform == "difference" else 0
    model = np.full_like(original, np.nan)
    if transform == "difference":
        model[1:] = np.diff(original, axis=0)
    else:
        model[:] = original
    a, b = _split_bounds(path, n, splits)
    has_validation = float(splits[1]) > 0
    needed = first + lookback + horizon * (3 if has_validation else 2)
    target_name = f"'{target_column}'"
    if n < needed:
        raise DataError(
            f"{path}: column {target_name} has {n} rows; lookback {lookback} + horizon {horizon} need at least "
            f"{needed} rows{' (one more for differencing)' if first else ''} to give one training window and a "
            f"horizon of targets to each of the {'validation and test parts' if has_validation else 'test part'}.",
            hint="Use a longer series, or lower dataset.lookback or dataset.horizon.")
    if a < first + lookback + horizon:
        raise DataError(
            f"{path}: the training part is rows {series.rows[0]}-{series.rows[max(a - 1, 0)]} ({a} rows); "
            f"lookback {lookback} + horizon {horizon}{' + 1 for differencing' if first else ''} does not fit in "
            f"it, so there is no training window.",
            hint="Lower dataset.lookback, or give the training part a larger fraction in dataset.splits.")
    for label, start, stop in (("validation", a, b), ("test", b, n)):
        if (stop - start) < horizon and (label == "test" or has_validation):
            raise DataError(
                f"{path}: the {label} part holds {stop - start} rows, fewer than horizon {horizon}, so it has no "
                f"window.", hint="Give it a larger fraction in dataset.splits, or lower dataset.horizon.")

    train_target = model[first:a, used.index(target_column)]
    if np.all(train_target == train_target[0]):
        what = "difference of column" if first else "column"
        raise DataError(
            f"{path}: the {what} {target_name} is constant ({train_target[0]:g}) over the training part, rows "
            f"{series.rows[first]}-{series.rows[a - 1]}; there is nothing to forecast.",
            hint="Check dataset.target_column names the series to forecast.")
    scaler = Scaler.fit(used, model[first:a])
    scaled = scaler.transform(model)
    x_index = [used.index(c) for c in input_columns]
    t = used.index(target_column)

    starts = np.arange(first, n - lookback - horizon + 1)
    target_first = starts + lookback
    target_last = target_first + horizon - 1
    part = np.where(target_last < a, 0, np.where((target_first >= a) & (target_last < b), 1,
                                                  np.where(target_first >= b, 2, -1)))
    steps = np.arange(lookback)
    out = {}
    for name, code in (("train", 0), ("val", 1), ("test", 2)):
        s = starts[part == code]
        xi = s[:, None] + steps[None, :]
        yi = s[:, None] + lookback + np.arange(horizon)[None, :]
        out[f"x_{name}"] = scaled[xi][:, :, x_index].astype(np.float32).reshape(len(s), lookback, len(x_index))
        out[f"y_{name}"] = scaled[yi, t].astype(np.float32).reshape(len(s), horizon)
        out[f"y_{name}_original"] = original[yi, t].reshape(len(s), horizon)
        out[f"anchor_{name}"] = original[s + lookback - 1, t].astype(np.float64)
        out[f"target_index_{name}"] = (s + lookback).astype(np.int64)
    x_future = scaled[n - lookback:, x_index].astype(np.float32)[None, :, :]
    windows = {"train": int((part == 0).sum()), "validation": int((part == 1).sum()), "test": int((part == 2).sum()),
               "dropped_straddling": int((part == -1).sum())}
    description = _base_description(series, "forecast")
    description.update({
        "input_columns": input_columns,
        "target_column": target_column,
        "lookback": lookback,
        "horizon": horizon,
        "transform": transform,
        "scaler": {"fitted_on": _part_description(series, first, a), **scaler.describe(),
                   "space": "differences" if first else "values"},
        "splits": {"fractions": [float(s) for s in splits], "train": _part_description(series, 0, a),
                   "validation": _part_description(series, a, b), "test": _part_description(series, b, n)},
        "window_part": "targets decide; inputs may reach back into the previous part",
        "windows": windows,
        "future": {"from": _part_description(series, n - lookback, n), "horizon": horizon},
    })
    return ForecastData(**out, x_future=x_future, anchor_future=float(original[-1, t]),
                        series_target=original[:, t].copy(), bounds=(a, b), input_columns=input_columns,
                        target_column=target_column, lookback=lookback, horizon=horizon, transform=transform,
                        scaler=scaler, description=description, times=series.times)


# --------------------------------------------------------------------------- classification


def _window_label(labels: list[str], rule: str) -> str:
    if rule == "last":
        return labels[-1]
    counts = Counter(labels)
    top = max(counts.values())
    return next(label for label in reversed(labels) if counts[label] == top)


def classify_windows(series: Series, *, input_columns: list[str] | None = None, lookback: int | None = None,
                     stride: int = 1, window_label: str = "last", allow_label_change: bool = False,
                     unequal: str = "truncate", split_by: str | None = None, splits=(0.7, 0.15, 0.15),
                     split_seed: int = 0) -> Dataset:
    """Labelled windows of ``series`` as a Dataset (see the module docstring for the two layouts)."""
    path = series.path
    if split_by is None:
        split_by = "sequence" if series.groups is not None else "time"
    _choice(window_label, WINDOW_LABELS, "dataset.window_label")
    _choice(unequal, UNEQUAL, "dataset.unequal")
    _choice(split_by, SPLIT_BY, "dataset.split_by")
    if series.labels is None:
        raise DataError("dataset.label_column is needed to classify windows: name the column holding the labels.")
    input_columns = list(input_columns) if input_columns else list(series.columns)
    for name in input_columns:
        if name not in series.columns:
            raise DataError(f"dataset.input_columns '{name}' is not one of the columns read ({', '.join(series.columns)}).")
    if stride < 1:
        raise DataError(f"dataset.stride is {stride}; it must be at least 1.")
    if lookback is not None and lookback < 1:
        raise DataError(f"dataset.lookback is {lookback}; it must be at least 1.")
    values = np.stack([series.column(c) for c in input_columns], axis=1)
    class_names = sorted(set(series.labels))
    if len(class_names) < 2:
        raise DataError(f"{path}: column '{series.label_column}' holds a single class ('{excerpt(class_names[0])}') "
                        f"in {len(series):,} rows; a classifier needs at least two.")
    index = {name: i for i, name in enumerate(class_names)}
    if series.groups is None:
        if lookback is None:
            raise DataError("dataset.lookback is needed to cut labelled rows into windows (or name a "
                            "dataset.window_column that groups the rows into sequences).")
        if split_by != "time":
            raise DataError("dataset.split_by 'sequence' needs dataset.window_column; rows labelled one by one are "
                            "split by time (split_by: time).")
        return _classify_rows(series, values, input_columns, class_names, index, lookback=lookback, stride=stride,
                              window_label=window_label, allow_label_change=allow_label_change, splits=splits)
    return _classify_sequences(series, values, input_columns, class_names, index, lookback=lookback, stride=stride,
                               unequal=unequal, split_by=split_by, splits=splits, split_seed=split_seed)


def _classify_rows(series, values, input_columns, class_names, index, *, lookback, stride, window_label,
                   allow_label_change, splits) -> Dataset:
    path, n = series.path, len(series)
    a, b = _split_bounds(path, n, splits)
    if a < lookback:
        raise DataError(f"{path}: the training part is rows {series.rows[0]}-{series.rows[max(a - 1, 0)]} ({a} rows), "
                        f"shorter than lookback {lookback}, so there is no training window.",
                        hint="Lower dataset.lookback, or give the training part a larger fraction in dataset.splits.")
    scaler = Scaler.fit(input_columns, values[:a])
    scaled = scaler.transform(values)
    labels = series.labels
    parts: dict[int, tuple[list, list]] = {0: ([], []), 1: ([], []), 2: ([], [])}
    straddling = label_change = 0
    for s in range(0, n - lookback + 1, stride):
        e = s + lookback
        part = 0 if e <= a else 1 if (s >= a and e <= b) else 2 if s >= b else -1
        if part == -1:
            straddling += 1
            continue
        window = labels[s:e]
        if not allow_label_change and len(set(window)) > 1:
            label_change += 1
            continue
        parts[part][0].append(scaled[s:e])
        parts[part][1].append(index[_window_label(window, window_label)])
    arrays = [_stack(parts[p], lookback, len(input_columns)) for p in (0, 1, 2)]
    if len(arrays[0][1]) == 0:
        raise DataError(f"{path}: no training window of {lookback} rows keeps one label "
                        f"(column '{series.label_column}'); every one changes label.",
                        hint="Lower dataset.lookback, or set allow_label_change: true.")
    if len(arrays[2][1]) == 0:
        where = f"rows {series.rows[b]}-{series.rows[-1]}" if b < n else "no rows"
        raise DataError(f"{path}: the test part ({where}) holds no window of {lookback} rows"
                        f"{'' if allow_label_change else ' with one label'} (column '{series.label_column}').",
                        hint="Give the test part a larger fraction in dataset.splits, lower dataset.lookback, or set "
                             "allow_label_change: true.")
    description = _base_description(series, "classify")
    description.update({
        "layout": "labelled rows",
        "label_column": series.label_column,
        "input_columns": input_columns,
        "lookback": lookback,
        "stride": stride,
        "window_label": window_label,
        "allow_label_change": allow_label_change,
        "scaler": {"fitted_on": _part_description(series, 0, a), **scaler.describe()},
        "split_by": "time",
        "splits": {"fractions": [float(s) for s in splits], "train": _part_description(series, 0, a),
                   "validation": _part_description(series, a, b), "test": _part_description(series, b, n)},
        "windows": {"train": len(arrays[0][1]), "validation": len(arrays[1][1]), "test": len(arrays[2][1]),
                    "dropped_straddling": straddling, "dropped_label_change": label_change},
    })
    return Dataset(arrays[0][0], arrays[0][1], arrays[1][0], arrays[1][1], arrays[2][0], arrays[2][1],
                   class_names=class_names, vocabulary_size=None, description=description)


def _stack(pair, length, features):
    xs, ys = pair
    x = np.stack(xs).astype(np.float32) if xs else np.zeros((0, length, features), dtype=np.float32)
    return x, np.asarray(ys, dtype=np.int32)


def _classify_sequences(series, values, input_columns, class_names, index, *, lookback, stride, unequal, split_by,
                        splits, split_seed) -> Dataset:
    path = series.path
    ids = list(dict.fromkeys(series.groups))
    positions = dict(zip(ids, _group_positions(series.groups)))
    labels = {}
    for sequence_id in ids:
        first = positions[sequence_id][0]
        for p in positions[sequence_id]:
            if series.labels[p] != series.labels[first]:
                raise DataError(
                    f"{path}: row {series.rows[p]}, column '{series.label_column}': label "
                    f"'{excerpt(series.labels[p])}' differs from '{excerpt(series.labels[first])}' (row "
                    f"{series.rows[first]}) within sequence '{excerpt(sequence_id)}' of column '{series.window_column}'.",
                    hint="Each sequence takes one label; fix the label or split the sequence.")
        labels[sequence_id] = series.labels[first]
    train, validation, _ = (float(s) for s in splits)
    _split_bounds(path, len(ids), splits)
    order = list(ids) if split_by == "time" else [ids[i] for i in np.random.default_rng(split_seed).permutation(len(ids))]
    a = int(round(len(order) * train))
    b = int(round(len(order) * (train + validation)))
    if a < 1 or b >= len(order):
        raise DataError(f"{path}: {len(ids)} sequences (column '{series.window_column}') are too few to split as "
                        f"{list(splits)}: the training and test parts each need at least one.",
                        hint="Add sequences, or change dataset.splits.")
    part_of = {sid: (0 if i < a else 1 if i < b else 2) for i, sid in enumerate(order)}
    lengths = {sid: len(positions[sid]) for sid in ids}
    train_rows = np.concatenate([positions[sid] for sid in ids if part_of[sid] == 0])
    scaler = Scaler.fit(input_columns, values[train_rows])
    scaled = scaler.transform(values)

    if lookback is None:
        length = min(lengths.values()) if unequal == "truncate" else max(lengths.values())
    else:
        length = lookback
        if unequal == "truncate":
            short = [sid for sid in ids if lengths[sid] < lookback]
            if short:
                sid = short[0]
                rows = positions[sid]
                raise DataError(
                    f"{path}: sequence '{excerpt(sid)}' (column '{series.window_column}', rows "
                    f"{series.rows[rows[0]]}-{series.rows[rows[-1]]}) has {lengths[sid]} rows, fewer than lookback "
                    f"{lookback} ({len(short)} sequence(s) are).",
                    hint="Lower dataset.lookback, or set unequal: pad.")
    parts: dict[int, tuple[list, list]] = {0: ([], []), 1: ([], []), 2: ([], [])}
    window_sequence: dict[int, list[str]] = {0: [], 1: [], 2: []}
    padded = truncated = 0
    for sid in ids:
        rows = scaled[positions[sid]]
        if lookback is None:
            cuts = [rows[:length]]
            truncated += int(len(rows) > length)
        else:
            cuts = [rows[s:s + length] for s in range(0, max(len(rows) - length, 0) + 1, stride)]
        for cut in cuts:
            if len(cut) < length:
                padded += 1
                cut = np.concatenate([cut, np.zeros((length - len(cut), cut.shape[1]))])
            parts[part_of[sid]][0].append(cut)
            parts[part_of[sid]][1].append(index[labels[sid]])
            window_sequence[part_of[sid]].append(sid)
    arrays = [_stack(parts[p], length, len(input_columns)) for p in (0, 1, 2)]
    real_zero = int(sum((np.all(scaled[positions[sid]] == 0, axis=1)).sum() for sid in ids))
    description = _base_description(series, "classify")
    description.update({
        "layout": "sequences",
        "label_column": series.label_column,
        "window_column": series.window_column,
        "input_columns": input_columns,
        "lookback": lookback,
        "stride": stride if lookback is not None else None,
        "sequences": len(ids),
        "sequence_lengths": {"min": min(lengths.values()), "max": max(lengths.values())},
        "unequal_lengths": {
            "method": unequal, "length": length,
            "truncated_sequences": truncated,
            "padded_windows": padded,
            "padding": ("at the end with 0.0 after standardisation" if unequal == "pad" else None),
            "real_steps_all_zero": real_zero,
        },
        "scaler": {"fitted_on": f"the {len(train_rows)} rows of the training sequences", **scaler.describe()},
        "split_by": split_by,
        "split_seed": split_seed if split_by == "sequence" else None,
        "splits": {"fractions": [float(s) for s in splits],
                   "train": {"sequences": sorted(sid for sid in ids if part_of[sid] == 0)},
                   "validation": {"sequences": sorted(sid for sid in ids if part_of[sid] == 1)},
                   "test": {"sequences": sorted(sid for sid in ids if part_of[sid] == 2)}},
        "windows": {"train": len(arrays[0][1]), "validation": len(arrays[1][1]), "test": len(arrays[2][1])},
        "window_sequences": {"train": window_sequence[0], "validation": window_sequence[1], "test": window_sequence[2]},
    })
    return Dataset(arrays[0][0], arrays[0][1], arrays[1][0], arrays[1][1], arrays[2][0], arrays[2][1],
                   class_names=class_names, vocabulary_size=None, description=description)
