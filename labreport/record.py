"""The run record (run.json): the contract between training and everything after it, typed.

Rendering, analysis, batch and tests read only this file.  It is plain JSON so
that it can be read without labreport, diffed, and kept as evidence.

``RunRecord`` is its shape (format 2): the run (experiment, spec, seed, task,
dataset summary, diagnostics, fingerprints) and ``models``, one ``ModelRun``
per model, the main model first (role ``main``) and the baselines after it
(role ``baseline``), each with the same fields.  Reading is a bounded read
(``safe_io``), then ``migrate`` by ``format_version`` (format 1 kept the main
model's results at the top level and the baselines in ``baselines``), then
validation.  A run folder may come from anyone (a classmate, an upload, a
tampered CI artefact), so run.json is input like a spec: a value of the wrong
type, an empty list where one item is needed, or a size no real run has, is
reported as ``file: key path: what is wrong`` (a ``RunRecordError``, exit 2).
The spec inside is checked by the spec's own rules (``validate_spec``).

The stages after training take plain data: ``read_run_record`` returns the
validated record as a dict (``RunRecord.plain()``), and ``main_run`` /
``baseline_runs`` pick its models.  JSON null stands for NaN in a history
(a NaN loss is a real outcome); it is NaN again once read.
"""

from __future__ import annotations

import json
import math
from numbers import Real
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .atomic import write_atomic
from .errors import LabreportError, RunRecordError, SpecError
from .safe_io import RUN_RECORD_BYTES, UnreadableFile, read_bounded

RUN_RECORD_NAME = "run.json"
FORMAT_VERSION = 2

# Sizes no real run has; rendering time grows with them.
MAX_EPOCHS = 2_000  # a 2,000-epoch report is ~60 pages and renders in ~30 s
MAX_CLASSES = 1_000
MAX_BATCH_POINTS = 1_000_000
MAX_BASELINES = 10
MAX_TEXT_CHARS = 200_000  # spec_text, summaries, notes
MAX_TEST_EXAMPLES = 10_000_000  # per-example predictions
MAX_LAYERS = 1_000
MAX_INT = 10**15

# Format 1 keys: what a run.json of format 1 must hold.
V1_REQUIRED_KEYS = ("experiment", "spec", "model", "history", "test", "dataset", "timing", "versions", "seed")
# Format 1 kept the run's own timings among the main model's: these four are the run's.
RUN_TIMING_KEYS = ("data_seconds", "diagnostics_seconds", "diagnostics_parts_seconds", "total_seconds")
# A model's results, at the top level in format 1.
V1_MODEL_KEYS = ("model", "history", "batch_history", "test", "timing", "stopped", "evaluated_epoch",
                 "restored_best_weights")
BATCH_SERIES = ("epoch", "batch", "loss", "accuracy")


def _scaled(limit: int) -> int:
    """A limit, raised 100-fold for a real large run (the spec's LABREPORT_ALLOW_LARGE_RUNS)."""
    from .spec import large_runs_allowed
    return limit * 100 if large_runs_allowed() else limit


def _type_name(value) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def _problem(text: str, at: str = "") -> PydanticCustomError:
    """A validation error whose message is ``text``; ``at`` ('[3]', '.loss') extends the key path."""
    return PydanticCustomError("run_record", "{text}", {"text": text, "at": at})


# --- value types: the checks the format-1 validator (record_check) made, as validators that keep the value as read ---------------

def _number(value, *, low=None, high=None, at: str = ""):
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _problem(f"must be a number (got {_type_name(value)})", at)
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise _problem("is too large a number", at)
    if isinstance(value, float) and not math.isfinite(value):
        raise _problem("must be a finite number", at)
    if (low is not None and value < low) or (high is not None and value > high):
        raise _problem(f"must be between {low} and {high} (got {value})", at)
    return value


def _bounded_number(low=None, high=None):
    return lambda value: _number(value, low=low, high=high)


def _optional(check):
    return lambda value: None if value is None else check(value)


def _text(limit: int):
    def check(value):
        if not isinstance(value, str):
            raise _problem(f"must be a string (got {_type_name(value)})")
        if len(value) > limit:
            raise _problem(f"is {len(value):,} characters long; at most {limit:,}")
        return value
    return check


def _series_of(limit, *, nan: bool):
    """A list of numbers, null standing for NaN; ``nan``: nulls (and non-finite values) read as NaN."""
    def check(values):
        if not isinstance(values, list):
            raise _problem(f"must be a list of numbers (got {_type_name(values)})")
        most = limit() if callable(limit) else limit
        if len(values) > most:
            raise _problem(f"holds {len(values):,} values; at most {most:,}")
        for index, value in enumerate(values):
            if value is not None and (isinstance(value, bool) or not isinstance(value, Real)
                                      or (isinstance(value, int) and abs(value) > MAX_INT)):
                raise _problem(f"must be a number or null (got {_type_name(value)})", f"[{index}]")
        if nan:
            return [math.nan if v is None or (isinstance(v, float) and not math.isfinite(v)) else v
                    for v in values]
        return values
    return check


