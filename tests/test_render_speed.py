"""The render's speed-ups (issue 23.3; BENCHMARKS.md has their timings) change nothing a report shows.

- the program listing: fewer spans, the same colour, weight and slant on every character;
- figures drawn in two processes: the same PNG bytes and facts as drawn in one, and a figure the
  second process could not draw is drawn (or fails) in this one.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys

import pytest

from labreport.record import migrate
from labreport.report import figures
from labreport.report import render as render_module
from labreport.report.listing import LISTING_STYLE, _declaration, highlighted_lines
from records import DEFAULT_RUN

SHIPPED_DEFAULT = DEFAULT_RUN.parent / "shipped_default.json"


# --------------------------------------------------------------------------- the program listing

def _program_source() -> str:
    from labreport.export import complete_spec, program_py

    record = json.loads(SHIPPED_DEFAULT.read_text(encoding="utf-8"))
    return program_py(complete_spec(record["spec"]), data_path="name")


def _looks_per_character(lines: list[str], sheet: str) -> list[list[tuple[str, str]]]:
    """Each line as (character, the CSS declaration its span applies, "" outside any span)."""
    rules = dict(re.findall(r"\.program \.(\S+) \{ (.*?) \}", sheet))
    result = []
    for line in lines:
        chars, look = [], ""
        for part in re.split(r"(<span class=\"[^\"]+\">|</span>)", line):
            opened = re.fullmatch(r"<span class=\"([^\"]+)\">", part)
            if opened:
                look = rules[opened.group(1)]
            elif part == "</span>":
                look = ""
            else:
                chars += [(char, look) for char in html.unescape(part)]
        result.append(chars)
    return result


def test_the_listing_draws_every_character_as_pygments_styles_its_token():
    from pygments import lex
    from pygments.lexers import PythonLexer
    from pygments.styles import get_style_by_name

    source = _program_source()
    lines, sheet = highlighted_lines(source)
    assert "\n".join(lines).count("\n") == len(lines) - 1
    shown = _looks_per_character(lines, sheet)
    assert ["".join(char for char, _ in line) for line in shown] == source.rstrip("\n").split("\n")

    style = get_style_by_name(LISTING_STYLE)
    expected, line = [], []
    for token_type, value in lex(source, PythonLexer()):
        for char in value:
            if char == "\n":
                expected.append(line)
                line = []
            else:
                line.append((char, _declaration(style.style_for_token(token_type))))
    for got, want in zip(shown, expected):
        for (char, look), (_, wanted) in zip(got, want):
            if not char.isspace():  # a space looks the same in any colour
                assert look == wanted, (char, look, wanted)
    # The program's keywords, comments, strings and class names keep their colours.
    assert {"color: #0000ff", "color: #008000", "color: #a31515", "color: #2b91af"} <= {
        part.strip() for declaration in re.findall(r"\{ (.*?) \}", sheet) for part in declaration.split(";")}


def test_the_listing_writes_a_span_only_where_the_look_changes():
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    source = _program_source()
    lines, _ = highlighted_lines(source)
    ours = sum(line.count("<span") for line in lines)
    pygments = highlight(source, PythonLexer(), HtmlFormatter(nowrap=True)).count("<span")
    assert ours < pygments / 2, (ours, pygments)  # WeasyPrint lays out each span as a box of its own
    for line in lines:
        assert "></span>" not in line  # no empty span
        assert not re.search(r"</span><span class=\"([^\"]+)\">", line) or all(
            a != b for a, b in re.findall(r"<span class=\"([^\"]+)\">[^<]*</span><span class=\"([^\"]+)\">", line))


def test_a_long_line_wraps_in_the_code_column_with_its_number_in_the_margin(tmp_path):
    """Each line's number is its first characters, no-break spaces around the digits, hung left of the rule;
    a long line wraps inside the code column and never leaves its number alone on a printed line (WeasyPrint
    once wrapped an indented docstring right after its indentation)."""
    from pypdf import PdfReader

    from labreport.report import render_report

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(SHIPPED_DEFAULT.read_text(encoding="utf-8"), encoding="utf-8")
    rendered = render_report(run_dir, out_dir=tmp_path / "out")
    page = rendered.html_path.read_text(encoding="utf-8")
    listing = re.search(r'<div class="program">(.*?)\n</div>', page, re.S).group(1)
    rows = re.findall(r'<div class="line">((?:\xa0)*)(\d+)&nbsp;&nbsp;(.*?)</div>', listing)
    assert [number for _, number, _ in rows] == [str(n) for n in range(1, len(rows) + 1)] and len(rows) > 100
    assert all(len(pad + number) == 4 for pad, number, _ in rows)
    css = (render_module.templates_dir() / "report.css").read_text(encoding="utf-8")
    assert re.search(r"div\.program div\.line \{[^}]*white-space: pre-wrap", css)
    assert re.search(r"div\.program div\.line \{[^}]*text-indent: -6ch", css)

    empty = {int(number) for _, number, code in rows if not re.sub(r"<[^>]+>", "", code).strip()}
    assert len(empty) < len(rows) / 3
    text = "\n".join(pdf_page.extract_text() for pdf_page in PdfReader(rendered.pdf_path).pages)
    alone = {int(number) for number in re.findall(r"(?m)^[\s\xa0]*(\d+)[\s\xa0]*$", text)}
    # Page numbers stand alone as "Page N of M", never as bare digits; a bare number is a listing line's.
    assert alone <= empty, sorted(alone - empty)


def test_a_lines_indentation_joins_its_first_span():
    lines, _ = highlighted_lines('def f():\n    """A docstring."""\n    return 1\n')
    assert lines[1].startswith('<span class="py-sd">    &quot;&quot;&quot;A docstring.')
    assert lines[2].startswith('    <span class="py-k">return') or lines[2].startswith('<span class="py-k">    return')


# --------------------------------------------------------------------------- figures in two processes

def _pngs(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.png"))}


@pytest.fixture
def two_processes(monkeypatch):
    """Figures drawn in two processes here, whatever this test process has loaded; forks counted."""
    if any(name in sys.modules for name in figures._FRAMEWORKS) or not hasattr(os, "fork"):
        pytest.skip("a training framework is loaded in this process (or no fork): figures are drawn in one")
    monkeypatch.setattr(figures, "_DRAWN", type(figures._DRAWN)())
    monkeypatch.setattr(figures, "_may_fork", lambda: True)
    forks = []
    real_fork = os.fork

    def counted_fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted_fork)
    return forks


def test_figures_drawn_in_two_processes_are_the_ones_drawn_in_one(two_processes, tmp_path, monkeypatch):
    record = migrate(json.loads(SHIPPED_DEFAULT.read_text(encoding="utf-8")))
    warmed = []
    both = figures.make_figures(record, tmp_path / "two", 0.6, meanwhile=lambda: warmed.append(os.getpid()))
    assert two_processes and warmed == [os.getpid()]  # a copy was forked; the warm-up ran here
    monkeypatch.setattr(figures, "_may_fork", lambda: False)
    monkeypatch.setattr(figures, "_DRAWN", type(figures._DRAWN)())
    one = figures.make_figures(record, tmp_path / "one", 0.6)
    assert len(two_processes) == 1  # nothing forked the second time
    assert list(both) == list(one) and len(one) >= 8
    assert _pngs(tmp_path / "two") == _pngs(tmp_path / "one")
    for key in one:
        assert both[key].facts == one[key].facts and both[key].path.parent == tmp_path / "two", key
        assert (both[key].smoothed, both[key].log_y) == (one[key].smoothed, one[key].log_y), key


def test_a_figure_the_copy_cannot_draw_is_drawn_here(two_processes, tmp_path, monkeypatch):
    import dataclasses

    parent = os.getpid()
    drawn_here = []
    real = figures.FIGURES["loss"].draw

    def fails_in_the_copy(path, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("not in the copy")
        drawn_here.append(path.name)
        return real(path, **kwargs)

    def kills_the_copy(path, **kwargs):
        if os.getpid() != parent:
            os._exit(3)  # the copy dies without a word
        drawn_here.append(path.name)
        return real(path, **kwargs)

    record = migrate(json.loads(SHIPPED_DEFAULT.read_text(encoding="utf-8")))
    for draw in (fails_in_the_copy, kills_the_copy):
        for key in ("loss", "accuracy"):
            monkeypatch.setitem(figures.FIGURES, key, dataclasses.replace(figures.FIGURES[key], draw=draw))
        monkeypatch.setattr(figures, "_DRAWN", type(figures._DRAWN)())
        drawn_here.clear()
        made = figures.make_figures(record, tmp_path / draw.__name__, 0.6, wanted=["loss", "accuracy", "dataset"])
        assert list(made) == ["loss", "accuracy", "dataset"]
        # Whichever process took them from the queue, both were drawn here in the end.
        assert sorted(drawn_here) == ["accuracy.png", "loss.png"], draw.__name__
        assert all(figure.path.is_file() for figure in made.values())


def test_an_error_in_a_figure_is_raised_here_with_its_own_traceback(two_processes, tmp_path, monkeypatch):
    import dataclasses

    def broken(path, **kwargs):
        raise ZeroDivisionError("a bug in a figure")

    monkeypatch.setitem(figures.FIGURES, "loss", dataclasses.replace(figures.FIGURES["loss"], draw=broken))
    record = migrate(json.loads(SHIPPED_DEFAULT.read_text(encoding="utf-8")))
    with pytest.raises(ZeroDivisionError) as raised:
        figures.make_figures(record, tmp_path / "f", 0.6, wanted=["accuracy", "loss", "dataset"])
    assert raised.traceback[-1].name == "broken"
    assert two_processes


def test_two_processes_only_where_a_fork_is_safe(monkeypatch):
    import threading

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.delenv(figures.FIGURE_PROCESSES_VARIABLE, raising=False)
    for name in figures._FRAMEWORKS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert figures._may_fork()
    monkeypatch.setitem(sys.modules, "tensorflow", object())  # `labreport run`: training's thread pools
    assert not figures._may_fork()
    monkeypatch.delitem(sys.modules, "tensorflow")
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a notebook's or a batch worker's threads
    assert not figures._may_fork()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)  # one core
    assert not figures._may_fork()
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setenv(figures.FIGURE_PROCESSES_VARIABLE, "1")
    assert not figures._may_fork()
