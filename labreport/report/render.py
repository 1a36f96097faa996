"""Rendering stage: run record → analysis → figures → HTML → PDF.

Reads only the run folder (run.json); never imports TensorFlow, so a report
can be written again (another worksheet, another student name, another
smoothing weight) in seconds without training.

Safety: spec and roster strings are data, never template source; Jinja runs
sandboxed with autoescaping; WeasyPrint may read only files inside the run
folder and the template folders, and nothing from the network.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from ..atomic import write_atomic
from ..errors import OptionError, RenderError
from ..fingerprint import apply_report_overrides, report_fingerprint, report_sections_of_record
from ..resources import templates_dir
from ..run_record import read_run_record, write_run_record
from ..facts import build_facts
from .filters import FILTERS
from .program import program_facts
from .figures import make_figures
from .worksheets import load_worksheet, worksheet_names


@dataclass
class RenderedReport:
    run_dir: Path
    pdf_path: Path
    html_path: Path | None  # None when only the PDF was asked for
    figures: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    report_fingerprint: str = ""  # of the report fields this report shows (see fingerprint.py)


# What a template may load by name (``extends``, ``include``, ``import``): a
# custom template's folder may be any folder (a home folder, Downloads), so
# only template and stylesheet files, never a hidden file or folder.
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".html", ".htm", ".css")


class _TemplateFilesOnly(BaseLoader):
    """A loader that loads template files only (Jinja itself refuses '..'), from the loader it wraps."""

    def __init__(self, inner):
        self.inner = inner

    def list_templates(self):
        return self.inner.list_templates()

    def get_source(self, environment, template):
        parts = template.replace("\\", "/").split("/")
        if any(part.startswith(".") for part in parts) or not template.endswith(TEMPLATE_SUFFIXES):
            raise TemplateNotFound(
                template,
                f"refused to load '{template}': templates may load only non-hidden files ending in "
                f"{', '.join(TEMPLATE_SUFFIXES)}",
            )
        return self.inner.get_source(environment, template)


SHIPPED_PREFIX = "labreport"
PHRASES = "phrases.html.j2"


def phrase_book(env: SandboxedEnvironment, context: dict) -> dict:
    """The sentence macros, one per verdict: labreport's, with a course's own ``phrases.html.j2`` in front.

    A course writes only the macros it wants to word differently; every other phrase stays labreport's.
    """
    shipped_template = env.get_template(f"{SHIPPED_PREFIX}/{PHRASES}")
    book = _macros(shipped_template.make_module(context))
    chosen = env.get_template(PHRASES)  # the first phrases file on the search path
    if chosen.filename != shipped_template.filename:
        book.update(_macros(chosen.make_module(context)))
    return book


def _macros(module) -> dict:
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


def make_environment(*extra_template_dirs: Path | None) -> SandboxedEnvironment:
    """Jinja's sandbox over the template folders: a custom template's and a course's first, then labreport's."""
    search_path = [str(folder) for folder in extra_template_dirs if folder is not None]
    search_path.append(str(templates_dir()))
    env = SandboxedEnvironment(
        # "labreport/<name>" is always the shipped file, so a course's phrases.html.j2 can stand
        # in front of labreport's and still be merged with it (phrase_book).
        loader=_TemplateFilesOnly(ChoiceLoader([
            PrefixLoader({SHIPPED_PREFIX: FileSystemLoader([str(templates_dir())])}),
            FileSystemLoader(search_path)])),
        autoescape=select_autoescape(["html", "j2", "xml"], default=True),
        undefined=StrictUndefined,  # a misspelt variable is an error, not a silent blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.template_folders = [Path(folder) for folder in search_path]  # for error messages: file and line
    return env


class _LocalOnlyFetcher:
    """WeasyPrint URL fetcher that serves files inside the allowed folders and nothing else."""

    def __new__(cls, allowed_roots):
        from weasyprint.urls import URLFetcher

        class Fetcher(URLFetcher):
            def fetch(self, url, headers=None):
                parts = urlsplit(url)
                if parts.scheme == "data":
                    return super().fetch(url, headers)
                if parts.scheme != "file":
                    raise ValueError(f"refused to fetch {url}: only files inside the report folders are read")
                # resolve() follows symbolic links, so a link inside the run
                # folder cannot point the renderer at a file outside it.
                target = Path(unquote(parts.path)).resolve()
                root = next((r for r in self.allowed_roots if target.is_relative_to(r)), None)
                if root is None:
                    raise ValueError(f"refused to read {target}: outside the run folder and the template folders")
                if any(part.startswith(".") for part in target.relative_to(root).parts):
                    raise ValueError(f"refused to read {target}: a hidden file or folder")
                if not target.is_file():
                    # A device (/dev/...), a pipe or a folder is never a report resource.
                    raise ValueError(f"refused to read {target}: not a regular file")
                return super().fetch(url, headers)

        fetcher = Fetcher(fail_on_errors=True, allowed_protocols={"file", "data"})
        fetcher.allowed_roots = [Path(root).resolve() for root in allowed_roots]
        return fetcher


def number_figures(figures: dict, order: list[str]) -> None:
    """Number the figures the run has, in the worksheet's order of appearance."""
    shown = [key for key in order if key in figures]
    for number, key in enumerate(shown, start=1):
        figures[key].number = number