def _list_of(limit, item_check=None, what: str = "items"):
    def check(values):
        if not isinstance(values, list):
            raise _problem(f"must be a list (got {_type_name(values)})")
        most = limit() if callable(limit) else limit
        if len(values) > most:
            raise _problem(f"holds {len(values):,} {what}; at most {most:,}")
        if item_check is not None:
            for index, value in enumerate(values):
                item_check(value, f"[{index}]")
        return values
    return check


def _whole(value, at: str = "", low: int | None = None):
    if isinstance(value, bool) or not isinstance(value, int):
        raise _problem(f"must be a whole number (got {_type_name(value)})", at)
    if abs(value) > MAX_INT:
        raise _problem("is too large a number", at)
    if low is not None and value < low:
        raise _problem(f"must be {low} or more (got {value})", at)
    return value


_NUMBER_SCHEMA = {"type": "number"}
_NULLABLE_NUMBER_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "null"}]}
_SERIES_SCHEMA = {"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "null"}]},
                  "description": "one value per epoch (or batch); null stands for NaN"}

Number = Annotated[Any, PlainValidator(_number), WithJsonSchema(_NUMBER_SCHEMA)]
NumberOrNull = Annotated[Any, PlainValidator(_optional(_number)), WithJsonSchema(_NULLABLE_NUMBER_SCHEMA)]
Share = Annotated[Any, PlainValidator(_optional(_bounded_number(0, 1))),
                  WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}]})]
EpochSeries = Annotated[Any, PlainValidator(_series_of(lambda: _scaled(MAX_EPOCHS), nan=True)),
                        WithJsonSchema({**_SERIES_SCHEMA, "maxItems": MAX_EPOCHS})]
Text = Annotated[Any, PlainValidator(_optional(_text(MAX_TEXT_CHARS))),
                 WithJsonSchema({"anyOf": [{"type": "string", "maxLength": MAX_TEXT_CHARS}, {"type": "null"}]})]
Strict = ConfigDict(strict=True, extra="allow")


class Task(BaseModel):
    """What the models were trained to do, and how their results are named and compared."""

    model_config = ConfigDict(strict=True, extra="forbid")

    kind: Literal["classification", "forecast"] = Field(
        "classification", description="the kind of task: classification (classes) or forecast (future values)")
    primary_metric: str = Field("accuracy", description="the metric that says which model did best")
    direction: Literal["higher", "lower"] = Field("higher", description="whether a higher primary metric is better")
    metrics: list[str] = Field(["loss", "accuracy"], max_length=20,
                               description="the metrics in each model's per-epoch history and test result")

    @model_validator(mode="after")
    def _primary_is_a_metric(self):
        if self.primary_metric not in self.metrics:
            raise _problem(f"primary_metric '{self.primary_metric}' is not one of metrics ({', '.join(self.metrics)})")
        return self


CLASSIFICATION = Task()
# A forecast: the models are compared by their test MAE in the series' own units (lower is better); the
# per-epoch history holds the training loss (dataset.forecast.loss on the scaled targets) and the MAE in the
# series' units.
FORECAST = Task(kind="forecast", primary_metric="mae", direction="lower", metrics=["loss", "mae"])

MAX_SERIES = 100_000  # values of a forecast's target series kept in run.json (its figure draws them)


def _number_rows(limit):
    """A list of rows of numbers (n windows x horizon steps)."""
    def check(value):
        if value is None:
            return None
        _list_of(limit, what="rows")(value)
        row_check = _series_of(10_000, nan=False)
        for index, row in enumerate(value):
            try:
                row_check(row)
            except PydanticCustomError as error:
                raise _problem(error.context["text"], f"[{index}]{error.context['at']}") from None
            if any(v is None for v in row):
                raise _problem("must be a list of numbers", f"[{index}]")
        return value
    return check


NumberRows = Annotated[Any, PlainValidator(_number_rows(MAX_TEST_EXAMPLES)),
                       WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                                                 {"type": "null"}]})]
NumberList = Annotated[Any, PlainValidator(_optional(_series_of(MAX_SERIES, nan=False))),
                       WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": ["number", "null"]}},
                                                 {"type": "null"}]})]


