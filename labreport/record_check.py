"""run.json checked on read: every value rendering uses has the form labreport writes.

A run folder may come from anyone (a classmate, an upload, a tampered CI
artefact), so run.json is input like a spec: a value of the wrong type, an
empty list where one item is needed, or a size no real run has, is reported as
``file: key: what is wrong`` (a ``RunRecordError``, exit 2), never a traceback
in the analysis.  The spec inside it is checked by the spec's own rules
(``validate_spec``), so its messages are the spec's.
"""

from __future__ import annotations

import math
from numbers import Real

from .errors import RunRecordError, SpecError
from .spec import dotted_get

# Sizes no real run has; rendering time grows with them.
MAX_EPOCHS = 2_000  # a 2,000-epoch report is ~60 pages and renders in ~30 s
MAX_CLASSES = 1_000
MAX_BATCH_POINTS = 1_000_000
MAX_BASELINES = 10
MAX_TEXT_CHARS = 200_000  # spec_text, summaries, notes


def _scaled(limit: int) -> int:
    """A limit, raised 100-fold for a real large run (the spec's LABREPORT_ALLOW_LARGE_RUNS)."""
    from .spec import large_runs_allowed
    return limit * 100 if large_runs_allowed() else limit


def _type_name(value) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


class _Checker:
    def __init__(self):
        self.problems: list[str] = []

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"{key}: {text}")

    def mapping(self, record, key: str, *, required: bool = True) -> dict | None:
        value = dotted_get(record, key)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            self.problem(key, f"must be an object (got {_type_name(value)})")
            return None
        return value

    def number(self, record, key: str, *, required: bool = True, nullable: bool = False, low=None, high=None):
        value = dotted_get(record, key)
        if value is None and (nullable or not required):
            return value
        if isinstance(value, bool) or not isinstance(value, Real):
            self.problem(key, f"must be a number (got {_type_name(value)})")
            return None
        if isinstance(value, int) and abs(value) > 10**15:
            self.problem(key, "is too large a number")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(key, "must be a finite number")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(key, f"must be between {low} and {high} (got {value})")
        return value

    def string(self, record, key: str, *, required: bool = True, limit: int = MAX_TEXT_CHARS):
        value = dotted_get(record, key)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            self.problem(key, f"must be a string (got {_type_name(value)})")
            return None
        if len(value) > limit:
            self.problem(key, f"is {len(value):,} characters long; at most {limit:,}")
        return value

    def sequence(self, record, key: str, *, required: bool = True, limit: int = MAX_CLASSES) -> list | None:
        value = dotted_get(record, key)
        if value is None and not required:
            return None
        if not isinstance(value, list):
            self.problem(key, f"must be a list (got {_type_name(value)})")
            return None
        if len(value) > limit:
            self.problem(key, f"holds {len(value):,} items; at most {limit:,}")
            return None
        return value

    def series(self, values, key: str, *, limit: int) -> int | None:
        """A list of numbers (null stands for NaN); its length."""
        if not isinstance(values, list):
            self.problem(key, f"must be a list of numbers (got {_type_name(values)})")
            return None
        if len(values) > limit:
            self.problem(key, f"holds {len(values):,} values; at most {limit:,}")
            return None
        for index, value in enumerate(values):
            if value is not None and (isinstance(value, bool) or not isinstance(value, Real)
                                      or (isinstance(value, int) and abs(value) > 10**15)):
                self.problem(f"{key}[{index}]", f"must be a number or null (got {_type_name(value)})")
                return None
        return len(values)

    def history(self, section, key: str) -> None:
        history = self.mapping(section, key)
        if history is None:
            return
        lengths = {}
        for metric in ("loss", "accuracy"):
            if metric not in history:
                self.problem(f"{key}.{metric}", "required key is missing")
        for metric, values in history.items():
            length = self.series(values, f"{key}.{metric}", limit=_scaled(MAX_EPOCHS))
            if length is not None:
                lengths[metric] = length
        if lengths.get("loss") == 0:
            self.problem(f"{key}.loss", "is empty; a run has at least one epoch")
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{metric} {length}" for metric, length in lengths.items())
            self.problem(key, f"its lists must have one value per epoch each (they have {shown})")


def _diverged(section: dict) -> bool:
    stopped = section.get("stopped")
    return isinstance(stopped, dict) and stopped.get("reason") == "nan_loss"


