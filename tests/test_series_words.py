"""A classified numeric series (timeseries-csv, task classify) is described as what it is: columns read at each
step, sequences grouped by a column, the split by whole sequences, the scaling fitted on the training rows; never
as texts, tokens or an embedding (no TensorFlow: the real sensor_activity run's record, 2026-12-07)."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from claim_check import check_report
from labreport.report.render import render_report

RECORD = Path(__file__).parent / "fixtures" / "runs" / "shipped_sensor_activity.json"  # in the fixture corpus


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:
    """worksheet -> the report's text (without the program listing), for the exp13 and lab-record formats."""
    out = {}
    for worksheet in ("exp13", "lab-record", "project-report", "seminar"):
        run_dir = tmp_path_factory.mktemp(worksheet)
        shutil.copy(RECORD, run_dir / "run.json")
        page = render_report(run_dir, worksheet=worksheet, pdf=False).html_path.read_text(encoding="utf-8")
        check_report(page, json.loads(RECORD.read_text(encoding="utf-8")))  # every claim holds in run.json
        prose = re.sub(r'<div class="program">.*?</div>\s*</div>|<style>.*?</style>', " ", page, flags=re.S)
        out[worksheet] = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", prose)))
    return out


def test_the_sequences_split_and_scaling_are_stated(reports):
    text = reports["exp13"]
    assert ("Each sequence is the rows of sensor_activity.csv that share a value of the column window: 192 sequences "
            "of 64 rows each, each labelled by its activity, read as 3 numbers per step (acc_x, acc_y, acc_z).") in text
    assert "The split drew whole sequences at random (seed 1337), so no sequence has steps on both sides of it." in text
    assert "scaled by the mean and standard deviation of the training rows only" in text
    assert "sensor_activity.csv" in reports["project-report"] and "whole sequences at random" in reports["project-report"]


def test_the_pseudocode_loads_readings_not_texts(reports):
    text = reports["lab-record"]
    assert "load sensor_activity.csv: acc_x, acc_y, acc_z at each step, labelled by activity" in text
    assert "split whole sequences at random (seed 1337) → 134 train, 29 validation, 29 test" in text
    for wrong in ("texts", "token ids", "embedding U(", "hold out the last"):
        assert wrong not in text, wrong


def test_a_steady_fall_with_small_upticks_is_not_smoothed_by_a_lower_learning_rate(reports):
    """The sensor run's validation loss fell from 1.07 to 0.18 with six turns, the largest 0.022 (2.5 % of its
    range): the report may count the turns, but it does not advise a smaller step to smooth them."""
    from labreport.facts import build_facts

    facts = build_facts(json.loads(RECORD.read_text(encoding="utf-8")))
    assert facts["trends"]["val_loss"]["reversals"] == 6
    assert "lower_learning_rate" not in [item["id"] for item in facts["advice"]]
    assert "lower the learning rate" not in reports["exp13"]


def test_a_steady_fall_with_small_upticks_is_not_called_a_zigzag(reports):
    """Six turns in 13 chances, the largest 0.0221 on a fall of 0.8882 (2.5 %): the report counts the turns and
    sizes them, and says they are no zig-zag (curves.VISIBLE_TURN_SHARE), as the corpus reader reads the curve."""
    from labreport.facts import build_facts, curves

    trend = build_facts(json.loads(RECORD.read_text(encoding="utf-8")))["trends"]["val_loss"]
    assert trend["noise"] == "small_turns" and trend["span"] == "fall"
    assert trend["largest_turn_share"] < curves.VISIBLE_TURN_SHARE
    text = reports["exp13"]
    assert ("The validation loss changed direction 6 times in the 13 epochs between its first and last, each turn at "
            "most 2.5 % of its fall from 1.0711 to 0.1830: small turns on its course, not a zig-zag from epoch to "
            "epoch.") in text
    assert "zig-zags" not in text
    # Nor does the end state call its last epochs (0.2029, 0.2096, 0.1830) a swing: they moved both ways, by small turns.
    for worksheet, words in reports.items():
        assert ("Whether training was still improving at the end is unclear: the validation loss changed direction "
                "6 times, each time by a small turn, and moved both ways over the last 3 epochs (0.2029 to 0.1830)."
                in words), worksheet
        assert "ended on one of its swings" not in words, worksheet