class ForecastResult(BaseModel):
    """A forecasting model's forecasts: each test window's (rows: windows, columns: horizon steps, in the
    series' units), its test MAE at each horizon step, and the forecast past the end of the series."""

    model_config = Strict

    test_predictions: NumberRows = None
    mae_by_step: NumberList = None
    future: NumberList = None


class ModelSummary(BaseModel):
    """The model as Keras described it (layers, parameter counts, summary text)."""

    model_config = Strict

    name: Text = None
    layers: Annotated[Any, PlainValidator(_optional(_list_of(MAX_LAYERS, lambda v, at: v if isinstance(v, dict)
                                                                else _raise(_problem("must be a list of objects, one per layer")),
                                                                what="layers"))),
                      WithJsonSchema({"type": "array", "items": {"type": "object"}, "maxItems": MAX_LAYERS})] = None
    total_params: Annotated[Any, PlainValidator(_bounded_number(0)), WithJsonSchema({"type": "integer", "minimum": 0})]
    summary_text: Text = None

    @model_validator(mode="before")
    @classmethod
    def _count_required(cls, data):
        if isinstance(data, dict) and "total_params" not in data:
            return {**data, "total_params": None}  # told as "must be a number (got null)"
        return data


def _raise(error):
    raise error


class TestResult(BaseModel):
    """A model's result on the test set: its metrics by name (``accuracy``, ``loss``, ...), and optionally
    its prediction for each test example (class indices) and its confusion matrix (rows: true class)."""

    model_config = ConfigDict(strict=True, extra="allow")
    __pydantic_extra__: dict[str, NumberOrNull]

    predictions: Annotated[Any, PlainValidator(_optional(_list_of(MAX_TEST_EXAMPLES, lambda v, at: _whole(v, at, 0),
                                                                  what="predictions"))),
                           WithJsonSchema({"type": "array", "items": {"type": "integer", "minimum": 0},
                                           "description": "the predicted class of each test example"})] = None
    confusion: Annotated[Any, PlainValidator(_optional(_list_of(MAX_CLASSES, lambda row, at: _list_of(
        MAX_CLASSES, lambda v, at2: _whole(v, at + at2, 0))(row), what="rows"))),
                         WithJsonSchema({"type": "array", "items": {"type": "array", "items": {"type": "integer"}},
                                         "description": "counts: row = true class, column = predicted class"})] = None

    @model_validator(mode="after")
    def _shares(self):
        accuracy = (self.__pydantic_extra__ or {}).get("accuracy")
        if accuracy is not None and not 0 <= accuracy <= 1:
            raise _problem(f"must be between 0 and 1 (got {accuracy})", ".accuracy")
        if self.confusion is not None and any(len(row) != len(self.confusion) for row in self.confusion):
            raise _problem("must be a square matrix, one row and one column per class", ".confusion")
        return self


class Stopped(BaseModel):
    """Why training ended: completed, early_stopping (with best_epoch, monitor, ...) or nan_loss (epoch, batch)."""

    model_config = Strict

    reason: Literal["completed", "early_stopping", "nan_loss"]
    epoch: Annotated[Any, PlainValidator(_optional(lambda v: _whole(v, low=1))),
                     WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})] = None
    batch: Annotated[Any, PlainValidator(_optional(lambda v: _whole(v, low=0))),
                     WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]})] = None
    value: Annotated[Any, PlainValidator(_optional(_text(40))),
                     WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]})] = None

    @model_validator(mode="after")
    def _where_it_diverged(self):
        if self.reason == "nan_loss":
            for key in ("epoch", "batch"):
                if getattr(self, key) is None:
                    raise _problem("required key is missing (a run that diverged says where)", f".{key}")
        return self


def _batch_history(value):
    if not isinstance(value, dict):
        raise _problem(f"must be an object (got {_type_name(value)})")
    check = _series_of(MAX_BATCH_POINTS, nan=False)
    for key, values in value.items():
        if key in BATCH_SERIES or isinstance(values, list):
            try:
                check(values)
            except PydanticCustomError as error:
                raise _problem(error.context["text"], f".{key}{error.context['at']}") from None
    return value


def _timing(value):
    if not isinstance(value, dict):
        raise _problem(f"must be an object (got {_type_name(value)})")
    for key, entry in value.items():
        try:
            if key == "seconds_per_epoch":
                _series_of(lambda: _scaled(MAX_EPOCHS), nan=False)(entry)
            elif not isinstance(entry, dict) and entry is not None:
                _number(entry)
        except PydanticCustomError as error:
            raise _problem(error.context["text"], f".{key}{error.context['at']}") from None
    return value


