"""The data sources, in one place: every stage that depends on which sources exist reads this registry.

A source is one module under ``labreport/sources/`` declaring ``SOURCE = Source(...)``: its spec
model, its loader, the checks `validate` makes without training, the spec keys that name files, its
`init` example, its exported program's templates and its PyTorch refusal, and the ``kind`` of data the
report branches on.  The spec's dataset union (spec.py), the JSON Schema, `init`, `validate`'s checks and
estimate, the run fingerprint's file list, the batch's file transport and `export` all ask this registry.
docs/adding-a-data-source.md lists the files a new source is.

Importing this module is instant (no pydantic, NumPy or TensorFlow): the CLI's help lists the names.
The source modules are imported on first use of ``sources()``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

# The sources labreport ships, in the order the help, the schema and `init` list them: each is the module
# labreport.sources.<name with '-' written '_'>.
BUILTIN_SOURCES = ("generated", "keras-imdb", "csv", "text-folder", "timeseries-csv")
DEFAULT_SOURCE = "generated"  # a spec with no dataset section

# The kinds of data a report knows how to describe (templates branch on these, never on a source's name).
GENERATED_TASK = "generated-task"  # sequences of symbols from a generator and a seed; the task is known exactly
TEXT = "text"                      # labelled texts read as token ids (padded or cut to one length)
SERIES = "numeric-series"          # numeric time steps read as they are (scaled), forecast or classified
KINDS = (GENERATED_TASK, TEXT, SERIES)

DEFAULT_REPORT_PARTIAL = "sources/default.html.j2"


class SpecSizes(NamedTuple):
    """What the spec alone tells `validate`'s estimate (labreport/estimate.py)."""
    sequence_length: int
    vocabulary_size: int      # the embedding's input size: exact, or an upper bound (vocabulary_exact False)
    n_train: int | None       # training rows before the validation split; None: known once the data is read
    n_test: int | None
    vocabulary_exact: bool    # False: vocabulary_size is an upper bound
    # Numeric inputs (no embedding): the features per step; None: token ids.
    features: int | None = None
    # Output units the spec alone tells (a forecast's horizon); None: from the classes.
    outputs: int | None = None
    # The validation rows when the source splits them itself (n_train is then the training part, not split again).
    n_validation: int | None = None


@dataclass(frozen=True)
class Source:
    """One data source: everything the stages need to know about it.

    ``spec_model`` is a pydantic model (base: labreport.spec_fields.Section) with
    ``source: Literal[name]``; ``load(dataset_spec, training_spec)`` returns a labreport.data.Dataset.
    ``load`` and ``check`` are functions, or "module:function" names of the data stage's functions (the
    shipped sources name theirs: this package lies below the stages, and the data stage calls them).
    """

    name: str
    spec_model: type
    kind: str
    load: Callable[[Any, Any], Any] | str
    sizes: Callable[[Any], SpecSizes]
    # validate's checks of the data, without tokenising or training (`run` makes them again as it reads):
    # check(dataset_spec, missing) raises a labreport error naming the file, key or row; ``missing`` are
    # the file_keys' paths that are not there yet.
    check: Optional[Callable[[Any, list], None] | str] = None
    # The spec keys (under dataset:) that name files or folders the loader reads: resolved relative to
    # the spec's folder, hashed into the run's fingerprint, sent to batch workers, shortened to their
    # names in a report, overridden by `run --data` (path).
    file_keys: tuple[str, ...] = ()
    # Field → file or folder that the fingerprint hashes, from the dataset dict; default: the file_keys.
    fingerprint_paths: Optional[Callable[[dict], dict]] = None
    # The class count the dataset section alone tells, from it as a dict (None: counted in the data;
    # validate's estimate then assumes 2).
    classes: Callable[[dict], Optional[int]] = lambda dataset: None
    # `labreport init`: values for the required keys, the ones a user edits.
    starter: dict = field(default_factory=dict)
    # Limits beyond spec.SPEC_LIMITS: problems(dataset_spec, large_runs_allowed) -> list of messages.
    limit_problems: Optional[Callable[[Any, bool], list]] = None
    # Export: templates program/data/<program>.path.py.j2 (DATA_PATH, when file_keys) and
    # program/data/<program>.py.j2 (the data cells), the modules they import beyond keras/numpy/matplotlib,
    # whether the program knows the classes before reading the data (classes(spec) sets the output layer).
    program: str = ""
    program_imports: tuple[str, ...] = ()
    program_knows_classes: bool = False
    # Why `export` cannot write a program for this source (None: it can); a run then writes no program.py.
    program_refusal: Optional[str] = None
    # The PyTorch program: why it cannot read this source (None: it can), a template of helper functions
    # (program/data/<name>) and whether it downloads the data (dataset dict -> bool).
    torch_refusal: Optional[str] = None
    torch_helpers: Optional[str] = None
    downloads: Callable[[dict], bool] = lambda dataset: False
    # The report's source-specific sentences: a template with the macros of sources/default.html.j2.
    report_partial: str = DEFAULT_REPORT_PARTIAL
    # A folder holding this source's own templates (program/data/..., sources/...), for a source that lives
    # outside labreport; None: labreport's templates folder.
    templates: Optional[Path] = None


