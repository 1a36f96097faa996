"""A forecast's facts and words, on fixed run records (tests/forecast_records.py; no TensorFlow, no PDF)."""

from __future__ import annotations

import math
import re
from html import unescape

import pytest

from forecast_records import EXTRAPOLATING, KINDS, forecast_record
from labreport.errors import RenderError, RunRecordError
from labreport.facts import build_facts
from labreport.facts.forecast import diebold_mariano
from labreport.record import parse_run_record, write_run_record
from labreport.report.render import render_report


def _text(html: str) -> str:
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:
    """kind -> (record, facts, report text, report.html) for every fixed forecast record, rendered as HTML only."""
    out = {}
    for kind in KINDS:
        run_dir = tmp_path_factory.mktemp(kind)
        record = forecast_record(kind)
        write_run_record(run_dir, record)
        rendered = render_report(run_dir, pdf=False)
        html = rendered.html_path.read_text(encoding="utf-8")
        out[kind] = (record, build_facts(record), _text(html), html)
    return out


# --------------------------------------------------------------------------- verdicts


def test_verdicts_of_the_fixed_records(reports):
    assert reports["good"][1]["headline"]["verdict"] == "better"
    assert reports["good"][1]["lag"]["verdict"] == "tracks"
    assert reports["worse_than_naive"][1]["headline"]["verdict"] == "worse"
    assert reports["lagging"][1]["headline"]["verdict"] == "unclear"
    assert reports["lagging"][1]["lag"]["verdict"] == "lags"


def test_diebold_mariano_without_autocorrelation_is_the_paired_z_test():
    main = [1.0, 2.0, 1.5, 0.5, 1.0, 2.5, 1.0, 0.5]
    base = [2.0, 2.5, 2.0, 1.5, 1.0, 3.0, 2.5, 1.0]
    test = diebold_mariano(main, base, horizon=1)
    d = [a - b for a, b in zip(main, base)]
    mean = sum(d) / len(d)
    assert test["difference"] == pytest.approx(mean)
    assert test["lag"] == 2  # horizon - 1 + floor(8 ** (1/3))
    assert test["statistic"] < 0 and 0 < test["p"] < 0.05
    low, high = test["interval"]
    assert low < mean < high


def test_overlapping_windows_widen_the_interval():
    """Positively autocorrelated differentials (as overlapping windows give) get a wider Newey-West interval
    than the same values treated as independent."""
    d_main = ([3.0] * 6 + [1.0] * 6) * 4
    n = len(d_main)
    zeros = [0.0] * n
    test = diebold_mariano(d_main, zeros, horizon=4)
    assert test["lag"] == 3 + 3  # horizon - 1 + floor(48 ** (1/3))
    mean = sum(d_main) / n
    independent_se = math.sqrt(sum((x - mean) ** 2 for x in d_main) / n / n)
    assert (test["interval"][1] - test["interval"][0]) / 2 > 1.96 * independent_se * 1.3


# --------------------------------------------------------------------------- words


def test_a_model_that_beats_naive_says_so_with_the_numbers(reports):
    record, facts, text, _ = reports["good"]
    h = facts["headline"]
    assert (f"The LSTM beats the naive forecast: on the test part its mean absolute error is {h['main_mae']:.2f} "
            f"against {h['base_mae']:.2f} for repeating the last value, {h['margin']:.2f} lower") in text
    assert record["models"][0]["test"]["mae"] == pytest.approx(h["main_mae"])
    assert "they are not just the last value shifted by one step" in text


def test_a_model_worse_than_naive_says_so_plainly(reports):
    _, facts, text, _ = reports["worse_than_naive"]
    h = facts["headline"]
    assert (f"The LSTM does not beat the naive forecast: on the test part its mean absolute error is "
            f"{h['main_mae']:.2f} against {h['base_mae']:.2f}") in text
    assert "beats the naive forecast" not in text.replace("does not beat the naive forecast", "")
    # the conclusion repeats it
    conclusion = text.split("10. Conclusion", 1)[1]  # after "9. What went wrong in this run"
    assert "does not beat the naive forecast" in conclusion


def test_a_lagging_forecast_is_called_the_last_value_shifted(reports):
    _, facts, text, _ = reports["lagging"]
    assert "It is unclear whether the LSTM beats the naive forecast" in text
    assert "the forecast follows the series one step late, as the last value shifted one step to the right does" in text
    assert f"correlation {facts['lag']['one_step_back']:.3f}" in text


def test_split_and_scaling_are_stated_from_the_record(reports):
    _, _, text, _ = reports["good"]
    assert "The rows were split in time order, never shuffled: training 1850-1954, validation 1955-1977 and test " \
           "1978-1999." in text
    assert "The scaling (mean and standard deviation) was fitted on the training part only (1850-1954)" in text


