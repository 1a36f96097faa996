"""Worksheet formats as folders: ``templates/formats/<name>/format.yaml`` + its template.

A course's hand-out differs from another's in its words and sections, not in
the evidence; so a format is a folder of words (YAML and a Jinja template),
found by name, and a new format is a new folder with no Python change.  The
spec's ``report.worksheet`` choices and its JSON Schema come from the folders found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from .errors import LabreportError
from .resources import templates_dir

FORMATS_FOLDER = "formats"
FORMAT_FILE = "format.yaml"
DEFAULT_WORKSHEET = "exp13"


@dataclass(frozen=True)
class Worksheet:
    name: str
    title: str
    template: str                                       # loader name: formats/<name>/<file>
    aim: str
    header_fields: list = field(default_factory=list)  # [[key, label], ...]
    questions: dict = field(default_factory=dict)       # id -> question text
    max_pages: int | None = None
    description: str = ""
    figures: list = field(default_factory=list)         # keys in order of appearance
    headings: dict = field(default_factory=dict)        # section id -> the hand-out's heading
    objectives: list = field(default_factory=list)      # the hand-out's objectives, in order


def worksheet_names() -> tuple[str, ...]:
    """The formats shipped with labreport: every folder under templates/formats with a format.yaml."""
    root = templates_dir() / FORMATS_FOLDER
    names = sorted(p.parent.name for p in root.glob(f"*/{FORMAT_FILE}") if not p.parent.name.startswith("."))
    # The default first, so listings and the schema show it first.
    return tuple(sorted(names, key=lambda n: (n != DEFAULT_WORKSHEET, n)))


@lru_cache(maxsize=None)
def load_worksheet(name: str) -> Worksheet:
    names = worksheet_names()
    if name not in names:
        raise LabreportError(f"unknown worksheet '{name}'; allowed values: {', '.join(names)}")
    path = templates_dir() / FORMATS_FOLDER / name / FORMAT_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.pop("default_compare", None)  # older format files: baselines are a training field now
    template = data.pop("template", "report.html.j2")
    return Worksheet(name=name, template=f"{FORMATS_FOLDER}/{name}/{template}", **data)


def __getattr__(name):
    # WORKSHEETS stays importable for callers that list the formats.
    if name == "WORKSHEETS":
        return worksheet_names()
    raise AttributeError(name)