Timing = Annotated[Any, PlainValidator(_timing), WithJsonSchema(
    {"type": "object", "description": "seconds: seconds_per_epoch (a list), train_seconds, evaluate_seconds, ...",
     "additionalProperties": {"anyOf": [{"type": "number"}, {"type": "null"}, {"type": "array"}, {"type": "object"}]}})]


class ModelRun(BaseModel):
    """One model of the run: the main model or a baseline, the same fields for both.

    A model that is not trained (a majority-class guess) has an empty ``history`` and only a test result.
    """

    model_config = Strict

    role: Literal["main", "baseline", "variant"] = Field(
        description=("main: the spec's model; baseline: the same model with another recurrent cell (model.compare's "
                     "cell names); variant: the same model with settings changed (model.compare's mappings)"))
    cell: Annotated[Any, PlainValidator(_text(40)), WithJsonSchema({"type": "string", "maxLength": 40})] = Field(
        description="the recurrent cell (lstm, gru, simple_rnn) or the baseline's name")
    name: Annotated[Any, PlainValidator(_optional(_text(40))),
                    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 40}, {"type": "null"}]})] = Field(
        None, description="a variant's name (history_<name>.csv); absent: the cell")
    variant: dict[str, Any] | None = Field(None, description="the recurrent-layer settings a variant changed, by name")
    model: ModelSummary | None = None
    history: dict[str, EpochSeries] = Field(default_factory=dict, description="per-epoch metrics by name")
    batch_history: Annotated[Any, PlainValidator(_optional(_batch_history)),
                             WithJsonSchema({"anyOf": [{"type": "object"}, {"type": "null"}],
                                             "description": "per-batch epoch, batch, loss, accuracy lists"})] = None
    test: TestResult | None = Field(None, description="null when the loss diverged (NaN weights are not evaluated)")
    timing: Timing = None
    stopped: Stopped | None = None
    evaluated_epoch: Annotated[Any, PlainValidator(_optional(lambda v: _whole(v, low=1))),
                               WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]})] = Field(
        None, description="which epoch's weights the test set saw (1-based)")
    restored_best_weights: bool = False
    forecast: ForecastResult | None = Field(None, description="a forecasting model's forecasts (task forecast)")

    @property
    def diverged(self) -> bool:
        return self.stopped is not None and self.stopped.reason == "nan_loss"

    @property
    def trained(self) -> bool:
        return bool(self.history)

    def problems(self, task: Task) -> list[str]:
        """What is wrong with this model given the run's task: 'key: text' lines."""
        problems = []
        if self.history:
            for metric in task.metrics:
                if metric not in self.history:
                    problems.append(f"history.{metric}: required key is missing")
            lengths = {metric: len(values) for metric, values in self.history.items()}
            if lengths.get("loss") == 0:
                problems.append("history.loss: is empty; a run has at least one epoch")
            if len(set(lengths.values())) > 1:
                shown = ", ".join(f"{metric} {length}" for metric, length in lengths.items())
                problems.append(f"history: its lists must have one value per epoch each (they have {shown})")
        epochs = len(self.history.get("loss") or []) or _scaled(MAX_EPOCHS)
        if self.evaluated_epoch is not None and self.evaluated_epoch > epochs:
            problems.append(f"evaluated_epoch: must be between 1 and {epochs}, the epochs run "
                            f"(got {self.evaluated_epoch})")
        if self.test is None and not self.diverged:
            problems.append("test: must be an object (got null); only a model whose loss diverged has no test result")
        return problems


def _check_spec(value):
    if not isinstance(value, dict):
        raise _problem(f"must be an object (got {_type_name(value)})")
    from .spec import validate_spec
    try:
        validate_spec(dict(value), "run.json")
    except SpecError as exc:
        raise PydanticCustomError("run_record_spec", "the spec does not validate", {"problems": exc.problems})
    problems = []
    # The spec's defaults fill a missing key; run.json always holds every section whole.
    for key in ("name", "dataset", "model", "training", "report"):
        if key not in value:
            problems.append(f"{key}: required key is missing")
    if isinstance(value.get("model"), dict) and "recurrent" not in value["model"]:
        problems.append("model.recurrent: required key is missing")
    if problems:
        raise PydanticCustomError("run_record_spec", "the spec is incomplete", {"problems": problems})
    return value


def _important_windows(value):
    if value is None:
        return None
    _list_of(100)(value)
    if not all(isinstance(w, list) and len(w) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in w)
               for w in value):
        raise _problem("must be a list of [first, last] step pairs")
    return value


def _class_names(value):
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, (str, int)) for name in value):
        raise _problem("must be a list of class names")
    if len(value) > _scaled(MAX_CLASSES):
        raise _problem(f"holds {len(value):,} classes; at most {_scaled(MAX_CLASSES):,}")
    return value


