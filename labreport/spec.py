"""The experiment spec: the YAML a user writes, validated into plain data.

Every field belongs to one of two kinds, recorded in ``TRAINING_SECTIONS`` and
``REPORT_SECTIONS``: a change to a training field means the model must be
trained again; a change to a report field only needs the report rendered
again from the saved run record.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, BeforeValidator, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from .sources import registry as _sources
from .errors import SpecError
from .spec_fields import (  # noqa: F401 (re-exported)
    LARGE_RUNS_VARIABLE,
    Float,
    Int,
    OptionalFloat,
    OptionalInt,
    _amount,
    _not_yes_no,
    _Section,
)

CellName = Literal["lstm", "gru", "simple_rnn"]


def _worksheet_name(value):
    # The formats are the folders under templates/formats (worksheets.py): a new
    # folder is a new choice here and in the JSON Schema, with no change to this file.
    from pydantic_core import PydanticCustomError

    from .worksheets import worksheet_names
    names = worksheet_names()
    if not isinstance(value, str) or value not in names:
        quoted = [repr(name) for name in names]
        expected = ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
        # The same error kind as a Literal's, so the message lists the choices and suggests a close one.
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})
    return value


def _worksheet_schema(schema: dict) -> None:
    from .worksheets import worksheet_names
    schema["enum"] = list(worksheet_names())


WorksheetName = Annotated[str, BeforeValidator(_worksheet_name), Field(json_schema_extra=_worksheet_schema)]


def _finite_or_word(value: Any) -> Any:
    # One message for `forget_bias: .inf`, not one per member of the union.
    import math
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number or 'chrono'")
    return value


TRAINING_SECTIONS = ("dataset", "model", "training")
REPORT_SECTIONS = ("name", "description", "header", "report")


# --------------------------------------------------------------------------- dataset


def dataset_union():
    """The dataset section's type: the registered sources' spec models, told apart by ``source``
    (labreport/sources/registry.py; each source module declares its model)."""
    models = tuple(source.spec_model for source in _sources.sources())
    return Union[models] if len(models) > 1 else models[0]


def dataset_models() -> dict[str, type[BaseModel]]:
    """Source name → its spec model."""
    return {source.name: source.spec_model for source in _sources.sources()}


def _default_dataset():
    return _sources.get(_sources.DEFAULT_SOURCE).spec_model()


# --------------------------------------------------------------------------- model


ForgetBias = Annotated[Union[Float, Literal["chrono"]], BeforeValidator(_finite_or_word)]


class RecurrentLayerSpec(_Section):
    cell: CellName = "lstm"
    units: Int = Field(32, ge=1)
    bidirectional: bool = False
    dropout: Float = Field(0.0, ge=0, lt=1)
    recurrent_dropout: Float = Field(0.0, ge=0, lt=1)
    forget_bias: ForgetBias = Field(
        1.0,
        description=(
            "LSTM only: initial bias of the forget gate (Keras' unit_forget_bias gives 1.0). "
            "A larger value starts the cell remembering across longer lags (sigmoid(3) = 0.95 per step). "
            "'chrono': chrono initialisation (Tallec & Ollivier 2018): forget biases log(u), u ~ U(1, T - 1) "
            "for T the sequence length, and input biases their negatives, so the units start with memory "
            "time scales spread from 1 to T steps."
        ),
    )


class EmbeddingSpec(_Section):
    input_dim: OptionalInt = Field(None, ge=2, description="Vocabulary size; default: the dataset's.")
    output_dim: Int = Field(16, ge=1, description="Embedding vector length.")


# The recurrent-layer settings a compared variant may change (every recurrent layer alike).
VARIANT_SETTINGS = ("forget_bias", "units", "dropout", "recurrent_dropout", "bidirectional")


class CompareVariant(_Section):
    """A compared model: the main model with every recurrent layer's cell and some settings changed.

    ``{cell: lstm, forget_bias: 1.0}`` beside an LSTM with chrono initialisation measures what the
    initialisation contributes; ``{cell: simple_rnn}`` is the same as writing ``simple_rnn``.
    """

    cell: CellName = Field(..., description="The recurrent cell of every layer of the variant.")
    forget_bias: Optional[ForgetBias] = Field(None, description="LSTM only: the variant's forget_bias.")
    units: OptionalInt = Field(None, ge=1, description="The variant's units per recurrent layer.")
    dropout: OptionalFloat = Field(None, ge=0, lt=1, description="The variant's input dropout.")
    recurrent_dropout: OptionalFloat = Field(None, ge=0, lt=1, description="The variant's recurrent dropout.")
    bidirectional: Optional[bool] = Field(None, description="Whether the variant's layers are bidirectional.")
    name: Optional[str] = Field(
        None, description="Its name in file names (history_<name>.csv); default: the cell and the changed settings.")

    @field_validator("name")
    @classmethod
    def _file_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", value):
            raise ValueError("must be 1-40 lowercase letters, digits or '_', starting with a letter "
                             "(it becomes part of file names)")
        return value

    @model_validator(mode="after")
    def _forget_bias_needs_lstm(self):
        if self.forget_bias is not None and self.cell != "lstm":
            raise ValueError(f"forget_bias is an LSTM setting; a {self.cell} has no forget gate")
        return self

    def overrides(self) -> dict:
        """The settings this variant changes, by name, in VARIANT_SETTINGS order."""
        return {key: getattr(self, key) for key in VARIANT_SETTINGS if getattr(self, key) is not None}


def _compare_kind(value: Any) -> str:
    return "cell" if isinstance(value, str) else "variant"


# A bare cell name or a mapping: told apart by the value's type, so a mistake in either is reported once.
CompareEntry = Annotated[Union[Annotated[CellName, Tag("cell")], Annotated[CompareVariant, Tag("variant")]],
                         Discriminator(_compare_kind)]


@dataclass(frozen=True)
class Baseline:
    """One model trained beside the main one: its name, cell, changed settings and whole model section.

    ``kind`` is "cell" for a cell swapped and nothing else (the evidence for "why LSTM over RNN")
    and "variant" for the main model's own cell with settings changed (what a setting contributes).
    """

    name: str  # history_<name>.csv and .checkpoint/<name>/ in the run folder
    cell: str
    overrides: dict
    model: "ModelSpec"

    @property
    def kind(self) -> str:
        return "variant" if self.overrides else "cell"


def _variant_name(cell: str, overrides: dict) -> str:
    parts = [cell] + [f"{key}_{value}" for key, value in overrides.items()]
    return re.sub(r"[^a-z0-9]+", "_", "_".join(parts).lower()).strip("_")[:40]


class ModelSpec(_Section):
    embedding: Optional[EmbeddingSpec] = Field(
        default_factory=EmbeddingSpec,
        description="Embedding layer; null feeds one-hot vectors (numeric sequences).",
    )
    recurrent: list[RecurrentLayerSpec] = Field(
        default_factory=lambda: [RecurrentLayerSpec()], min_length=1,
        description="Recurrent layers, first to last; return_sequences is set for stacking.",
    )
    compare: list[CompareEntry] = Field(
        default_factory=lambda: ["simple_rnn"],
        description=(
            "Models trained beside the main one on the same data and seed: a cell name swaps every "
            "recurrent cell and keeps everything else (the evidence for 'why LSTM over RNN'); "
            "{cell: ..., forget_bias: ..., units: ...} also changes those settings of every recurrent "
            "layer (e.g. {cell: lstm, forget_bias: 1.0} measures what chrono initialisation contributes); "
            "[] trains none."
        ),
    )

    @model_validator(mode="after")
    def _compared_models_differ(self):
        seen: dict[str, int] = {}
        for index, entry, baseline in self._compared():
            if not isinstance(entry, str) and baseline.model.recurrent == self.recurrent:
                raise ValueError(f"compare[{index}] is the main model itself ({entry.cell} with the same "
                                 "settings); change a setting or leave it out")
            # Each model's files are history_<name>.csv and .checkpoint/<name>/: no two may share a name.
            if baseline.name in seen:
                raise ValueError(f"compare[{index}] has the name '{baseline.name}' of compare[{seen[baseline.name]}]; "
                                 "give one of them its own name")
            seen[baseline.name] = index
        return self

    def baselines(self) -> list[Baseline]:
        """The compared models, in the spec's order; a bare cell name equal to the main model's cell is
        skipped (it would be the main model again), a repeated one trains once."""
        return [baseline for _, _, baseline in self._compared()]

    def _compared(self):
        """(index in compare, entry, Baseline) of each model compare trains, bare cells deduplicated."""
        bare = set()
        for index, entry in enumerate(self.compare):
            if isinstance(entry, str):
                if entry in bare or entry == self.recurrent[0].cell:
                    continue
                bare.add(entry)
            yield index, entry, self._baseline(entry)

    def _baseline(self, entry: "str | CompareVariant") -> Baseline:
        if isinstance(entry, str):
            cell, overrides, name = entry, {}, entry
        else:
            cell, overrides = entry.cell, entry.overrides()
            name = entry.name or (_variant_name(cell, overrides) if overrides else cell)
        layers = [layer.model_copy(update={"cell": cell, **overrides}) for layer in self.recurrent]
        return Baseline(name=name, cell=cell, overrides=overrides,
                        model=self.model_copy(update={"recurrent": layers, "compare": []}))


# --------------------------------------------------------------------------- training


MAX_MIN_DELTA = 1_000  # an epoch's loss changes by far less; more means no epoch ever improves
MonitorName = Literal["val_loss", "val_accuracy", "loss", "accuracy"]
# A forecast's regression losses (Keras' names): on the scaled targets; huber is Keras' Huber with delta 1.0.
RegressionLoss = Literal["mse", "mae", "huber"]
REGRESSION_LOSSES = ("mse", "mae", "huber")
DEFAULT_REGRESSION_LOSS = "mse"


class EarlyStoppingSpec(_Section):
    """Stop when the monitored value stops improving, and evaluate the best epoch's weights.

    The semantics of keras.callbacks.EarlyStopping(monitor, patience, min_delta,
    restore_best_weights): an epoch improves on the best so far when it beats it by more
    than min_delta (losses lower, accuracies higher); training stops once `patience`
    epochs in a row have not improved; with restore_best_weights the weights of the
    best epoch are put back before the test set is evaluated.  The state survives a
    killed and resumed run.
    """

    monitor: MonitorName = Field("val_loss", description="The value watched for improvement (val_*: needs a validation set).")
    patience: OptionalInt = Field(
        2, ge=0,
        description=("Epochs in a row without improvement before training stops (Keras' patience). "
                     "null: never stop early, only track the best epoch (with restore_best_weights: "
                     "train every epoch, then evaluate the best one)."),
    )
    min_delta: Float = Field(0.0, ge=0, description="The least change that counts as an improvement.")

    @field_validator("min_delta")
    @classmethod
    def _min_delta_bounded(cls, value: float) -> float:
        if value > MAX_MIN_DELTA:
            raise ValueError(f"{value:g} is more than any loss or accuracy changes by in an epoch "
                             f"(at most {MAX_MIN_DELTA:,}); it would count no epoch as an improvement")
        return value
    restore_best_weights: bool = Field(
        True, description="Evaluate the weights of the best epoch, not the last (Keras' default is false)."
    )


def _early_stopping_switch(value: Any) -> Any:
    # `early_stopping: true` turns it on with the defaults, `false` leaves it off.
    if value is True:
        return {}
    if value is False:
        return None
    return value


class TrainingSpec(_Section):
    optimizer: Literal["adam", "rmsprop", "sgd"] = "adam"
    learning_rate: Float = Field(0.001, gt=0)
    clipnorm: OptionalFloat = Field(None, gt=0, description="Clip each gradient to this norm.")
    batch_size: Int = Field(32, ge=1)
    epochs: Int = Field(10, ge=1)
    validation_split: Float = Field(
        0.2, ge=0, lt=1,
        description="Fraction of the training data held out for validation; 0: train on all of it, no validation curve.",
    )
    validation_shuffle: bool = Field(
        False, description="false: the last fraction, as Keras' validation_split; true: a seeded random fraction."
    )
    seed: Int = 42
    loss: Optional[RegressionLoss] = Field(
        None,
        description=("A forecast's loss on the scaled targets: mse (mean squared error, the default), mae (mean "
                     "absolute error) or huber (Keras' Huber loss, delta 1: squared within one training standard "
                     "deviation, growing linearly beyond). Classification always uses cross-entropy: leave it unset."),
    )
    backend: Literal["tensorflow", "jax", "torch"] = Field(
        "tensorflow",
        description=("Keras' backend. jax needs pip install 'labreport[jax]', torch (Keras' PyTorch backend) "
                     "pip install 'labreport[torch]'."),
    )
    jit_compile: bool = Field(
        False,
        description=(
            "Compile the training steps with XLA (TensorFlow backend; the JAX backend always compiles with XLA; "
            "the torch backend never does, it runs eagerly). "
            "On a CPU about twice as fast for small LSTMs, but the arithmetic differs, so results differ from a "
            "run without it."
        ),
    )
    early_stopping: Annotated[Optional[EarlyStoppingSpec], BeforeValidator(_early_stopping_switch)] = Field(
        None,
        description=("Early stopping and best-epoch weights, e.g. {monitor: val_loss, patience: 2, "
                     "restore_best_weights: true}; true: those defaults; null (default): train every epoch "
                     "and evaluate the last."),
    )

    @model_validator(mode="after")
    def _monitor_needs_validation(self):
        stopping = self.early_stopping
        if stopping is not None and stopping.monitor.startswith("val_") and self.validation_split == 0:
            raise ValueError(
                f"early_stopping.monitor: {stopping.monitor} needs a validation set, but validation_split is 0; "
                f"hold some data out (validation_split: 0.2) or monitor the training {stopping.monitor[4:]}"
            )
        return self


# --------------------------------------------------------------------------- report


class HeaderSpec(_Section):
    """Fields of the boxed header on every page; empty ones print as blanks to fill by hand."""

    university: str = ""
    faculty: str = ""
    department: str = ""
    subject: str = ""
    subject_code: str = ""
    experiment_no: str = ""
    aim: Optional[str] = Field(None, description="Default: the worksheet's aim.")
    date: str = ""
    enrolment_no: str = ""
    student_name: str = ""

    @field_validator("experiment_no", "date", "enrolment_no", mode="before")
    @classmethod
    def _scalar_to_text(cls, value: Any) -> Any:
        # `experiment_no: 13` or `date: 2026-11-21` are natural to write in YAML.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value


class ReferenceSpec(_Section):
    """A published result the report compares this run with (a hand-out's test accuracy)."""

    accuracy: Float = Field(..., ge=0, le=1, description="The reference test accuracy, as a share (0.859 for 85.90 %).")
    source: str = Field(..., min_length=1, description="Where the number comes from (a hand-out, a paper), as printed.")


class ReportSpec(_Section):
    worksheet: WorksheetName = "exp13"
    template: Optional[str] = Field(None, description="Your own Jinja template extending base.html.j2.")
    template_dir: Optional[str] = Field(
        None,
        description=("A course's template folder, searched before labreport's: a phrases.html.j2 there replaces "
                     "the shipped sentences, a formats/<worksheet>/report.html.j2 the shipped format."),
    )
    smoothing: Float = Field(0.6, ge=0, le=1, description="Weight of TensorBoard's debiased moving average.")
    notes: str = Field("", description="Free text printed in the report as given.")
    reference: Optional[ReferenceSpec] = Field(
        None, description="A reference result to compare the test accuracy with, e.g. the hand-out's.")


# --------------------------------------------------------------------------- the spec


_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")  # used with fullmatch: no trailing newline


class ExperimentSpec(_Section):
    name: str = Field(..., description="Experiment name; also the output folder's name.")
    description: str = ""
    header: HeaderSpec = Field(default_factory=HeaderSpec)
    dataset: Annotated[dataset_union(), Field(discriminator="source")] = Field(default_factory=_default_dataset)
    model: ModelSpec = Field(default_factory=ModelSpec)
    training: TrainingSpec = Field(default_factory=TrainingSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        # The name becomes a folder name: refuse anything that could escape
        # the output folder or upset a file system.
        if not _NAME_RE.fullmatch(value) or value in {".", ".."} or ".." in value:
            raise ValueError(
                "must be 1-80 letters, digits, '_', '-' or '.', starting with a letter or digit"
            )
        from .safe_io import reserved_on_windows
        if reserved_on_windows(value):
            raise ValueError(f"'{value}' cannot be a folder name on Windows (CON, PRN, AUX, NUL, COM1-9 and "
                             "LPT1-9, with any extension, and names ending in '.'); choose another name")
        return value

    @model_validator(mode="after")
    def _forecast_compares_cells(self):
        # A forecast's report sets the network against baselines by their errors; a variant of the network has
        # no words there yet, so it is refused rather than trained and left unsaid.
        if getattr(self.dataset, "task", None) == "forecast":
            for index, entry in enumerate(self.model.compare):
                if not isinstance(entry, str):
                    raise ValueError(f"model.compare[{index}]: a forecast compares cells only (e.g. simple_rnn); "
                                     "a variant with changed settings is not reported for forecasts yet")
        return self

    @model_validator(mode="after")
    def _regression_loss_for_forecasts(self):
        # A classifier's loss is the cross-entropy of its classes; a regression loss is a forecast's only.
        if self.training.loss is not None and getattr(self.dataset, "task", None) != "forecast":
            task = getattr(self.dataset, "task", None)
            what = f"dataset.task: {task}" if task else f"dataset.source: {self.dataset.source}"
            raise ValueError(f"training.loss: {self.training.loss} is a forecast's loss (dataset.task: forecast), but "
                             f"this spec classifies ({what}), which is trained with cross-entropy; "
                             "remove training.loss")
        return self

    def regression_loss(self) -> str | None:
        """A forecast's loss (the spec's, default mse); None for a classification."""
        if getattr(self.dataset, "task", None) != "forecast":
            return None
        return self.training.loss or DEFAULT_REGRESSION_LOSS

    def training_fields(self) -> dict:
        data = self.model_dump(mode="json")
        return {key: data[key] for key in TRAINING_SECTIONS}

    def report_fields(self) -> dict:
        data = self.model_dump(mode="json")
        return {key: data[key] for key in REPORT_SECTIONS}

    def baselines(self) -> list[Baseline]:
        """The models trained beside the main one (``model.compare``)."""
        return self.model.baselines()


def _rebuild_dataset_union() -> None:
    # A source registered (or removed) after this module was imported: the dataset field's type, its
    # validation and its JSON Schema are rebuilt from the registry.
    ExperimentSpec.model_fields["dataset"].annotation = dataset_union()
    ExperimentSpec.model_rebuild(force=True)


_sources.on_change(_rebuild_dataset_union)


# --------------------------------------------------------------------------- loading


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that also refuses duplicate keys (a silent overwrite is a bug)."""


def _construct_mapping(loader, node, deep=False):
    first_lines = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in first_lines:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first at line {first_lines[key]}); write each key once, "
                f"merging what is under both",
                mark,
            )
        first_lines[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# Bounds on a spec's YAML: a page of text needs none of them, a hostile file hits them at once.
YAML_MAX_NODES = 100_000    # scalars, lists and mappings after aliases are expanded ("billion laughs")
YAML_MAX_CHARS = 5_000_000  # characters of all scalars after aliases are expanded
YAML_MAX_DEPTH = 50         # lists and mappings inside each other
YAML_MAX_DIGITS = 18        # an integer: no spec value needs more digits


def _expansion_problem(node) -> str | None:
    """Why the node graph is too big once aliases are expanded, or None; walked once per distinct node."""
    sizes: dict[int, tuple[int, int]] = {}
    int_tag = "tag:yaml.org,2002:int"

    def size(node, depth: int) -> tuple[int, int]:
        if depth > YAML_MAX_DEPTH:
            raise _TooBig(f"nested more than {YAML_MAX_DEPTH} levels deep", node)
        known = sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.ScalarNode):
            if node.tag == int_tag and len(node.value.lstrip("+-").replace("_", "")) > YAML_MAX_DIGITS:
                raise _TooBig(f"a number of {len(node.value):,} digits; no spec value needs more than "
                              f"{YAML_MAX_DIGITS}", node)
            total = (1, len(node.value))
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else \
                [child for pair in node.value for child in pair]
            nodes, chars = 1, 0
            for child in children:
                child_nodes, child_chars = size(child, depth + 1)
                nodes, chars = nodes + child_nodes, chars + child_chars
                if nodes > YAML_MAX_NODES or chars > YAML_MAX_CHARS:
                    raise _TooBig("aliases (*name) expand to more than "
                                  f"{YAML_MAX_NODES:,} values or {YAML_MAX_CHARS:,} characters", node)
            total = (nodes, chars)
        sizes[id(node)] = total
        return total

    try:
        size(node, 0)
    except _TooBig as exc:
        mark = exc.node.start_mark
        return f"YAML error at line {mark.line + 1}, column {mark.column + 1}: {exc.args[0]}"
    return None


class _TooBig(Exception):
    def __init__(self, text: str, node):
        super().__init__(text)
        self.node = node


def read_yaml(path: Path) -> Any:
    """Read YAML safely and within bounds; errors name the file, line and column."""
    from .safe_io import SPEC_BYTES, UnreadableFile, read_bounded

    try:
        text = read_bounded(path, SPEC_BYTES).decode("utf-8")
    except UnreadableFile as exc:
        if str(exc) == "is a folder, not a file":
            raise SpecError(path, ["is a folder, not a YAML file"]) from None
        raise SpecError(path, [str(exc)]) from None
    except UnicodeDecodeError as exc:
        raise SpecError(path, [f"not UTF-8 text (byte {exc.start})"]) from None
    return parse_yaml_text(text, path)


def parse_yaml_text(text: str, path: Path | str = "<spec>") -> Any:
    """YAML text parsed safely and within bounds (``YAML_MAX_*``); SpecError naming ``path`` otherwise."""
    control = _control_character(text)
    if control:
        raise SpecError(path, [control])
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problem = _expansion_problem(node)
        if problem:
            raise SpecError(path, [problem])
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise SpecError(path, [_describe_yaml_error(exc)]) from None
    except yaml.YAMLError as exc:
        raise SpecError(path, [f"YAML error: {exc}"]) from None
    except RecursionError:
        raise SpecError(path, [f"YAML error: nested too deeply (more than {YAML_MAX_DEPTH} levels)"]) from None
    except ValueError as exc:  # e.g. a number PyYAML cannot convert
        raise SpecError(path, [f"YAML error: a value cannot be read ({str(exc)[:100]})"]) from None
    finally:
        loader.dispose()


def _control_character(text: str) -> str | None:
    """'YAML error at line L, column C: ...' for the first character YAML does not allow (NUL, DEL, a lone
    surrogate, other control characters), or None.  PyYAML's reader refuses them before parsing, as an
    exception without a line (and before ``parse_yaml_text``'s handlers would see it)."""
    match = _NOT_YAML.search(text)
    if match is None:
        return None
    character = match.group()
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    name = _CONTROL_NAMES.get(character, "a control character")
    return (f"YAML error at line {line}, column {column}: {name} (U+{ord(character):04X}) is not allowed in YAML; "
            "remove it (a file saved by a word processor or an editor's binary mode can hold one)")


# What PyYAML's reader refuses: everything outside YAML's printable set (tab, LF, CR, NEL and the
# printable ranges), a lone surrogate included.
_NOT_YAML = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
_CONTROL_NAMES = {"\x00": "a NUL byte", "\x7f": "a DEL character", "\x1b": "an escape character",
                  "\x0c": "a form feed", "\x0b": "a vertical tab", "\x08": "a backspace"}


# PyYAML's wording for the mistakes people make most, and what to do about them.
_YAML_ADVICE = (
    ("could not determine a constructor", "tags that build Python objects are not allowed in a spec"),
    ("mapping values are not allowed here",
     "a value holding ': ' must be quoted, e.g. \"Dr: A. Student\"; or a key is indented wrongly"),
    ("expected <block end>",
     "check the indentation: the keys of one mapping must start in the same column"),
    ("could not find expected ':'", "a key needs ': ' after it, or a value holding ':' needs quotes"),
    ("found duplicate anchor", "an anchor (&name) may be defined only once"),
    ("while scanning a quoted scalar", "a quoted value is missing its closing quote"),
)


def _describe_yaml_error(exc: yaml.MarkedYAMLError) -> str:
    """'YAML error at line L, column C: problem (context) (advice)' for one parse error."""
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = exc.problem or str(exc)
    if "'\\t'" in problem and "cannot start any token" in problem:
        return f"YAML error{where}: a tab character; indent YAML with spaces, never tabs"
    if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        # e.g. an unclosed quote or bracket: the place it was opened is the one to look at.
        problem += (f" ({exc.context} started at line {exc.context_mark.line + 1}, "
                    f"column {exc.context_mark.column + 1})")
    for wording, advice in _YAML_ADVICE:
        if wording in problem:
            problem += f"; {advice}"
            break
    return f"YAML error{where}: {problem}"


def _model_for_loc(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that owns the field at ``loc`` (for suggestions)."""
    model: Any = ExperimentSpec
    for index, part in enumerate(loc[:-1]):
        if isinstance(part, int) or _compare_tag(loc, index):
            continue
        if model is None:
            return None
        field = model.model_fields.get(part)
        if field is None:
            # a discriminated-union tag, e.g. ('dataset', 'csv', 'colum')
            model = dataset_models().get(part)
            continue
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _compare_tag(loc: tuple, index: int) -> bool:
    # model.compare[i] is a cell name or a mapping; pydantic puts which ("cell"/"variant") in the path.
    return index >= 2 and loc[index - 2] == "compare" and isinstance(loc[index - 1], int)


def _key_path(loc: tuple) -> str:
    parts: list[str] = []
    for index, part in enumerate(loc):
        if _compare_tag(loc, index):
            continue
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        elif part in _sources.names() and parts and parts[-1] == "dataset":
            continue  # pydantic puts the union tag in the path; users never write it
        else:
            parts.append(str(part))
    return ".".join(parts)


# Sections of the spec and the pydantic model of each, for "belongs under" suggestions.
_SECTION_MODELS = {
    "header": ("HeaderSpec",), "dataset": None,  # None: every source's model
    "model": ("ModelSpec",), "training": ("TrainingSpec",), "report": ("ReportSpec",),
}


def _section_of(key: str) -> str | None:
    """The section a top-level key belongs to, e.g. 'epochs' -> 'training' (a lost indentation)."""
    for section, model_names in _SECTION_MODELS.items():
        models = dataset_models().values() if model_names is None else [globals()[name] for name in model_names]
        if any(key in model.model_fields for model in models):
            return section
    return None


def _describe(error: dict) -> str:
    loc = tuple(error["loc"])
    key = _key_path(loc) or "(top level)"
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    if kind == "extra_forbidden":
        if len(loc) == 1 and _section_of(str(loc[0])):
            section = _section_of(str(loc[0]))
            return (f"{key}: unknown key at the top level; did you mean '{section}.{key}'? "
                    f"(indent it under '{section}:')")
        owner = _model_for_loc(loc)
        known = list(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        allowed = f" (known keys: {', '.join(known)})" if known and not close else ""
        return f"{key}: unknown key{hint}{allowed}"
    if kind == "missing":
        return f"{key}: required key is missing"
    if kind in ("union_tag_invalid", "literal_error", "enum"):
        expected = ctx.get("expected_tags") or ctx.get("expected")
        tag = ctx.get("tag")
        if kind == "union_tag_invalid":
            key += ".source"  # pydantic names the union; the user wrote dataset.source
        shown = tag if tag is not None else got
        allowed = re.findall(r"'([^']*)'", str(expected))
        close = ([v for v in allowed if v.lower() == str(shown).lower()]
                 or difflib.get_close_matches(str(shown), allowed, n=1, cutoff=0.6))
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{key}: {_short_repr(shown)} is not allowed; allowed values: {expected}{hint}"
    if kind == "union_tag_not_found":
        return f"{key}.source: required key is missing; allowed values: {', '.join(_sources.names())}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if _compare_tag(loc, len(loc) - 1):
            return (f"{key}: must be a cell name ('lstm', 'gru' or 'simple_rnn') or a mapping of a cell and the "
                    f"settings it changes, e.g. {{cell: lstm, forget_bias: 1.0}} (got {_short_repr(got)})")
        if got is None:
            return f"{key}: is empty; its keys must be indented under '{loc[-1]}:'"
        return f"{key}: must be a mapping of keys indented under '{loc[-1]}:' (got {_short_repr(got)})"
    if kind == "list_type":
        return f"{key}: must be a list, written [a, b] or as one '- item' line each (got {_short_repr(got)})"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
        # A section's own check names the key it is about: 'training' + 'early_stopping.monitor: ...'.
        inner = re.match(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (.*)$", message, flags=re.S)
        if inner:
            # A check of the whole spec (no location of its own) names its key in full.
            return f"{key + '.' if loc else ''}{inner.group(1)}: {inner.group(2)}"
    shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {_short_repr(got)})"
    advice = ""
    if kind == "float_parsing" and isinstance(got, str) and "," in got:
        advice = f"; write decimals with a dot ({got.replace(',', '.')})"
    if loc and loc[-1] in ("validation_split", "test_fraction") and isinstance(got, (int, float)) and got > 1:
        advice = f"; it is a fraction: {got / 100:g} holds out {got:g}%" if got < 100 else "; it is a fraction, e.g. 0.2"
    return f"{key}: {message[0].lower()}{message[1:]}{shown}{advice}"


def _plainly_a_spec(data: dict) -> bool:
    """Whether a mapping is plainly meant as a spec: empty, or a top-level key that is (or is close to) a spec's."""
    if not data:
        return True
    known = list(ExperimentSpec.model_fields)
    for key in list(data)[:200]:
        if not isinstance(key, str) or len(key) > 40:
            continue
        if key in known or difflib.get_close_matches(key, known, n=1, cutoff=0.75) or _section_of(key):
            return True
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_problems(data, where: str = "") -> list[str]:
    """A YAML escape such as "\\ud800" makes a lone surrogate: not text, so no file, PDF or notebook can hold it."""
    problems: list[str] = []

    def walk(value, key: str) -> None:
        if len(problems) >= 10:
            return
        if isinstance(value, str):
            found = _SURROGATE.search(value)
            if found:
                problems.append(f"{key or '(top level)'}: holds a lone surrogate (U+{ord(found.group()):04X}, "
                                f"written as an escape such as \"\\u{ord(found.group()):04x}\"), which is not text; "
                                "remove it")
        elif isinstance(value, dict):
            for name, item in value.items():
                label = name if isinstance(name, str) and not _SURROGATE.search(name) else "(a key)"
                walk(name, f"{key}.{label}" if key else label) if isinstance(name, str) else None
                walk(item, f"{key}.{label}" if key else label)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{key}[{index}]")

    walk(data, where)
    return problems


def _short_repr(value) -> str:
    """repr of a value for a message: at most 80 characters (a spec value may be a megabyte)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return _amount(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def validate_spec(data: Any, path: Path | str = "<spec>", *, default_name: str | None = None) -> ExperimentSpec:
    """Validate already-parsed YAML; every problem is reported at once."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(path, [f"the top level must be a mapping of keys, not {type(data).__name__}"])
    if not _plainly_a_spec(data):
        # Not a spec someone wrote (a key file, a config, /etc/passwd through a link): its lines would come
        # back as "unknown key" problems, which reach terminals, CI logs and batch's index.json.  Not shown.
        raise SpecError(path, [f"none of its {len(data):,} top-level keys is a spec's key, so it does not look "
                               f"like a labreport spec (its keys are not shown)"],
                        hint=f"A spec's top-level keys are {', '.join(ExperimentSpec.model_fields)}; "
                             "`labreport init NAME` writes one to start from.")
    if "name" not in data and default_name is not None:
        data = {"name": default_name, **data}
    problems = _surrogate_problems(data)
    if problems:
        raise SpecError(path, problems)
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors(include_url=False)]
        raise SpecError(path, problems) from None
    problems = limit_problems(spec)
    if problems:
        raise SpecError(path, problems)
    return spec


# --------------------------------------------------------------------------- limits

# Values no lab exercise needs; each costs hours, memory or pages beyond them.  A real
# large run sets LABREPORT_ALLOW_LARGE_RUNS=1, which raises every limit to its hard cap.
# key: (limit, hard cap even with LABREPORT_ALLOW_LARGE_RUNS, what one is)
SPEC_LIMITS = {
    "training.epochs": (2_000, 1_000_000, "epochs"),  # as many as a report renders by default (record.MAX_EPOCHS)
    "training.early_stopping.patience": (2_000, 1_000_000, "epochs"),  # beyond training.epochs it never stops
    "training.batch_size": (65_536, 10_000_000, "samples per batch"),
    "dataset.n_train": (10_000_000, 10**9, "sequences"),
    "dataset.n_test": (10_000_000, 10**9, "sequences"),
    "dataset.sequence_length": (100_000, 10_000_000, "steps"),
    "dataset.vocabulary_size": (10_000_000, 10**9, "words"),
    "dataset.num_words": (10_000_000, 10**9, "words"),
    "dataset.limit_train": (10_000_000, 10**9, "reviews"),
    "dataset.limit_test": (10_000_000, 10**9, "reviews"),
    "dataset.maxlen": (100_000, 10_000_000, "steps"),
    "model.embedding.input_dim": (10_000_000, 10**9, "words"),
    "model.embedding.output_dim": (4_096, 1_000_000, "dimensions"),
    "model.recurrent[].units": (4_096, 1_000_000, "units"),
    "model.recurrent": (16, 1_000, "layers"),
    "report.notes": (20_000, 1_000_000, "characters"),
    "description": (5_000, 1_000_000, "characters"),
    "header.*": (500, 100_000, "characters"),
}
SEEDS = ("training.seed", "dataset.seed", "dataset.split_seed", "dataset.shuffle_seed")


def large_runs_allowed() -> bool:
    import os
    return os.environ.get(LARGE_RUNS_VARIABLE, "").strip() not in ("", "0")


def limit_problems(spec: "ExperimentSpec") -> list[str]:
    """'key: value is more than the N allowed' for every value past its limit (its hard cap when allowed)."""
    large = large_runs_allowed()
    data = spec.model_dump(mode="python")
    problems = []

    def check(key: str, value, limit_key: str) -> None:
        soft, hard, what = SPEC_LIMITS[limit_key]
        size = len(value) if isinstance(value, (str, list)) else value
        if not isinstance(size, int) or isinstance(size, bool):
            return
        if size > hard:
            problems.append(f"{key}: {_amount(size)} {what} is more than any run can use (at most {hard:,})")
        elif size > soft and not large:
            problems.append(f"{key}: {_amount(size)} {what} is more than the {soft:,} allowed "
                            f"(raise the limit with {LARGE_RUNS_VARIABLE}=1)")

    for limit_key in SPEC_LIMITS:
        if "[]" in limit_key:
            listed, attr = limit_key.split("[].")
            for index, item in enumerate(dotted_get(data, listed) or []):
                check(f"{listed}[{index}].{attr}", item.get(attr), limit_key)
        elif limit_key.endswith(".*"):
            for name, value in (dotted_get(data, limit_key[:-2]) or {}).items():
                check(f"{limit_key[:-2]}.{name}", value or "", limit_key)
        else:
            check(limit_key, dotted_get(data, limit_key), limit_key)
    for key in SEEDS:
        seed = dotted_get(data, key)
        if isinstance(seed, int) and not 0 <= seed < 2**32:
            problems.append(f"{key}: a seed must be between 0 and {2**32 - 1:,} (got {_amount(seed)})")
    source_limits = _sources.get(spec.dataset.source).limit_problems
    if source_limits is not None:
        problems += source_limits(spec.dataset, large)
    return problems


def dotted_get(data, dotted: str):
    """data["a"]["b"] for "a.b"; None where a part is missing or not a mapping."""
    value = data
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def load_spec(path: Path | str) -> ExperimentSpec:
    """Read and validate a spec file. Relative data paths are made relative to the spec's folder."""
    path = Path(path)
    spec = validate_spec(read_yaml(path), path, default_name=_default_name(path))
    return resolve_paths(spec, path.parent)


def _default_name(path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("._-")
    return stem or "experiment"


def resolve_paths(spec: ExperimentSpec, base: Path) -> ExperimentSpec:
    """Make the dataset's and the template's relative paths relative to the spec's folder."""
    from .safe_io import resolved

    updates: dict[str, Any] = {}
    dataset = spec.dataset
    data_updates = {}
    for attr in _sources.get(dataset.source).file_keys:
        value = getattr(dataset, attr, None)
        if value and not Path(value).expanduser().is_absolute():
            data_updates[attr] = str(resolved(base / value))
        elif value:
            data_updates[attr] = str(Path(value).expanduser())
    if data_updates:
        updates["dataset"] = dataset.model_copy(update=data_updates)
    report_updates = {}
    for attr in ("template", "template_dir"):
        value = getattr(spec.report, attr)
        if value and not Path(value).expanduser().is_absolute():
            # Made absolute, but a link is not followed: a template that is a link must still lie in the
            # folder it is named in (containment.py), not in the folder the link leads to.
            report_updates[attr] = str(Path(os.path.normpath(Path(base).absolute() / value)))
    if report_updates:
        updates["report"] = spec.report.model_copy(update=report_updates)
    return spec.model_copy(update=updates) if updates else spec


def json_schema() -> dict:
    """The spec's JSON Schema, for editors (yaml-language-server) and `labreport schema`."""
    schema = ExperimentSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "labreport experiment spec"
    return schema
