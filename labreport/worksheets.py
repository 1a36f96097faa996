"""Worksheet formats as folders: ``templates/formats/<name>/format.yaml`` + its template.

A course's hand-out differs from another's in its words and sections, not in
the evidence; so a format is a folder of words (YAML and a Jinja template),
found by name, and a new format is a new folder with no Python change.  The
spec's ``report.worksheet`` choices and its JSON Schema come from the folders found.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

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
    # A forecast's report (run.json's task kind forecast): its template and figures; None: this format has none.
    forecast_template: str | None = None
    forecast_figures: list = field(default_factory=list)
    forecast_aim: str | None = None
    forecast_title: str | None = None  # the title a forecast's report shows (default: title)
    forecast_headings: dict = field(default_factory=dict)  # headings a forecast's report words differently
    forecast_objectives: list = field(default_factory=list)  # a forecast's objectives (default: objectives)
    series_headings: dict = field(default_factory=dict)  # headings a classified numeric series words differently


# A header box: [spec header key, its label] or [key, label, "wide"] (a field that takes a whole row).
HeaderField = Union[tuple[str, str], tuple[str, str, Literal["wide"]]]


def worksheet_names() -> tuple[str, ...]:
    """The formats shipped with labreport: every folder under templates/formats with a format.yaml."""
    root = templates_dir() / FORMATS_FOLDER
    names = sorted(p.parent.name for p in root.glob(f"*/{FORMAT_FILE}") if not p.parent.name.startswith("."))
    # The default first, so listings and the schema show it first.
    return tuple(sorted(names, key=lambda n: (n != DEFAULT_WORKSHEET, n)))


def _known_figure(key: str, info: ValidationInfo) -> str:
    """A figure key the figure registry has (the keys come as the validation context's ``figure_keys``)."""
    known = (info.context or {}).get("figure_keys")
    if known is None:
        raise ValueError("labreport did not say which figure keys exist (read format files with read_format_file)")
    if key not in known:
        close = difflib.get_close_matches(key, known, n=1)
        raise ValueError(f"no figure has the key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
                         + f"; the figure keys are: {', '.join(known)}")
    return key


FigureKey = Annotated[str, AfterValidator(_known_figure)]


class FormatFile(BaseModel):
    """A format folder's format.yaml: what a worksheet asks for, declared (nbconvert's conf.json is the model).

    An unknown key is an error naming the file and the key, not a TypeError or a field silently ignored;
    so is a figure key that no figure has (validated against the keys given as the context's
    ``figure_keys``: the figure registry, labreport/report/figures.py's ``FIGURES``, sits above this module).
    """

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str = ""
    template: str = Field("report.html.j2", pattern=r"^[A-Za-z0-9_.-]+\.j2$",
                          description="the format's Jinja template, a file in the format's own folder")
    aim: str
    header_fields: list[HeaderField] = []
    questions: dict[str, str] = {}
    max_pages: Optional[int] = Field(None, ge=1)
    figures: list[FigureKey] = Field([], description="figure keys in order of appearance (report/figures.py's registry)")
    headings: dict[str, str] = {}
    objectives: list[str] = []
    default_compare: Optional[list[str]] = Field(None, description="ignored: baselines are a training field now")
    forecast_template: Optional[str] = Field(None, pattern=r"^[A-Za-z0-9_.-]+\.j2$", description=(
        "the template for a forecast run (task kind forecast), a file in the format's folder; none: the format "
        "cannot describe a forecast"))
    forecast_figures: list[FigureKey] = Field([], description=(
        "a forecast report's figure keys in order of appearance (report/figures.py's registry, forecast figures)"))
    forecast_aim: Optional[str] = Field(None, description="the aim a forecast report states (default: aim)")
    forecast_title: Optional[str] = Field(None, description="the title a forecast report shows (default: title)")
    forecast_headings: dict[str, str] = Field({}, description=(
        "headings a forecast report words differently, by section id (the others: headings)"))
    forecast_objectives: list[str] = Field([], description="the objectives a forecast report lists (default: objectives)")
    series_headings: dict[str, str] = Field({}, description=(
        "headings a classified numeric series' report (timeseries-csv, task classify) words differently, by section "
        "id (the others: headings)"))

    @field_validator("figures", "forecast_figures")
    @classmethod
    def _no_repeats(cls, figures: list[str], info: ValidationInfo) -> list[str]:
        repeated = sorted({key for key in figures if figures.count(key) > 1})
        if repeated:
            raise ValueError(f"a figure is listed twice: {', '.join(repeated)}")
        # Each list draws one kind of run: where the registry says which (report/formats.py passes it), a
        # classification's figure in forecast_figures, or a forecast's in figures, is refused by name.
        tasks = (info.context or {}).get("figure_tasks")
        if tasks:
            task = "forecast" if info.field_name == "forecast_figures" else "classification"
            wrong = [key for key in figures if tasks.get(key) != task]
            if wrong:
                fitting = [key for key, kind in tasks.items() if kind == task]
                raise ValueError(f"{', '.join(wrong)}: not a {task} run's figure; the {task} figure keys are: "
                                 + ", ".join(fitting))
        return figures


def read_format_file(path: Path, name: str, figure_keys) -> Worksheet:
    """A format.yaml, validated; a clear LabreportError naming the file and the key when it is wrong.

    ``figure_keys``: every figure a format may list (the figure registry's keys), or the registry's
    (key, task kind) pairs, with which ``figures`` may list only a classification's figures and
    ``forecast_figures`` only a forecast's.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LabreportError(f"{path}: not valid YAML ({exc})") from None
    # The registry's keys, or its (key, task kind) pairs (report/formats.py's FIGURE_TASKS).
    pairs = [key for key in figure_keys]
    tasks = dict(pairs) if pairs and all(isinstance(key, tuple) for key in pairs) else None
    try:
        checked = FormatFile.model_validate(data if data is not None else {},
                                            context={"figure_keys": tuple(tasks or pairs), "figure_tasks": tasks})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(part) for part in error['loc']) or '(top level)'}: "
                             + error["msg"].removeprefix("Value error, ") for error in exc.errors())
        raise LabreportError(f"{path}: {problems}",
                             hint="A format folder's format.yaml: see docs/instructors/custom-templates.md.") from None
    fields = checked.model_dump(exclude={"default_compare", "template", "forecast_template"})
    fields["header_fields"] = [list(field) for field in checked.header_fields]
    forecast = f"{FORMATS_FOLDER}/{name}/{checked.forecast_template}" if checked.forecast_template else None
    return Worksheet(name=name, template=f"{FORMATS_FOLDER}/{name}/{checked.template}", forecast_template=forecast,
                     **fields)


@lru_cache(maxsize=None)
def load_worksheet(name: str, figure_keys: tuple) -> Worksheet:
    """The shipped format ``name``; ``figure_keys``: the figure registry's keys or (key, task kind) pairs
    (report/figures.py's ``FIGURE_KEYS`` or ``FIGURE_TASKS``; the report stage passes them, this module
    being below it)."""
    names = worksheet_names()
    if name not in names:
        raise LabreportError(f"unknown worksheet '{name}'; allowed values: {', '.join(names)}")
    return read_format_file(templates_dir() / FORMATS_FOLDER / name / FORMAT_FILE, name, figure_keys)


def __getattr__(name):
    # WORKSHEETS stays importable for callers that list the formats.
    if name == "WORKSHEETS":
        return worksheet_names()
    raise AttributeError(name)