def _optional_mapping(value):
    if value is not None and not isinstance(value, dict):
        raise _problem(f"must be an object (got {_type_name(value)})")
    return value


Mapping = Annotated[Any, PlainValidator(_optional_mapping),
                    WithJsonSchema({"anyOf": [{"type": "object"}, {"type": "null"}]})]
Symbols = Annotated[Any, PlainValidator(_optional(_list_of(lambda: _scaled(MAX_CLASSES) * 100))),
                    WithJsonSchema({"anyOf": [{"type": "array"}, {"type": "null"}]})]


class ForecastData(BaseModel):
    """What a forecast's figures and verdicts need of the data (dataset.forecast): the target series in its
    own units, the rows where validation and test start, each test window's actual values and first target
    row, and the in-sample naive error on the training part that scales MASE."""

    model_config = Strict

    target_column: Text = None
    horizon: Annotated[Any, PlainValidator(lambda v: _whole(v, low=1)), WithJsonSchema({"type": "integer"})]
    season: Annotated[Any, PlainValidator(_optional(lambda v: _whole(v, low=2))),
                      WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "null"}]})] = None
    series: NumberList = None
    times: Annotated[Any, PlainValidator(_optional(_list_of(MAX_SERIES, lambda v, at: v if isinstance(v, str)
                                                            else _raise(_problem("must be a string", at))))),
                     WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]})] = None
    bounds: Annotated[Any, PlainValidator(_list_of(2, lambda v, at: _whole(v, at, 0))),
                      WithJsonSchema({"type": "array", "items": {"type": "integer"}, "maxItems": 2})]
    test_actual: NumberRows = None
    test_index: Annotated[Any, PlainValidator(_optional(_list_of(MAX_TEST_EXAMPLES, lambda v, at: _whole(v, at, 0)))),
                          WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "null"}]})] = None
    scale: NumberOrNull = None
    scale_name: Literal["naive", "seasonal_naive"] = "naive"
    # The loss the networks were trained with (the spec's training.loss; records from before it: mse).
    loss: Literal["mse", "mae", "huber"] = Field("mse", description="the networks' training loss on the scaled targets")


class DatasetSummary(BaseModel):
    """What the data was: source, sizes, class names and counts, sequence lengths, an example."""

    model_config = Strict

    name: Text = None
    source: Text = None
    class_names: Annotated[Any, PlainValidator(_class_names),
                           WithJsonSchema({"type": "array", "items": {"type": ["string", "integer"]},
                                           "maxItems": MAX_CLASSES})] = None
    sizes: Mapping = None
    lengths: Mapping = None
    class_counts: Mapping = None
    example: Mapping = None
    chance_accuracy: Share = None
    min_lag: Annotated[Any, PlainValidator(_optional(_bounded_number(0, 10**7))),
                       WithJsonSchema(_NULLABLE_NUMBER_SCHEMA)] = None
    vocabulary_size: Annotated[Any, PlainValidator(_optional(_bounded_number(0, 10**9))),
                               WithJsonSchema(_NULLABLE_NUMBER_SCHEMA)] = None
    sequence_length: Annotated[Any, PlainValidator(_optional(_bounded_number(0, 10**7))),
                               WithJsonSchema(_NULLABLE_NUMBER_SCHEMA)] = None
    symbols: Symbols = None
    important_symbols: Symbols = None
    important_windows: Annotated[Any, PlainValidator(_important_windows),
                                 WithJsonSchema({"anyOf": [{"type": "array"}, {"type": "null"}]})] = None
    # The test labels in order: with each model's test predictions, the paired (McNemar) comparison.
    test_labels: Annotated[Any, PlainValidator(_optional(_list_of(MAX_TEST_EXAMPLES, lambda v, at: _whole(v, at, 0),
                                                                  what="test_labels"))),
                           WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "integer", "minimum": 0}},
                                                     {"type": "null"}]})] = None
    forecast: ForecastData | None = None


def _objects(limit: int):
    def check(value):
        if value is None:
            return None
        _list_of(limit)(value)
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise _problem(f"must be an object (got {_type_name(item)})", f"[{index}]")
        return value
    return check


class Gates(BaseModel):
    """The trained LSTM's gate activations along a few test sequences (diagnostics.gates)."""

    model_config = Strict

    layer: Text = None
    unit: Annotated[Any, PlainValidator(_optional(lambda v: _whole(v, low=0))),
                    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "null"}]})] = None
    units: Annotated[Any, PlainValidator(_optional(lambda v: _whole(v, low=0))),
                     WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "null"}]})] = None
    sequences: Annotated[Any, PlainValidator(_objects(100)),
                         WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "null"}]})] = None
    first_sequence_per_unit: Mapping = None
    summary: Mapping = None
    # The same summary at the weights training started from (same sequences and unit); absent in
    # records written before it was kept, whose reports then cannot say what training changed.
    initial_summary: Mapping = None


