"""Many specs at once: train what changed, render what only needs rendering, skip the rest.

For each spec the saved run in ``OUT/<name>/`` is compared with the spec
(``fingerprint.saved_run_state``): a run whose training fingerprint differs
is trained, one whose report fields differ is rendered again, and one that
is up to date is left untouched.  Specs that need work run in separate
processes, up to ``jobs`` at a time, with TensorFlow's thread pools sized so
that the jobs share the cores instead of each taking all of them.

A roster (a CSV with one student per row) adds one personalised PDF per row
to each experiment, rendered from the one training.  ``OUT/index.html`` and
``OUT/index.json`` list every report of the batch.
"""

from __future__ import annotations

import csv
import difflib
import html
import io
import json
import os
import re
import time
import unicodedata
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from . import __version__
from .atomic import write_atomic
from .errors import LabreportError, OptionError
from .safe_io import ROSTER_BYTES, UnreadableFile, excerpt, read_bounded, resolved
from .output_lock import output_folder_lock

SPEC_SUFFIXES = (".yaml", ".yml")
ROSTER_STAMPS = "roster.json"

# Roster column → header field.  Column names are compared after lower-casing
# and turning spaces, hyphens and dots into underscores ("Enrolment No." →
# enrolment_no); every header field's own name is accepted too.
ROSTER_ALIASES = {
    "name": "student_name",
    "student": "student_name",
    "student_name": "student_name",
    "enrolment": "enrolment_no",
    "enrollment": "enrolment_no",
    "enrolment_no": "enrolment_no",
    "enrollment_no": "enrolment_no",
    "enrolment_number": "enrolment_no",
    "enrollment_number": "enrolment_no",
    "roll_no": "enrolment_no",
}
# Names a roster PDF must not take: the run folder's own report, and names
# Windows refuses, so that a folder copied there still opens.
_RESERVED_STEMS = {"report", "con", "prn", "aux", "nul",
                   *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
# More roster PDFs than this in one batch are made only with --yes (a 10,000-row file is a mistake or an attack).
ROSTER_CONFIRM_PDFS = 500
_MAX_STEM_BYTES = 120  # well under the 255-byte file name limit, with room for a suffix


# --------------------------------------------------------------------------- inputs


def collect_specs(paths: list[Path | str]) -> list[Path]:
    """Spec files named, or found (*.yaml, *.yml, not recursing) in folders named; each once, in order."""
    if not paths:
        raise OptionError("No specs given.", hint="Name spec files or folders of them, e.g. `labreport batch experiments/`.")
    from .resources import shipped_experiments

    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            specs = sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())
            if not specs:
                raise OptionError(f"{path}: holds no spec files (*.yaml, *.yml).")
            found.extend(specs)
        elif path.is_file():
            found.append(path)
        elif str(given) in shipped_experiments():
            found.append(shipped_experiments()[str(given)])
        else:
            raise OptionError(f"{path}: no such file or folder.")
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(resolved(path), path)
    return list(unique.values())


@dataclass(frozen=True)
class RosterRow:
    """One student: header fields to print, and the PDF's file name (without .pdf)."""

    line: int
    header: dict
    stem: str

    @property
    def pdf_name(self) -> str:
        return f"{self.stem}.pdf"

    @property
    def label(self) -> str:
        name, number = self.header.get("student_name"), self.header.get("enrolment_no")
        return " ".join(part for part in (number, f"({name})" if name and number else name) if part) or self.stem


def _column_key(column: str) -> str:
    return re.sub(r"[\s.\-]+", "_", column.strip().lstrip("\ufeff").lower()).strip("_")


def _clean_cell(value: str) -> str:
    # Control characters (a NUL, a stray carriage return) are never meant to be printed.
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()


def safe_stem(value: str) -> str:
    """A file name stem made from roster text that cannot leave its folder or upset a file system.

    Letters, digits, '_', '-' and '.' are kept (any script); everything else,
    path separators and NUL included, becomes '_'; leading and trailing dots,
    underscores and hyphens are removed and runs of dots become one (no hidden
    files, no '..'); the result
    is cut to 120 bytes of UTF-8.  May return '' (the caller picks a fallback).
    """
    text = unicodedata.normalize("NFKC", value)  # fullwidth '／' becomes '/', and then '_'
    text = re.sub(r"[^\w.\-]+", "_", text)
    text = re.sub(r"\.{2,}", ".", re.sub(r"_+", "_", text)).strip("._-")
    encoded = text.encode("utf-8")
    if len(encoded) > _MAX_STEM_BYTES:
        text = encoded[:_MAX_STEM_BYTES].decode("utf-8", errors="ignore").rstrip("._-")
    return text