def test_the_seminar_reads_numbers_not_tokens(reports):
    """The seminar's introduction, section 6.1, the parameter formulas and the closing describe a classified series:
    3 readings per step read directly, no dictionary or embedding, the lengths as run.json's unequal_lengths has them
    (0 cut, 0 padded), and a closing that does not promise important tasks section 6.2 says the data lacks."""
    text = reports["seminar"]
    assert ("In this run's data each sequence is 64 steps of 3 readings (acc_x, acc_y, acc_z) and is labelled as one "
            "of 4 classes (running, sitting, stairs, walking)") in text
    assert "6.1 Numeric inputs, sequence length and padding" in text
    assert "there is no dictionary, one-hot encoding or embedding" in text and "so n = 3 in the formulas below" in text
    assert ("Here every sequence already had 64 rows, so the network read 64 real steps of each and none was cut or "
            "padded.") in text
    assert "This data marks no important steps" in text
    assert "Section 6.2 shows the trained LSTM's gates and cell state along test sequences (this data marks no" in text
    for wrong in ("each text", "64 tokens", "a word near the start", "padded at the start", "Embedding, one-hot",
                  "hence V × n", "did with the important tasks", "how the tokens reach"):
        assert wrong not in text, wrong


@pytest.mark.parametrize("unequal, layout, verdict", [
    ({"method": "truncate", "length": 64, "truncated_sequences": 0, "padded_windows": 0}, "sequences", "unchanged"),
    ({"method": "truncate", "length": 50, "truncated_sequences": 7, "padded_windows": 0}, "sequences", "truncated"),
    ({"method": "pad", "length": 80, "truncated_sequences": 0, "padded_windows": 5}, "sequences", "padded"),
    (None, "labelled rows", "windows"),
])
def test_what_making_the_lengths_equal_did_is_a_fact(unequal, layout, verdict):
    from labreport.facts.describe import dataset_facts

    record = json.loads(RECORD.read_text(encoding="utf-8"))
    record["dataset"]["layout"] = layout
    if unequal is None:
        del record["dataset"]["unequal_lengths"]
    else:
        record["dataset"]["unequal_lengths"] = unequal
    assert dataset_facts(record)["series"]["lengths_verdict"] == verdict


def test_a_padded_series_says_so_in_the_seminar(tmp_path):
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    record["dataset"]["sequence_lengths"] = {"min": 40, "max": 64}
    record["dataset"]["unequal_lengths"].update({"method": "pad", "padded_windows": 12, "truncated_sequences": 0,
                                                "padding": "at the end with 0.0 after standardisation"})
    (tmp_path / "run.json").write_text(json.dumps(record), encoding="utf-8")
    page = render_report(tmp_path, worksheet="seminar", pdf=False).html_path.read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert ("Here the sequences had 40 to 64 rows, and each shorter than 64 steps was padded at the end with zeros "
            "after scaling (12 sequences padded, 0 cut)") in text
    assert "Every sequence was padded with zeros to 64 steps (12 sequences padded, 0 cut)." in text


def test_the_seminar_names_the_traced_sequence_and_claims_no_unmeasured_start(reports):
    """The gates were traced along test sequence 2 (class running; test sequence 0 is sitting), and run.json holds
    no gates before training (initial_summary unavailable): σ(1) is what the bias alone would give, not a measured
    start, and the trained mean is not set against it."""
    text = reports["seminar"]
    assert ("After training the forget gate averaged 0.7311 over the units and steps of test sequence 2 (counted from "
            "0; class running).") in text
    assert "this run did not record the gates before training, so what each unit kept then is not known" in text
    for wrong in ("first test sequence", "about where it started", "before training each of the 16 units kept"):
        assert wrong not in text, wrong


