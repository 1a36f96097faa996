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

from labreport.errors import LabreportError
from labreport.facts import build_facts
from labreport.facts.describe import parameter_rows
from labreport.report import render_report
from labreport.report.render import build_context
from labreport.report.formats import load_format
from labreport.worksheets import worksheet_names
from labreport.resources import templates_dir
from records import main_of

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
    return {name: render_report(tiny_run["run_dir"], worksheet=name, out_dir=out / name)
            for name in worksheet_names()}


# --------------------------------------------------------------------------- the formats


def test_the_formats_are_the_folders_found():
    folders = sorted(p.parent.name for p in (templates_dir() / "formats").glob("*/format.yaml"))
    assert sorted(worksheet_names()) == folders
    assert worksheet_names()[0] == "exp13"
    assert {"exp13", "lab-record", "project-report", "seminar", "lab-summary"} <= set(folders)


def test_the_spec_schema_offers_the_formats_found():
    from labreport.spec import json_schema
    schema = json.dumps(json_schema())
    for name in worksheet_names():
        assert f'"{name}"' in schema


@pytest.mark.parametrize("name", ["lab-record", "project-report", "seminar"])
def test_format_has_its_worksheet_data(name):
    worksheet = load_format(name)
    assert worksheet.template == f"formats/{name}/report.html.j2"
    assert (templates_dir() / worksheet.template).is_file()
    assert worksheet.headings, "the hand-out's headings are data in the worksheet YAML"
    assert worksheet.figures


@pytest.mark.parametrize("name", ["lab-record", "project-report", "seminar"])
def test_format_pdf_has_every_heading_of_its_hand_out(rendered, name):
    text = pdf_text(rendered[name].pdf_path)
    worksheet = load_format(name)
    assert worksheet.title in text
    for heading in worksheet.headings.values():
        assert heading in text, heading
    assert "Test Student" in text  # the header box, from the spec


def test_lab_record_lists_objectives_pseudocode_and_observed_numbers(rendered, record):
    text = pdf_text(rendered["lab-record"].pdf_path)
    for objective in load_format("lab-record").objectives:
        assert objective in text, objective
    history = main_of(record)["history"]
    assert f"{history['loss'][-1]:.4f}" in text
    assert "SimpleRNN" in text  # the tiny run trains a baseline: LSTM-vs-RNN evidence is shown


def test_project_report_fits_its_page_limit(rendered):
    limit = load_format("project-report").max_pages
    assert limit == 2
    assert pages(rendered["project-report"].pdf_path) <= limit
    assert "curves" in rendered["project-report"].figures


def test_seminar_has_the_parameter_formulas_with_this_runs_sizes(rendered, record):
    text = pdf_text(rendered["seminar"].pdf_path)
    rows = {row["type"]: row for row in parameter_rows(record)}
    lstm, embedding = rows["LSTM"], rows["Embedding"]
    m, n = lstm["m"], lstm["n"]
    assert lstm["value"] == 4 * (m * m + m * n + m) == lstm["keras"]
    assert f"4({m}² + {m}·{n} + {m})" in text
    assert f"{embedding['V']} × {embedding['n']}" in text
    assert f"{lstm['keras']:,}" in text
    for row in parameter_rows(record):
        assert row["value"] == row["keras"], row
    for accuracy in main_of(record)["history"]["accuracy"]:  # the per-epoch results table
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
    assert f"{main_of(record)['test']['accuracy']:.4f}" in text  # the results table
    assert "Conclusion" in text and "Deep Learning Lab" in text
    assert PdfReader(result.pdf_path).metadata.title == f"Deep Learning Lab: {record['experiment']}"


