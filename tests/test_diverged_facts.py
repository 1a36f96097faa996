"""A diverged run's facts (an expert review of the diverged fixture's reports): where the loss exploded, which may be
epochs before it overflowed; a diverged model's time per epoch is not compared; gradient clipping is advised only
where a clipped step is of a sane size; and a comparison figure names in its legend only the curves it draws."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from labreport.facts import build_facts, curves, describe, diagnosis
from labreport.record import migrate
from labreport.report import figures

RUNS = Path(__file__).parent / "fixtures" / "runs"


def load(case: str) -> dict:
    return migrate(json.loads((RUNS / f"{case}.json").read_text(encoding="utf-8")))


def test_the_explosion_is_where_the_loss_left_the_first_batchs_scale_not_where_it_overflowed():
    facts = build_facts(load("diverged"))
    e = facts["explosion"]
    # Batch 1: 1.3887; batch 2: 1.82e35; then about 1e36 for 37 batches; infinite at epoch 4, batch 10.
    assert (e["verdict"], e["epoch"], e["batch"]) == ("before_stop", 1, 2)
    assert e["before"] == pytest.approx(1.3887, abs=1e-4) and e["loss"] == pytest.approx(1.8154e35, rel=1e-4)
    assert e["between"] == 37 and e["lowest"] == pytest.approx(3.7229e35, rel=1e-4)
    assert e["highest"] == pytest.approx(1.7945e36, rel=1e-4) and (e["stop_epoch"], e["stop_batch"]) == (4, 10)


def test_a_loss_that_goes_straight_to_nan_explodes_at_the_stop_and_a_run_without_batches_is_unknown():
    batches = {"epoch": [1, 1, 1, 2, 2], "batch": [1, 2, 3, 1, 2], "loss": [1.4, 1.2, 1.1, 90.0, math.nan]}
    stopped = {"reason": "nan_loss", "epoch": 2, "batch": 2, "value": "NaN"}
    # 90 is under 100 × 1.4: not yet an explosion; the NaN at the stop is.
    assert curves.explosion(batches, stopped)["verdict"] == "at_stop"
    assert curves.explosion(None, stopped)["verdict"] == "unknown"
    assert curves.explosion(batches, {"reason": "completed", "epoch": 2})["verdict"] == "unknown"
    batches["loss"][3] = 141.0  # over 100 × 1.4, one batch before the NaN
    e = curves.explosion(batches, stopped)
    assert (e["verdict"], e["epoch"], e["batch"], e["between"]) == ("before_stop", 2, 1, 0)


def test_a_diverged_models_time_per_epoch_is_not_compared():
    facts = build_facts(load("diverged"))
    main, simple = facts["comparison_rows"]
    assert simple["timing_comparable"] == {"verdict": "diverged", "exploded_epoch": 1, "stop_epoch": 1,
                                           "stop_batch": 4, "batches_per_epoch": 10, "ran_on": False,
                                           "partial": True}
    assert main["timing_comparable"]["verdict"] == "diverged" and not main["timing_comparable"]["partial"]
    assert main["timing_comparable"]["ran_on"] and facts["explosion"]["earlier_epoch"]
    assert main["seconds_compared"] is None and simple["seconds_compared"] is None
    cost = next(item for item in facts["seminar"]["limitations"] if item["id"] == "cost")
    assert cost["speed"] == "not_comparable" and "time_ratio" not in cost


def test_a_comparable_pair_still_gets_its_times():
    rows = [{"title": "LSTM", "epoch_seconds": describe.epoch_seconds([4.0, 1.0, 1.0]),
             "timing_comparable": {"verdict": "comparable"}},
            {"title": "SimpleRNN", "epoch_seconds": describe.epoch_seconds([2.0]),
             "timing_comparable": {"verdict": "diverged"}},
            {"title": "GRU", "epoch_seconds": describe.epoch_seconds([3.0, 0.5, 0.5]),
             "timing_comparable": {"verdict": "comparable"}}]
    basis = describe.speed_basis(rows)
    # The diverged model's single epoch no longer rules out the basis "after the first" for the others.
    assert basis == {"basis": "after_first"}
    assert [row["seconds_compared"] for row in rows] == [1.0, None, 0.5]


def test_clipping_is_not_advised_at_a_learning_rate_that_a_clipped_step_cannot_tame():
    facts = build_facts(load("diverged"))
    problem = facts["diagnosis"]["problems"][0]
    assert problem["id"] == "diverged"
    assert [c["id"] for c in problem["causes"]] == ["high_learning_rate"]
    assert problem["causes"][0]["beyond_clipping"] and problem["causes"][0]["clipped"]["step"] == pytest.approx(1.18e36)
    assert [s["id"] for s in problem["next"]] == ["lower_learning_rate"]
    # At 0.5 (high for SGD, but a clipped step of at most 0.5) clipping is a cause and a next step again.
    record = load("diverged")
    record["spec"]["training"]["learning_rate"] = 0.5
    problem = build_facts(record)["diagnosis"]["problems"][0]
    assert [c["id"] for c in problem["causes"]] == ["high_learning_rate", "no_clipping"]
    assert not problem["causes"][0]["beyond_clipping"]
    assert [s["id"] for s in problem["next"]] == ["lower_learning_rate", "set_clipnorm"]
    assert diagnosis.clipped_step(2.0, "adam")["helps"] is False
    assert diagnosis.clipped_step(2.0, "sgd", 0.25)["helps"] is True


def test_a_comparison_figure_names_only_the_curves_it_draws(monkeypatch, tmp_path):
    kept = []
    save = figures.save_png
    monkeypatch.setattr(figures, "save_png", lambda fig, path: (save(fig, path), kept.append(fig)))
    record = load("diverged")
    models = copy.deepcopy(record["models"])
    figures.comparison_figure(tmp_path / "loss.png", models=models, metric="loss", n_classes=4)
    labels = [text.get_text() for legend in kept[0].legends for text in legend.get_texts()]
    assert "LSTM training" in labels and "LSTM validation" in labels
    assert not any(label.startswith("SimpleRNN") for label in labels), labels
    # One finite value alone is drawn with a marker (a line joins none), and named.
    models[1]["history"]["val_loss"] = [2.0]
    kept.clear()
    figures.comparison_figure(tmp_path / "loss2.png", models=models, metric="loss", n_classes=4)
    labels = [text.get_text() for legend in kept[0].legends for text in legend.get_texts()]
    assert "SimpleRNN validation" in labels and "SimpleRNN training" not in labels
    marked = [line for ax in kept[0].axes for line in ax.get_lines() if line.get_label() == "SimpleRNN validation"]
    assert marked and marked[0].get_marker() == "o"
