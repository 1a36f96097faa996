"""The seminar write-up read as an instructor would: the default run and two failed variants.

Rendered from saved run records (the fixture corpus's real default run);
no TensorFlow, no training.
"""

from __future__ import annotations

import copy
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from records import default_record, main_of

from labreport.report.render import build_context, prepare_report, render_html, render_report

def _default_record() -> dict:
    return default_record()


def _at_chance(record: dict) -> dict:
    n = len(main_of(record)["history"]["loss"])
    main_of(record)["history"] = {"loss": [1.3863 - 0.0001 * (i % 3) for i in range(n)],
                         "accuracy": [0.25 + 0.002 * ((i * 7) % 5) for i in range(n)],
                         "val_loss": [1.3865 + 0.0001 * ((i * 3) % 4) for i in range(n)],
                         "val_accuracy": [0.2625 - 0.003 * ((i * 5) % 4) for i in range(n)]}
    main_of(record)["test"] = {"loss": 1.3864, "accuracy": 0.25}
    return record


def _diverged_on_a_data_file(record: dict) -> dict:
    main_of(record)["stopped"] = {"reason": "nan_loss", "epoch": 3, "batch": 17, "value": "NaN"}
    main_of(record)["test"] = None
    for key in main_of(record)["history"]:
        main_of(record)["history"][key] = main_of(record)["history"][key][:3]
    main_of(record)["history"]["loss"][2] = float("nan")
    main_of(record)["history"]["val_loss"][2] = float("nan")
    main_of(record)["timing"]["seconds_per_epoch"] = main_of(record)["timing"]["seconds_per_epoch"][:3]
    main_of(record).pop("batch_history", None)
    record["diagnostics"].pop("gates", None)
    record["spec"]["training"].update(learning_rate=0.05, clipnorm=None)
    # A local data file: the report may name the file, never the folder it lies in.
    record["dataset"].update(source="csv", name="Task sequences", path="/home/student/Downloads/tasks.csv")
    return record


VARIANTS = {"learned": lambda r: r, "chance": _at_chance, "diverged": _diverged_on_a_data_file}


def _render_text(run_dir: Path) -> tuple[str, list[str]]:
    """The report's words (tags removed) and its paragraphs (p, li, td)."""
    prepared = prepare_report(run_dir, worksheet="seminar")
    context = build_context(prepared.record, worksheet=prepared.worksheet, header_overrides=None,
                            smoothing=prepared.smoothing, figures=prepared.figures, facts=prepared.facts)
    page = render_html(None, prepared.worksheet.template, context, env=prepared.environment)
    body = page.split("<main>", 1)[1]
    body = re.sub(r"<style.*?</style>", "", body, flags=re.S)
    blocks = re.findall(r"<(p|li|td|h2|h3)\b[^>]*>(.*?)</\1>", body, flags=re.S)
    paragraphs = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for _, text in blocks]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return text, paragraphs


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:
    base = _default_record()
    out = {}
    for name, make in VARIANTS.items():
        run_dir = tmp_path_factory.mktemp(name)
        (run_dir / "run.json").write_text(json.dumps(make(copy.deepcopy(base))))
        out[name] = _render_text(run_dir)
    return out


@pytest.mark.parametrize("name", VARIANTS)
def test_no_paragraph_printed_twice(reports, name):
    _, paragraphs = reports[name]
    repeated = [p for p, n in Counter(p for p in paragraphs if len(p) > 40).items() if n > 1]
    assert repeated == []


@pytest.mark.parametrize("name", VARIANTS)
def test_numbers_and_words_read_as_prose(reports, name):
    text, _ = reports[name]
    assert not re.search(r"\w\(s\)", text), "a '(s)' plural"
    assert not re.search(r"\d\.?\d*[eE][+-]?\d", text), "a number in e-notation"
    assert not re.search(r"(?:^|[\s(“\"'])(?:/[\w.-]+){2,}", text), "an absolute path"
    assert "/home/student" not in text and "Downloads" not in text
    assert not re.search(r"\bnan\b|\bNone\b(?! of)|\binf\b", text)


@pytest.mark.parametrize("name", VARIANTS)
def test_the_conclusion_answers_the_aim(reports, name):
    text, paragraphs = reports[name]
    heading = next(i for i, p in enumerate(paragraphs) if p.endswith("Conclusion"))
    conclusion = paragraphs[heading + 1]
    assert ("This run shows the aim" if name == "learned" else "This run does not show the aim") in conclusion


def test_diagnosis_only_for_the_failed_runs(reports):
    assert not any("What went wrong in this run" in p for p in reports["learned"][1])
    for name in ("chance", "diverged"):
        text, paragraphs = reports[name]
        assert any("What went wrong in this run" in p for p in paragraphs)
    assert "The run diverged: the loss became NaN at epoch 3, batch 17." in reports["diverged"][0]
    assert "The LSTM stayed at chance" in reports["chance"][0]


def test_the_default_run_in_words(reports):
    text, _ = reports["learned"]
    # The forget gate's retention over the lag comes from the gates verdict, with a base that gives the product.
    assert "keeps the value" not in text
    assert re.search(r"forget gate averages 0\.\d{4}; compounded over the \d+-step lag", text)
    # Gradient ratios as factors, never as e-notation.
    assert re.search(r"gradient at the first step was [\d.,]+× the one at the last step", text)


def test_no_mechanism_story_for_a_model_that_did_not_learn(reports):
    for name in ("chance", "diverged"):
        text, _ = reports[name]
        assert "is written when an important task arrives" not in text
        assert "Memory fades" not in text
        assert "After training it averaged" not in text
    assert "did not learn the task, so its gates cannot show it" in reports["chance"][0]


def test_the_data_file_is_named_by_its_file_name(reports):
    text, _ = reports["diverged"]
    assert "Data: Task sequences, file tasks.csv." in text and "/tasks.csv" not in text


def test_the_pdf_is_written(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps(_default_record()))
    rendered = render_report(tmp_path, worksheet="seminar", html_name=None)
    assert rendered.pdf_path.stat().st_size > 10_000
