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

import math
import re
from pathlib import Path

from ..errors import LabreportError, OptionError
from .planner import check_data_roots, collect_specs, plan_specs
from .previous import PREVIOUS_NAME, read_previous
from .roster import read_roster

FORMATS = ("text", "markdown")
_STATES = {"train": "out of date (trains again)", "render": "out of date (renders again)",
           "roster": "roster PDFs out of date", "invalid": "cannot run"}


def check_format(output_format: str) -> None:
    if output_format not in FORMATS:
        raise OptionError(f"--format {output_format}: not a format of --check; use one of: {', '.join(FORMATS)}.")


def check_summary(paths: list[Path | str], *, out_dir: Path | str = "output", roster: Path | None = None,
                  output_format: str = "text", data_roots: list[Path] | tuple = ()) -> tuple[str, int]:
    """(the summary, how many specs are out of date); runs nothing."""
    check_format(output_format)
    roots = check_data_roots(data_roots)
    rows = read_roster(roster) if roster is not None else []
    plans = plan_specs(collect_specs(paths), Path(out_dir), rows, roots)
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
    if _accuracy(accuracy) is None:
        return "-", "run.json's test accuracy is not a fraction between 0 and 1"
    previous = read_previous(run_dir)
    if previous is None:
        return f"{accuracy:.4f}", "first run"
    before = _accuracy(previous["test"].get("accuracy"))
    if before is None:
        # true, NaN, 400 digits or 7: not as the batch writes it; said, not computed with.
        return f"{accuracy:.4f}", f"{PREVIOUS_NAME}'s accuracy is not a fraction between 0 and 1 (not compared)"
    return f"{accuracy:.4f}", f"{accuracy - before:+.4f} (was {before:.4f})"


def _accuracy(value) -> float | None:
    """A test accuracy as run.json and previous_test.json hold it (a number from 0 to 1), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of 400 digits
        return None
    return number if math.isfinite(number) and 0 <= number <= 1 else None


# What GitHub turns into a link by itself (its "extended autolinks"): www. names, any scheme://, mailto: and
# xmpp:, and e-mail addresses.  Such a word is put in a code span, where GitHub links nothing.
_AUTOLINK = re.compile(r"(?i)(?:www\.|[a-z][a-z0-9+.-]*://|mailto:|xmpp:|[^\s@]+@[^\s@]+\.)")
# A code span's content is shown as it is: it must hold no backtick (which would end it), no '|' (which GFM
# still reads as a cell's end) and no '<', '>' or '&' (shown raw, not as entities).
_CODE_UNSAFE = re.compile(r"[`|<>&\\]")


def _cell(text: str) -> str:
    """Text safe inside one markdown table cell: one line, no markup, no HTML, no @mentions, no links (nothing
    GitHub links by itself: www. names and URLs become code), at most 300 characters."""
    text = " ".join(str(text).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return " ".join(_word(word) for word in text.split(" "))


def _word(word: str) -> str:
    if _AUTOLINK.search(word):
        return "`" + _CODE_UNSAFE.sub("?", word) + "`"
    # Markdown's characters first; then HTML's, whose entities hold '&', '#' and ';' of their own.
    word = re.sub(r"([\\`*_\[\]|#~!])", r"\\\1", word)
    return word.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")
