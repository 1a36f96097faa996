"""Every worksheet format, and a course's own template, rendered from a saved run record (no training).

One tiny run per session (the ``tiny_run`` fixture) supplies a realistic run.json; made-up records
derived from it, with their histories replaced, check that the prose follows the curves.
"""

from __future__ import annotations

import copy
import json
import math
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import escape
from pypdf import PdfReader

from labreport.analysis import analyze
from labreport.report import answers, render_report
from labreport.report.render import build_context
from labreport.report.worksheets import WORKSHEETS, load_worksheet
from labreport.resources import templates_dir

REPO = Path(__file__).resolve().parents[1]


def pdf_text(path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def pages(path) -> int:
    return len(PdfReader(path).pages)


@pytest.fixture(scope="module")
def record(tiny_run) -> dict:
    return json.loads((tiny_run["run_dir"] / "run.json").read_text())


@pytest.fixture(scope="module")
def rendered(tiny_run, tmp_path_factory):
    """Each shipped format rendered once from the tiny run's record, into its own folder."""
    out = tmp_path_factory.mktemp("formats")
    return {name: render_report(tiny_run["run_dir"], worksheet=name, out_dir=out / name) for name in WORKSHEETS}


# --------------------------------------------------------------------------- the formats


@pytest.mark.parametrize("name", ["lab-record", "project-report", "seminar"])
def test_format_has_its_worksheet_data(name):
    worksheet = load_worksheet(name)
    assert worksheet.template == f"{name}.html.j2"
    assert (templates_dir() / worksheet.template).is_file()
    assert worksheet.headings, "the hand-out's headings are data in the worksheet YAML"
    assert worksheet.figures


@pytest.mark.parametrize("name", ["lab-record", "project-report", "seminar"])
def test_format_pdf_has_every_heading_of_its_hand_out(rendered, name):
    text = pdf_text(rendered[name].pdf_path)
    worksheet = load_worksheet(name)
    assert worksheet.title in text
    for heading in worksheet.headings.values():
        assert heading in text, heading
    assert "Test Student" in text  # the header box, from the spec


def test_lab_record_lists_objectives_pseudocode_and_observed_numbers(rendered, record):
    text = pdf_text(rendered["lab-record"].pdf_path)
    for objective in load_worksheet("lab-record").objectives:
        assert objective in text, objective
    history = record["history"]
    epochs = len(history["loss"])
    assert f"for epoch ← 1 to {epochs}:" in text
    assert f"batches of up to {record['spec']['training']['batch_size']} training sequences" in text
    assert f"{history['loss'][0]:.4f} to {history['loss'][-1]:.4f}" in text
    assert f"{100 * record['test']['accuracy']:.2f}%" in text
    assert "SimpleRNN" in text  # the tiny run trains a baseline: LSTM-vs-RNN evidence is shown


def test_project_report_fits_its_page_limit(rendered):
    limit = load_worksheet("project-report").max_pages
    assert limit == 2
    assert pages(rendered["project-report"].pdf_path) <= limit
    assert "curves" in rendered["project-report"].figures


def test_seminar_has_the_parameter_formulas_with_this_runs_sizes(rendered, record):
    text = pdf_text(rendered["seminar"].pdf_path)
    numbers = answers.theory_numbers(record)
    m, n = numbers["lstm_units"], numbers["lstm_inputs"]
    assert numbers["lstm_formula_params"] == 4 * (m * m + m * n + m) == numbers["lstm_keras_params"]
    assert f"4({m}² + {m}·{n} + {m})" in text
    assert f"{numbers['embedding_input_dim']} × {numbers['embedding_output_dim']}" in text
    assert f"{numbers['lstm_keras_params']:,}" in text
    for row in answers.parameter_rows(record):
        assert row["value"] == row["keras"], row
    for accuracy in record["history"]["accuracy"]:  # the per-epoch results table
        assert f"{accuracy:.4f}" in text
    assert "f t = σ(W f" in text or "ft = σ(Wf" in text  # the gate equations


def test_exp13_still_renders_through_the_same_path(rendered):
    assert "8. Post-Lab Exercise" in pdf_text(rendered["exp13"].pdf_path)


# --------------------------------------------------------------------------- custom templates

EXAMPLE = REPO / "templates" / "examples" / "custom_course.html.j2"


def test_custom_template_example_renders(tiny_run, record, tmp_path):
    result = render_report(tiny_run["run_dir"], template=EXAMPLE, out_dir=tmp_path)
    text = pdf_text(result.pdf_path)
    assert f"Deep Learning Lab: {record['experiment']}" in text
    assert f"accuracy {record['test']['accuracy']:.4f}" in text
    assert PdfReader(result.pdf_path).metadata.title == f"Deep Learning Lab: {record['experiment']}"


def test_custom_template_from_the_spec(tiny_run, tmp_path):
    """report.template in the run's spec is used when no template is passed."""
    run_dir = tmp_path / "run"
    shutil.copytree(tiny_run["run_dir"], run_dir)
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(EXAMPLE, course / "mine.html.j2")
    record = json.loads((run_dir / "run.json").read_text())
    record["spec"]["report"]["template"] = str(course / "mine.html.j2")
    (run_dir / "run.json").write_text(json.dumps(record))
    text = pdf_text(render_report(run_dir).pdf_path)
    assert "Deep Learning Lab:" in text


README_SECTION = "## Custom templates"


def _readme_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert README_SECTION in readme
    section = readme.split(README_SECTION, 1)[1]
    return section.split("\n## ", 1)[0]


def test_readme_lists_every_variable_a_template_can_use(tiny_run, record, tmp_path):
    """The README's list is complete: every context key, answer, finding, figure, macro, block and filter."""
    section = _readme_section()
    documented = set(re.findall(r"`([A-Za-z_][A-Za-z_0-9]*)", section))
    worksheet = load_worksheet("exp13")
    findings = analyze(record["history"], record.get("batch_history") or None, smoothing=0.6,
                       chance_accuracy=record["dataset"].get("chance_accuracy"),
                       batch_values=(record.get("batch_history") or {}).get("values", "running_mean"))
    context = build_context(record, worksheet=worksheet, header_overrides=None, smoothing=0.6,
                            figures={}, findings=findings)
    composed = context["answers"]
    expected = set(context) | set(composed) | set(findings)
    for key in ("lab_record", "project_report", "seminar"):
        expected |= set(composed[key])
    expected |= {"dataset", "accuracy", "loss", "curves", "batches", "compare_accuracy", "compare_loss",
                 "gradients", "gates"}  # figure keys
    expected |= set(re.findall(r"\{% macro (\w+)", (templates_dir() / "base.html.j2").read_text()))
    expected |= set(re.findall(r"\{% macro (\w+)", (templates_dir() / "sections.html.j2").read_text()))
    expected |= set(re.findall(r"\{% block (\w+)", (templates_dir() / "base.html.j2").read_text()))
    expected |= {"number", "percent"}
    missing = sorted(expected - documented)
    assert not missing, f"README '{README_SECTION}' does not list: {missing}"


# --------------------------------------------------------------------------- prose follows the curves


def _made_up(record: dict, history: dict) -> dict:
    """The tiny run's record with another history; per-batch values dropped, timing resized."""
    made = copy.deepcopy(record)
    made["history"] = history
    made.pop("batch_history", None)
    epochs = len(history["loss"])
    made["timing"]["seconds_per_epoch"] = [0.4213 + 0.0107 * i for i in range(epochs)]
    made["timing"]["epochs"] = epochs
    made["spec"]["training"]["epochs"] = epochs
    return made


# 15 epochs: the validation loss is lowest at epoch 2 and rises from epoch 3 while the training loss falls.
OVERFITTING = {
    "loss": [1.2113, 0.9042, 0.7031, 0.5527, 0.4481, 0.3719, 0.3052, 0.2538, 0.2117, 0.1809, 0.1523, 0.1311,
             0.1127, 0.1002, 0.0893],
    "accuracy": [0.4521, 0.6313, 0.7402, 0.8117, 0.8583, 0.8896, 0.9124, 0.9302, 0.9447, 0.9561, 0.9652,
                 0.9717, 0.9771, 0.9813, 0.9852],
    "val_loss": [1.0937, 0.8214, 0.8533, 0.9071, 0.9718, 1.0466, 1.1029, 1.1781, 1.2462, 1.3017, 1.3809,
                 1.4522, 1.5013, 1.5606, 1.6032],
    "val_accuracy": [0.5167, 0.7000, 0.6917, 0.6833, 0.6750, 0.6750, 0.6667, 0.6583, 0.6583, 0.6500, 0.6500,
                     0.6417, 0.6417, 0.6333, 0.6333],
}
# 3 epochs, every curve improving.
CLEAN = {
    "loss": [1.3127, 0.9236, 0.7114],
    "accuracy": [0.4083, 0.6792, 0.8313],
    "val_loss": [1.2089, 0.9517, 0.8046],
    "val_accuracy": [0.4500, 0.6583, 0.7917],
}


def _findings(record):
    return analyze(record["history"], record.get("batch_history") or None,
                   smoothing=float(record["spec"]["report"].get("smoothing", 0.6)),
                   chance_accuracy=record["dataset"].get("chance_accuracy"))


def _numbers_in(record) -> set[str]:
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, float) and math.isfinite(value):
            found.add(f"{abs(value):.4f}")

    walk(record)
    return found