def test_a_training_loss_rise_within_the_batch_scatter_is_no_spike_and_asks_for_no_clipping(reports):
    """Epoch 7's rise, 0.4460 to 0.4927, is 0.047, within twice the standard error of a difference of two epoch means
    at epoch 6's batch-loss SD (2 · 0.1017 · sqrt(2/9) = 0.096): the reports name no jump and advise no clipping."""
    from labreport.facts import build_facts

    facts = build_facts(json.loads(RECORD.read_text(encoding="utf-8")))
    assert facts["spikes"]["verdict"] == "none"
    assert [rise["epoch"] for rise in facts["spikes"]["within_scatter"]] == [7]
    assert facts["spikes"]["within_scatter"][0]["scatter"]["threshold"] == pytest.approx(0.0959, abs=5e-4)
    assert "loss_spike" not in [p["id"] for p in facts["diagnosis"]["problems"]]
    for worksheet, words in reports.items():
        for wrong in ("jumped up", "clip the gradient norm", "no gradient clipping was set"):
            assert wrong not in words, (worksheet, wrong)


def test_epoch_times_leave_out_a_first_epoch_that_carries_setup_and_add_up(reports):
    """LSTM 3.287 s then 0.236 s on average over epochs 2-15, SimpleRNN 1.564 s then 0.142 s: the speed is compared
    without the first epochs (1.66x, not the 1.9x the all-epoch means 0.44 / 0.24 give), and 'in all' is the
    epochs' sum (6.60 s), which 3.29 s + 14 x 0.236 s makes."""
    from labreport.facts import build_facts

    facts = build_facts(json.loads(RECORD.read_text(encoding="utf-8")))
    t = facts["timing"]["epoch_seconds"]
    assert t["first_is_setup"] and t["first"] == pytest.approx(3.287) and t["later_epochs"] == 14
    assert t["after_first"] == pytest.approx(3.308 / 14) and t["total"] == pytest.approx(6.595)
    assert facts["speed"]["basis"] == "after_first"
    main, simple = facts["comparison_rows"]
    assert main["seconds_compared"] / simple["seconds_compared"] == pytest.approx(1.66, abs=0.01)
    cost = next(item for item in facts["seminar"]["limitations"] if item["id"] == "cost")
    assert cost["time_ratio"] == pytest.approx(1.66, abs=0.01) and cost["basis"] == "after_first"
    text = reports["exp13"]
    assert ("Training ran 15 epochs of 9 batches, 6.60 s in all: the first epoch took 3.29 s, as it carries one-time "
            "setup, and the other 14 took 0.24 s each on average.") in text
    assert "(7.70 s in all)" not in text and "1.9× as long" not in reports["seminar"]
    assert "(1.7× as long; epochs after the first, which carries one-time setup)" in reports["seminar"]


def test_epoch_times_without_a_slow_first_epoch_are_one_mean():
    from labreport.facts.describe import epoch_seconds, speed_basis

    t = epoch_seconds([0.5, 0.4, 0.45, 0.42])
    assert not t["first_is_setup"] and t["per_epoch"] == pytest.approx(t["mean"]) and t["total"] == pytest.approx(1.77)
    rows = [{"epoch_seconds": t}, {"epoch_seconds": epoch_seconds([0.3])}]
    assert speed_basis(rows) == {"basis": "all"} and rows[1]["seconds_compared"] == pytest.approx(0.3)


def test_the_batches_figure_legend_names_each_smoothed_line(tmp_path, monkeypatch):
    """The sensor run's loss panel is on a log axis and has no smoothed line: the legend names the smoothed accuracy
    only, not a 'smoothed, w=0.6' that reads as if both panels had one."""
    from labreport.report import figures

    panels = []
    original = figures._legend_below

    def spy(fig, axes, **options):
        panels.extend(ax.get_legend_handles_labels()[1] for ax in axes)
        return original(fig, axes, **options)

    monkeypatch.setattr(figures, "_legend_below", spy)
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    main = next(m for m in record["models"] if m["role"] == "main")
    figure = figures.batch_figure(tmp_path / "batches.png", batch_history=main["batch_history"], weight=0.6)
    assert figure.log_y and figure.smoothed
    assert panels == [["per batch (measured)"], ["per batch (measured)", "smoothed accuracy, w=0.6"]]