def test_split_words_need_the_record_to_say_so(tmp_path):
    record = forecast_record("good")
    del record["dataset"]["window_part"]
    record["dataset"]["scaler"]["fitted_on"]["index"] = [0, 150]
    write_run_record(tmp_path, record)
    text = _text(render_report(tmp_path, pdf=False).html_path.read_text(encoding="utf-8"))
    assert "split in time order, never shuffled" not in text
    assert "was fitted on the training part only (" not in text
    assert "does not record a chronological split" in text
    assert "cannot rule out that statistics of the test part reached the model" in text


def test_the_forecast_report_never_speaks_of_accuracy_or_classes(reports):
    for kind, (_, _, _, html) in reports.items():
        # The words, not the program listing (exp13's section 5), whose Python defines classes, nor its style sheet.
        prose = re.sub(r'<div class="program">.*?</div>\s*</div>|<style>.*?</style>', " ", html, flags=re.S)
        assert prose != html, kind
        lowered = _text(prose).lower()
        assert "accuracy" not in lowered, kind
        assert "class" not in lowered.replace("classic", ""), kind
        assert "important task" not in lowered, kind


def test_every_model_row_and_the_future_value_come_from_the_record(reports):
    record, _, text, _ = reports["good"]
    for model in record["models"]:
        assert f"{model['test']['mae']:.2f}" in text
        assert f"{model['test']['mase']:.3f}" in text
    future = record["models"][0]["forecast"]["future"][0]
    assert f"Past the end of the series (1999), the LSTM forecasts {future:.2f} for the next step." in text


def test_every_shipped_format_describes_a_forecast_and_a_format_without_one_still_refuses(tmp_path):
    from dataclasses import replace

    from labreport.report.render import _format_for_task
    from labreport.report.formats import load_format
    from labreport.worksheets import worksheet_names

    record = forecast_record("good")
    for name in worksheet_names():
        assert load_format(name).forecast_template, name  # lab-record, lab-summary and seminar included
    # A course's own format with no forecast template is refused by name, pointing at the ones that have one.
    bare = replace(load_format("seminar"), name="course-format", forecast_template=None)
    with pytest.raises(RenderError) as caught:
        _format_for_task(bare, record)
    assert "does not describe a forecast yet" in str(caught.value)
    assert "--worksheet exp13 or lab-record or lab-summary or project-report or seminar" in caught.value.hint