def read_roster(path: Path) -> list[RosterRow]:
    """Read and check a roster CSV; any problem is an ``OptionError`` naming the file (exit 2)."""
    from .spec import HeaderSpec

    fields = list(HeaderSpec.model_fields)
    known = {**{name: name for name in fields}, **ROSTER_ALIASES}
    try:
        text = read_bounded(path, ROSTER_BYTES).decode("utf-8-sig")
    except UnreadableFile as exc:
        raise OptionError(f"--roster {path}: {exc}.") from None
    except UnicodeDecodeError as exc:
        raise OptionError(f"--roster {path}: not UTF-8 text (byte {exc.start}).") from None
    try:
        # Parsed as one text (not line by line), so that a quote left open is seen, not
        # silently joined to the next student's row.
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        table, lines = [], []
        for cells in reader:
            table.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        first = lines[-1] + 1 if lines else 1
        if "unexpected end of data" in str(exc):
            raise OptionError(
                f"--roster {path}: line {first}: a quote is never closed, so every line after it would be read "
                f"as one cell, joining students' rows.",
                hint="Close the quote (a name holding a comma is written \"Doe, Jane\"), or remove it.") from None
        raise OptionError(f"--roster {path}: not a valid CSV at line {first} ({exc}).") from None
    for number, cells in enumerate(table):
        if any("\n" in cell or "\r" in cell for cell in cells):
            first = lines[number - 1] + 1 if number else 1
            raise OptionError(
                f"--roster {path}: line {first}: a quoted cell runs on to line {lines[number]}; a quote is not "
                f"closed, which would join students' rows.",
                hint="Close the quote (a name holding a comma is written \"Doe, Jane\"), or remove it.")
    if not table or not any(cell.strip() for cell in table[0]):
        raise OptionError(f"--roster {path}: empty; the first line must name the columns.")
    plainly_a_roster = (Path(path).suffix.lower() in (".csv", ".tsv", ".txt") and len(table[0]) <= 50
                        and all(len(column) <= 60 and column.isprintable() for column in table[0]))
    columns: list[str] = []
    for column in table[0]:
        key = _column_key(column)
        if key not in known and not plainly_a_roster:
            # Not a class list someone made (a key file, a config): its first line is never echoed.
            raise OptionError(
                f"--roster {path}: the first line does not name roster columns, and the file does not look like "
                f"a CSV class list ({len(table[0])} column(s); not shown).",
                hint=f"Accepted columns: {', '.join(sorted(known))}.")
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise OptionError(f"--roster {path}: unknown column '{excerpt(column)}'{hint}",
                              hint=f"Accepted columns: {', '.join(sorted(known))}.")
        if known[key] in columns:
            raise OptionError(f"--roster {path}: two columns give header.{known[key]} (the second is '{column}').")
        columns.append(known[key])

    rows: list[RosterRow] = []
    taken: set[str] = set()
    for line, cells in zip(lines[1:], table[1:]):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            raise OptionError(f"--roster {path}: line {line} has {len(cells)} cells but the header names {len(columns)}.")
        # An empty cell means "not given": the spec's header value stays.
        header = {column: _clean_cell(cell) for column, cell in zip(columns, cells) if _clean_cell(cell)}
        stem = (safe_stem(header.get("enrolment_no", "")) or safe_stem(header.get("student_name", ""))
                or f"row-{line}")
        # Windows refuses a reserved name with any extension too: nul.txt.pdf is NUL.
        head, dot, rest = stem.partition(".")
        if head.casefold() in _RESERVED_STEMS:
            stem = f"{head}_{dot}{rest}"
        unique, number = stem, 2
        while unique.casefold() in taken:  # case-insensitive: two names must not share a file on macOS
            unique, number = f"{stem}-{number}", number + 1
        taken.add(unique.casefold())
        rows.append(RosterRow(line=line, header=header, stem=unique))
    if not rows:
        raise OptionError(f"--roster {path}: holds no students (only the header line).")
    return rows


