"""A one-epoch run's report counts its epoch as one: never "it ran all 1 epoch", "in none of its 1 epoch" or "the
same early-stopping rule within 1 epoch, under which both trained 1 epoch ... (epochs 1 and 1)" (no TensorFlow: the
real shipped default run, tests/fixtures/runs/shipped_default.json, cut to its first epoch as `labreport run
--epochs 1` would record it, with early stopping on and a variant beside it)."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest

from claim_check import check_report
from labreport.report.filters import all_of, in_none_of, the_count
from labreport.report.render import render_report
from labreport.worksheets import worksheet_names

SHIPPED_DEFAULT = Path(__file__).parent / "fixtures" / "runs" / "shipped_default.json"


def first_epoch_only(record: dict) -> dict:
    """A format-2 run record cut to its first epoch: every model completed one epoch, its best and evaluated one."""
    r = copy.deepcopy(record)
    r["spec"]["training"]["epochs"] = 1
    for model in r["models"]:
        for name in model["history"]:
            model["history"][name] = model["history"][name][:1]
        batches = model["batch_history"]
        keep = [i for i, epoch in enumerate(batches["epoch"]) if epoch <= 1]
        for key in ("epoch", "batch", "loss", "accuracy"):
            batches[key] = [batches[key][i] for i in keep]
        timing = model["timing"]
        timing["seconds_per_epoch"] = timing["seconds_per_epoch"][:1]
        timing["train_seconds"] = round(sum(timing["seconds_per_epoch"]), 3)
        timing["epochs"] = 1
        stopped = model["stopped"]
        model["stopped"] = {"reason": "completed", "epoch": 1}
        if "monitor" in stopped:  # early stopping tracked the best epoch: the only one
            model["stopped"].update({key: stopped[key] for key in ("monitor", "patience", "min_delta")},
                                    best_epoch=1, best_value=model["history"][stopped["monitor"]][0])
        if "evaluated_epoch" in model:
            model["evaluated_epoch"] = 1
    return r


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:
    """worksheet -> the one-epoch report's text (every claim checked against the cut record)."""
    record = first_epoch_only(json.loads(SHIPPED_DEFAULT.read_text(encoding="utf-8")))
    assert [len(m["history"]["loss"]) for m in record["models"]] == [1, 1, 1]
    assert record["spec"]["training"]["early_stopping"]["patience"] == 3
    out = {}
    for worksheet in worksheet_names():
        run_dir = tmp_path_factory.mktemp(worksheet)
        (run_dir / "run.json").write_text(json.dumps(record), encoding="utf-8")
        page = render_report(run_dir, worksheet=worksheet, pdf=False).html_path.read_text(encoding="utf-8")
        check_report(page, record)
        prose = re.sub(r'<div class="program">.*?</div>\s*</div>|<style>.*?</style>', " ", page, flags=re.S)
        out[worksheet] = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", prose)))
    return out


def test_counts_of_one_and_two_read_as_words():
    assert [all_of(n, "epoch") for n in (1, 2, 12)] == ["its only epoch", "both epochs", "all 12 epochs"]
    assert [in_none_of(n, "epoch") for n in (1, 2, 5)] == ["not in its only epoch", "in neither of its 2 epochs",
                                                          "in none of its 5 epochs"]
    assert [the_count(n, "epoch") for n in (1, 13)] == ["the one epoch", "the 13 epochs"]


@pytest.mark.parametrize("worksheet", worksheet_names())
def test_no_sentence_counts_one_epoch_as_many(reports, worksheet):
    text = reports[worksheet]
    for wrong in ("all 1 epoch", "of its 1 epoch", "the 1 epoch", "within 1 epoch", "both trained 1 epoch",
                  "epochs 1 and 1", "per epoch on average ("):  # one epoch's time is not an average
        assert wrong not in text, (worksheet, wrong)


def test_early_stopping_and_the_variant_are_worded_for_one_epoch(reports):
    text = reports["exp13"]
    assert ("Early stopping (patience 3 on the validation accuracy) did not end training early: it ran its only "
            "epoch.") in text
    assert "and the variant not in its only epoch." in text
    # One planned epoch: no rule could stop either training earlier, and no best epoch was restored.
    assert "the LSTM was trained again with Keras' default forget-gate biases of 1 instead of chrono initialisation, " \
           "with the same data, batches, seed and epochs." in text