class GradientNorms(BaseModel):
    """Gradient norms through time, per model, before and after training (diagnostics.gradient_norms)."""

    model_config = Strict

    initial: Mapping = None
    trained: Mapping = None


class Diagnostics(BaseModel):
    """Probes of the trained models: gradient norms through time, the LSTM's gates."""

    model_config = Strict

    gradient_norms: GradientNorms | None = None
    gates: Gates | None = None


class RunRecord(BaseModel):
    """run.json, format 2."""

    model_config = ConfigDict(strict=True, extra="allow", title="labreport run record (run.json)")

    format_version: Literal[2] = Field(description="2; a format-1 run.json is migrated on read")
    experiment: Annotated[Any, PlainValidator(_text(200)), WithJsonSchema({"type": "string", "maxLength": 200})]
    description: Text = None
    spec: Annotated[Any, PlainValidator(_check_spec), WithJsonSchema(
        {"type": "object", "description": "the experiment spec, whole (see `labreport schema`)"})]
    seed: NumberOrNull
    backend: Text = None
    task: Task = Field(default_factory=Task)
    dataset: DatasetSummary
    models: list[ModelRun] = Field(description="the main model first, then the baselines")
    timing: Timing = Field(None, description="the run's own seconds: data_seconds, diagnostics_seconds, "
                                             "diagnostics_parts_seconds, total_seconds")
    diagnostics: Diagnostics | None = None
    versions: dict[str, Any]
    created: Text = None
    spec_text: Text = None
    spec_overrides: Mapping = None
    fingerprint: Text = None
    fingerprint_inputs: Mapping = None
    report_fingerprint: Text = None

    @field_validator("models", mode="before")
    @classmethod
    def _model_count(cls, value):
        if isinstance(value, list) and len(value) > MAX_BASELINES + 1:
            raise _problem(f"holds {len(value)} models; at most {MAX_BASELINES + 1} (the main model and "
                           f"{MAX_BASELINES} baselines)")
        return value

    @model_validator(mode="after")
    def _models_fit_the_run(self):
        problems = []
        roles = [model.role for model in self.models]
        if roles[:1] != ["main"] or roles.count("main") != 1:
            problems.append("models: must hold one model of role main, first (it holds roles "
                            f"{', '.join(roles) or 'none'})")
        if self.task.kind == "forecast" and self.dataset.forecast is None:
            problems.append("dataset.forecast: required key is missing (a forecast's record holds its series)")
        if self.dataset.forecast is not None and isinstance(self.spec, dict):
            # The loss the report names is the one the spec trained with (unset: mse).
            said = (self.spec.get("training") or {}).get("loss") or "mse"
            if self.dataset.forecast.loss != said:
                problems.append(f"dataset.forecast.loss: is {self.dataset.forecast.loss}, but the spec's "
                                f"training.loss is {said}")
        for index, model in enumerate(self.models):
            problems += [f"models[{index}].{problem}" for problem in model.problems(self.task)]
            if model.role == "main":
                if model.model is None:
                    problems.append(f"models[{index}].model: required key is missing")
                if not model.history:
                    problems.append(f"models[{index}].history.loss: is empty; a run has at least one epoch")
        if problems:
            raise PydanticCustomError("run_record_problems", "the models do not fit the run",
                                      {"problems": problems})
        return self

    @property
    def main(self) -> ModelRun:
        return self.models[0]

    @property
    def baselines(self) -> list[ModelRun]:
        return [model for model in self.models if model.role == "baseline"]

    @property
    def variants(self) -> list[ModelRun]:
        return [model for model in self.models if model.role == "variant"]

    def plain(self) -> dict:
        """The record as plain data (dicts and lists, NaN in histories), as the facts and templates take it.

        Only the keys run.json holds (or the writer gave): a key a format-1 file lacked stays absent."""
        return self.model_dump(exclude_unset=True)


# --- plain-data access ---------------------------------------------------------------------------------

def main_run(record: dict) -> dict:
    """The main model's entry of a plain record (``RunRecord.plain()``)."""
    return next(model for model in record["models"] if model.get("role") == "main")


def baseline_runs(record: dict) -> list[dict]:
    """The baselines' entries of a plain record, in their order."""
    return [model for model in record["models"] if model.get("role") == "baseline"]


def variant_runs(record: dict) -> list[dict]:
    """The variants' entries of a plain record (the main model's cell with settings changed), in their order."""
    return [model for model in record["models"] if model.get("role") == "variant"]


