"""Templates are compiled once per process (report/render.py's COMPILED_TEMPLATES), never used stale.

No training and no PDF: a fixture run record, rendered to report.html only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jinja2
import pytest

from labreport.report import render_report
from labreport.report.render import COMPILED_TEMPLATES

RECORD = Path(__file__).parent / "fixtures" / "runs" / "default_experiment.json"


@pytest.fixture
def run_dir(tmp_path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    shutil.copy(RECORD, folder / "run.json")
    return folder


def _with_course(run_dir: Path, course: Path) -> None:
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    record["spec"]["report"]["template_dir"] = str(course)
    (run_dir / "run.json").write_text(json.dumps(record), encoding="utf-8")


def _html(run_dir: Path, out: str, **options) -> str:
    return render_report(run_dir, out_dir=run_dir / out, pdf=False, **options).html_path.read_text(encoding="utf-8")


def test_a_template_edited_between_two_renders_is_compiled_again(run_dir, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    phrases = course / "phrases.html.j2"
    phrases.write_text('{% macro overfitting(f) %}FIRST COURSE WORDING {{ f.overfitting.verdict }}.{% endmacro %}')
    _with_course(run_dir, course)
    assert "FIRST COURSE WORDING" in _html(run_dir, "first", template_dir=course)

    phrases.write_text('{% macro overfitting(f) %}SECOND COURSE WORDING {{ f.overfitting.verdict }}.{% endmacro %}')
    second = _html(run_dir, "second", template_dir=course)
    assert "SECOND COURSE WORDING" in second and "FIRST COURSE WORDING" not in second


def test_a_second_render_compiles_nothing_and_writes_the_same_report(run_dir, monkeypatch):
    compiled = []
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return original(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    _html(run_dir, "warm")
    compiled.clear()
    cached = _html(run_dir, "cached")
    assert compiled == []

    COMPILED_TEMPLATES.clear()
    fresh = _html(run_dir, "fresh")
    assert compiled  # compiled again once the cache is emptied
    assert cached == fresh