def _differences(history: dict) -> list[float]:
    return [abs(a - b) for values in history.values() for a in values for b in values]


@pytest.fixture(scope="module")
def made_up_runs(record, tmp_path_factory):
    runs = {}
    for name, history in (("overfitting", OVERFITTING), ("clean", CLEAN)):
        run_dir = tmp_path_factory.mktemp(f"made_up_{name}")
        made = _made_up(record, history)
        (run_dir / "run.json").write_text(json.dumps(made))
        runs[name] = {"run_dir": run_dir, "record": made,
                      "learning_curve": answers.learning_curve(made, _findings(made), {})}
    return runs


def test_learning_curve_answer_differs_where_the_curves_differ(made_up_runs):
    overfit = " ".join(made_up_runs["overfitting"]["learning_curve"])
    clean = " ".join(made_up_runs["clean"]["learning_curve"])
    assert "Overfitting began at epoch 3" in overfit
    assert "Overfitting began" not in clean
    assert "No overfitting was detected" in clean
    assert "No overfitting was detected" not in overfit
    assert "would have kept the better model" in overfit  # early stopping at the best epoch, 2
    assert "Stopping at epoch 2" in overfit
    assert "validation loss (cost function) per epoch was falling from epoch 1 to 3" in clean
    assert "diverging from epoch 4 to 15" in overfit and "diverging" not in clean


