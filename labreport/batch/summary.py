"""`labreport batch --check`: which specs' reports are out of date, as text or as a pull-request comment.

Nothing is trained or rendered.  The markdown form is for a bot to post on a
pull request (the way CML users post reports): a table of every spec with
whether its report is up to date and, for each finished run, its test accuracy
and the change against the run before it (kept by the batch that replaced it
in OUT/<name>/previous_test.json).  Every number comes from run.json or that
file; every text from a spec or a message is escaped, so that a spec cannot
add markup, links or mentions to the comment.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import LabreportError, OptionError
from .planner import collect_specs, plan_specs
from .previous import read_previous
from .roster import read_roster

FORMATS = ("text", "markdown")
_STATES = {"train": "out of date (trains again)", "render": "out of date (renders again)",
           "roster": "roster PDFs out of date", "invalid": "cannot run"}


def check_format(output_format: str) -> None:
    if output_format not in FORMATS:
        raise OptionError(f"--format {output_format}: not a format of --check; use one of: {', '.join(FORMATS)}.")


def check_summary(paths: list[Path | str], *, out_dir: Path | str = "output", roster: Path | None = None,
                  output_format: str = "text") -> tuple[str, int]:
    """(the summary, how many specs are out of date); runs nothing."""
    check_format(output_format)
    rows = read_roster(roster) if roster is not None else []
    plans = plan_specs(collect_specs(paths), Path(out_dir), rows)
    stale = [plan for plan in plans if plan.action != "none"]
    if output_format == "text":
        lines = [f"{plan.spec_path}: {plan.name or '?'}: {plan.reason}" for plan in stale]
        lines.append(f"{len(stale)} of {len(plans)} spec(s) out of date." if stale
                     else f"All {len(plans)} spec(s) up to date.")
        return "\n".join(lines), len(stale)
    return markdown_summary(plans, Path(out_dir)), len(stale)


def markdown_summary(plans: list, out_dir: Path) -> str:
    stale = sum(plan.action != "none" for plan in plans)
    title = (f"{stale} of {len(plans)} report(s) out of date" if stale
             else f"all {len(plans)} report(s) up to date")
    lines = [f"### labreport: {title}", "",
             "| experiment | report | test accuracy | change against the run before |",
             "|---|---|---:|---|"]
    for plan in plans:
        name = plan.name or plan.spec_path.stem
        state = _STATES.get(plan.action, "up to date")
        if plan.action != "none":
            state = f"**{state}**: {_cell(plan.reason)}"
        accuracy, change = _test_columns(out_dir / name) if plan.name else ("-", "-")
        lines.append(f"| {_cell(name)} | {state} | {accuracy} | {change} |")
    lines += ["", "_Made by `labreport batch --check --format markdown`: nothing was trained or rendered. "
                  "Test accuracy is the saved run's (run.json); an out-of-date report's run is trained again "
                  "after the merge._"]
    return "\n".join(lines)


def _test_columns(run_dir: Path) -> tuple[str, str]:
    from ..record import main_run, read_run_record

    if not (run_dir / "run.json").is_file():
        return "-", "no saved run"
    try:
        record = read_run_record(run_dir)
    except LabreportError:
        return "-", "run.json unreadable"
    accuracy = (main_run(record).get("test") or {}).get("accuracy")
    if not isinstance(accuracy, (int, float)):
        return "-", "no test result (the run failed)"
    previous = read_previous(run_dir)
    before = (previous or {}).get("test", {}).get("accuracy")
    if not isinstance(before, (int, float)):
        return f"{accuracy:.4f}", "first run"
    return f"{accuracy:.4f}", f"{accuracy - before:+.4f} (was {before:.4f})"


def _cell(text: str) -> str:
    """Text safe inside one markdown table cell: one line, no markup, no HTML, no @mentions, at most 300 characters."""
    text = " ".join(str(text).split())
    if len(text) > 300:
        text = text[:297] + "..."
    # Markdown's characters first; then HTML's, whose entities hold '&', '#' and ';' of their own.
    text = re.sub(r"([\\`*_\[\]|#~!])", r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")