# --------------------------------------------------------------------------- planning


@dataclass
class Plan:
    """What a spec needs: train, render (the report and/or roster PDFs), nothing, or it cannot run."""

    spec_path: Path
    name: str | None
    action: str  # train | render (the report, and stale roster PDFs) | roster (only those) | none | invalid
    reason: str
    fingerprint: str | None = None
    stale_rows: list[RosterRow] = field(default_factory=list)
    seconds: float = 0.0  # spent comparing


def _roster_stamps(run_dir: Path) -> dict:
    try:
        data = json.loads((run_dir / ROSTER_STAMPS).read_text(encoding="utf-8"))
        return data.get("reports", {}) if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _row_report_fingerprint(spec, row: RosterRow) -> str:
    from .fingerprint import apply_report_overrides, report_fingerprint
    return report_fingerprint(apply_report_overrides(spec.report_fields(), header=row.header))


def _stale_rows(spec, run_dir: Path, fingerprint: str, rows: list[RosterRow]) -> list[RosterRow]:
    stamps = _roster_stamps(run_dir)
    return [row for row in rows
            if stamps.get(row.pdf_name) != {"fingerprint": fingerprint,
                                             "report_fingerprint": _row_report_fingerprint(spec, row)}
            or not (run_dir / row.pdf_name).is_file()]


def plan_specs(spec_paths: list[Path], out_dir: Path, rows: list[RosterRow]) -> list[Plan]:
    """Compare every spec with its saved run; no training, no rendering."""
    from .fingerprint import HashCache, saved_run_state, training_fingerprint
    from .spec import load_spec

    cache = HashCache()
    plans: list[Plan] = []
    owner: dict[str, Path] = {}
    for path in spec_paths:
        started = time.perf_counter()
        try:
            spec = load_spec(path)
        except LabreportError as error:
            plans.append(Plan(path, None, "invalid", str(error)))
            continue
        if spec.name in owner:
            plans.append(Plan(path, spec.name, "invalid",
                              f"{owner[spec.name]} already has the experiment name '{spec.name}'; "
                              f"both would write {out_dir / spec.name}"))
            continue
        owner[spec.name] = path
        run_dir = out_dir / spec.name
        fingerprint = training_fingerprint(spec, cache)
        state = saved_run_state(spec, run_dir, fingerprint)
        if state.needs_training:
            plans.append(Plan(path, spec.name, "train", state.reason, fingerprint.sha256, list(rows)))
            continue
        stale = _stale_rows(spec, run_dir, fingerprint.sha256, rows) if rows else []
        if state.needs_render:
            plans.append(Plan(path, spec.name, "render", state.reason, fingerprint.sha256, stale))
        elif stale:
            plans.append(Plan(path, spec.name, "roster", f"{len(stale)} roster PDF(s) out of date",
                              fingerprint.sha256, stale))
        else:
            plans.append(Plan(path, spec.name, "none", "", fingerprint.sha256))
        plans[-1].seconds = time.perf_counter() - started
    cache.save()
    return plans


def check(paths: list[Path | str], *, out_dir: Path | str = "output", roster: Path | None = None) -> tuple[list[str], int]:
    """(one line per out-of-date spec, number of specs); runs nothing."""
    rows = read_roster(roster) if roster is not None else []
    plans = plan_specs(collect_specs(paths), Path(out_dir), rows)
    stale = [f"{plan.spec_path}: {plan.name or '?'}: {plan.reason}"
             for plan in plans if plan.action != "none"]
    return stale, len(plans)


# --------------------------------------------------------------------------- the work, in a worker process


def _size_thread_pools(threads: int) -> None:
    # Read by TensorFlow when its runtime starts (verified with TF 2.21: the
    # process's thread count follows them); so set before anything imports it.
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(threads)