def check_run_record(record: dict, path) -> None:
    """RunRecordError listing every value of ``record`` (run.json, already parsed) that has the wrong form."""
    check = _Checker()
    version = record.get("format_version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        check.problem("format_version", f"must be a whole number (got {_type_name(version)})")
    check.string(record, "experiment", limit=200)
    check.string(record, "description", required=False)
    spec = check.mapping(record, "spec")
    if spec is not None:
        from .spec import validate_spec
        try:
            validate_spec(dict(spec), path)
        except SpecError as exc:
            check.problems.extend(f"spec.{problem}" for problem in exc.problems)
        else:
            # The spec's defaults fill a missing key; run.json always holds every section whole.
            for key in ("name", "dataset", "model", "training", "report"):
                if key not in spec:
                    check.problem(f"spec.{key}", "required key is missing")
            if isinstance(spec.get("model"), dict) and "recurrent" not in spec["model"]:
                check.problem("spec.model.recurrent", "required key is missing")
    check.history(record, "history")
    test = check.mapping(record, "test", required=not _diverged(record))  # a diverged run has no test result
    if test is not None:
        check.number(record, "test.accuracy", nullable=True, low=0, high=1)
        check.number(record, "test.loss", nullable=True)
    dataset = check.mapping(record, "dataset")
    if dataset is not None:
        names = dataset.get("class_names")
        if names is not None:
            if not isinstance(names, list) or not all(isinstance(name, (str, int)) for name in names):
                check.problem("dataset.class_names", "must be a list of class names")
            elif len(names) > _scaled(MAX_CLASSES):
                check.problem("dataset.class_names", f"holds {len(names):,} classes; at most {_scaled(MAX_CLASSES):,}")
        for key in ("sizes", "lengths", "class_counts", "example"):
            check.mapping(record, f"dataset.{key}", required=False)
        check.number(record, "dataset.chance_accuracy", required=False, low=0, high=1)
        check.number(record, "dataset.min_lag", required=False, low=0, high=10**7)
        check.number(record, "dataset.vocabulary_size", required=False, low=0, high=10**9)
        for key in ("symbols", "important_symbols"):
            check.sequence(record, f"dataset.{key}", required=False, limit=_scaled(MAX_CLASSES) * 100)
        windows = check.sequence(record, "dataset.important_windows", required=False, limit=100)
        if windows and not all(isinstance(w, list) and len(w) == 2 and all(
                isinstance(x, int) and not isinstance(x, bool) for x in w) for w in windows):
            check.problem("dataset.important_windows", "must be a list of [first, last] step pairs")
        check.number(record, "dataset.sequence_length", required=False, low=0, high=10**7)
    model = check.mapping(record, "model")
    if model is not None:
        layers = model.get("layers")
        if layers is not None and (not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers)):
            check.problem("model.layers", "must be a list of objects, one per layer")
        elif isinstance(layers, list) and len(layers) > 1_000:
            check.problem("model.layers", "holds more than 1,000 layers")
        check.number(record, "model.total_params", low=0)
        check.string(record, "model.summary_text", required=False)
    timing = check.mapping(record, "timing")
    if timing is not None:
        if "seconds_per_epoch" in timing:
            check.series(timing["seconds_per_epoch"], "timing.seconds_per_epoch", limit=_scaled(MAX_EPOCHS))
        for key, value in timing.items():
            if key != "seconds_per_epoch" and not isinstance(value, dict):
                check.number(record, f"timing.{key}", nullable=True)
    check.mapping(record, "versions")
    check.number(record, "seed", nullable=True)
    baselines = record.get("baselines")
    if baselines is not None:
        if not isinstance(baselines, list):
            check.problem("baselines", f"must be a list (got {_type_name(baselines)})")
        elif len(baselines) > MAX_BASELINES:
            check.problem("baselines", f"holds {len(baselines)} baselines; at most {MAX_BASELINES}")
        else:
            for index, baseline in enumerate(baselines):
                key = f"baselines[{index}]"
                if not isinstance(baseline, dict):
                    check.problem(key, f"must be an object (got {_type_name(baseline)})")
                    continue
                inner = _Checker()
                if "cell" in baseline:
                    inner.string(baseline, "cell", limit=40)
                else:
                    inner.problem("cell", "required key is missing")
                inner.history(baseline, "history")
                inner.mapping(baseline, "test", required=not _diverged(baseline))
                check.problems.extend(f"{key}.{problem}" for problem in inner.problems)
    batch = record.get("batch_history")
    if batch is not None:
        if not isinstance(batch, dict):
            check.problem("batch_history", f"must be an object (got {_type_name(batch)})")
        else:
            for key, values in batch.items():
                if key in ("epoch", "batch", "loss", "accuracy") or isinstance(values, list):
                    check.series(values, f"batch_history.{key}", limit=MAX_BATCH_POINTS)
    for key in ("stopped", "diagnostics", "spec_overrides", "fingerprint_inputs",
                "diagnostics.gradient_norms", "diagnostics.gates"):
        check.mapping(record, key, required=False)
    for key in ("spec_text", "fingerprint", "report_fingerprint", "created"):
        check.string(record, key, required=False)
    for key in ("evaluated_epoch",):
        check.number(record, key, required=False, low=1, high=_scaled(MAX_EPOCHS))
    if check.problems:
        raise RunRecordError(path, check.problems)
