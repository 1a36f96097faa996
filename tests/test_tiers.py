"""The test tiers of tests/conftest.py: what marks a test, and the guard behind the marks.

No test here trains, writes a PDF or starts an interpreter: the guard stops each attempt before it begins.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import conftest
from conftest import UntieredWork, _source_tiers, tiers_of

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize("source, tiers", [
    ("def test(): render_report(d)", {"pdf"}),
    ("def test(): render_report(d, worksheet='x', pdf=False)", set()),
    ("def test():\n    with pytest.raises(OptionError):\n        render_report(d, smoothing=5)\n", set()),
    ("def test(): render_roster(d, rows)", {"pdf"}),
    ("def test(): PdfReader(path)", {"pdf"}),
    ("def test(): run_experiment(spec, out_dir=o)", {"trains"}),
    ("def test(): subprocess.run([sys.executable, '-c', code])", {"subprocess"}),
    ("def test(): invoke('validate', 'spec.yaml')", set()),
])
def test_what_a_test_s_source_shows(source, tiers):
    assert _source_tiers(source) == tiers


def test_helpers_and_fixtures_count_as_part_of_the_test(request):
    """A test that uses tiny_run is in its tiers; this one, using none, is in none."""
    assert tiers_of(request.node) == set()
    items = {item.nodeid.split("::", 1)[1]: item for item in request.session.items}
    for nodeid, item in items.items():
        if "tiny_run" in item.fixturenames:
            assert {"trains", "pdf"} <= tiers_of(item), nodeid


def _untiered(call):
    try:
        with pytest.raises(UntieredWork, match="without the mark"):
            call()
    finally:
        conftest._used.clear()  # what the guard noted here was this test's own doing, on purpose


def test_the_guard_stops_training_a_pdf_and_an_interpreter_in_an_untiered_test(request):
    import labreport.report.render as render_module
    import labreport.training as training_module

    # Called by name through getattr, so that the tiers do not mark this test: the guard must stop each.
    assert tiers_of(request.node) == set()
    _untiered(lambda: getattr(training_module, "train_one")(None, None))
    _untiered(lambda: getattr(render_module, "html_to_pdf")("<p>x</p>", base_url=TESTS, allowed_roots=[]))
    _untiered(lambda: getattr(subprocess, "run")([getattr(sys, "executable"), "-c", "pass"]))
    assert getattr(subprocess, "run")(["true"]).returncode == 0  # a program that is not Python is no tier


def test_every_test_file_that_trains_in_the_body_is_tiered():
    """The grep behind the marks: a test function whose own code calls run_experiment( or starts a
    subprocess is marked, wherever it is (the guard catches what a grep cannot, such as a CLI `run`)."""
    import ast

    unmarked = []
    for path in sorted(TESTS.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                source = ast.get_source_segment(path.read_text(encoding="utf-8"), node) or ""
                if ("run_experiment(" in source or "subprocess." in source) and not _source_tiers(source):
                    unmarked.append(f"{path.name}::{node.name}")
    assert unmarked == []