def build_context(record: dict, *, worksheet, header_overrides: dict | None, smoothing: float | None,
                  figures, facts) -> dict:
    """What a template sees: the run's facts (``f``), the header, the format and the figures."""
    spec = record["spec"]
    header = dict(spec.get("header") or {})
    header.update({k: v for k, v in (header_overrides or {}).items() if v is not None})
    if not header.get("aim"):
        header["aim"] = worksheet.aim
    return {
        "record": record,
        "spec": spec,
        "header": header,
        "worksheet": worksheet,
        "f": facts,
        "program": program_facts(record),
        "figures": {key: {"src": f"figures/{fig.path.name}", "alt": fig.alt, "caption": fig.caption,
                          "number": fig.number}
                    for key, fig in figures.items()},
        "smoothing": smoothing,
        "notes": (spec.get("report") or {}).get("notes", ""),
    }


def render_report(run_dir: str | Path, *, report_fields: dict | None = None, spec_text: str | None = None,
                  worksheet: str | None = None, template: str | Path | None = None,
                  header: dict | None = None, smoothing: float | None = None,
                  out_dir: str | Path | None = None, pdf_name: str = "report.pdf",
                  html_name: str | None = "report.html") -> RenderedReport:
    """Write report.html and report.pdf for a saved run, without training.

    ``report_fields`` (a spec's name, description, header and report
    sections) replace the ones saved in run.json; the other arguments
    override single fields.  The run's numbers always come from run.json.
    Rendered in place (the run folder's own report.pdf), run.json is updated
    to hold the report fields the report shows, so that run.json keeps
    describing everything the report says.
    """
    check_report_options(worksheet=worksheet, smoothing=smoothing)
    started = time.perf_counter()
    prepared = prepare_report(run_dir, report_fields=report_fields, spec_text=spec_text, worksheet=worksheet,
                              template=template, smoothing=smoothing, out_dir=out_dir)
    rendered = prepared.write(header=header, pdf_name=pdf_name, html_name=html_name)
    if pdf_name == "report.pdf" and prepared.target_dir.resolve() == prepared.run_dir.resolve():
        prepared.save_to_run_record(header=header)
    rendered.seconds = time.perf_counter() - started
    return rendered