_registered: dict[str, Source] = {}
_loaded = False
_listeners: list[Callable[[], None]] = []


def _module_name(name: str) -> str:
    return f"labreport.sources.{name.replace('-', '_')}"


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    found = {}
    for name in BUILTIN_SOURCES:
        source = importlib.import_module(_module_name(name)).SOURCE
        if source.name != name:
            raise RuntimeError(f"labreport bug: {_module_name(name)} declares source {source.name!r}, not {name!r}")
        found[name] = source
    _registered.update({**found, **_registered})
    _loaded = True


def function(reference: Callable | str) -> Callable:
    """A Source's function: itself, or the function a "module:function" name names."""
    if callable(reference):
        return reference
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def names() -> tuple[str, ...]:
    """The source names, without importing any source module (for the CLI's help)."""
    return tuple(dict.fromkeys([*BUILTIN_SOURCES, *_registered]))


def names_text(conjunction: str = "or") -> str:
    listed = names()
    return ", ".join(listed[:-1]) + f" {conjunction} {listed[-1]}" if len(listed) > 1 else listed[0]


def sources() -> tuple[Source, ...]:
    _load_builtins()
    return tuple(_registered[name] for name in names())


def get(name: str) -> Source:
    """The source called ``name`` (KeyError if none is)."""
    _load_builtins()
    return _registered[name]


def find(name) -> Source | None:
    _load_builtins()
    return _registered.get(name) if isinstance(name, str) else None


def kind(name) -> str | None:
    """The kind of data a source gives (None for a source this labreport does not know)."""
    source = find(name)
    return source.kind if source else None


def program_refusal(name) -> str | None:
    """Why no program can be exported for source ``name`` (None: one can, or the source is unknown)."""
    source = find(name)
    return source.program_refusal if source else None


def report_partial(name) -> str:
    source = find(name)
    return source.report_partial if source else DEFAULT_REPORT_PARTIAL


def file_keys(name=None) -> tuple[str, ...]:
    """The dataset keys that name files for source ``name``; for an unknown or no name, every source's."""
    source = find(name)
    if source is not None:
        return source.file_keys
    return tuple(dict.fromkeys(key for known in sources() for key in known.file_keys))


def register(source: Source) -> None:
    """Add a source (or replace one of the same name); the spec's dataset union is rebuilt."""
    if source.kind not in KINDS:
        raise ValueError(f"source {source.name!r}: kind {source.kind!r} is not one of {', '.join(KINDS)}")
    _load_builtins()
    _registered[source.name] = source
    _changed()


def unregister(name: str) -> None:
    """Remove a source added with ``register`` (a built-in one comes back as shipped)."""
    _registered.pop(name, None)
    if name in BUILTIN_SOURCES:
        _registered[name] = importlib.import_module(_module_name(name)).SOURCE
    _changed()


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever the sources change (spec.py rebuilds its dataset union)."""
    _listeners.append(listener)


def _changed() -> None:
    for listener in _listeners:
        listener()
