"""Issue 25's verdicts on small made-up inputs: noise-aware overfitting and flat curves, the uniform guess,
single-class predictors, few updates, early stopping only where it helps, and a reference accuracy.

The fixture runs show each on real records (tests/test_fixture_verdicts.py); these pin the thresholds.
"""

from __future__ import annotations

import math

import pytest

from labreport.facts import curves, diagnosis, outcome


# --------------------------------------------------------------------------- class 5: overfitting against the noise


def test_a_validation_loss_above_its_minimum_at_every_later_epoch_is_overfitting_though_it_rose_under_10_percent():
    # Lowest at epoch 4, then 3-6 % above it at every later epoch, while the training loss halves.
    val = [0.70, 0.55, 0.45, 0.400, 0.415, 0.412, 0.418, 0.414, 0.421, 0.416, 0.420, 0.418]
    train = [0.70, 0.55, 0.45, 0.40, 0.36, 0.33, 0.30, 0.27, 0.25, 0.23, 0.21, 0.20]
    over = curves.overfitting(train, val)
    assert over["val_loss_rise"] < curves.OVERFITTING_MIN_RISE
    assert over["verdict"] == "onset" and over["best_epoch"] == 4 and over["stayed_above"]


def test_the_same_rise_without_a_substantial_training_fall_is_only_slight():
    val = [0.70, 0.55, 0.45, 0.400, 0.415, 0.412, 0.418, 0.414, 0.421, 0.416, 0.420, 0.418]
    train = [0.70, 0.55, 0.45, 0.40, 0.399, 0.398, 0.397, 0.396, 0.395, 0.394, 0.393, 0.392]
    assert curves.overfitting(train, val)["verdict"] == "slight"


def test_a_last_epoch_within_twice_the_scatter_of_the_minimum_is_no_overfitting():
    # A noisy validation loss whose last value is 0.02 above its lowest, with a scatter of about 0.05.
    val = [0.60, 0.40, 0.48, 0.35, 0.44, 0.30, 0.38, 0.33, 0.41, 0.32]
    train = [0.60, 0.45, 0.40, 0.36, 0.33, 0.30, 0.28, 0.26, 0.24, 0.22]
    over = curves.overfitting(train, val)
    assert over["verdict"] == "within_noise"
    assert over["val_loss_at_last"] - over["val_loss_at_best"] <= curves.NOISE_MULTIPLE * over["noise"]


def test_a_flat_validation_loss_has_no_best_epoch_and_no_overfitting():
    val = [1.3855, 1.3852, 1.3850, 1.3849, 1.3848, 1.3849]
    train = [1.3835, 1.3824, 1.3812, 1.3801, 1.3792, 1.3782]
    assert curves.overfitting(train, val)["verdict"] == "flat"
    # ... nor is its last epoch "past the best" by the fourth decimal.
    assert curves.end_state(train, val)["verdict"] == "flat"
    # A curve that moves both ways within 1 % of its level reads "flat"; one that falls every epoch does not.
    assert curves.trend(val, higher_is_better=False)["verdict"] == "flat"
    assert curves.trend(train, higher_is_better=False)["verdict"] == "steady"


def test_noise_level_ignores_the_one_jump_where_a_model_finds_the_task():
    values = [1.386, 1.385, 1.386, 1.385, 0.40, 0.050, 0.049, 0.050, 0.049, 0.050]
    assert curves.noise_level(values) < 0.01


# --------------------------------------------------------------------------- class 2: the uniform guess, single-class answers


@pytest.mark.parametrize("last, verdict", [(1.3850, "at"), (0.40, "below"), (4.99, "above")])
def test_the_uniform_guess_is_ln_c(last, verdict):
    guess = curves.uniform_guess({"loss": [1.39, last], "val_loss": [1.39, last]}, 4)
    assert guess["value"] == pytest.approx(math.log(4)) and guess["verdict"] == verdict


def test_two_classes_have_the_uniform_guess_ln_2():
    assert curves.uniform_guess({"loss": [0.6931]}, 2)["value"] == pytest.approx(0.6931, abs=1e-4)


def _dataset():
    return {"class_names": ["a", "b"], "class_counts": {"train": {"a": 60, "b": 40}, "validation": {"a": 15, "b": 10},
                                                        "test": {"a": 55, "b": 45}}}


def _run(answers_b_for: int, *, accuracy=None, val_accuracy=None) -> dict:
    """100 test sequences (55 a, 45 b): the model answers a, except b for ``answers_b_for`` of the b's."""
    confusion = [[55, 0], [45 - answers_b_for, answers_b_for]]
    return {"test": {"confusion": confusion},
            "history": {"accuracy": [accuracy or 0.6], "val_accuracy": [val_accuracy or 0.6]}}


def test_a_model_that_answers_one_class_everywhere_is_a_majority_class_predictor():
    facts = outcome.predictor(_run(0, accuracy=0.6, val_accuracy=0.6), _dataset())
    assert facts["verdict"] == "single_class" and facts["all"] and facts["class"] == "a" and facts["is_majority"]
    # Its training and validation accuracies are a's shares of those splits (60 of 100, 15 of 25).
    assert facts["accuracies_are_shares"]


def test_the_single_class_threshold_is_95_percent_of_the_answers():
    assert outcome.predictor(_run(5), _dataset())["verdict"] == "single_class"   # 95 of 100 answers are a
    assert outcome.predictor(_run(6), _dataset())["verdict"] == "varied"         # 94 of 100


def test_a_record_without_a_confusion_matrix_has_no_predictor_verdict():
    assert outcome.predictor({"test": {"accuracy": 0.5}}, _dataset())["verdict"] == "unavailable"


# --------------------------------------------------------------------------- class 4: few updates, early stopping