@pytest.mark.parametrize("worksheet", ["lab-record", "lab-summary", "seminar"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_other_formats_say_the_same_verdicts_and_pass_the_claim_check(tmp_path, kind, worksheet):
    from claim_check import check_report

    record = forecast_record(kind)
    write_run_record(tmp_path, record)
    html = render_report(tmp_path, worksheet=worksheet, pdf=False).html_path.read_text(encoding="utf-8")
    text = _text(html)
    headline = {"good": "The LSTM beats the naive forecast", "worse_than_naive": "The LSTM does not beat the naive "
                "forecast", "lagging": "It is unclear whether the LSTM beats the naive forecast"}[kind]
    assert text.count(headline) == 1
    assert "accuracy" not in text.split("References")[0].lower()
    assert "class" not in text.lower().replace("classic", "")
    counts = check_report(html, record)
    assert counts["forecast headline"] == 1 and counts["forecast standing"] == 1
    # A run that does not beat the naive forecast gets a section on why, naming what the data shows.
    what_went_wrong = {"lab-record": "WHAT WENT WRONG", "lab-summary": "What went wrong",
                       "seminar": "8.1 What went wrong in this run"}[worksheet]
    assert (what_went_wrong in text) == (kind != "good")
    if kind == "lagging":
        assert "It trails the series." in text


def test_the_summing_up_is_checked_against_every_comparison(reports):
    from claim_check import check_report

    record, _, text, html = reports["good"]
    sentence = "Of the 2 forecasts set against it on the same test windows, the LSTM beats the naive forecast"
    assert sentence in text
    with pytest.raises(AssertionError, match="forecast standing"):
        check_report(html.replace(sentence, sentence.replace("beats", "does worse than")), record)
    with pytest.raises(AssertionError, match="forecast standing"):
        check_report(html.replace("Of the 2 forecasts", "Of the 3 forecasts"), record)


@pytest.mark.parametrize("kind", KINDS)
def test_the_project_report_says_the_same_verdicts_and_passes_the_claim_check(tmp_path, kind):
    from claim_check import check_report

    record = forecast_record(kind)
    write_run_record(tmp_path, record)
    html = render_report(tmp_path, worksheet="project-report", pdf=False).html_path.read_text(encoding="utf-8")
    text = _text(html)
    headline = {"good": "The LSTM beats the naive forecast", "worse_than_naive": "The LSTM does not beat the naive "
                "forecast", "lagging": "It is unclear whether the LSTM beats the naive forecast"}[kind]
    assert text.count(headline) == 1  # the results (the conclusion sums up every comparison)
    assert "accuracy" not in text.split("References")[0].lower()  # the cited titles say "forecast accuracy"
    counts = check_report(html, record)
    assert counts["forecast headline"] == 1 and counts["forecast split"] == 1 and counts["forecast standing"] == 1


# --------------------------------------------------------------------------- the record


def test_a_forecast_record_needs_its_series_and_numeric_forecasts():
    record = {"format_version": 2, **forecast_record("good")}
    broken = {**record, "dataset": {k: v for k, v in record["dataset"].items() if k != "forecast"}}
    with pytest.raises(RunRecordError) as caught:
        parse_run_record(broken)
    assert "dataset.forecast: required key is missing" in str(caught.value)
    bad = {**record, "models": [{**record["models"][0], "forecast": {"test_predictions": [[1.0], ["x"]]}},
                                *record["models"][1:]]}
    with pytest.raises(RunRecordError) as caught:
        parse_run_record(bad)
    assert "models[0].forecast.test_predictions[1][0]: must be a number or null" in str(caught.value)
    assert math.isfinite(record["dataset"]["forecast"]["scale"])


# --------------------------------------------------------------------------- the independent claim check


def test_the_claim_checker_reads_every_forecast_sentence_form(reports):
    from claim_check import check_report

    for kind, (record, _, _, _) in reports.items():
        counts = check_report(reports[kind][3], record)
        for form in ("forecast headline", "forecast comparison", "forecast lag", "forecast split", "forecast mase",
                     "forecast future", "forecast extrapolation", "forecast residuals", "forecast residual figure",
                     "forecast loss"):
            assert counts[form] >= 1, (kind, form)


def test_the_claim_checker_catches_a_wrong_verdict_and_a_wrong_number(reports):
    from claim_check import check_report

    record, facts, _, html = reports["good"]
    with pytest.raises(AssertionError, match="forecast headline"):
        check_report(html.replace("The LSTM beats the naive forecast", "The LSTM does not beat the naive forecast"),
                     record)
    printed = f"{facts['headline']['main_mae']:.2f}"
    with pytest.raises(AssertionError, match="forecast"):
        check_report(html.replace(f"error is {printed}", "error is 0.01"), record)


def test_a_test_part_beyond_the_training_range_is_named_with_differencing_as_the_remedy(tmp_path):
    from claim_check import check_report

    record = forecast_record(EXTRAPOLATING)
    facts = build_facts(record)
    assert facts["extrapolation"]["verdict"] == "outside" and facts["extrapolation"]["direction"] == "above"
    write_run_record(tmp_path, record)
    html = render_report(tmp_path, pdf=False).html_path.read_text(encoding="utf-8")
    text = _text(html)
    x = facts["extrapolation"]
    assert (f"The test part rises to {x['test_max']:.2f}, above the highest value of the training part "
            f"({x['train_max']:.2f})") in text
    assert "dataset.transform: difference" in text
    assert check_report(html, record)["forecast extrapolation"] == 1


def test_a_test_part_inside_or_near_the_training_range_says_which(reports):
    _, facts, text, _ = reports["good"]
    x = facts["extrapolation"]
    assert x["verdict"] in ("inside", "near")
    if x["verdict"] == "inside":
        assert "lie within the range the training part covered" in text
    else:
        assert "go beyond the range the training part covered" in text and "by no more than 5 % of its width" in text


def test_a_test_part_strictly_inside_the_training_range_says_it_lies_within(tmp_path):
    from claim_check import check_report

    record = forecast_record("good")
    forecast = record["dataset"]["forecast"]
    a, b = forecast["bounds"]
    top = max(forecast["series"][:a])
    forecast["series"] = forecast["series"][:b] + [min(v, top - 1) for v in forecast["series"][b:]]
    assert build_facts(record)["extrapolation"]["verdict"] == "inside"
    write_run_record(tmp_path, record)
    html = render_report(tmp_path, pdf=False).html_path.read_text(encoding="utf-8")
    assert "lie within the range the training part covered" in _text(html)
    assert check_report(html, record)["forecast extrapolation"] == 1


def test_residual_autocorrelation_is_judged_against_its_band(reports):
    verdicts = {kind: reports[kind][1]["residuals"] for kind in KINDS}
    # Errors drawn independently (good) stay within the band; a forecast biased by one step of a seasonal
    # series (lagging) leaves its errors correlated from one window to the next.
    assert verdicts["good"]["verdict"] == "uncorrelated"
    assert verdicts["lagging"]["verdict"] == "autocorrelated"
    assert "the errors still carry structure of the series that the LSTM missed" in reports["lagging"][2]
    for verdict in verdicts.values():
        assert verdict["band"] == pytest.approx(2 / math.sqrt(verdict["n"]))


# --------------------------------------------------------------------------- several steps ahead

def test_error_by_horizon_is_drawn_worded_and_checked(tmp_path):
    """A forecast of 3 steps at once (a real fixture run): the error by horizon figure sets the network's
    per-step test MAE against the naive and linear forecasts, its alt text and the growth verdict are read
    by the claim checker, and a wrong step value or a wrong verdict is caught."""
    import json
    from pathlib import Path

    from claim_check import check_report

    path = Path(__file__).parent / "fixtures" / "forecast_runs" / "forecast_three_steps.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    facts = build_facts(record)
    h = facts["horizon"]
    assert h["verdict"] == "grows" and h["horizon"] == 3
    steps = {m["cell"]: m["forecast"]["mae_by_step"] for m in record["models"]}
    assert (h["first"], h["last"]) == (steps["lstm"][0], steps["lstm"][-1])
    write_run_record(tmp_path, record)
    result = render_report(tmp_path, worksheet="lab-record", pdf=False)
    assert "forecast_horizon" in result.figures and result.figures["forecast_horizon"].is_file()
    html = result.html_path.read_text(encoding="utf-8")
    text = _text(html)
    alt = (f"Line plot of the test MAE at each of the 3 steps ahead: LSTM {steps['lstm'][0]:.2f} at step 1 and "
           f"{steps['lstm'][-1]:.2f} at step 3; naive forecast {steps['naive'][0]:.2f} at step 1 and "
           f"{steps['naive'][-1]:.2f} at step 3; linear autoregression {steps['linear_ar'][0]:.2f} at step 1 and "
           f"{steps['linear_ar'][-1]:.2f} at step 3.")
    assert alt in unescape(html)
    assert f"The LSTM's test MAE grows with the horizon: {h['first']:.2f} at step 1 and {h['last']:.2f} at step 3" in text
    counts = check_report(html, record)
    assert counts["forecast horizon figure"] == 1 and counts["forecast horizon"] == 1
    with pytest.raises(AssertionError, match="forecast horizon figure"):
        check_report(html.replace(f"naive forecast {steps['naive'][0]:.2f} at step 1",
                                  f"naive forecast {steps['naive'][0] + 1:.2f} at step 1"), record)
    with pytest.raises(AssertionError, match="forecast horizon"):
        check_report(html.replace("test MAE grows with the horizon", "test MAE grows by less than 20 % over the horizon"),
                     record)


def test_one_step_ahead_has_no_error_by_horizon(reports):
    record, facts, _, html = reports["good"]
    assert facts["horizon"] == {"verdict": "unavailable"}
    # The words, not the program listing (exp13's section 5), whose comments speak of the steps ahead.
    text = _text(re.sub(r'<div class="program">.*?</div>\s*</div>', " ", html, flags=re.S))
    assert "steps ahead" not in text and "by horizon step" not in text


def test_the_exp13_forecast_report_lists_the_exported_program(reports):
    """Section 5 prints the program `labreport export` writes for the run (the data file by its name only)."""
    record, _, text, html = reports["good"]
    assert "5. Program (Code)" in text and "The program of this run in plain Keras" in text
    assert "does not write a plain-Keras program" not in text
    for code in ("LOOKBACK", "to_original", "linear autoregression", "x_future"):
        assert code in text, code


# --------------------------------------------------------------------------- the training loss and the residual figure


def _with_loss(record: dict, loss: str) -> dict:
    import copy

    changed = copy.deepcopy(record)
    changed["spec"]["training"]["loss"] = loss
    changed["dataset"]["forecast"]["loss"] = loss
    return changed


@pytest.mark.parametrize("worksheet", ["exp13", "lab-record", "lab-summary", "project-report", "seminar"])
def test_the_report_names_the_loss_the_spec_trained_with(tmp_path, worksheet):
    from claim_check import check_report

    record = _with_loss(forecast_record("good"), "huber")
    write_run_record(tmp_path, record)
    html = render_report(tmp_path, worksheet=worksheet, pdf=False).html_path.read_text(encoding="utf-8")
    text = _text(html)
    assert "Huber loss" in text
    assert not re.search(r"(?:trained with|minimis\w+|loss ←|The loss is|the loss:) (?:the )?mean squared error", text)
    assert check_report(html, record)["forecast loss"] >= 1
    with pytest.raises(AssertionError, match="forecast loss"):
        check_report(html.replace("Huber loss", "mean squared error"), record)


def test_an_unset_loss_is_the_mean_squared_error_and_mae_is_named_as_such(reports, tmp_path):
    record, facts, text, _ = reports["good"]
    assert facts["model"]["output"]["loss"] == "mse" and "mean squared error" in text
    record = _with_loss(forecast_record("good"), "mae")
    assert build_facts(record)["model"]["output"]["loss"] == "mae"
    write_run_record(tmp_path, record)
    text = _text(render_report(tmp_path, pdf=False).html_path.read_text(encoding="utf-8"))
    assert "trained to minimise the mean absolute error" in text and "mean squared error" not in text


def test_a_record_whose_loss_is_not_its_specs_is_refused():
    record = {"format_version": 2, **forecast_record("good")}
    record["dataset"] = {**record["dataset"], "forecast": {**record["dataset"]["forecast"], "loss": "huber"}}
    with pytest.raises(RunRecordError) as caught:
        parse_run_record(record)
    assert "dataset.forecast.loss: is huber, but the spec's training.loss is mse" in str(caught.value)


def test_the_residual_figure_draws_the_verdicts_autocorrelation_and_its_alt_text_is_checked(reports, tmp_path):
    from claim_check import check_report

    from labreport.report.figures import make_figures

    record, facts, text, html = reports["good"]
    figure = make_figures(record, tmp_path, 0.6, wanted=["forecast_residuals"])["forecast_residuals"]
    drawn = figure.facts
    assert drawn["r1"] == facts["residuals"]["r1"] and drawn["band"] == facts["residuals"]["band"]
    assert drawn["n"] == len(record["dataset"]["forecast"]["test_actual"]) and drawn["lags"] == min(20, drawn["n"] // 4)
    assert figure.path.stat().st_size > 0
    # The residual verdict's sentence points at the figure, which exp13 lists.
    assert re.search(r"\(Figure \d+ draws the errors over time, their histogram and their autocorrelation", text)
    printed = f"{drawn['r1']:.3f} at lag 1"
    assert printed in unescape(html)
    with pytest.raises(AssertionError, match="forecast residual figure"):
        check_report(unescape(html).replace(printed, f"{drawn['r1'] + 0.2:.3f} at lag 1"), record)
    outside = "within the ±" if not drawn["outside"] else "outside the ±"
    flipped = "outside the ±" if not drawn["outside"] else "within the ±"
    lied = re.sub(r"(at lag 1, )" + re.escape(outside) + r"([\d.]+) band at (?:every lag|lags? [\d, and]+?)( \()",
                  lambda m: m.group(1) + flipped + m.group(2) + " band at " + ("lag 1" if not drawn["outside"] else "every lag")
                  + m.group(3), unescape(html))
    assert lied != unescape(html)
    with pytest.raises(AssertionError, match="forecast residual figure"):
        check_report(lied, record)


def test_the_error_graph_answer_reads_this_runs_curves_and_the_checker_holds_it_to_them(reports):
    """Post-lab (b) of a forecast says what its own validation loss did (course, overfitting, end of training),
    in the classification report's words, and the claim checker checks those sentences against the epochs."""
    from claim_check import check_report

    for kind in KINDS:
        record, facts, text, html = reports[kind]
        if facts["diverged"]:
            continue
        answer = text.split("Interpretation of the error graph", 1)[1].split("Interpretation of the forecast graph")[0]
        assert "would mean" not in answer  # a hypothetical about the graph is not a reading of it
        assert ("overfitting" in answer) and ("validation loss" in answer), (kind, answer)
        counts = check_report(html, record)
        assert counts["overfitting"] + counts["end state"] >= 1, (kind, counts)
    record, facts, text, html = reports["good"]
    over = facts["overfitting"]
    assert over["verdict"] not in ("unavailable",)
    best = over["best_epoch"]
    lie = f"lowest at epoch {best + 1 if best < over['last_epoch'] else best - 1}"
    assert f"lowest at epoch {best}" in _text(html) or f"lowest at the last epoch, {best}" in _text(html)
    with pytest.raises(AssertionError, match="overfitting|lowest"):
        check_report(html.replace(f"lowest at epoch {best} (", f"{lie} (").replace(
            f"lowest at the last epoch, {best} (", f"lowest at the last epoch, {best - 1} ("), record)