def check_report_options(*, worksheet: str | None = None, smoothing: float | None = None) -> None:
    """The worksheet and smoothing a caller overrides, checked before anything is read or drawn.

    Here rather than in the CLI, so that a notebook's ``render_report(run_dir, smoothing=5)``
    gets the same error `labreport render --smoothing 5` shows.
    """
    if worksheet is not None and worksheet not in worksheet_names():
        raise OptionError(f"--worksheet '{worksheet}' is unknown; allowed values: {', '.join(worksheet_names())}.")
    if smoothing is not None:
        try:
            in_range = 0 <= float(smoothing) <= 1
        except (TypeError, ValueError):
            in_range = False
        if not in_range:
            raise OptionError(f"--smoothing must be a number between 0 and 1 (got {smoothing!r}).")


def render_roster(run_dir: str | Path, rows: list[tuple[dict, str]], *, report_fields: dict | None = None,
                  spec_text: str | None = None, out_dir: str | Path | None = None) -> list[RenderedReport]:
    """One PDF per (header overrides, PDF file name) row, from one analysis and one set of figures."""
    prepared = prepare_report(run_dir, report_fields=report_fields, spec_text=spec_text, out_dir=out_dir)
    rendered = []
    for header, pdf_name in rows:
        started = time.perf_counter()
        report = prepared.write(header=header, pdf_name=pdf_name, html_name=None)
        report.seconds = time.perf_counter() - started
        rendered.append(report)
    return rendered


@dataclass
class PreparedReport:
    """Everything a report needs except the header: analysis, figures, template; written once per header."""

    run_dir: Path
    target_dir: Path
    record: dict         # run.json with the report fields to render applied
    sections: dict       # those report fields (name, description, header, report)
    worksheet: object
    smoothing: float
    facts: dict
    figures: dict
    template_path: Path | None
    course_dir: Path | None
    environment: SandboxedEnvironment

    def write(self, *, header: dict | None, pdf_name: str, html_name: str | None) -> RenderedReport:
        sections = apply_report_overrides(self.sections, header=header)
        context = build_context(self.record, worksheet=self.worksheet, header_overrides=header,
                                smoothing=self.smoothing, figures=self.figures, facts=self.facts)
        html_text = render_html(self.template_path, self.worksheet.template, context, env=self.environment)

        # The PDF is made in memory, then written before the HTML: a render that
        # fails leaves no part of a PDF, and no new report.html beside an old
        # report.pdf.
        allowed = [self.target_dir, templates_dir()] + [folder for folder in (
            self.template_path.parent if self.template_path else None, self.course_dir) if folder is not None]
        pdf_bytes = html_to_pdf(html_text, base_url=self.target_dir, allowed_roots=allowed)
        pdf_path = write_atomic(self.target_dir / pdf_name, pdf_bytes)
        html_path = write_atomic(self.target_dir / html_name, html_text) if html_name else None
        return RenderedReport(run_dir=self.run_dir, pdf_path=pdf_path, html_path=html_path,
                              figures={k: f.path for k, f in self.figures.items()},
                              report_fingerprint=report_fingerprint(sections))

    def save_to_run_record(self, *, header: dict | None) -> None:
        """Make run.json hold the report fields its report now shows (written only if they changed)."""
        saved = read_run_record(self.run_dir)
        sections = apply_report_overrides(self.sections, header=header)
        updated = {**saved, "spec": {**saved["spec"], **sections}, "experiment": sections["name"],
                   "description": sections["description"], "report_fingerprint": report_fingerprint(sections)}
        if "spec_text" in self.record:
            updated["spec_text"] = self.record["spec_text"]
        if updated != saved:
            write_run_record(self.run_dir, updated)


