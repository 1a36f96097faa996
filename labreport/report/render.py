"""Rendering stage: run record → analysis → figures → HTML → PDF.

Reads only the run folder (run.json); never imports TensorFlow, so a report
can be written again (another worksheet, another student name, another
smoothing weight) in seconds without training.

Safety: spec and roster strings are data, never template source; Jinja runs
sandboxed with autoescaping; WeasyPrint may read only files inside the run
folder and the template folders, and nothing from the network.
"""

from __future__ import annotations

import os
import re
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from jinja2 import (
    BaseLoader,
    BytecodeCache,
    ChoiceLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from ..atomic import check_inside, write_atomic
from ..containment import RESOURCE_SUFFIXES, TEMPLATE_SUFFIXES, Refused
from ..containment import inside as contained_in
from ..sources import registry
from ..errors import LabreportBug, OptionError, RenderError, RunRecordError
from .sections import apply_report_overrides, report_fingerprint, report_sections_of_record
from ..resources import templates_dir
from ..safe_io import TEMPLATE_BYTES, UnreadableFile, read_bounded
from ..record import read_run_record, write_run_record
from ..facts import build_facts
from ..facts.describe import is_classified_series
from .filters import FILTERS
from .listing import program_code, program_facts
from ..cells import CELL_TITLES
from ..worksheets import DEFAULT_WORKSHEET, worksheet_names
# The figures (matplotlib) and the formats (checked against the figure registry) are imported where a report
# is prepared: the sandbox alone (make_environment, render_html) serves the batch's course page without them.


@dataclass
class RenderedReport:
    run_dir: Path
    pdf_path: Path | None   # None when only the HTML was asked for (render_report(..., pdf=False))
    html_path: Path | None  # None when only the PDF was asked for
    figures: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    report_fingerprint: str = ""  # of the report fields this report shows (see fingerprint.py)
    # The worksheet format of the report this one replaced in the run folder, when it was another format:
    # a run folder holds one report.pdf, so rendering it again in another format replaces it, and says so.
    replaced_worksheet: str | None = None


# What a template may load by name (``extends``, ``include``, ``import``): a
# custom template's folder may be any folder (a home folder, Downloads), so
# only template and stylesheet files, never a hidden file or folder.  The rules
# (and the suffixes) are containment.py's, shared with the Dask client and the fingerprint.


class TemplateRefused(SecurityError):
    """A template named a file it may not load (not TemplateNotFound: the next loader must not be tried)."""


def _refuse(template: str, why: str) -> TemplateRefused:
    return TemplateRefused(f"refused to load '{template}': {why}")


class ContainedLoader(BaseLoader):
    """Loads template files from folders, and nothing that leads out of them.

    A name is looked up in each folder in turn; the file found is resolved
    (symbolic links followed) and must still lie inside that folder, be a
    regular file of at most ``TEMPLATE_BYTES``, have a template suffix and no
    hidden part.  A link to /etc/passwd named ``leak.html``, or to
    ``secret.txt`` beside it, is refused, not read.  (Jinja's own
    ``split_template_path`` refuses '..'.)
    """

    def __init__(self, searchpath):
        self.searchpath = [Path(folder) for folder in searchpath]

    def get_source(self, environment, template):
        from jinja2.loaders import split_template_path

        parts = split_template_path(template)
        if any(part.startswith(".") for part in parts) or not template.endswith(TEMPLATE_SUFFIXES):
            raise _refuse(template, "templates may load only non-hidden files ending in "
                                    f"{', '.join(TEMPLATE_SUFFIXES)}")
        for folder in self.searchpath:
            candidate = folder.joinpath(*parts)
            if not os.path.lexists(candidate):
                continue
            root = folder.resolve()
            try:
                target = contained_in(folder, candidate, what="the template folder")
            except Refused as exc:
                if str(exc).startswith("it leads to"):
                    raise _refuse(template, str(exc)) from None
                raise _refuse(template, "a broken symbolic link or a link loop") from None
            inside = target.relative_to(root).parts
            if any(part.startswith(".") for part in inside) or not target.name.endswith(TEMPLATE_SUFFIXES):
                raise _refuse(template, f"it leads to {target}, not a template file")
            try:
                source = read_bounded(target, TEMPLATE_BYTES).decode("utf-8")
            except UnreadableFile as exc:
                raise _refuse(template, str(exc)) from None
            except UnicodeDecodeError as exc:
                raise _refuse(template, f"not UTF-8 text (byte {exc.start})") from None
            mtime = os.path.getmtime(target)
            return source, str(candidate), lambda: os.path.exists(target) and os.path.getmtime(target) == mtime
        raise TemplateNotFound(template)

    def list_templates(self):
        return []


# Bounds on a template's work: the sandbox already refuses attribute escapes;
# these stop a template that would run for hours or build gigabytes of text.
TEMPLATE_SECONDS = 30.0        # the template's share of a render
TEMPLATE_OUTPUT_CHARS = 5_000_000  # 5 M characters of HTML is already ~1,000 pages (a report is ~0.1 M)
PDF_SECONDS = 300.0  # laying out the PDF (a 2,000-epoch report takes ~30 s)
TEMPLATE_LARGEST_VALUE = 1_000_000  # the longest string/list a template may build with * or **, or pass a filter


class TemplateLimitError(SecurityError):
    """A template went past a bound (time, output size, a value's size)."""


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox with a deadline and size limits on what a template computes."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = None
        self.globals["range"] = self._range

    def start_clock(self) -> None:
        self.seconds = TEMPLATE_SECONDS
        self.deadline = time.monotonic() + self.seconds

    def tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TemplateLimitError(f"the template ran for more than {self.seconds:g} s; "
                                     "it may loop too often")

    def _range(self, *args):
        from jinja2.sandbox import safe_range

        for value in safe_range(*args):
            self.tick()
            yield value

    def call_binop(self, context, operator, left, right):
        self.tick()
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) \
                        and len(sequence) * count > TEMPLATE_LARGEST_VALUE:
                    raise TemplateLimitError(f"a value of {len(sequence) * count:,} items is too large "
                                             f"(at most {TEMPLATE_LARGEST_VALUE:,})")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 \
                and right > 0 and right * abs(left).bit_length() > 4096:
            raise TemplateLimitError("a power too large to compute")
        if operator == "%" and isinstance(left, str) and any(
                int(width) > 10_000 for width in re.findall(r"%[-+ #0]*(\d+)", left)):
            raise TemplateLimitError("a format width too large")
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, (str, list, tuple)) and len(result) > TEMPLATE_LARGEST_VALUE:
            raise TemplateLimitError(f"a value of {len(result):,} items is too large "
                                     f"(at most {TEMPLATE_LARGEST_VALUE:,})")
        return result

    def call(self, __context, __obj, *args, **kwargs):
        self.tick()
        _check_arguments(args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        self.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self.tick()
        return super().getitem(obj, argument)


def _check_arguments(args, kwargs) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > TEMPLATE_LARGEST_VALUE:
            raise TemplateLimitError(f"the number {value if abs(value) < 10**30 else 'given'} is too large "
                                     f"for a template (at most {TEMPLATE_LARGEST_VALUE:,})")


def _bounded_filter(env: BoundedSandbox, function):
    """A filter that refuses huge numeric arguments (``center(10**10)``) and checks the clock."""
    from functools import wraps

    skip = 2 if hasattr(function, "jinja_pass_arg") else 1  # the context or environment, then the value

    @wraps(function)
    def bounded(*args, **kwargs):
        env.tick()
        _check_arguments(args[skip:], kwargs)
        result = function(*args, **kwargs)
        if isinstance(result, (str, list)) and len(result) > TEMPLATE_OUTPUT_CHARS:
            raise TemplateLimitError("a filter's result is too large")
        return result

    return bounded


def render_bounded(template, env, **context) -> str:
    """Render with the output capped at TEMPLATE_OUTPUT_CHARS (run it inside ``time_limit``)."""
    chunks, total = [], 0
    for chunk in template.generate(**context):
        total += len(chunk)
        if total > TEMPLATE_OUTPUT_CHARS:
            raise TemplateLimitError(f"the template wrote more than {TEMPLATE_OUTPUT_CHARS:,} characters")
        if isinstance(env, BoundedSandbox):
            env.tick()
        chunks.append(chunk)
    return "".join(chunks)


@contextmanager
def time_limit(seconds: float, error: Callable[[], Exception]):
    """Raise ``error()`` inside the block once ``seconds`` have passed.

    A SIGALRM timer: it stops code that never calls back into labreport (a template's
    ``for`` over a long list with nothing inside, WeasyPrint laying out a huge page).
    Only the main thread can take signals; elsewhere (a notebook's worker thread) the
    block runs unbounded but for the sandbox's own clock.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        # A BaseException, so that no `except Exception` inside a library swallows it.
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise error() from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:  # a caller's own timer: put back what is left of it
            left = max(outer_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


class _Timeout(BaseException):
    """Raised by time_limit's timer; turned into the caller's error at the end of the block."""


@contextmanager
def _template_clock(env):
    """The sandbox's deadline and a timer a little after it, around everything a template runs."""
    if not isinstance(env, BoundedSandbox):
        yield
        return
    env.start_clock()
    seconds = env.seconds
    try:
        with time_limit(seconds + 1, lambda: TemplateLimitError(
                f"the template ran for more than {seconds:g} s; it may loop too often")):
            yield
    finally:
        env.deadline = None


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


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, in memory, keyed by template name, file and source text.

    Every render builds its own environment, and Jinja's compile was most of an HTML render's time
    (about 1.3 s of 1.5 s once the figures are drawn): a batch, a roster and the tests render the same
    templates again and again.  A template edited on disk has another checksum and is compiled again;
    every environment comes from ``make_environment`` with the same settings, so the code is the same.
    """

    LIMIT = 512  # templates kept; the oldest goes first

    def __init__(self):
        self._code: dict[str, tuple[str, object]] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket) -> None:
        with self._lock:
            found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket) -> None:
        with self._lock:
            self._code.pop(bucket.key, None)
            self._code[bucket.key] = (bucket.checksum, bucket.code)
            while len(self._code) > self.LIMIT:
                del self._code[next(iter(self._code))]

    def clear(self) -> None:
        with self._lock:
            self._code.clear()


COMPILED_TEMPLATES = _CompiledTemplates()


def make_environment(*extra_template_dirs: Path | None) -> SandboxedEnvironment:
    """Jinja's sandbox over the template folders: a custom template's and a course's first, then labreport's.

    Bounded (``BoundedSandbox``): a deadline, and limits on output and value sizes;
    the loader (``ContainedLoader``) reads only template files inside the folders.
    """
    search_path = [str(folder) for folder in extra_template_dirs if folder is not None]
    search_path.append(str(templates_dir()))
    env = BoundedSandbox(
        # "labreport/<name>" is always the shipped file, so a course's phrases.html.j2 can stand
        # in front of labreport's and still be merged with it (phrase_book).
        loader=ChoiceLoader([
            PrefixLoader({SHIPPED_PREFIX: ContainedLoader([templates_dir()])}),
            ContainedLoader(search_path)]),
        autoescape=select_autoescape(["html", "j2", "xml"], default=True),
        undefined=StrictUndefined,  # a misspelt variable is an error, not a silent blank
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=COMPILED_TEMPLATES,
    )
    env.filters.update(FILTERS)
    env.filters = {name: _bounded_filter(env, function) for name, function in env.filters.items()}
    env.template_folders = [Path(folder) for folder in search_path]  # for error messages: file and line
    return env


# What WeasyPrint may read from the allowed folders: stylesheets, images and fonts (RESOURCE_SUFFIXES).
RESOURCE_BYTES = 32 * 1024 * 1024


class _LocalOnlyFetcher:
    """WeasyPrint URL fetcher that serves resource files inside the allowed folders and nothing else.

    The allowed folders are the template folders and the run's ``figures``
    folder (not the whole run folder: run.json and checkpoints are not a
    report's resources).  Paths are resolved (links followed) before the check.
    """

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
                try:
                    target = Path(unquote(parts.path)).resolve()
                except (OSError, RuntimeError):
                    raise ValueError(f"refused to read {unquote(parts.path)}: a symbolic link loop") from None
                root = next((r for r in self.allowed_roots if target.is_relative_to(r)), None)
                if root is None:
                    raise ValueError(f"refused to read {target}: outside the run's figures and the template folders")
                if any(part.startswith(".") for part in target.relative_to(root).parts):
                    raise ValueError(f"refused to read {target}: a hidden file or folder")
                if not target.name.lower().endswith(RESOURCE_SUFFIXES):
                    raise ValueError(f"refused to read {target}: not a stylesheet, image or font")
                try:
                    # A device (/dev/...), a pipe or a folder is never a report resource.
                    data = read_bounded(target, RESOURCE_BYTES)
                except UnreadableFile as exc:
                    raise ValueError(f"refused to read {target}: {exc}") from None
                return _Response(url, data)

        fetcher = Fetcher(fail_on_errors=True, allowed_protocols={"file", "data"})
        fetcher.allowed_roots = [Path(root).resolve() for root in allowed_roots]
        return fetcher


def _Response(url: str, data: bytes):
    """What a WeasyPrint fetcher returns for bytes already read (so the file is read once, bounded)."""
    import mimetypes

    from weasyprint.urls import URLFetcherResponse

    mime_type = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
    return URLFetcherResponse(url, body=data, headers={"Content-Type": mime_type})


def number_figures(figures: dict, order: list[str]) -> None:
    """Number the figures the run has, in the worksheet's order of appearance."""
    shown = [key for key in order if key in figures]
    for number, key in enumerate(shown, start=1):
        figures[key].number = number


from .smoothing import MIN_SMOOTHED_POINTS  # noqa: E402  (pure Python: no matplotlib)


def program_context(record: dict) -> dict:
    """The Program section's data: the spec as given and the exported program's highlighted lines."""
    return {**program_facts(record), "code": program_code(record)}


def build_context(record: dict, *, worksheet, header_overrides: dict | None, smoothing: float | None,
                  figures, facts, program: dict | None = None) -> dict:
    """What a template sees: the run's facts (``f``), the header, the format and the figures.

    ``program``: ``program_context(record)`` where the caller has it already (a roster writes it once)."""
    from .figures import FIGURES

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
        "program": program if program is not None else program_context(record),
        # Each figure's facts and the phrase macro that words its alternative text and caption from them
        # (the registry's ``words``; base.html.j2's figure(key) calls it).
        "figures": {key: {"src": f"figures/{fig.path.name}", "facts": fig.facts, "words": fig.words or FIGURES[key].words,
                          "number": fig.number, "smoothed": fig.smoothed, "log_y": fig.log_y,
                          "log_unsmoothed": fig.log_unsmoothed}
                    for key, fig in figures.items()},
        # Each cell as it is written everywhere (labreport/cells.py): the phrases' cell_title() reads it.
        "cell_titles": CELL_TITLES,
        "smoothing": smoothing,
        # The fewest epochs a figure draws a smoothed line for (report/smoothing.py says why).
        "smoothing_min": MIN_SMOOTHED_POINTS,
        "notes": (spec.get("report") or {}).get("notes", ""),
        # The data source's own sentences (templates/sources/; labreport/sources/registry.py).
        "source_partial": registry.report_partial((record.get("dataset") or {}).get("source")),
    }


def render_report(run_dir: str | Path, *, report_fields: dict | None = None, spec_text: str | None = None,
                  worksheet: str | None = None, template: str | Path | None = None,
                  header: dict | None = None, smoothing: float | None = None,
                  out_dir: str | Path | None = None, pdf_name: str = "report.pdf",
                  html_name: str | None = "report.html", template_dir: str | Path | None = None,
                  trust_record_templates: bool = False, pdf: bool = True) -> RenderedReport:
    """Write report.html and report.pdf for a saved run, without training.

    ``pdf=False`` writes report.html (and the figures) only, skipping the PDF
    step (WeasyPrint, most of a render's time): for a caller that reads only
    the HTML, such as a test.  The result's ``pdf_path`` is then None, and
    run.json is left as it is (it describes report.pdf, which is not rewritten).

    ``report_fields`` (a spec's name, description, header and report
    sections) replace the ones saved in run.json; the other arguments
    override single fields.  The run's numbers always come from run.json.
    A custom template (``report.template``, ``report.template_dir``) is used
    only when the caller names it (``template``, ``template_dir``, or in
    ``report_fields``): one that run.json alone names is refused, since a run
    folder may come from anyone and a template reads files; a caller that made
    the run folder itself may pass ``trust_record_templates=True``.
    Rendered in place (the run folder's own report.pdf), run.json is updated
    to hold the report fields the report shows, so that run.json keeps
    describing everything the report says.
    """
    check_report_options(worksheet=worksheet, smoothing=smoothing)
    if not pdf and not html_name:
        raise ValueError("render_report(pdf=False) needs an html_name: it writes only the HTML")
    started = time.perf_counter()
    prepared = prepare_report(run_dir, report_fields=report_fields, spec_text=spec_text, worksheet=worksheet,
                              template=template, smoothing=smoothing, out_dir=out_dir, template_dir=template_dir,
                              trust_record_templates=trust_record_templates, pdf=pdf)
    in_place = pdf and pdf_name == "report.pdf" and prepared.target_dir.resolve() == prepared.run_dir.resolve()
    # The format of the report.pdf the run folder held before this render (run.json describes it).
    previous_worksheet = prepared.saved_worksheet if in_place and (prepared.run_dir / "report.pdf").is_file() else None
    rendered = prepared.write(header=header, pdf_name=pdf_name if pdf else None, html_name=html_name)
    if in_place:
        prepared.save_to_run_record(header=header)
        if previous_worksheet not in (None, prepared.worksheet.name):
            rendered.replaced_worksheet = previous_worksheet
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
    saved_worksheet: str = DEFAULT_WORKSHEET  # the format run.json names, before this render's overrides
    program: dict | None = None  # program_context(record), the same for every header

    def write(self, *, header: dict | None, pdf_name: str | None, html_name: str | None) -> RenderedReport:
        """Write the PDF (unless ``pdf_name`` is None) and the HTML (unless ``html_name`` is None)."""
        sections = apply_report_overrides(self.sections, header=header)
        context = build_context(self.record, worksheet=self.worksheet, header_overrides=header,
                                smoothing=self.smoothing, figures=self.figures, facts=self.facts,
                                program=self.program)
        with _labreport_code("writing the report's HTML"):
            html_text = render_html(self.template_path, self.worksheet.template, context, env=self.environment,
                                    record_path=self.run_dir / "run.json")

        # The PDF is made in memory, then written before the HTML: a render that
        # fails leaves no part of a PDF, and no new report.html beside an old
        # report.pdf.
        allowed = [self.target_dir.resolve() / "figures", templates_dir()] + [folder for folder in (
            self.template_path.parent if self.template_path else None, self.course_dir) if folder is not None]
        pdf_path = None
        if pdf_name is not None:
            pdf_bytes = html_to_pdf(html_text, base_url=self.target_dir, allowed_roots=allowed)
            pdf_path = write_atomic(self.target_dir / pdf_name, pdf_bytes, root=self.target_dir)
        html_path = write_atomic(self.target_dir / html_name, html_text, root=self.target_dir) if html_name else None
        return RenderedReport(run_dir=self.run_dir, pdf_path=pdf_path, html_path=html_path,
                              figures={k: f.path for k, f in self.figures.items()},
                              report_fingerprint=report_fingerprint(sections))

    def save_to_run_record(self, *, header: dict | None) -> None:
        """Make run.json hold the report fields its report now shows (written only if they changed)."""
        saved = without_surrogates(read_run_record(self.run_dir))  # written back as UTF-8, which has none
        sections = apply_report_overrides(self.sections, header=header)
        updated = {**saved, "spec": {**saved["spec"], **sections}, "experiment": sections["name"],
                   "description": sections["description"], "report_fingerprint": report_fingerprint(sections)}
        if "spec_text" in self.record:
            updated["spec_text"] = self.record["spec_text"]
        if updated != saved:
            write_run_record(self.run_dir, updated)


def prepare_report(run_dir: str | Path, *, report_fields: dict | None = None, spec_text: str | None = None,
                   worksheet: str | None = None, template: str | Path | None = None,
                   smoothing: float | None = None, out_dir: str | Path | None = None,
                   template_dir: str | Path | None = None, trust_record_templates: bool = False,
                   pdf: bool = True) -> PreparedReport:
    """Read run.json, apply the report fields, analyse the curves and draw the figures.

    ``pdf``: whether a PDF will be written from it (then the PDF's libraries are loaded while a second
    process draws figures, where figures are drawn in two; see figures.draw_ahead).
    """
    from .figures import make_figures
    from .formats import load_format

    run_dir = Path(run_dir)
    record = without_surrogates(read_run_record(run_dir))
    sections = report_sections_of_record(record)
    saved_worksheet = (sections.get("report") or {}).get("worksheet") or DEFAULT_WORKSHEET
    if not trust_record_templates and not (report_fields and "report" in report_fields):
        _refuse_record_templates(run_dir, sections.get("report") or {}, template=template, template_dir=template_dir)
    if report_fields:
        sections.update(report_fields)
    sections = apply_report_overrides(sections, worksheet=worksheet, smoothing=smoothing,
                                      template=Path(template).absolute() if template is not None else None)
    if template_dir is not None:
        sections["report"]["template_dir"] = str(Path(template_dir).absolute())
    record = {**record, "spec": {**record["spec"], **sections}, "experiment": sections["name"],
              "description": sections["description"]}
    if spec_text is not None:
        record["spec_text"] = spec_text
    report_spec = sections["report"]
    format_ = _format_for_task(load_format(report_spec.get("worksheet") or DEFAULT_WORKSHEET), record)
    template_path = Path(report_spec["template"]) if report_spec.get("template") else None
    if template_path is not None and not template_path.is_file():
        raise RenderError(f"report.template: {template_path} is not a file.")
    course_dir = Path(report_spec["template_dir"]) if report_spec.get("template_dir") else None
    if course_dir is not None and not course_dir.is_dir():
        raise RenderError(f"report.template_dir: {course_dir} is not a folder.")
    weight = float(report_spec.get("smoothing", 0.6))

    target_dir = Path(out_dir) if out_dir else run_dir
    check_inside(target_dir / "figures" / "any.png", target_dir)  # before any drawing: figures/ must not lead out
    environment = make_environment(template_path.parent if template_path else None, course_dir)
    program: dict = {}

    def meanwhile() -> None:  # while a second process draws figures (figures.draw_ahead)
        _warm_up(environment, template_path.name if template_path else format_.template, pdf=pdf)
        program.update(program_context(record))  # the export and Pygments' lexing: 0.15 s in a fresh process

    with _labreport_code("analysing the run and drawing its figures"):
        facts = build_facts(record)
        figures = make_figures(record, target_dir / "figures", weight, wanted=format_.figures, meanwhile=meanwhile)
    with _labreport_code("writing the program listing"):
        program = program or program_context(record)  # not done above where figures were drawn in one process
    number_figures(figures, format_.figures)
    return PreparedReport(run_dir=run_dir, target_dir=target_dir, record=record, sections=sections,
                          worksheet=format_, smoothing=weight, facts=facts, figures=figures,
                          template_path=template_path, course_dir=course_dir, environment=environment,
                          saved_worksheet=saved_worksheet, program=program)


def _warm_up(environment: SandboxedEnvironment, worksheet_template: str, *, pdf: bool) -> None:
    """What the rest of a render will need, done early: WeasyPrint imported (a third of a second), and the
    worksheet's template and the phrases compiled (the phrases alone take a quarter of a second; kept in
    COMPILED_TEMPLATES).  Called by figures.draw_ahead while a second process draws figures."""
    if pdf:
        load_weasyprint()
    for name in (f"{SHIPPED_PREFIX}/{PHRASES}", PHRASES, worksheet_template):
        environment.get_template(name)


def _format_for_task(format_, record: dict):
    """The worksheet format as a forecast run's report uses it (its forecast template and figures), or a
    RenderError naming the formats that can describe a forecast; a classified numeric series' report takes the
    format's series_headings."""
    from dataclasses import replace

    from .formats import load_format

    if (record.get("task") or {}).get("kind") != "forecast":
        if format_.series_headings and is_classified_series(record.get("dataset") or {}):
            return replace(format_, headings={**format_.headings, **format_.series_headings})
        return format_
    if format_.forecast_template is None:
        able = [name for name in worksheet_names() if load_format(name).forecast_template]
        raise RenderError(f"The {format_.name} format does not describe a forecast yet (this run's task is "
                          f"forecast).", hint=f"Render it with --worksheet {' or '.join(able) or 'exp13'}.")
    return replace(format_, template=format_.forecast_template, figures=list(format_.forecast_figures),
                   aim=format_.forecast_aim or format_.aim, title=format_.forecast_title or format_.title,
                   headings={**format_.headings, **format_.forecast_headings},
                   objectives=list(format_.forecast_objectives or format_.objectives))


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(value):
    """``value`` with every lone surrogate in its strings (JSON's "\\ud800") replaced by U+FFFD: such a
    string cannot be drawn, written as HTML or put in a PDF, so a run.json holding one still renders."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {without_surrogates(key): without_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    return value


@contextmanager
def _labreport_code(doing: str):
    """run.json is validated when it is read (record.py), so an exception in the facts, the figures or a
    shipped template is labreport's bug: a ``LabreportBug`` (exit 1) that says so and asks for a report,
    never "your run.json is corrupt".  ``--debug`` shows the traceback (the bug's ``__cause__``)."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError, ZeroDivisionError,
            ArithmeticError, LookupError) as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).parent.name}/{Path(frame.filename).name}:{frame.lineno}"
        raise LabreportBug(doing, exc, where) from exc