def test_custom_template_from_the_spec(tiny_run, tmp_path):
    """report.template in the run's spec is used only when the caller trusts the run folder (or names it)."""
    run_dir = tmp_path / "run"
    shutil.copytree(tiny_run["run_dir"], run_dir)
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(EXAMPLE, course / "mine.html.j2")
    record = json.loads((run_dir / "run.json").read_text())
    record["spec"]["report"]["template"] = str(course / "mine.html.j2")
    (run_dir / "run.json").write_text(json.dumps(record))
    with pytest.raises(LabreportError, match="a template named only by a run folder is not used"):
        render_report(run_dir)
    text = pdf_text(render_report(run_dir, trust_record_templates=True).pdf_path)
    assert "Deep Learning Lab:" in text


TEMPLATES_PAGE = REPO / "docs" / "reference" / "templates.md"  # generated by docs/generate.py


def test_the_templates_page_lists_every_variable_a_template_can_use(tiny_run, record, tmp_path):
    """The docs' templates page is complete: every context key, facts key, figure, macro, block and filter
    of a real run (the tiny run's, not the fixture record the generator reads)."""
    from labreport.report.filters import FILTERS
    section = TEMPLATES_PAGE.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Za-z_][A-Za-z_0-9]*)", section))
    worksheet = load_format("exp13")
    facts = build_facts(record)
    context = build_context(record, worksheet=worksheet, header_overrides=None, smoothing=0.6,
                            figures={}, facts=facts)
    expected = set(context) | set(facts)
    from labreport.report.figures import FIGURE_KEYS
    expected |= set(FIGURE_KEYS)
    for name in ("base.html.j2", "sections.html.j2", "phrases.html.j2"):
        expected |= set(re.findall(r"\{% macro (\w+)", (templates_dir() / name).read_text()))
    expected |= set(re.findall(r"\{% block (\w+)", (templates_dir() / "base.html.j2").read_text()))
    expected |= set(FILTERS)
    missing = sorted(expected - documented)
    assert not missing, f"{TEMPLATES_PAGE.name} does not list: {missing} (python docs/generate.py)"


# --------------------------------------------------------------------------- prose follows the curves


def _made_up(record: dict, history: dict) -> dict:
    """The tiny run's record with another history; per-batch values dropped, timing resized."""
    made = copy.deepcopy(record)
    main_of(made)["history"] = history
    main_of(made).pop("batch_history", None)
    epochs = len(history["loss"])
    main_of(made)["timing"]["seconds_per_epoch"] = [0.4213 + 0.0107 * i for i in range(epochs)]
    main_of(made)["timing"]["epochs"] = epochs
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
        result = render_report(run_dir, worksheet="exp13", out_dir=tmp_path_factory.mktemp(f"out_{name}"))
        runs[name] = {"run_dir": run_dir, "record": made, "text": pdf_text(result.pdf_path),
                      "learning_curve": _section(result.html_path, "d. Observation over the learning curve",
                                                 "8. Post-Lab Exercise")}
    return runs


def _section(html_path, start: str, end: str) -> str:
    """The plain text between two headings of a rendered report."""
    import html as html_module
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", html_path.read_text(encoding="utf-8")))
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
    return text.split(start, 1)[1].split(end, 1)[0]


def test_learning_curve_answer_differs_where_the_curves_differ(made_up_runs):
    overfit = made_up_runs["overfitting"]["learning_curve"]
    clean = made_up_runs["clean"]["learning_curve"]
    assert "The model overfitted from epoch 3: its validation loss was lowest at epoch 2 (0.8214)" in overfit
    assert "overfitted" not in clean
    assert "There is no sign of overfitting: the validation loss was lowest at the last epoch, 3 (0.8046)." in clean
    assert "The validation loss fell from 1.2089 at epoch 1 to 0.8046 at epoch 3." in clean
    assert ("The validation loss fell from 1.0937 at epoch 1 to 0.8214 at epoch 2 and then rose from 0.8214 at "
            "epoch 2 to 1.6032 at epoch 15.") in overfit
    assert "Training was still improving when it stopped" in clean
    # Said once: the overfitting sentence gives the rise; the end of training only names the best epoch.
    assert "Training ended past its best epoch (epoch 2, by the validation loss)." in overfit
    assert "The last epoch was past the best one" not in overfit


