"""Worksheet formats as data: header fields, aim, questions, template, page limit.

A course's hand-out differs from another's in its words and sections, not in
the evidence; so the words live in ``templates/worksheets/<name>.yaml`` and
the code only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from ..errors import LabreportError
from ..resources import templates_dir

WORKSHEETS = ("exp13", "lab-record", "project-report", "seminar")


@dataclass(frozen=True)
class Worksheet:
    name: str
    title: str
    template: str
    aim: str
    header_fields: list = field(default_factory=list)  # [[key, label], ...]
    questions: dict = field(default_factory=dict)       # id -> question text
    default_compare: list = field(default_factory=list)
    max_pages: int | None = None
    description: str = ""
    figures: list = field(default_factory=list)         # keys in order of appearance
    headings: dict = field(default_factory=dict)        # section id -> the hand-out's heading
    objectives: list = field(default_factory=list)      # the hand-out's objectives, in order


@lru_cache(maxsize=None)
def load_worksheet(name: str) -> Worksheet:
    path = templates_dir() / "worksheets" / f"{name}.yaml"
    if name not in WORKSHEETS or not path.is_file():
        raise LabreportError(f"unknown worksheet '{name}'; allowed values: {', '.join(WORKSHEETS)}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Worksheet(name=name, **data)