def _record(*, epochs=6, lr=3e-4, batch=32, train=320, validation=80, optimizer="adam"):
    return {"spec": {"training": {"learning_rate": lr, "batch_size": batch, "epochs": epochs, "optimizer": optimizer}},
            "dataset": {"sizes": {"train": train, "validation": validation, "test": 400}}}


def test_sixty_small_updates_at_the_uniform_guess_are_few_and_more_are_advised():
    few = diagnosis.few_updates(_record(), {"uniform_loss": {"train_side": "at"}}, 6)
    assert few["updates"] == 60 and few["travel"] == pytest.approx(0.018)
    assert few["suggested_learning_rate"] == 0.001          # Adam's usual rate, above the spec's 3e-4
    assert 6 < few["suggested_epochs"] <= 60 and few["travel_after"] > few["travel"]


def test_updates_that_moved_the_training_loss_are_not_few():
    assert diagnosis.few_updates(_record(), {"uniform_loss": {"train_side": "below"}}, 6) is None


def test_enough_travel_is_not_few_updates():
    # 30 epochs of 10 batches at 0.005: a bound of 1.5.
    assert diagnosis.few_updates(_record(epochs=30, lr=0.005), {"uniform_loss": {"train_side": "at"}}, 30) is None


def _stopping(val_accuracy, *, best, last, critical=0.5, n=60):
    record = {"models": [{"role": "main", "history": {"val_accuracy": val_accuracy}}],
              "dataset": {"sizes": {"validation": n}}}
    verdicts = {"overfitting": {"best_epoch": best, "last_epoch": last}, "validation_chance": {"critical": critical}}
    return diagnosis.early_stopping_check(record, verdicts)


def test_early_stopping_is_not_advised_when_the_best_epoch_is_at_chance():
    assert _stopping([0.367, 0.367, 0.2], best=2, last=3, critical=0.467, n=30)["reason"] == "best_at_chance"


def test_early_stopping_is_not_advised_when_the_best_epoch_is_no_better_by_accuracy():
    assert _stopping([0.9, 0.967, 0.933], best=2, last=3)["reason"] == "no_better"


def test_early_stopping_is_advised_when_the_best_epoch_is_clearly_better():
    assert _stopping([0.7, 0.95, 0.80], best=2, last=3)["helps"] is True


# --------------------------------------------------------------------------- class 8: a reference accuracy


@pytest.mark.parametrize("accuracy, verdict", [(0.8590, "within"), (0.8750, "above"), (0.8400, "below")])
def test_a_reference_accuracy_is_compared_with_the_runs_interval(accuracy, verdict):
    from labreport.facts import statistics

    record = {"spec": {"report": {"reference": {"accuracy": 0.859, "source": "the hand-out"}}}}
    n = 25_000
    main = {"test_accuracy": accuracy, "interval": statistics.wilson_interval(accuracy, n)}
    facts = outcome.reference(record, main)
    assert facts["verdict"] == verdict
    assert facts["interval"][0] <= facts["difference"] <= facts["interval"][1]


def test_no_reference_no_sentence():
    assert outcome.reference({"spec": {"report": {}}}, {"test_accuracy": 0.9, "interval": (0.88, 0.92)}) is None


def test_the_validation_threshold_is_built_from_the_validation_split_s_own_labels():
    """A guess from the training labels (YY, the most frequent there) scored on the validation labels, not on
    the test set's: chance_level's validation split has 21 of 80 YY (26.25 %), its test set 116 of 400 (29 %)."""
    from labreport.facts.outcome import chance_levels, validation_chance

    dataset = {"class_names": ["XX", "XY", "YX", "YY"], "sizes": {"validation": 80, "test": 400},
               "class_counts": {"train": {"XX": 66, "XY": 79, "YX": 78, "YY": 97},
                                "validation": {"XX": 17, "XY": 21, "YX": 21, "YY": 21},
                                "test": {"XX": 90, "XY": 94, "YX": 100, "YY": 116}}}
    test_floor = chance_levels(dataset)["floor"]
    threshold = validation_chance({"dataset": dataset}, test_floor)
    assert test_floor == pytest.approx(0.29) and threshold["floor"] == pytest.approx(0.2625)
    assert threshold["critical"] == pytest.approx(0.3625)
    # An older record without the validation split's counts keeps the floor it is given.
    older = {**dataset, "class_counts": {k: v for k, v in dataset["class_counts"].items() if k != "validation"}}
    assert validation_chance({"dataset": older}, test_floor)["floor"] == pytest.approx(0.29)


def test_a_training_loss_at_the_class_shares_prior_is_told_from_the_uniform_guess():
    """-Σ p ln p of the training shares (66, 79, 78, 97 of 320: 1.3768) lies under ln 4 (1.3863): a last training
    loss of 1.3782 sits between them, 'at' the uniform guess only within its 1 % tolerance."""
    from labreport.facts.curves import uniform_guess

    counts = {"XX": 66, "XY": 79, "YX": 78, "YY": 97}
    u = uniform_guess({"loss": [1.3834, 1.3782]}, 4, counts)
    assert u["prior"] == pytest.approx(1.3768, abs=1e-4) and u["train_between_prior"] and u["train_side"] == "at"
    assert not uniform_guess({"loss": [1.3834, 1.3782]}, 4, {"XX": 80, "XY": 80, "YX": 80, "YY": 80})["train_between_prior"]
    assert not uniform_guess({"loss": [1.39, 0.9]}, 4, counts)["train_between_prior"]
    # Nearer ln 4 than the prior (the 1-epoch default run: 1.3863 against a prior of 1.3858): "at ln 4" alone.
    near_balanced = {"XX": 826, "XY": 760, "YX": 792, "YY": 822}
    assert not uniform_guess({"loss": [1.3863]}, 4, near_balanced)["train_between_prior"]