def _render_rows(spec_path: Path, out_dir: Path, rows: list[RosterRow], fingerprint: str) -> list[str]:
    """Render roster PDFs in one process (one analysis, one set of figures) and stamp them."""
    from .pipeline import resolve_spec
    from .report.render import render_roster

    spec, _ = resolve_spec(spec_path)
    run_dir = out_dir / spec.name
    render_roster(run_dir, [(row.header, row.pdf_name) for row in rows],
                  report_fields=spec.report_fields(), spec_text=Path(spec_path).read_text(encoding="utf-8"))
    stamps = _roster_stamps(run_dir)
    for row in rows:
        stamps[row.pdf_name] = {"fingerprint": fingerprint, "report_fingerprint": _row_report_fingerprint(spec, row)}
    write_atomic(run_dir / ROSTER_STAMPS, json.dumps({"format": 1, "reports": stamps}, indent=1) + "\n", root=run_dir)
    return [row.pdf_name for row in rows]


def run_one(task: dict) -> dict:
    """Train or render one spec; never raises (a failure is an outcome).  Runs in a worker process."""
    from .pipeline import render_saved_run, run_experiment

    started = time.perf_counter()
    name = task["name"]
    spec_path, out_dir = Path(task["spec_path"]), Path(task["out_dir"])

    def log(line: str) -> None:
        print(f"[{name}] {line}", flush=True)

    try:
        if task["action"] == "train":
            # run_experiment holds the run folder's lock while it trains and renders.
            run_experiment(spec_path, out_dir=out_dir, force=True, progress="none", log=log)
            status = "trained"
        else:
            status = "rendered"
        rows = [RosterRow(**row) for row in task["rows"]]
        if task["action"] == "render" or rows:
            # `labreport run`'s lock for the reports written here too, so a run into this
            # spec's folder meanwhile is refused instead of training underneath them.
            with output_folder_lock(out_dir / name):
                if task["action"] == "render":
                    render_saved_run(spec_path, out_dir=out_dir, log=log)
                fingerprint = task["fingerprint"]
                if task["action"] == "train":
                    from .run_record import read_run_record
                    fingerprint = read_run_record(out_dir / name).get("fingerprint")
                if rows:
                    log(f"rendering {len(rows)} roster PDF(s)...")
                    _render_rows(spec_path, out_dir, rows, fingerprint)
        return {"status": status, "reason": "", "seconds": time.perf_counter() - started}
    except LabreportError as error:
        return {"status": "failed", "reason": str(error), "seconds": time.perf_counter() - started}
    except Exception as error:  # noqa: BLE001 - one spec's bug must not stop the batch; the traceback is kept
        import traceback
        # Shortened: the reason goes into index.json, which CI uploads.
        return {"status": "failed", "reason": f"crashed: {type(error).__name__}: {excerpt(str(error), 200)}",
                "traceback": traceback.format_exc(), "seconds": time.perf_counter() - started}


# --------------------------------------------------------------------------- the batch, in the parent process


SUCCEEDED = ("trained", "reused", "rendered")


@dataclass
class Outcome:
    """One spec's line in the table and in index.json."""

    experiment: str
    spec: str
    status: str  # trained | reused | rendered | failed | skipped
    reason: str = ""
    seconds: float = 0.0
    test_accuracy: float | None = None
    epochs: int | None = None
    params: int | None = None
    train_seconds: float | None = None
    pdfs: list = field(default_factory=list)  # [{"label", "href"}], href relative to the output folder


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    index_html: Path
    index_json: Path

    @property
    def succeeded(self) -> bool:
        return all(outcome.status in SUCCEEDED for outcome in self.outcomes)


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