def main_cell(record: dict) -> str:
    return main_run(record)["cell"]


# --- migration -----------------------------------------------------------------------------------------

def _first_cell(raw: dict):
    recurrent = ((raw.get("spec") or {}).get("model") or {}).get("recurrent") if isinstance(raw.get("spec"), dict) \
        else None
    if isinstance(recurrent, list) and recurrent and isinstance(recurrent[0], dict):
        return recurrent[0].get("cell")
    return None


def _migrate_1_to_2(raw: dict) -> dict:
    """Format 1 → 2: the main model's keys become models[0] (role main, the spec's first recurrent cell),
    each entry of ``baselines`` a model of role baseline; the run's own timings move to ``timing``; the task
    is classification by accuracy (the only kind format 1 knew)."""
    record = {key: value for key, value in raw.items()
              if key not in V1_MODEL_KEYS and key not in ("baselines", "format_version")}
    main = {"role": "main", "cell": _first_cell(raw) or ""}  # no cell: the spec's own problem is reported
    main.update({key: raw[key] for key in V1_MODEL_KEYS if key in raw})
    timing = raw.get("timing")
    if isinstance(timing, dict):
        main["timing"] = {k: v for k, v in timing.items() if k not in RUN_TIMING_KEYS}
        record["timing"] = {k: timing[k] for k in RUN_TIMING_KEYS if k in timing}
    if main.get("stopped") == {}:
        del main["stopped"]  # an empty "stopped" said nothing
    models = [main]
    baselines = raw.get("baselines")
    if isinstance(baselines, list):
        for baseline in baselines:
            if isinstance(baseline, dict):
                baseline = {"role": "baseline", **{k: v for k, v in baseline.items() if k != "role"}}
                if baseline.get("stopped") == {}:
                    del baseline["stopped"]
            models.append(baseline)
    elif baselines is not None:
        models.append(baselines)  # reported as models[1]'s problem: baselines[0] (see _v1_path)
    return {"format_version": 2, **{k: record[k] for k in ("experiment", "description", "spec", "seed", "backend")
                                    if k in record},
            "task": CLASSIFICATION.model_dump(), **record, "models": models}


MIGRATIONS = {1: _migrate_1_to_2}


def migrate(raw: dict, path: Path | str = RUN_RECORD_NAME) -> dict:
    """A parsed run.json of any format labreport wrote, in the current format (not yet validated)."""
    version = raw.get("format_version", 1)  # run.json files from before format_version existed
    if isinstance(version, bool) or not isinstance(version, int):
        raise RunRecordError(path, [f"format_version: must be a whole number (got {_type_name(version)})"])
    if version > FORMAT_VERSION:
        raise LabreportError(f"{path}: written by a newer labreport (format {version}).",
                             hint="Upgrade labreport to render it.")
    if version < 1:
        raise RunRecordError(path, [f"format_version: must be between 1 and {FORMAT_VERSION} (got {version})"])
    if version == 1:
        missing = [key for key in V1_REQUIRED_KEYS if key not in raw]
        if missing:
            raise LabreportError(f"{path}: not a complete run record; missing {', '.join(missing)}.")
        baselines = raw.get("baselines")
        if baselines is not None and not isinstance(baselines, list):
            raise RunRecordError(path, [f"baselines: must be a list (got {_type_name(baselines)})"])
        if isinstance(baselines, list) and len(baselines) > MAX_BASELINES:
            raise RunRecordError(path, [f"baselines: holds {len(baselines)} baselines; at most {MAX_BASELINES}"])
    while version < FORMAT_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
    return raw


# --- validation messages -------------------------------------------------------------------------------