def test_a_run_that_went_wrong_gets_a_diagnosis_and_a_clean_one_does_not(made_up_runs):
    assert "What went wrong in this run" in made_up_runs["overfitting"]["text"]
    # Early stopping is advised only where the best epoch's model is the better one; here its validation
    # accuracy (70.00 % at epoch 2) is within two standard errors of the last epoch's (63.33 %) on the tiny
    # run's validation split, so the report says why stopping early would not help instead.
    text = made_up_runs["overfitting"]["text"]
    assert ("Stopping early would not help: at epoch 2, the best by validation loss, the validation accuracy was "
            "70.00 % against 63.33 % at epoch 15, a difference within two standard errors") in " ".join(text.split())
    assert "restore_best_weights: true}, or --early-stopping)" not in text
    assert "What went wrong in this run" not in made_up_runs["clean"]["text"] or \
        "still improving" in made_up_runs["clean"]["text"]


@pytest.mark.parametrize("name", ["overfitting", "clean"])
def test_every_number_in_the_learning_curve_answer_comes_from_run_json(made_up_runs, name):
    """Each 4-decimal number is a run.json value, or (the training-loss change) the difference of two."""
    run = made_up_runs[name]
    known = _numbers_in(run["record"])
    differences = _differences(main_of(run["record"])["history"])
    quoted = re.findall(r"\d+\.\d{4}\b", run["learning_curve"])
    assert quoted
    for number in quoted:
        if number in known:
            continue
        assert any(abs(float(number) - d) <= 0.00005 + 1e-9 for d in differences), number


def test_project_report_fits_two_pages_for_a_long_run(made_up_runs, tmp_path):
    run = made_up_runs["overfitting"]
    result = render_report(run["run_dir"], worksheet="project-report", out_dir=tmp_path / "long")
    assert pages(result.pdf_path) <= 2  # 15 epochs of prose still fit


@pytest.mark.parametrize("name", ["exp13", "lab-record", "project-report", "seminar", "lab-summary"])
def test_format_prose_survives_a_bare_record(record, tmp_path, name):
    """No baselines, diagnostics or per-batch values, a NaN, and markup in a spec-derived string."""
    bare = copy.deepcopy(record)
    bare.pop("diagnostics", None)
    bare["models"] = bare["models"][:1]  # no baselines
    main_of(bare).pop("batch_history", None)
    main_of(bare)["history"]["val_loss"][-1] = float("nan")
    bare["dataset"]["name"] = "<b>{{ 7 * 7 }}</b>"
    bare["spec"]["header"]["student_name"] = "<b>{{ 7 * 7 }}</b>"  # printed by every format's header box
    run_dir = tmp_path / "bare"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(bare).replace("NaN", "null"))
    result = render_report(run_dir, worksheet=name)
    html = result.html_path.read_text(encoding="utf-8")
    assert "&lt;b&gt;{{ 7 * 7 }}&lt;/b&gt;" in html and "<b>{{" not in html
    text = pdf_text(result.pdf_path)
    # "(None, 150, 8)" is Keras' batch axis; "= None", "None, None" and float("nan") are the program listing's Python.
    assert not re.search(r"(?<![\"'])\bnan\b(?![\"'])|(?<![=,(] )(?<![=,(])\bNone\b(?! of)(?!,)", text)


