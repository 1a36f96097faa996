"""`labreport init`: a commented starter spec with every section and every default visible.

The text is generated from the spec model itself (field defaults and
descriptions), so it cannot drift from what `labreport validate` accepts.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import BaseModel

from .sources import registry
from .errors import OptionError
from .safe_io import reserved_on_windows
from .spec import (
    EmbeddingSpec,
    HeaderSpec,
    RecurrentLayerSpec,
    ReportSpec,
    TrainingSpec,
    json_schema,
)

SCHEMA_FILE = "labreport-spec.schema.json"
HEADER_TO_FILL = ("university", "date", "enrolment_no", "student_name")


def _scalar(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def _section(model: type[BaseModel], indent: str, overrides: dict | None = None,
             fill_in: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        if overrides and name in overrides:
            value = overrides[name]
        elif field.default_factory is not None:
            value = field.default_factory()
        else:
            value = field.default
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json")
        comment = field.description or ""
        if name in fill_in:
            comment = "fill in" + (f": {comment}" if comment else "")
        line = f"{indent}{name}: {_scalar(value)}"
        lines.append(f"{line:<40} # {comment}" if comment else line)
    return lines


def starter_spec(name: str, *, worksheet: str = "exp13", dataset: str = registry.DEFAULT_SOURCE) -> str:
    names = registry.names()
    if dataset not in names:
        raise OptionError(f"--dataset '{dataset}' is unknown; allowed values: {', '.join(names)}.")
    source = registry.get(dataset)
    from .worksheets import WORKSHEETS
    if worksheet not in WORKSHEETS:
        raise OptionError(f"--worksheet '{worksheet}' is unknown; allowed values: {', '.join(WORKSHEETS)}.")
    # Required fields need a value in the starter: the source's example (the ones a user edits).
    dataset_overrides = {"source": dataset, **source.starter}
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_FILE}",
        f"# labreport experiment spec. Check it with `labreport validate {name}.yaml`,",
        f"# then train and write the report with `labreport run {name}.yaml`.",
        "# Every key below shows its default; delete any you do not need to change.",
        f"name: {name}",
        'description: ""                         # one line: what this experiment shows',
        "",
        "header:                                 # the boxed header on every page; blanks print as lines to fill by hand",
        *_section(HeaderSpec, "  ", fill_in=HEADER_TO_FILL),
        "",
        f"dataset:                                # source: {' | '.join(names)}",
        *_section(source.spec_model, "  ", overrides=dataset_overrides),
        "",
        "model:",
        "  embedding:                            # null: feed one-hot vectors instead",
        *_section(EmbeddingSpec, "    "),
        "  recurrent:                            # one or more layers, first to last; cell: lstm | gru | simple_rnn",
        *[line.replace("    ", "  - ", 1) if i == 0 else line
          for i, line in enumerate(_section(RecurrentLayerSpec, "    "))],
        "  compare: [simple_rnn]                 # baseline cells trained the same way; [] for none",
        "",
        "training:",
        *_section(TrainingSpec, "  "),
        "",
        "report:",
        *_section(ReportSpec, "  ", overrides={"worksheet": worksheet}),
        "",
    ]
    return "\n".join(lines)


def write_starter(name: str, folder: Path, *, worksheet: str, dataset: str, force: bool = False) -> Path:
    from .atomic import write_atomic
    from .spec import _NAME_RE

    if not _NAME_RE.fullmatch(name) or ".." in name:
        raise OptionError(f"NAME '{name}' must be letters, digits, '_', '-' or '.', starting with a letter or digit.")
    if reserved_on_windows(name):
        raise OptionError(f"NAME '{name}' cannot be a file or folder name on Windows (CON, PRN, AUX, NUL, COM1-9 "
                          "and LPT1-9, with any extension, and names ending in '.'); choose another name.")
    path = folder / f"{name}.yaml"
    if path.exists() and not force:
        raise OptionError(f"{path} already exists; choose another NAME or pass --force to overwrite it.")
    write_atomic(path, starter_spec(name, worksheet=worksheet, dataset=dataset))
    schema_path = folder / SCHEMA_FILE
    if not schema_path.exists():
        write_atomic(schema_path, schema_text())
    return path


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