def _path(loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _v1_path(key: str) -> str:
    """The key path of a problem found in a migrated format-1 record, as that file spells it."""
    head, _, rest = key.partition(".")
    if head.startswith("models["):
        index = int(head[len("models["):head.index("]")])
        tail = head[head.index("]") + 1:]
        if index == 0:
            return (rest or "models") + tail
        return f"baselines[{index - 1}]{tail}" + (f".{rest}" if rest else "")
    return key


def _messages(error: ValidationError) -> list[str]:
    """'key.path[3]: what is wrong' for each error pydantic found."""
    problems = []
    for item in error.errors(include_url=False):
        where = _path(item["loc"])
        context = item.get("ctx") or {}
        kind, value = item["type"], item.get("input")
        if kind in ("run_record_spec",):
            problems += [f"{where}.{problem}" for problem in context["problems"]]
            continue
        if kind == "run_record_problems":
            problems += [f"{where}.{problem}" if where else problem for problem in context["problems"]]
            continue
        if kind == "run_record":
            where += context.get("at", "")
            text = context["text"]
        elif kind == "missing":
            text = "required key is missing"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            text = f"must be an object (got {_type_name(value)})"
        elif kind == "list_type":
            text = f"must be a list (got {_type_name(value)})"
        elif kind == "string_type":
            text = f"must be a string (got {_type_name(value)})"
        elif kind == "bool_type":
            text = f"must be true or false (got {_type_name(value)})"
        elif kind in ("int_type", "int_from_float"):
            text = f"must be a whole number (got {_type_name(value)})"
        elif kind == "literal_error":
            text = f"must be {context.get('expected')} (got {value!r})" if not isinstance(value, (dict, list)) \
                else f"must be {context.get('expected')} (got {_type_name(value)})"
        elif kind == "too_long":
            text = f"holds {context.get('actual_length'):,} items; at most {context.get('max_length'):,}"
        else:
            text = item["msg"]
        problems.append(f"{where}: {text}" if where else text)
    return problems


def validate_record(raw: dict, path: Path | str = RUN_RECORD_NAME, *, migrated_from: int | None = None) -> RunRecord:
    """``raw`` (the current format) as a RunRecord, or a RunRecordError naming ``path`` and each key path."""
    try:
        return RunRecord.model_validate(raw)
    except ValidationError as exc:
        problems = _messages(exc)
        if migrated_from == 1:
            problems = [_v1_path(problem.split(": ", 1)[0]) + ": " + problem.split(": ", 1)[1]
                        if ": " in problem else problem for problem in problems]
        raise RunRecordError(path, problems) from None


def parse_run_record(raw, path: Path | str = RUN_RECORD_NAME) -> RunRecord:
    """A parsed run.json of any format → migrate → validate."""
    if not isinstance(raw, dict):
        raise LabreportError(f"{path}: not a valid run record (the top level is not an object).")
    version = raw.get("format_version", 1)
    return validate_record(migrate(raw, path), path, migrated_from=version if version != FORMAT_VERSION else None)


# --- reading and writing ------------------------------------------------------------------------------

def _json_safe(value):
    """NaN and infinity are not JSON; write them as null (a NaN loss is a real outcome)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _json_safe(value.item())
    return value


def to_record(record: RunRecord | dict) -> RunRecord:
    """A RunRecord from one, or from plain data in the current format (format_version may be left out)."""
    if isinstance(record, RunRecord):
        return record
    data = _json_safe({"format_version": FORMAT_VERSION, **record})
    try:
        return RunRecord.model_validate(data)
    except ValidationError as exc:  # a bug, not a user error: labreport wrote it
        raise ValueError("run record does not validate: " + "; ".join(_messages(exc)[:10])) from None


def write_run_record(run_dir: Path, record: RunRecord | dict) -> Path:
    """Write run.json (through the model: what is written validates)."""
    record = to_record(record)
    text = json.dumps(_json_safe(record.plain()), indent=1, ensure_ascii=False, allow_nan=False)
    return write_atomic(Path(run_dir) / RUN_RECORD_NAME, text + "\n", root=Path(run_dir))


def load_run_record(path: Path) -> RunRecord:
    """Read run.json from a file or a run folder: bounded read → migrate → validate; errors name the file."""
    path = Path(path)
    if path.is_dir():
        path = path / RUN_RECORD_NAME
    try:
        raw = json.loads(read_bounded(path, RUN_RECORD_BYTES).decode("utf-8"))
    except UnreadableFile as exc:
        if str(exc) == "file not found":
            raise LabreportError(
                f"{path}: no run record here.",
                hint="Train first with `labreport run SPEC`, or point at a folder that holds run.json.",
            ) from None
        raise RunRecordError(path, [str(exc)]) from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        if path.suffix.lower() in (".yaml", ".yml"):
            raise LabreportError(
                f"{path}: is a spec, not a run record.",
                hint=(f"Train it with `labreport run {path}`; `labreport render` takes the run folder that "
                      "`labreport run` wrote (e.g. output/<experiment name>)."),
            ) from None
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise LabreportError(f"{path}: not a valid run record ({reason}).") from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise LabreportError(f"{path}: not a valid run record ({exc}).") from None
    return parse_run_record(raw, path)


def read_run_record(path: Path) -> dict:
    """run.json as plain data in the current format (``load_run_record(path).plain()``)."""
    return load_run_record(path).plain()


def run_record_schema() -> dict:
    """RunRecord's JSON Schema."""
    return RunRecord.model_json_schema(mode="validation")


def run_record_schema_text() -> str:
    """RunRecord's JSON Schema as `labreport schema --run-record` prints it."""
    return json.dumps(run_record_schema(), indent=2, ensure_ascii=False) + "\n"