def prepare_report(run_dir: str | Path, *, report_fields: dict | None = None, spec_text: str | None = None,
                   worksheet: str | None = None, template: str | Path | None = None,
                   smoothing: float | None = None, out_dir: str | Path | None = None) -> PreparedReport:
    """Read run.json, apply the report fields, analyse the curves and draw the figures."""
    run_dir = Path(run_dir)
    record = read_run_record(run_dir)
    sections = report_sections_of_record(record)
    if report_fields:
        sections.update(report_fields)
    sections = apply_report_overrides(sections, worksheet=worksheet, template=template, smoothing=smoothing)
    record = {**record, "spec": {**record["spec"], **sections}, "experiment": sections["name"],
              "description": sections["description"]}
    if spec_text is not None:
        record["spec_text"] = spec_text
    report_spec = sections["report"]
    format_ = load_worksheet(report_spec.get("worksheet") or "exp13")
    template_path = Path(report_spec["template"]) if report_spec.get("template") else None
    if template_path is not None and not template_path.is_file():
        raise RenderError(f"report.template: {template_path} is not a file.")
    course_dir = Path(report_spec["template_dir"]) if report_spec.get("template_dir") else None
    if course_dir is not None and not course_dir.is_dir():
        raise RenderError(f"report.template_dir: {course_dir} is not a folder.")
    weight = float(report_spec.get("smoothing", 0.6))

    target_dir = Path(out_dir) if out_dir else run_dir
    facts = build_facts(record)
    figures = make_figures(record, target_dir / "figures", weight, wanted=format_.figures)
    number_figures(figures, format_.figures)
    return PreparedReport(run_dir=run_dir, target_dir=target_dir, record=record, sections=sections,
                          worksheet=format_, smoothing=weight, facts=facts, figures=figures,
                          template_path=template_path, course_dir=course_dir,
                          environment=make_environment(template_path.parent if template_path else None, course_dir))


def render_html(template_path: Path | None, shipped_name: str, context: dict,
                env: SandboxedEnvironment | None = None) -> str:
    """The report's HTML from the worksheet's template, or from the spec's own ``report.template``.

    Any error in a custom template is the template author's to fix, so it
    becomes a RenderError naming the file and line; an error in a shipped
    template is a bug in labreport and keeps its traceback.  ``env``: one
    made earlier with ``make_environment`` (a roster reuses its compiled templates).
    """
    env = env or make_environment(template_path.parent if template_path else None)
    name = template_path.name if template_path else shipped_name
    try:
        return env.get_template(name).render(**context, say=phrase_book(env, context))
    except TemplateSyntaxError as exc:
        where = f"{exc.filename or template_path or name}, line {exc.lineno}"
        raise RenderError(f"{where}: template syntax error: {exc.message}") from None
    except TemplateNotFound as exc:
        detail = exc.message if exc.message and exc.message != exc.name else f"template '{exc.name}' not found"
        raise RenderError(f"{template_path or name}: {detail}.") from None
    except Exception as exc:  # noqa: BLE001 - see the docstring
        if template_path is None and not isinstance(exc, TemplateError):
            raise
        where = _template_line(exc, env.template_folders) or str(template_path or name)
        kind = "refused by the sandbox" if isinstance(exc, SecurityError) else "template error"
        raise RenderError(f"{where}: {kind}: {exc}",
                          hint="Fix the template, then write the report again with `labreport render RUN_DIR`.") from None


def _template_line(exc: BaseException, folders: list[Path]) -> str | None:
    """'file, line N' of the innermost template frame of ``exc`` (Jinja puts template lines in tracebacks)."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if any(Path(frame.filename).is_relative_to(folder) for folder in folders):
            found = f"{frame.filename}, line {frame.lineno}"
    return found


def html_to_pdf(html_text: str, *, base_url: Path, allowed_roots) -> bytes:
    """Tagged (PDF/UA-1) PDF bytes; any refused or missing resource stops the render."""
    import logging

    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    # WeasyPrint logs every CSS property it does not know as a warning; the
    # templates are ours and tested, so only errors are worth a user's eyes.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = _LocalOnlyFetcher(allowed_roots)
    try:
        document = HTML(string=html_text, base_url=str(Path(base_url).resolve()) + "/", url_fetcher=fetcher)
        return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=b"labreport")
    except FatalURLFetchingError as exc:
        cause = exc.__cause__ or exc
        raise RenderError(f"Rendering stopped: {cause}",
                          hint="Reports may only use files inside the run folder and the template folders.") from None