def run_batch(paths: list[Path | str], *, jobs: int = 1, out_dir: Path | str = "output",
              roster: Path | None = None, fail_fast: bool = False,
              log: Callable[[str], None] = print, yes: bool = False) -> BatchResult:
    """Bring every spec's report up to date, ``jobs`` at a time; write OUT/index.html and OUT/index.json."""
    if jobs < 1:
        raise OptionError(f"--jobs must be at least 1 (got {jobs}).")
    rows = read_roster(roster) if roster is not None else []
    spec_paths = collect_specs(paths)
    if rows and len(rows) * len(spec_paths) > ROSTER_CONFIRM_PDFS and not yes:
        raise OptionError(
            f"--roster {roster}: {len(rows):,} students x {len(spec_paths)} spec(s) would make "
            f"{len(rows) * len(spec_paths):,} PDFs, more than {ROSTER_CONFIRM_PDFS} without confirmation.",
            hint="Check the roster is the class list you meant; then add --yes to make them all.")
    out_dir = Path(out_dir)
    plans = plan_specs(spec_paths, out_dir, rows)

    outcomes: dict[int, Outcome] = {}
    todo: deque[int] = deque()
    for index, plan in enumerate(plans):
        name = plan.name or plan.spec_path.stem
        if plan.action == "invalid":
            outcomes[index] = Outcome(name, str(plan.spec_path), "failed", plan.reason)
            log(f"{name}: failed: {plan.reason}")
        elif plan.action == "none":
            outcomes[index] = Outcome(name, str(plan.spec_path), "reused", seconds=round(plan.seconds, 2))
            log(f"{name}: up to date (reused)")
        else:
            todo.append(index)
    stopped = fail_fast and any(outcome.status == "failed" for outcome in outcomes.values())
    if todo and not stopped:
        _execute(plans, todo, outcomes, jobs=jobs, out_dir=out_dir, fail_fast=fail_fast, log=log)
    for index in todo:  # left by --fail-fast
        plan = plans[index]
        outcomes[index] = Outcome(plan.name or plan.spec_path.stem, str(plan.spec_path), "skipped",
                                  "not started: --fail-fast after a failure")

    ordered = [outcomes[index] for index in range(len(plans))]
    for outcome in ordered:
        _add_numbers(outcome, out_dir, rows)
    index_html, index_json = write_index(out_dir, ordered)
    return BatchResult(ordered, index_html, index_json)


def _execute(plans: list[Plan], todo: deque, outcomes: dict[int, Outcome], *, jobs: int, out_dir: Path,
             fail_fast: bool, log: Callable[[str], None]) -> None:
    """Run the planned work in worker processes; fills ``outcomes`` and pops ``todo``."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # 'spawn': a fresh interpreter per spec, never a fork of a parent that may
    # hold TensorFlow's threads or another spec's Keras backend.
    context = multiprocessing.get_context("spawn")
    threads = max(1, _cores() // min(jobs, len(todo)))
    running: dict = {}
    stop = False
    try:
        while todo or running:
            while todo and len(running) < jobs and not stop:
                index = todo.popleft()
                plan = plans[index]
                verb = {"train": "training", "render": "rendering", "roster": "rendering roster PDFs"}[plan.action]
                log(f"{plan.name}: {verb} ({plan.reason})")
                task = {"name": plan.name, "spec_path": str(plan.spec_path), "out_dir": str(out_dir),
                        "action": plan.action, "fingerprint": plan.fingerprint,
                        "rows": [asdict(row) for row in plan.stale_rows]}
                # One single-worker pool per spec: a worker that dies (a crash inside
                # TensorFlow, the out-of-memory killer) breaks only its own pool, so only
                # its spec fails; a shared pool would fail every spec still queued.
                executor = ProcessPoolExecutor(max_workers=1, mp_context=context,
                                               initializer=_size_thread_pools, initargs=(threads,))
                running[executor.submit(run_one, task)] = (index, executor, time.perf_counter())
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index, executor, started = running.pop(future)
                executor.shutdown(wait=True)
                plan = plans[index]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    result = {"status": "failed", "seconds": time.perf_counter() - started,
                              "reason": "the worker process died (killed, out of memory, or crashed)"}
                # A success keeps the plan's reason (why it was trained or rendered) for the index.
                outcome = Outcome(plan.name, str(plan.spec_path), result["status"],
                                  result.get("reason") or plan.reason, round(result["seconds"], 2))
                outcomes[index] = outcome
                if outcome.status == "failed":
                    log(f"{plan.name}: failed: {outcome.reason}")
                    if result.get("traceback"):
                        log(result["traceback"])
                    stop = stop or fail_fast
                else:
                    log(f"{plan.name}: {outcome.status} in {outcome.seconds:.1f} s")
    finally:
        for _, executor, _ in running.values():
            executor.shutdown(wait=False, cancel_futures=True)


def _add_numbers(outcome: Outcome, out_dir: Path, rows: list[RosterRow]) -> None:
    """The saved run's key numbers and the PDFs, for the table and the index."""
    if outcome.status not in SUCCEEDED:
        return
    from .run_record import read_run_record

    run_dir = out_dir / outcome.experiment
    try:
        record = read_run_record(run_dir)
    except LabreportError:
        return
    outcome.test_accuracy = (record.get("test") or {}).get("accuracy")
    outcome.epochs = len((record.get("history") or {}).get("loss", []))
    outcome.params = (record.get("model") or {}).get("total_params")
    outcome.train_seconds = (record.get("timing") or {}).get("total_seconds")
    links = [("report", "report.pdf")] + [(row.label, row.pdf_name) for row in rows]
    outcome.pdfs = [{"label": label, "href": f"{outcome.experiment}/{name}"}
                    for label, name in links if (run_dir / name).is_file()]