def _refuse_record_templates(run_dir: Path, report: dict, *, template, template_dir) -> None:
    """LabreportError if run.json names a template or template folder the caller did not name."""
    from ..errors import OptionError

    for key, given in (("template", template), ("template_dir", template_dir)):
        named = report.get(key)
        if named and given is None:
            option = "--" + key.replace("_", "-")
            raise OptionError(
                f"{run_dir / 'run.json'}: report.{key} names {named}, and a template named only by a run "
                f"folder is not used (a run folder may come from anyone; a template reads files).",
                hint=f"If you trust it, name it yourself: labreport render {run_dir} {option} {named}; "
                     "or render from your spec: labreport render SPEC.")


def render_html(template_path: Path | None, shipped_name: str, context: dict,
                env: SandboxedEnvironment | None = None, record_path: Path | None = None,
                phrases: bool = True) -> str:
    """The report's HTML from the worksheet's template, or from the spec's own ``report.template``.

    Any error in a custom template is the template author's to fix, so it
    becomes a RenderError naming the file and line; an error in a shipped
    template is a bug in labreport and keeps its traceback.  ``env``: one
    made earlier with ``make_environment`` (a roster reuses its compiled templates).  ``phrases=False``:
    no phrase book (``say``) for a page that words nothing of a report (the batch's course page), which
    spares compiling it.
    """
    env = env or make_environment(template_path.parent if template_path else None)
    name = template_path.name if template_path else shipped_name
    try:
        with _template_clock(env):  # the phrase book's macros run under the same clock
            say = {"say": phrase_book(env, context)} if phrases else {}
            return render_bounded(env.get_template(name), env, **context, **say)
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
        if record_path is not None and _in_shipped_template(exc):
            # labreport's own templates are tested: what they cannot show came from run.json (a value of a form
            # labreport never writes), which is the one to fix, not the template.
            shipped = _template_line(exc, [templates_dir()]) or name
            raise RunRecordError(record_path, [
                f"a value has a form that labreport's own template cannot show ({kind} at "
                f"{Path(shipped).name if ', line' not in shipped else _short_place(shipped)}: "
                f"{str(exc)[:160]})"]) from None
        raise RenderError(f"{where}: {kind}: {exc}",
                          hint="Fix the template, then write the report again with `labreport render RUN_DIR`.") from None