@pytest.mark.parametrize("text,problem", [
    ("title: T\naim: A\nfigure: [accuracy]\n", "figure: Extra inputs are not permitted"),
    ("title: T\naim: A\nfigures: [loss, loss]\n", "figures: a figure is listed twice: loss"),
    ("title: T\naim: A\ntemplate: ../../secret.j2\n", "template: String should match pattern"),
    ("title: T\naim: A\nmax_pages: 0\n", "max_pages: Input should be greater than or equal to 1"),
    ("title: T\naim: A\nheader_fields: [[student_name]]\n", "header_fields.0"),
    ("aim: A\n", "title: Field required"),
    ("title: [unclosed\n", "not valid YAML"),
    # A figure key no figure has (report/figures.py's registry): named, with the close match and every key.
    ("title: T\naim: A\nfigures: [accuracy, acuracy]\n",
     "figures.1: no figure has the key 'acuracy' (did you mean 'accuracy'?); the figure keys are: dataset, accuracy,"),
    ("title: T\naim: A\nfigures: [histogram]\n", "figures.0: no figure has the key 'histogram'; the figure keys are: "),
])
def test_a_format_file_that_is_wrong_is_refused_naming_the_file_and_the_key(tmp_path, text, problem):
    from labreport.errors import LabreportError
    from labreport.report.figures import FIGURE_KEYS
    from labreport.worksheets import read_format_file

    path = tmp_path / "format.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LabreportError) as refused:
        read_format_file(path, "mine", FIGURE_KEYS)
    assert str(refused.value).startswith(f"{path}: ")
    assert problem in str(refused.value)


@pytest.mark.parametrize("text, problem", [
    ("title: T\naim: A\nforecast_template: f.j2\nforecast_figures: [forecast_test, accuracy]\n",
     "forecast_figures: accuracy: not a forecast run's figure; the forecast figure keys are: forecast_series, "
     "forecast_test, forecast_horizon, forecast_curves, forecast_residuals"),
    ("title: T\naim: A\nfigures: [loss, forecast_series]\n",
     "figures: forecast_series: not a classification run's figure; the classification figure keys are: dataset,"),
    ("title: T\naim: A\nforecast_figures: [forecast_tset]\n",
     "forecast_figures.0: no figure has the key 'forecast_tset' (did you mean 'forecast_test'?)"),
])
def test_a_format_lists_each_kind_of_runs_figures_in_its_own_list(tmp_path, text, problem):
    """The forecast figures are registry entries too (figures.py's FIGURES, task kind forecast): a format's
    forecast_figures are checked against them as its figures are against a classification's."""
    from labreport.errors import LabreportError
    from labreport.report.figures import FIGURE_TASKS
    from labreport.worksheets import read_format_file

    path = tmp_path / "format.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LabreportError) as refused:
        read_format_file(path, "mine", FIGURE_TASKS)
    assert problem in str(refused.value)


def test_every_shipped_format_file_validates():
    from labreport.report.figures import FIGURE_KEYS, FIGURES
    from labreport.worksheets import FORMAT_FILE, FORMATS_FOLDER, read_format_file
    from labreport.resources import templates_dir

    for name in worksheet_names():
        worksheet = read_format_file(templates_dir() / FORMATS_FOLDER / name / FORMAT_FILE, name, FIGURE_KEYS)
        assert worksheet.title and worksheet.aim and worksheet.template.endswith(".j2")
        assert worksheet.figures and set(worksheet.figures) <= set(FIGURE_KEYS)
        # Every shipped format describes a forecast too, with the registry's forecast figures.
        assert worksheet.forecast_template and worksheet.forecast_figures, name
        assert {FIGURES[key].task for key in worksheet.forecast_figures} == {"forecast"}, name
        assert {FIGURES[key].task for key in worksheet.figures} == {"classification"}, name


def test_a_format_file_is_never_read_without_the_figure_keys():
    """The figure keys come from the report stage's registry; without them no figure list is taken on trust."""
    from pydantic import ValidationError

    from labreport.worksheets import FormatFile

    with pytest.raises(ValidationError, match="did not say which figure keys exist"):
        FormatFile.model_validate({"title": "T", "aim": "A", "figures": ["accuracy"]})


@pytest.mark.parametrize("value,printed", [
    (14.93, "15×"), (1.49, "1.5×"), (0.118, "0.12×"), (123456.0, "123,456×"),
    (7305438813453134.0, "7.3\u00a0×\u00a010¹⁵×"), (43480334.0, "4.3\u00a0×\u00a010⁷×"), (0.0, "0×"),
])
def test_a_factor_of_a_million_or_more_prints_as_a_power_of_ten(value, printed):
    from labreport.report.filters import factor

    assert factor(value) == printed