# --------------------------------------------------------------------------- output


def format_table(outcomes: list[Outcome]) -> str:
    """The end-of-batch table: experiment, status (why, if failed), test accuracy, seconds."""
    def status(outcome: Outcome) -> str:
        if outcome.status in ("failed", "skipped"):
            reason = _first_line(outcome.reason)
            return f"{outcome.status}: {reason[:57] + '...' if len(reason) > 60 else reason}"
        return outcome.status

    lines = [("experiment", "status", "test accuracy", "seconds")]
    for outcome in outcomes:
        accuracy = f"{outcome.test_accuracy:.4f}" if isinstance(outcome.test_accuracy, (int, float)) else "-"
        lines.append((outcome.experiment, status(outcome), accuracy, f"{outcome.seconds:.1f}"))
    widths = [max(len(line[column]) for line in lines) for column in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d:>7}".rstrip()
                     for a, b, c, d in lines)


_SORT_SCRIPT = """
document.querySelectorAll("#reports th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var ascending = th.getAttribute("aria-sort") !== "ascending", numeric = th.dataset.type === "number";
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    function key(row) { var cell = row.cells[column]; return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent; }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), order;
      if (numeric) {  // blanks last either way
        if (x === "" || y === "") return (x === "") - (y === "");
        order = Number(x) - Number(y);
      } else { order = x.localeCompare(y); }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _cell(value, *, number: bool = False, text: str | None = None) -> str:
    shown = html.escape(text if text is not None else ("" if value is None else str(value)))
    if number:
        return f'<td class="number" data-sort="{html.escape("" if value is None else repr(value))}">{shown}</td>'
    return f"<td>{shown}</td>"


def write_index(out_dir: Path, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """OUT/index.json and OUT/index.html (sortable by clicking a heading; no network, no server)."""
    generated = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    data = {"generated": generated, "labreport": __version__, "reports": [asdict(o) for o in outcomes]}
    index_json = write_atomic(out_dir / "index.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                              root=out_dir)

    body = []
    for outcome in outcomes:
        status = outcome.status + (f": {_first_line(outcome.reason)}" if outcome.reason else "")
        links = ", ".join(f'<a href="{html.escape(quote(pdf["href"]))}">{html.escape(pdf["label"])}</a>'
                          for pdf in outcome.pdfs)
        accuracy = outcome.test_accuracy
        body.append(
            "<tr>" + _cell(outcome.experiment) + f'<td class="{html.escape(outcome.status)}">{html.escape(status)}</td>'
            + _cell(accuracy, number=True, text=f"{accuracy:.4f}" if isinstance(accuracy, (int, float)) else "")
            + _cell(outcome.epochs, number=True) + _cell(outcome.params, number=True,
                                                         text=f"{outcome.params:,}" if outcome.params else "")
            + _cell(outcome.seconds, number=True, text=f"{outcome.seconds:.1f}") + f"<td>{links}</td></tr>")
    headings = [("experiment", "text"), ("status", "text"), ("test accuracy", "number"), ("epochs", "number"),
                ("params", "number"), ("seconds", "number"), ("PDFs", "text")]
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>labreport: {len(outcomes)} report(s)</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f2f2f2; cursor: pointer; user-select: none; }}
th[aria-sort=ascending]::after {{ content: " \\25B2"; }}
th[aria-sort=descending]::after {{ content: " \\25BC"; }}
td.number {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.failed, td.skipped {{ color: #a00; }}
</style>
</head>
<body>
<h1>Reports</h1>
<p>Written {html.escape(generated)} by labreport {html.escape(__version__)}. Click a column heading to sort.</p>
<table id="reports">
<thead><tr>{"".join(f'<th data-type="{kind}">{html.escape(name)}</th>' for name, kind in headings)}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
<script>{_SORT_SCRIPT}</script>
</body>
</html>
"""
    return write_atomic(out_dir / "index.html", page, root=out_dir), index_json
