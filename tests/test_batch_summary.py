"""`labreport batch --check --format markdown`: the pull-request comment (stale specs, each finished run's test
accuracy against the run before), with every text from a spec or a message escaped."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from labreport.batch.summary import _cell
from labreport.cli import app

runner = CliRunner()


def batch(*args):
    return runner.invoke(app, ["batch", *map(str, args)])


def accuracy(run_dir) -> float:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["models"][0]["test"]["accuracy"]


def test_up_to_date_runs_are_listed_with_their_test_accuracy(saved):
    result = batch(saved["specs"], "--out", saved["out"], "--check", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("### labreport: all 1 report(s) up to date\n")
    assert f"| tiny | up to date | {accuracy(saved['run_dir']):.4f} | first run |" in result.output


def test_a_retrained_run_shows_the_change_against_the_run_before(saved):
    before = accuracy(saved["run_dir"])
    saved["spec"].write_text(saved["spec"].read_text().replace("epochs: 2", "epochs: 1"))
    stale = batch(saved["specs"], "--out", saved["out"], "--check", "--format", "markdown")
    assert stale.exit_code == 1
    assert stale.output.startswith("### labreport: 1 of 1 report(s) out of date\n")
    assert re.search(r"\| tiny \| \*\*out of date \(trains again\)\*\*: training changed: "
                     r"training\.epochs: 2 → 1 \| " + f"{before:.4f}", stale.output), stale.output

    assert batch(saved["specs"], "--out", saved["out"]).exit_code == 0  # trains again
    after = accuracy(saved["run_dir"])
    previous = json.loads((saved["run_dir"] / "previous_test.json").read_text(encoding="utf-8"))
    assert previous["test"]["accuracy"] == before
    result = batch(saved["specs"], "--out", saved["out"], "--check", "--format", "markdown")
    assert result.exit_code == 0
    assert f"| tiny | up to date | {after:.4f} | {after - before:+.4f} (was {before:.4f}) |" in result.output


def test_text_from_specs_and_messages_cannot_add_markup_links_or_mentions(saved):
    hostile = saved["specs"] / "@everyone <img src=x> [link](http:__x) | col.yaml"
    hostile.write_text("name: [unclosed\n")
    result = batch(saved["specs"], "--out", saved["out"], "--check", "--format", "markdown")
    assert result.exit_code == 1
    row = next(line for line in result.output.splitlines() if "cannot run" in line)
    assert "<img" not in row and "@everyone" not in row and not re.search(r"(?<!\\)\]\(", row)
    assert row.count(" | ") == 3  # the '|' in the file name does not open a column
    assert "&#64;everyone &lt;img src=x&gt; \\[link\\]" in row


@pytest.mark.parametrize("text, shown", [
    ("a|b", "a\\|b"),
    ("line one\nline two", "line one line two"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("ping @org/team", "ping &#64;org/team"),
    ("**bold** _it_ `code` ~~x~~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~x\\~\\~"),
    ("![img](http://x)", "`![img](http://x)`"),  # a word with a URL is code: GitHub neither links nor shows it
    ("see www.example.com", "see `www.example.com`"),
    ("https://example.com/a|b", "`https://example.com/a?b`"),
    ("write to a@b.org", "write to `a@b.org`"),
    ("x" * 400, "x" * 297 + "..."),
])
def test_a_cell_is_one_line_of_plain_text(text, shown):
    assert _cell(text) == shown
