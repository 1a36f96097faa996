"""A course changes the words without editing Python: its own phrases or format, from its own folder."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from pypdf import PdfReader

from labreport.report.sections import report_fingerprint, report_sections_of_record
from labreport.report import render_report


def text_of(path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))


@pytest.fixture
def run_copy(tiny_run, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(tiny_run["run_dir"] / "run.json", run_dir / "run.json")
    return run_dir


def _with_course(run_dir, course):
    record = json.loads((run_dir / "run.json").read_text())
    record["spec"]["report"]["template_dir"] = str(course)
    (run_dir / "run.json").write_text(json.dumps(record))
    return record


def test_a_course_rewords_one_phrase_and_keeps_the_others(run_copy, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "phrases.html.j2").write_text(
        '{% macro overfitting(f) %}OUR COURSE WORDING: verdict {{ f.overfitting.verdict }}.{% endmacro %}')
    _with_course(run_copy, course)
    text = text_of(render_report(run_copy, template_dir=course).pdf_path)
    assert "OUR COURSE WORDING: verdict" in text
    assert "There is no sign of overfitting" not in text and "overfitted from epoch" not in text
    assert "The LSTM" in text  # the outcome phrase is still labreport's


def test_a_course_replaces_a_whole_format(run_copy, tmp_path):
    course = tmp_path / "course"
    (course / "formats" / "exp13").mkdir(parents=True)
    (course / "formats" / "exp13" / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block content %}<h1>Course lab sheet</h1>'
        '<p>{{ say.outcome(f) }}</p>{% endblock %}')
    _with_course(run_copy, course)
    text = text_of(render_report(run_copy, trust_record_templates=True).pdf_path)
    assert "Course lab sheet" in text and "3. Theory" not in text


def test_the_report_fingerprint_covers_the_course_words(run_copy, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    phrases = course / "phrases.html.j2"
    phrases.write_text("{% macro aim(f) %}A{% endmacro %}")
    record = _with_course(run_copy, course)
    before = report_fingerprint(report_sections_of_record(record))
    phrases.write_text("{% macro aim(f) %}B{% endmacro %}")
    assert report_fingerprint(report_sections_of_record(record)) != before


def test_the_report_fingerprint_covers_the_shipped_words(tmp_path, monkeypatch):
    from labreport import fingerprint
    templates = tmp_path / "templates"
    shutil.copytree(fingerprint.Path(__file__).resolve().parents[1] / "templates", templates)
    monkeypatch.setattr("labreport.resources.templates_dir", lambda: templates)
    sections = {"name": "x", "description": "", "header": {}, "report": {"worksheet": "exp13"}}
    before = report_fingerprint(sections)
    (templates / "phrases.html.j2").write_text((templates / "phrases.html.j2").read_text() + "\n{# edited #}\n")
    assert report_fingerprint(sections) != before


def pdf_alt_texts(path) -> list[str]:
    """The alternative text of every tagged figure of a PDF (its structure tree's /Alt entries)."""
    reader = PdfReader(path)
    found, stack = [], [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "/Alt" in node:
                found.append(re.sub(r"\s+", " ", str(node["/Alt"])))
            if "/K" in node:
                stack.append(node["/K"])
    return found


def test_a_course_rewords_a_figure_and_the_pdf_alt_text_is_its_words(tmp_path):
    """A figure's alt text and caption come from its phrase macro: a course's own figure_curve replaces
    them for the accuracy and loss figures, in the tagged PDF's alt text too, and the others stay labreport's."""
    from pathlib import Path

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "runs" / "default_experiment.json", run_dir / "run.json")
    course = tmp_path / "course"
    course.mkdir()
    (course / "phrases.html.j2").write_text(
        '{% macro figure_curve(d, part) %}{% if part == "caption" %}Our caption of the {{ d.metric }}'
        '{% else %}Our words: the {{ d.metric }} over {{ d.epochs | plural("epoch") }}{% endif %}{% endmacro %}')
    report = render_report(run_dir, template_dir=course)
    alts = pdf_alt_texts(report.pdf_path)
    assert "Our words: the accuracy over 20 epochs" in alts and "Our words: the loss over 20 epochs" in alts
    assert any(alt.startswith("Bar chart of the sequences per class in each split (train: XX 772") for alt in alts), alts
    assert not any(alt.startswith("Line chart of the training") for alt in alts), alts
    text = text_of(report.pdf_path)
    assert "Figure 1. Our caption of the accuracy" in text and "Figure 2. Our caption of the loss" in text
