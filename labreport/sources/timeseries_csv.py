"""A numeric time series in a CSV: forecast the next values, or classify labelled windows.

The readers and window builders are labreport/data/timeseries.py; the loader and `validate`'s check
that call them are labreport/data/timeseries_csv.py.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from ..spec_fields import Float, Int, OptionalInt, Section, TextEncoding
from .registry import SERIES, Source, SpecSizes

# The keys that belong to one task kind only: a spec that sets one under the other kind is refused.
FORECAST_KEYS = ("target_column", "horizon", "season", "transform")
CLASSIFY_KEYS = ("label_column", "window_column", "stride", "window_label", "allow_label_change", "unequal",
                 "split_by")
DEFAULT_LOOKBACK = 24


class TimeseriesCsvDataset(Section):
    """A CSV with an optional time column and numeric columns: forecasting or window classification."""

    source: Literal["timeseries-csv"]
    path: str = Field(..., description="The CSV file: a header row, then one row per time step, oldest first.")
    columns: list[str] = Field(..., min_length=1, description=(
        "The numeric columns the model reads (its input features at each step); for forecasting the "
        "target column is read as well."))
    time_column: Optional[str] = Field(None, description=(
        "The time stamps (YYYY-MM-DD, YYYY-MM, YYYY-MM-DDTHH:MM or plain numbers such as years); checked "
        "to increase with a regular spacing. Default: none, the rows are ordered steps."))
    task: Literal["forecast", "classify"] = Field("forecast", description=(
        "forecast: predict the next `horizon` values of target_column from the last `lookback` steps; "
        "classify: give each window of rows a class from label_column."))
    lookback: OptionalInt = Field(None, ge=1, description=(
        f"Steps the model reads per window (default {DEFAULT_LOOKBACK} for forecasting; for classify with a "
        "window_column, default: each whole sequence)."))
    splits: list[Float] = Field([0.7, 0.15, 0.15], min_length=3, max_length=3, description=(
        "Train, validation and test fractions of the rows, in time order (never shuffled across the split). "
        "training.validation_split is not used for this source."))
    missing: Literal["refuse", "drop", "interpolate"] = Field("refuse", description=(
        "Empty or NA cells: refuse (an error naming the row), drop the row, or interpolate linearly."))
    spacing: Literal["auto", "business-day", "steps"] = Field("auto", description=(
        "How the time stamps must be spaced: auto (one regular step: days, months, years, ...), "
        "business-day (weekdays), steps (rows are ordered steps; stamps only need to increase)."))
    encoding: TextEncoding = "utf-8"
    # forecast
    target_column: Optional[str] = Field(None, description="forecast: the column to predict (default: the first of columns).")
    horizon: OptionalInt = Field(None, ge=1, description="forecast: how many steps ahead each window predicts (default 1).")
    season: OptionalInt = Field(None, ge=2, description=(
        "forecast: the season length in steps (e.g. 12 for monthly data with a yearly cycle): adds the "
        "seasonal-naive baseline, and MASE is scaled by its in-sample error."))
    transform: Optional[Literal["none", "difference"]] = Field(None, description=(
        "forecast: difference models v[t] - v[t-1] (for a series with a trend); the metrics undo it. "
        "Default: none."))
    # classify
    label_column: Optional[str] = Field(None, description="classify: the column holding each row's class.")
    window_column: Optional[str] = Field(None, description=(
        "classify: a column grouping rows into sequences, one label each (activity-recognition layout)."))
    stride: OptionalInt = Field(None, ge=1, description="classify: rows between the starts of two windows (default 1).")
    window_label: Optional[Literal["last", "majority"]] = Field(None, description=(
        "classify, labelled rows: a window's class is its last row's (default) or its most frequent."))
    allow_label_change: Optional[bool] = Field(None, description=(
        "classify, labelled rows: keep windows whose rows change label (default: dropped)."))
    unequal: Optional[Literal["truncate", "pad"]] = Field(None, description=(
        "classify, sequences of unequal length: cut all to the shortest (default) or pad at the end."))
    split_by: Optional[Literal["sequence", "time"]] = Field(None, description=(
        "classify with window_column: assign whole sequences to the splits shuffled by split_seed "
        "(sequence, the default) or in order of first appearance (time)."))
    split_seed: Int = Field(1337, description="classify: the seed of the sequence split.")

    @model_validator(mode="after")
    def _task_keys(self):
        wrong = CLASSIFY_KEYS if self.task == "forecast" else FORECAST_KEYS
        given = [key for key in wrong if getattr(self, key) is not None]
        if given:
            raise ValueError(f"{', '.join(given)} belong(s) to task {'classify' if self.task == 'forecast' else 'forecast'}"
                             f", not to task {self.task}")
        if self.task == "classify" and self.label_column is None:
            raise ValueError("task classify needs label_column (the column holding the classes)")
        return self

    # The effective values, defaults filled in for the task.
    @property
    def target(self) -> str:
        return self.target_column or self.columns[0]

    @property
    def window_lookback(self) -> int | None:
        if self.lookback is not None:
            return self.lookback
        return DEFAULT_LOOKBACK if self.task == "forecast" or self.window_column is None else None


def sizes(spec) -> SpecSizes:
    """Numeric inputs (no vocabulary); the windows per split when the file is there (validate has read it
    already, with the same checks), else unknown."""
    import os

    features = len(spec.columns)
    outputs = (spec.horizon or 1) if spec.task == "forecast" else None
    if not os.path.isfile(os.path.expanduser(spec.path)):
        return SpecSizes(spec.window_lookback or 0, 0, None, None, True, features, outputs)
    from importlib import import_module

    data = import_module("labreport.data.timeseries_csv").windows(spec)
    counts = data.sizes()
    if spec.task == "classify":
        classes = len(data.class_names)
        outputs = 1 if classes == 2 else classes
    return SpecSizes(int(data.sequence_length), 0, counts["train"], counts["test"], True, features, outputs,
                     counts["validation"])


def classes(dataset: dict) -> Optional[int]:
    return None


SOURCE = Source(
    name="timeseries-csv",
    spec_model=TimeseriesCsvDataset,
    kind=SERIES,
    load="labreport.data.timeseries_csv:load",
    sizes=sizes,
    check="labreport.data.timeseries_csv:check",
    file_keys=("path",),
    classes=classes,
    starter={"path": "series.csv", "columns": ["value"]},
    # The Keras program reads the CSV with the standard library and cuts the same windows
    # (templates/program/data/timeseries-csv.py.j2); the PyTorch program reads token ids only.
    program="timeseries-csv",
    program_imports=("csv", "io"),
    torch_refusal=("the PyTorch program reads token sequences only; it does not cut a numeric time series into "
                   "scaled windows or score forecasts against the naive, seasonal-naive and linear baselines"),
)