def test_rendered_exp13_reports_carry_their_own_learning_curve(made_up_runs, tmp_path):
    texts = {}
    for name, run in made_up_runs.items():
        result = render_report(run["run_dir"], worksheet="exp13", out_dir=tmp_path / name)
        html = result.html_path.read_text(encoding="utf-8")
        for paragraph in run["learning_curve"]:
            assert str(escape(paragraph)) in html, paragraph
        texts[name] = pdf_text(result.pdf_path)
    assert "Overfitting began at epoch 3" in texts["overfitting"]
    assert "Overfitting began" not in texts["clean"]


@pytest.mark.parametrize("name", ["overfitting", "clean"])
def test_every_number_in_the_learning_curve_answer_comes_from_run_json(made_up_runs, name):
    """Each 4-decimal number is a run.json value, or (the training-loss change) the difference of two."""
    run = made_up_runs[name]
    known = _numbers_in(run["record"])
    differences = _differences(run["record"]["history"])
    quoted = re.findall(r"\d+\.\d{4}\b", " ".join(run["learning_curve"]))
    assert quoted
    for number in quoted:
        if number in known:
            continue
        assert any(abs(float(number) - d) <= 0.00005 + 1e-9 for d in differences), number


def test_project_report_future_directions_follow_the_findings(made_up_runs, tmp_path):
    futures = {}
    for name, run in made_up_runs.items():
        result = render_report(run["run_dir"], worksheet="project-report", out_dir=tmp_path / name)
        assert pages(result.pdf_path) <= 2, name  # 15 epochs of prose still fit
        futures[name] = " ".join(answers.future_directions(run["record"], _findings(run["record"]), []))
    assert "EarlyStopping" in futures["overfitting"] and "epoch 2" in futures["overfitting"]
    assert "EarlyStopping" not in futures["clean"]
    assert "Train for more than 3 epochs" in futures["clean"]


def test_format_prose_survives_a_bare_record(record, tmp_path):
    """No baselines, diagnostics or per-batch values, a NaN, and markup in a spec-derived string."""
    bare = copy.deepcopy(record)
    for key in ("baselines", "diagnostics", "batch_history"):
        bare.pop(key, None)
    bare["history"]["val_loss"][-1] = float("nan")
    bare["dataset"]["name"] = "<b>{{ 7 * 7 }}</b>"
    composed = answers.compose(bare, _findings(bare), {}, load_worksheet("lab-record"))

    def strings(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    for key in ("lab_record", "project_report", "seminar"):
        for text in strings(composed[key]):
            assert not re.search(r"\b(None|nan)\b", text), text
    assert composed["project_report"]["future"]
    run_dir = tmp_path / "bare"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(bare).replace("NaN", "null"))
    html = render_report(run_dir, worksheet="lab-record").html_path.read_text(encoding="utf-8")
    assert "&lt;b&gt;{{ 7 * 7 }}&lt;/b&gt;" in html and "<b>{{" not in html