def _in_shipped_template(exc: BaseException) -> bool:
    """Whether the innermost template frame of ``exc`` is one of labreport's own templates."""
    shipped = templates_dir().resolve()
    innermost = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(TEMPLATE_SUFFIXES) or "<template>" in frame.filename:
            innermost = frame.filename
    if innermost is None:
        return False
    try:
        return Path(innermost).resolve().is_relative_to(shipped)
    except (OSError, RuntimeError):
        return False


def _short_place(where: str) -> str:
    """'templates/phrases.html.j2, line 506' for a shipped template's 'file, line N'."""
    file, _, line = where.partition(", line ")
    return f"{Path(file).name}, line {line}"


def _template_line(exc: BaseException, folders: list[Path]) -> str | None:
    """'file, line N' of the innermost template frame of ``exc`` (Jinja puts template lines in tracebacks)."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if any(Path(frame.filename).is_relative_to(folder) for folder in folders):
            found = f"{frame.filename}, line {frame.lineno}"
    return found


def _refuse_attachments(document) -> None:
    """A report never embeds files: ``<a rel="attachment">`` and ``<link rel="attachment">`` are refused.

    WeasyPrint fetches an attachment only when the PDF is written, as an invisible
    file annotation; so the rendered document is checked before that.
    """
    urls = [attachment.source for attachment in getattr(document.metadata, "attachments", [])]
    urls += [target for page in document.pages for kind, target, *_ in page.links if kind == "attachment"]
    if urls:
        shown = urls[0] if isinstance(urls[0], str) else "a file"
        raise RenderError(f"Rendering stopped: refused to attach {shown}: a report never embeds attachments",
                          hint='Remove rel="attachment" from the template; link to the file instead.')


def load_weasyprint() -> None:
    """Import WeasyPrint (and its Pango, HarfBuzz and fontconfig libraries), once per process."""
    import weasyprint  # noqa: F401


def html_to_pdf(html_text: str, *, base_url: Path, allowed_roots) -> bytes:
    """Tagged (PDF/UA-1) PDF bytes; any refused or missing resource stops the render."""
    import logging

    load_weasyprint()
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    # WeasyPrint logs every CSS property it does not know as a warning; the
    # templates are ours and tested, so only errors are worth a user's eyes.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = _LocalOnlyFetcher(allowed_roots)
    try:
        from ..spec import large_runs_allowed

        seconds = PDF_SECONDS * (10 if large_runs_allowed() else 1)
        with time_limit(seconds, lambda: RenderError(
                f"Rendering stopped: laying out the PDF took more than {seconds:g} s.",
                hint="The report is far longer than any worksheet; check the template, the notes and run.json.")):
            html = HTML(string=html_text, base_url=str(Path(base_url).resolve()) + "/", url_fetcher=fetcher)
            document = html.render(pdf_variant="pdf/ua-1", pdf_identifier=b"labreport")
            _refuse_attachments(document)
            return document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=b"labreport")
    except FatalURLFetchingError as exc:
        cause = exc.__cause__ or exc
        raise RenderError(f"Rendering stopped: {cause}",
                          hint="Reports may only use files inside the run folder and the template folders.") from None
