"""A batch's outcomes: the end-of-batch table, OUT/index.json and OUT/index.html."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .._version import __version__
from ..atomic import write_atomic
from ..errors import RenderError
from . import page


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
    # Since index.json version 2: the run's facts (page.py), the files beside the PDFs, the roster's PDFs.
    verdict: str = ""  # page.VERDICTS
    kind: str | None = None  # classification | forecast
    test: dict | None = None  # {"metric", "value", "chance", "baselines": [{"cell", "value", "verdict"}]}
    flags: list = field(default_factory=list)  # [{"name": overfitting | still_improving | ..., ...}]
    curve: dict | None = None  # the validation loss per epoch as SVG coordinates (page.curve)
    files: dict = field(default_factory=dict)  # {"html" | "program" | "notebook" | "record": href}
    roster: list = field(default_factory=list)  # [{"label", "href"}]: the roster's PDFs (also in pdfs)
    fingerprint: str | None = None  # the saved run's training fingerprint
    created: str | None = None  # when the saved run was trained
    cell: str | None = None  # the main model's cell
    description: str = ""  # the saved run's description, its first line
    duration: dict | None = None  # the run's training time: {"minutes", "seconds", "total"}
    identical_to: list = field(default_factory=list)  # the other experiments with this training fingerprint
    identical_group: int | None = None
    attention: list = field(default_factory=list)  # page.ATTENTION's names that apply


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    index_html: Path
    index_json: Path

    @property
    def succeeded(self) -> bool:
        return all(outcome.status in SUCCEEDED for outcome in self.outcomes)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


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


COURSE_PAGE = "course/index.html.j2"  # a course's template folder may hold its own (--template-dir)


def page_rows(outcomes: list[Outcome]) -> tuple[list[dict], dict]:
    """The page's rows (each outcome as index.json holds it, with what the page needs besides) and summary."""
    rows = []
    for number, outcome in enumerate(outcomes, start=1):
        row = asdict(outcome)
        row["anchor"] = f"run-{number}"
        row["reason_line"] = _first_line(outcome.reason)
        row["attention"] = page.attention(row)
        outcome.attention = row["attention"]
        rows.append(row)
    groups = page.mark_identical(rows)
    for outcome, row in zip(outcomes, rows):
        outcome.identical_to = row.get("identical_to", [])
        outcome.identical_group = row.get("identical_group")
    return rows, page.summary(rows, groups)


def write_index(out_dir: Path, outcomes: list[Outcome], *, template_dir: Path | None = None) -> tuple[Path, Path]:
    """OUT/index.json and OUT/index.html, the course page: templates/course/index.html.j2 (or a course's own,
    in ``template_dir``) rendered in the reports' sandbox.  No network, no server; sorting and filtering
    are a script's extra, and the page is complete without it."""
    from ..cells import CELL_TITLES
    from ..facts.outcome import LEARNED_SHARE
    from ..report.render import make_environment, render_html

    generated = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    rows, summary = page_rows(outcomes)
    data = {"version": page.INDEX_VERSION, "generated": generated, "labreport": __version__,
            "summary": summary, "reports": [asdict(o) for o in outcomes]}
    context = {"rows": rows, "summary": summary, "generated": generated, "labreport_version": __version__,
               "index_version": page.INDEX_VERSION, "cell_titles": CELL_TITLES,
               "learned_share": LEARNED_SHARE}
    environment = make_environment(Path(template_dir) if template_dir is not None else None)
    try:
        page_html = render_html(None, COURSE_PAGE, context, env=environment, phrases=False)
    except RenderError as error:  # a course's template (a shipped one's error is a bug and keeps its traceback)
        raise RenderError(f"The course page (OUT/index.html) was not written: {error.message}",
                          hint="Fix the course's template (--template-dir), then run the same batch again: "
                               "the runs it finished are reused.") from None
    index_json = write_atomic(out_dir / "index.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                              root=out_dir)
    return write_atomic(out_dir / "index.html", page_html, root=out_dir), index_json
