"""The facts stage's verdicts on the real fixture runs agree with a careful reader's (EXPECTED.yaml).

EXPECTED.yaml was written from the per-epoch tables by hand (and its claims are checked against the raw
history by test_fixture_corpus.py); here labreport's own verdicts must say the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from labreport.facts import build_facts
from labreport.record import migrate

RUNS = Path(__file__).parent / "fixtures" / "runs"
EXPECTED = yaml.safe_load((RUNS / "EXPECTED.yaml").read_text(encoding="utf-8"))
BASELINE = {"lstm_ahead": "main_ahead", "baseline_ahead": "baseline_ahead", "tie": "tie"}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def case(request):
    record = migrate(json.loads((RUNS / f"{request.param}.json").read_text(encoding="utf-8")))  # format 1 -> 2
    return request.param, EXPECTED[request.param], build_facts(record)


def test_outcome(case):
    name, expected, facts = case
    assert facts["outcome"]["verdict"] == expected["outcome"], name


def test_best_validation_epoch_and_overfitting(case):
    name, expected, facts = case
    over = facts["overfitting"]
    if expected["outcome"] == "diverged":
        return  # the curves stop at the divergence; the diverged fixture's verdicts are the outcome's
    assert over["best_epoch"] == expected["best_val_loss_epoch"], name
    if expected["overfitting_onset"] is None:
        assert over["verdict"] != "onset", name
    else:
        # The reader's "onset" is the last good epoch; labreport's verdict names the first worse one.
        assert over["verdict"] == "onset" and over["best_epoch"] == expected["overfitting_onset"], name


def test_still_improving_at_the_end(case):
    name, expected, facts = case
    assert (facts["end_state"]["verdict"] == "still_improving") == expected["still_improving_at_end"], name


def test_baseline_comparison(case):
    name, expected, facts = case
    if expected["baseline"] == "none" or expected["outcome"] == "diverged":
        return
    assert [row["verdict"] for row in facts["comparison"]] == [BASELINE[expected["baseline"]]], name


def test_noise(case):
    name, expected, facts = case
    trends = facts["trends"]
    # The reader's "noisy" is about the validation loss (EXPECTED.yaml).
    noisy = (trends.get("val_loss") or {}).get("noise") == "zigzag"
    assert noisy == expected["noisy"], name


def test_single_class_predictor(case):
    name, expected, facts = case
    if "single_class" not in expected:
        return
    predictor = facts["predictor"]
    if expected["single_class"] is None:
        assert predictor["verdict"] == "varied", name
    else:
        assert predictor["verdict"] == "single_class" and predictor["class"] == expected["single_class"], name
        assert predictor["all"] and predictor["is_majority"], name


def test_flat_validation_loss(case):
    name, expected, facts = case
    if "val_loss_flat" not in expected:
        return
    assert (facts["overfitting"]["verdict"] == "flat") == expected["val_loss_flat"], name


def test_few_updates_are_diagnosed_and_more_are_advised(case):
    name, expected, facts = case
    if "few_updates" not in expected:
        return
    causes = [c["id"] for p in facts["diagnosis"]["problems"] for c in p["causes"]]
    steps = {s["id"]: s for p in facts["diagnosis"]["problems"] for s in p["next"]}
    assert ("few_updates" in causes) == expected["few_updates"], name
    if expected["few_updates"]:
        assert steps["more_epochs"]["suggested"] > steps["more_epochs"]["current"], name


def test_early_stopping_is_advised_only_where_it_helps(case):
    name, expected, facts = case
    if "early_stopping_helps" not in expected:
        return
    steps = [s["id"] for p in facts["diagnosis"]["problems"] for s in p["next"]] + [a["id"] for a in facts["advice"]]
    assert ("early_stopping" in steps) == expected["early_stopping_helps"], name
    causes = [c["id"] for p in facts["diagnosis"]["problems"] for c in p["causes"]]
    assert "last_epoch_weights" not in causes, name


RISE = {"peaks": "every", "some": "some", "no_peak": "none"}


def test_mechanisms(case):
    name, expected, facts = case
    if "mechanisms" not in expected:
        return
    m, g = expected["mechanisms"], facts["gates"]
    assert (g["writes"], g["input_gate"], g["carries_first_task"]) == (m["unit_writes"], m["input_gate"], m["final_state"]), name
    assert (g["initialisation"]["verdict"] == "unknown") == (m["before_training"] == "unknown"), name
    assert RISE[facts["gradients"]["main_peak"]["verdict"]] == m["trained_lstm_rise"], name


# --------------------------------------------------------------------------- the forecast part of the corpus

FORECAST_RUNS = Path(__file__).parent / "fixtures" / "forecast_runs"
FORECAST_EXPECTED = yaml.safe_load((FORECAST_RUNS / "EXPECTED.yaml").read_text(encoding="utf-8"))
# labreport's verdict names where the reader's differ: "none" is a comparison or check with nothing to compare.
FORECAST_NONE = {"unavailable": "none"}


@pytest.mark.parametrize("name", sorted(FORECAST_EXPECTED))
def test_forecast_verdicts_agree_with_the_reader(name):
    expected = FORECAST_EXPECTED[name]
    facts = build_facts(json.loads((FORECAST_RUNS / f"{name}.json").read_text(encoding="utf-8")))
    headline = "diverged" if facts["diverged"] else facts["headline"]["verdict"]
    assert headline == expected["headline"], name
    assert {row["cell"]: FORECAST_NONE.get(row["verdict"], row["verdict"]) for row in facts["versus"]} == \
        expected["versus"], name
    for key in ("lag", "extrapolation", "residuals", "horizon"):
        assert FORECAST_NONE.get(facts[key]["verdict"], facts[key]["verdict"]) == expected[key], (name, key)
    # Why a network that does not beat the naive forecast fell short: what the other verdicts show.
    shortfall = facts["shortfall"]
    if expected["headline"] == "better":
        assert shortfall["verdict"] == "none"
    elif expected["headline"] == "diverged":
        assert shortfall["verdict"] == "diverged"
    else:
        assert shortfall["verdict"] == expected["headline"]
        found = shortfall["reasons"] + shortfall["follows"]
        assert ("lags" in found) == (expected["lag"] == "lags")
        assert ("autocorrelated" in found) == (expected["residuals"] == "autocorrelated")
        # A test part beyond the training range is the reason; the lag and correlated errors follow from it.
        assert ("outside" in shortfall["reasons"]) == (expected["extrapolation"] == "outside")
        if expected["extrapolation"] == "outside":
            assert shortfall["reasons"] == ["outside"]
