"""The tests behind the report's claims (labreport.facts.statistics), checked against exact sums."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from labreport.facts import outcome, statistics


def exact_tail(k: int, n: int, p: Fraction) -> float:
    return float(sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1)))


@pytest.mark.parametrize("k,n,p", [(0, 10, "1/2"), (7, 10, "1/2"), (30, 100, "1/4"), (274, 1000, "1/4"),
                                   (273, 1000, "1/4"), (100, 100, "1/2"), (60, 200, "3/10")])
def test_binomial_tail_is_the_exact_sum(k, n, p):
    assert statistics.binomial_tail(k, n, float(Fraction(p))) == pytest.approx(exact_tail(k, n, Fraction(p)), rel=1e-9)


def test_critical_accuracy_is_the_first_significant_count():
    for n, p in ((1000, Fraction(1, 4)), (80, Fraction(1, 2)), (200, Fraction(1, 4))):
        critical = statistics.critical_accuracy(n, float(p))
        k = round(critical * n)
        assert exact_tail(k, n, p) < 0.05 <= exact_tail(k - 1, n, p)


def test_the_margin_is_a_sampling_error_not_a_floor():
    # The old rule, max(2 points, 2 standard errors), called 25,000 reviews within 2 points of chance
    # "at chance"; the binomial test needs 0.52 points there, and 10 points on 80 sequences.
    assert statistics.critical_accuracy(25_000, 0.5) - 0.5 == pytest.approx(0.0052, abs=0.0002)
    assert statistics.critical_accuracy(80, 0.5) - 0.5 == pytest.approx(0.1, abs=0.013)


def test_wilson_interval():
    low, high = statistics.wilson_interval(0.5, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    low, high = statistics.wilson_interval(1.0, 1000)
    assert high == 1.0 and low == pytest.approx(0.99617, abs=1e-4)


def test_mcnemar_counts_only_the_examples_where_one_model_is_right():
    main = [True] * 80 + [False] * 20
    other = [True] * 70 + [False] * 10 + [True] * 5 + [False] * 15
    result = statistics.mcnemar(main, other)
    assert (result["only_main_right"], result["only_other_right"]) == (10, 5)
    # two-sided exact: 2 * P(X <= 5), X ~ Bin(15, 1/2)
    assert result["p_value"] == pytest.approx(2 * (1 - exact_tail(6, 15, Fraction(1, 2))))
    assert result["difference"] == pytest.approx(0.05)


def test_a_csv_runs_gap_of_1_6_points_on_10000_reviews_is_a_difference():
    """The expert's example: 85.9 % against 84.3 % was called 'cannot be told apart'."""
    history = {"loss": [0.5, 0.3], "val_loss": [0.5, 0.4], "accuracy": [0.7, 0.9], "val_accuracy": [0.7, 0.85]}
    record = {"dataset": {"class_names": ["neg", "pos"], "sizes": {"train": 32000, "validation": 8000, "test": 10000},
                          "class_counts": {"train": {"neg": 16000, "pos": 16000}, "test": {"neg": 5000, "pos": 5000}}},
              "models": [{"role": "main", "cell": "lstm", "history": history, "test": {"accuracy": 0.859, "loss": 0.33}},
                         {"role": "baseline", "cell": "simple_rnn", "history": {},
                          "test": {"accuracy": 0.843, "loss": 0.37}}],
              "spec": {"model": {"recurrent": [{"cell": "lstm", "forget_bias": 1.0}]}}}
    main = outcome.outcome(record)
    row = outcome.comparison(record, main)[0]
    assert row["verdict"] == "main_ahead" and row["test"] == "unpaired" and row["p_value"] < 0.05


def test_per_example_predictions_give_mcnemars_test():
    labels = [0, 1] * 50
    main = list(labels)                      # right on all 100
    base = [1 - y for y in labels[:30]] + labels[30:]  # wrong on the first 30
    record = {"dataset": {"class_names": ["a", "b"], "sizes": {"test": 100, "validation": 20},
                          "class_counts": {"train": {"a": 50, "b": 50}, "test": {"a": 50, "b": 50}},
                          "test_labels": labels},
              "models": [{"role": "main", "cell": "lstm", "history": {}, "test": {"accuracy": 1.0, "predictions": main}},
                         {"role": "baseline", "cell": "simple_rnn", "history": {},
                          "test": {"accuracy": 0.7, "predictions": base}}],
              "spec": {"model": {"recurrent": [{"cell": "lstm", "forget_bias": 1.0}]}}}
    row = outcome.comparison(record, outcome.outcome(record))[0]
    assert row["test"] == "mcnemar" and (row["only_main_right"], row["only_other_right"]) == (30, 0)
    assert row["verdict"] == "main_ahead" and row["p_value"] == pytest.approx(2 * 0.5 ** 30)


def test_majority_class_comes_from_training_labels_and_ties_are_ties():
    levels = outcome.chance_levels({"class_names": ["a", "b", "c"],
                                    "class_counts": {"train": {"a": 40, "b": 40, "c": 20},
                                                     "test": {"a": 30, "b": 50, "c": 20}}})
    assert levels["majority_tie"] and levels["majority_classes"] == ["a", "b"]
    assert levels["majority_class"] is None and levels["majority_share"] == pytest.approx(0.5)
    levels = outcome.chance_levels({"class_names": ["a", "b"],
                                    "class_counts": {"train": {"a": 60, "b": 40}, "test": {"a": 40, "b": 60}}})
    # The test split's most frequent class (b) is not what a guesser trained on this data answers.
    assert levels["majority_class"] == "a" and levels["majority_share"] == pytest.approx(0.4)


def test_chrono_is_a_stated_difference_from_a_simple_rnn_baseline():
    spec = {"model": {"recurrent": [{"cell": "lstm", "forget_bias": "chrono"}]}}
    assert outcome.setting_differences(spec, "simple_rnn") == [{"kind": "chrono", "layer": 1}]
    assert outcome.setting_differences({"model": {"recurrent": [{"cell": "lstm", "forget_bias": 1.0}]}},
                                       "simple_rnn") == []
