"""Tests for labreport.analysis on made-up histories, one per case the report must tell apart."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from labreport.analysis import HistoryError, analyze, smooth, smoothing_advice
from labreport.errors import LabreportError

REPO_ROOT = Path(__file__).resolve().parents[1]
NAN = math.nan

# Falls fast, then settles: the last 3 epochs move by under 2%.
CLEAN = {
    "loss": [0.69, 0.55, 0.42, 0.33, 0.27, 0.23, 0.21, 0.203, 0.201, 0.200],
    "accuracy": [0.55, 0.70, 0.80, 0.86, 0.90, 0.92, 0.93, 0.935, 0.937, 0.938],
    "val_loss": [0.66, 0.52, 0.41, 0.34, 0.29, 0.26, 0.245, 0.240, 0.238, 0.237],
    "val_accuracy": [0.58, 0.72, 0.80, 0.85, 0.88, 0.90, 0.91, 0.913, 0.915, 0.916],
}

# Training loss falls every epoch; val_loss bottoms out at epoch 5 and rises
# from epoch 6 on.  The single rise at epoch 3 is shorter than patience 2.
OVERFIT = {
    "loss": [0.69, 0.50, 0.40, 0.33, 0.28, 0.24, 0.20, 0.17, 0.14, 0.12],
    "accuracy": [0.55, 0.72, 0.80, 0.86, 0.89, 0.91, 0.93, 0.95, 0.96, 0.97],
    "val_loss": [0.66, 0.52, 0.55, 0.42, 0.38, 0.39, 0.41, 0.44, 0.47, 0.50],
    "val_accuracy": [0.58, 0.72, 0.70, 0.82, 0.84, 0.84, 0.83, 0.83, 0.82, 0.82],
}

# Binary task barely above chance, both accuracies still climbing by 0.01 an epoch.
UNDERFIT = {
    "loss": [0.693, 0.690, 0.686, 0.681, 0.675, 0.668, 0.660, 0.651],
    "accuracy": [0.50, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56, 0.57],
    "val_loss": [0.694, 0.691, 0.688, 0.684, 0.679, 0.673, 0.666, 0.658],
    "val_accuracy": [0.50, 0.505, 0.515, 0.52, 0.53, 0.54, 0.55, 0.56],
}

# Training curves smooth; validation curves zig-zag at every epoch.
NOISY_VALIDATION = {
    "loss": [0.69, 0.55, 0.45, 0.38, 0.33, 0.30, 0.28, 0.265, 0.255, 0.25],
    "accuracy": [0.55, 0.70, 0.78, 0.83, 0.86, 0.88, 0.89, 0.90, 0.905, 0.91],
    "val_loss": [0.66, 0.50, 0.58, 0.41, 0.52, 0.36, 0.49, 0.35, 0.47, 0.34],
    "val_accuracy": [0.58, 0.74, 0.64, 0.80, 0.70, 0.84, 0.73, 0.85, 0.74, 0.86],
}

# The training loss bounces up and down around a falling line.
BOUNCING_TRAINING_LOSS = {
    "loss": [0.70, 0.50, 0.55, 0.42, 0.47, 0.38, 0.44, 0.36, 0.41, 0.35],
    "val_loss": [0.70, 0.52, 0.50, 0.45, 0.43, 0.41, 0.40, 0.39, 0.385, 0.38],
}


def strict_json(findings):
    """Findings must serialise without NaN/inf (which are not JSON)."""
    return json.loads(json.dumps(findings, allow_nan=False))


def advice_ids(findings, **overrides):
    settings = {"batch_size": 32, "n_validation": 500, "learning_rate": 0.001, **overrides}
    return [item["id"] for item in smoothing_advice(findings, **settings)]


# ---------------------------------------------------------------- smooth


def test_smooth_matches_hand_computed_tensorboard_example():
    # weight 0.6 on [1, 0, 1], last = 0, n = 0:
    #   y=1: last = 0.4*1            = 0.4;   debias 1-0.6   = 0.4   -> 1
    #   y=0: last = 0.6*0.4 + 0      = 0.24;  debias 1-0.36  = 0.64  -> 0.375
    #   y=1: last = 0.6*0.24 + 0.4   = 0.544; debias 1-0.216 = 0.784 -> 0.544/0.784 = 34/49
    assert smooth([1, 0, 1], 0.6) == pytest.approx([1.0, 0.375, 34 / 49], rel=1e-12, abs=0)


def test_smooth_passes_non_finite_values_through_without_touching_the_state():
    smoothed = smooth([1, NAN, 0, math.inf, 1, None], 0.6)
    assert smoothed[0] == pytest.approx(1.0, rel=1e-12)
    assert math.isnan(smoothed[1])
    assert smoothed[2] == pytest.approx(0.375, rel=1e-12)  # as if the NaN were not there
    assert smoothed[3] == math.inf
    assert smoothed[4] == pytest.approx(34 / 49, rel=1e-12)
    assert math.isnan(smoothed[5])  # None reads as NaN


def test_smooth_returns_a_constant_series_unchanged():
    assert smooth([0.3, 0.3, 0.3, 0.3], 0.9) == [0.3, 0.3, 0.3, 0.3]
    with_gap = smooth([0.3, NAN, 0.3], 0.9)
    assert with_gap[0] == 0.3 and math.isnan(with_gap[1]) and with_gap[2] == 0.3


def test_smooth_weight_zero_returns_the_series():
    assert smooth([0.5, 0.1, 0.9, 0.2], 0.0) == [0.5, 0.1, 0.9, 0.2]


def test_smooth_weight_one_is_the_running_mean_of_finite_values():
    # TensorBoard's own formula degenerates to 0 here; we use the w -> 1 limit.
    smoothed = smooth([1, 2, 3, NAN, 6], 1.0)
    assert smoothed[:3] == [1.0, 1.5, 2.0]
    assert math.isnan(smoothed[3])
    assert smoothed[4] == 3.0  # (1 + 2 + 3 + 6) / 4


@pytest.mark.parametrize("weight", [-0.1, 1.5, NAN, "heavy"])
def test_smooth_rejects_weights_outside_zero_to_one(weight):
    with pytest.raises(ValueError, match="weight"):
        smooth([1, 2], weight)


def test_importing_analysis_does_not_load_tensorflow_or_keras():
    code = (
        "import sys, labreport.analysis\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- clean convergence


def test_clean_convergence():
    findings = strict_json(analyze(CLEAN))
    assert findings["n_epochs"] == 10
    assert findings["best_epoch"]["epoch"] == 10
    assert findings["best_epoch"]["val_loss"] == 0.237
    assert findings["best_epoch"]["is_last_epoch"] is True

    convergence = findings["convergence"]
    assert convergence["converged"] is True
    assert convergence["tolerance"] == 0.02
    assert convergence["based_on"] == ["loss", "val_loss"]
    loss = convergence["loss"]
    assert (loss["start_epoch"], loss["end_epoch"], loss["epochs_used"]) == (8, 10, 3)
    # (max - min) / mean over 0.203, 0.201, 0.200
    assert loss["relative_range"] == pytest.approx(0.003 / ((0.203 + 0.201 + 0.200) / 3), rel=1e-9)
    assert loss["relative_change"] == pytest.approx((0.200 - 0.203) / 0.203, rel=1e-9)
    assert convergence["val_loss"]["relative_range"] == pytest.approx(0.003 / ((0.240 + 0.238 + 0.237) / 3),
                                                                      rel=1e-9)

    overfitting = findings["overfitting"]
    assert overfitting["detected"] is False
    assert overfitting["not_detected_because"] == "val_loss_never_rose_for_patience_epochs"
    assert overfitting["longest_val_loss_rise"] == 0
    assert overfitting["val_loss_change_best_to_last"] == 0.0

    assert findings["underfitting"]["detected"] is False
    assert findings["underfitting"]["accuracy"]["below_threshold"] is False
    for curve in ("loss", "accuracy", "val_loss", "val_accuracy"):
        noise = findings["noise"]["curves"][curve]
        assert (noise["level"], noise["reversals"]) == ("smooth", 0), curve
    assert findings["nan"]["any"] is False and findings["nan"]["epochs"] == []

    loss_trend = findings["trend"]["curves"]["loss"]
    assert loss_trend["segments"][0]["trend"] == "falling"
    assert loss_trend["segments"][0]["start_epoch"] == 1
    assert loss_trend["final_trend"] in ("flat", "flattening")
    assert loss_trend["segments"][-1]["end_epoch"] == 10
    assert findings["trend"]["curves"]["accuracy"]["segments"][0]["trend"] == "rising"

    # Nothing to fix: only the always-on display smoothing.
    assert advice_ids(findings) == ["display_smoothing"]


# ---------------------------------------------------------------- overfitting


def test_overfitting_onset_is_the_first_epoch_of_a_patience_long_rise():
    findings = strict_json(analyze(OVERFIT, patience=2))
    overfitting = findings["overfitting"]
    assert overfitting["detected"] is True
    assert overfitting["patience"] == 2
    assert overfitting["onset_epoch"] == 6
    assert overfitting["epoch_before_onset"] == 5
    assert overfitting["span_end_epoch"] == 7
    assert overfitting["val_loss_before_onset"] == 0.38
    assert overfitting["val_loss_at_onset"] == 0.39
    assert overfitting["val_loss_at_span_end"] == 0.41
    assert overfitting["train_loss_change_over_span"] == pytest.approx(0.20 - 0.28, abs=1e-12)
    assert overfitting["val_loss_change_over_span"] == pytest.approx(0.41 - 0.38, abs=1e-12)
    assert overfitting["consecutive_rises"] == 5
    assert (overfitting["rise_end_epoch"], overfitting["val_loss_at_rise_end"]) == (10, 0.50)
    assert overfitting["val_loss_at_last"] == 0.50
    assert overfitting["sustained"] is True
    assert overfitting["best_epoch"] == 5
    assert overfitting["not_detected_because"] is None

    best = findings["best_epoch"]
    assert (best["epoch"], best["val_loss"], best["loss"], best["epochs_after_best"]) == (5, 0.38, 0.28, 5)

    gap = findings["generalisation_gap"]
    assert gap["at_best"]["epoch"] == 5
    assert gap["at_best"]["accuracy_gap"] == pytest.approx(0.89 - 0.84, abs=1e-12)
    assert gap["at_best"]["loss_gap"] == pytest.approx(0.38 - 0.28, abs=1e-12)
    assert gap["at_last"]["epoch"] == 10
    assert gap["at_last"]["accuracy_gap"] == pytest.approx(0.97 - 0.82, abs=1e-12)
    assert gap["at_last"]["loss_gap"] == pytest.approx(0.50 - 0.12, abs=1e-12)
    assert gap["loss_gap_change"] == pytest.approx(0.38 - 0.10, abs=1e-12)

    assert findings["trend"]["curves"]["val_loss"]["final_trend"] == "rising"

    advice = {item["id"]: item for item in smoothing_advice(findings, batch_size=32, n_validation=500,
                                                              learning_rate=0.001)}
    stopping = advice["early_stopping"]
    assert stopping["numbers"]["best_epoch"] == 5
    assert stopping["numbers"]["epochs_after_best"] == 5
    assert "patience=2" in stopping["change"]
    assert "epoch 6" in stopping["applies"] and "epoch 5" in stopping["applies"]


def test_overfitting_patience_changes_the_onset():
    # With patience 1 the single rise at epoch 3 already counts.
    assert analyze(OVERFIT, patience=1)["overfitting"]["onset_epoch"] == 3
    three = analyze(OVERFIT, patience=3)["overfitting"]
    assert (three["onset_epoch"], three["span_end_epoch"]) == (6, 8)
    assert three["train_loss_change_over_span"] == pytest.approx(0.17 - 0.28, abs=1e-12)
    # Five rises, patience six: not enough.
    six = analyze(OVERFIT, patience=6)["overfitting"]
    assert six["detected"] is False
    assert six["longest_val_loss_rise"] == 5
    assert six["val_loss_at_best"] == 0.38 and six["val_loss_at_last"] == 0.50
    assert six["val_loss_change_best_to_last"] == pytest.approx(0.12, abs=1e-12)


def test_val_loss_rising_with_training_loss_is_not_overfitting():
    history = {"loss": [0.7, 0.5, 0.4, 0.45, 0.5, 0.55],
               "val_loss": [0.7, 0.5, 0.4, 0.46, 0.52, 0.60]}
    overfitting = analyze(history)["overfitting"]
    assert overfitting["detected"] is False
    assert overfitting["not_detected_because"] == "training_loss_did_not_fall_while_val_loss_rose"
    assert overfitting["first_rise_without_falling_train_loss_epoch"] == 4
    assert overfitting["longest_val_loss_rise"] == 3


# ---------------------------------------------------------------- underfitting


def test_underfitting_low_and_still_rising():
    findings = strict_json(analyze(UNDERFIT))
    underfitting = findings["underfitting"]
    assert underfitting["detected"] is True
    assert (underfitting["threshold"], underfitting["threshold_source"]) == (0.6, "default")
    assert underfitting["accuracy"]["final_value"] == 0.57
    assert underfitting["val_accuracy"]["final_value"] == 0.56
    # Least-squares slope over epochs 6..8: both climb by exactly 0.01 per epoch.
    assert underfitting["accuracy"]["slope_per_epoch"] == pytest.approx(0.01, rel=1e-9)
    assert underfitting["val_accuracy"]["slope_per_epoch"] == pytest.approx(0.01, rel=1e-9)
    assert (underfitting["accuracy"]["window_start_epoch"], underfitting["accuracy"]["window_end_epoch"]) == (6, 8)
    assert underfitting["stalled_below_threshold"] is False
    assert findings["convergence"]["converged"] is False


def test_underfitting_threshold_follows_chance_accuracy():
    binary = analyze(UNDERFIT, chance_accuracy=0.5)["underfitting"]
    assert binary["threshold"] == pytest.approx(0.6, abs=1e-12)  # 0.5 + 0.2 * (1 - 0.5)
    assert binary["threshold_source"] == "chance_accuracy" and binary["detected"] is True
    ten_classes = analyze(UNDERFIT, chance_accuracy=0.1)["underfitting"]
    assert ten_classes["threshold"] == pytest.approx(0.28, abs=1e-12)  # 0.1 + 0.2 * 0.9
    assert ten_classes["detected"] is False
    assert ten_classes["accuracy"]["below_threshold"] is False
    explicit = analyze(UNDERFIT, underfitting_threshold=0.5, chance_accuracy=0.5)["underfitting"]
    assert (explicit["threshold"], explicit["threshold_source"], explicit["detected"]) == (
        0.5, "underfitting_threshold", False)


def test_low_flat_accuracy_is_stalled_not_underfitting_still_rising():
    history = {"loss": [0.70, 0.69, 0.69, 0.69, 0.69], "accuracy": [0.50, 0.52, 0.52, 0.52, 0.52],
               "val_loss": [0.70, 0.69, 0.69, 0.69, 0.69], "val_accuracy": [0.50, 0.51, 0.51, 0.51, 0.51]}
    underfitting = analyze(history)["underfitting"]
    assert underfitting["detected"] is False
    assert underfitting["stalled_below_threshold"] is True
    assert underfitting["accuracy"]["rising"] is False


# ---------------------------------------------------------------- noise


def test_noisy_validation_curve_and_more_validation_samples():
    findings = strict_json(analyze(NOISY_VALIDATION))
    curves = findings["noise"]["curves"]
    for curve in ("val_loss", "val_accuracy"):
        assert curves[curve]["level"] == "noisy", curve
        assert (curves[curve]["reversals"], curves[curve]["reversal_opportunities"]) == (8, 8)
        assert curves[curve]["reversal_fraction"] == 1.0
    assert curves["loss"]["level"] == "smooth" and curves["loss"]["reversals"] == 0
    assert curves["val_accuracy"]["mean_abs_step"] == pytest.approx(
        np.mean(np.abs(np.diff(NOISY_VALIDATION["val_accuracy"]))), rel=1e-12)
    assert findings["trend"]["curves"]["val_accuracy"]["description"] == "noisy from epoch 1 to 10"
    assert findings["trend"]["curves"]["val_accuracy"]["final_trend"] == "noisy"
    # Alternating up/down is never patience-2 consecutive rises.
    assert findings["overfitting"]["detected"] is False

    advice = smoothing_advice(findings, batch_size=32, n_validation=500, learning_rate=0.001)
    assert [item["id"] for item in advice] == ["display_smoothing", "more_validation_samples"]
    numbers = advice[1]["numbers"]
    # Best epoch by val_loss is 10, where val_accuracy is 0.86.
    assert numbers["accuracy_estimate"] == 0.86
    assert numbers["standard_error"] == pytest.approx(math.sqrt(0.86 * 0.14 / 500), rel=1e-12)
    assert numbers["suggested_n_validation"] == 2000
    assert numbers["sampling_mean_abs_step"] == pytest.approx(
        2 * math.sqrt(0.86 * 0.14 / 500) / math.sqrt(math.pi), rel=1e-12)
    # The zig-zag (0.124 a step) is far more than 500 samples' sampling noise explains.
    assert numbers["sampling_explains_noise"] is False
    assert {row["curve"] for row in numbers["noisier_curves"]} == {"val_loss", "val_accuracy"}
    assert "0.0155" in advice[1]["applies"]  # sqrt(0.86 * 0.14 / 500) = 0.01552


def test_noise_numbers_on_a_hand_computed_curve():
    # [1, 0, 1] at weight 0.6 smooths to [1, 0.375, 34/49]; range 1.
    history = {"loss": [1.0, 0.0, 1.0]}
    noise = analyze(history)["noise"]["curves"]["loss"]
    residuals = [0.0, -0.375, 1 - 34 / 49]
    assert noise["range"] == 1.0
    assert noise["residual_std"] == pytest.approx(statistics.pstdev(residuals), rel=1e-12)
    assert noise["relative_residual"] == pytest.approx(statistics.pstdev(residuals), rel=1e-12)
    assert (noise["reversals"], noise["reversal_opportunities"]) == (1, 1)
    # A large residual but a single turn: a trend, not noise.
    assert noise["level"] == "smooth"


def test_bouncing_training_loss_advises_a_lower_learning_rate():
    findings = analyze(BOUNCING_TRAINING_LOSS)
    loss_noise = findings["noise"]["curves"]["loss"]
    assert (loss_noise["reversals"], loss_noise["reversal_opportunities"]) == (8, 8)
    assert loss_noise["level"] in ("somewhat noisy", "noisy")
    advice = {item["id"]: item for item in smoothing_advice(findings, batch_size=32, n_validation=500,
                                                              learning_rate=0.01)}
    assert "lower_learning_rate" in advice
    assert advice["lower_learning_rate"]["numbers"]["suggested_learning_rate"] == 0.005
    assert advice["lower_learning_rate"]["numbers"]["reversals"] == 8
    assert "more_validation_samples" not in advice  # val_loss here is smooth
    # The trend sees through the bounces.
    assert findings["trend"]["curves"]["loss"]["description"] == "falling from epoch 1 to 10"


def _batch_history(per_batch_losses, batches_per_epoch):
    """Keras-style batch logs: the running mean over the epoch so far."""
    epochs, batches, running = [], [], []
    for position, value in enumerate(per_batch_losses):
        epoch, batch = divmod(position, batches_per_epoch)
        if batch == 0:
            total = 0.0
        total += value
        epochs.append(epoch + 1)
        batches.append(batch + 1)
        running.append(total / (batch + 1))
    return {"epoch": epochs, "batch": batches, "loss": running, "accuracy": [1 - v for v in running]}


def test_batch_running_means_are_turned_back_into_per_batch_values():
    rng = np.random.default_rng(7)
    steps = np.arange(100)
    per_batch = list(0.6 * np.exp(-steps / 40) + 0.15 + rng.normal(0, 0.12, steps.size))
    logged = _batch_history(per_batch, batches_per_epoch=20)
    from_logs = analyze(CLEAN, logged)
    from_values = analyze(CLEAN, {**logged, "loss": per_batch}, batch_values="per_batch")
    recovered, truth = from_logs["noise"]["curves"]["batch_loss"], from_values["noise"]["curves"]["batch_loss"]
    assert recovered["residual_std"] == pytest.approx(truth["residual_std"], rel=1e-9)
    assert recovered["reversals"] == truth["reversals"]
    assert recovered["level"] in ("somewhat noisy", "noisy")
    assert from_logs["settings"]["batch_values"] == "running_mean"

    advice = {item["id"]: item for item in smoothing_advice(from_logs, batch_size=32, n_validation=500,
                                                              learning_rate=0.001)}
    assert advice["larger_batch"]["numbers"]["suggested_batch_size"] == 128
    assert advice["larger_batch"]["numbers"]["expected_noise_factor"] == 0.5


def test_batch_nan_is_located():
    # A NaN batch poisons the logged running mean for the rest of its epoch
    # (batches 2 and 3 of epoch 1) and no further: epoch 2 starts afresh.
    logged = _batch_history([0.7, NAN, 0.6, 0.5, 0.4, 0.3], batches_per_epoch=3)
    nan = analyze(CLEAN, logged)["nan"]
    assert nan["batches"] == {"count": 2, "first": {"step": 2, "epoch": 1, "batch": 2}}
    assert nan["any"] is True


# ---------------------------------------------------------------- NaN


def test_nan_in_the_middle_is_reported_and_skipped():
    history = {metric: list(values) for metric, values in CLEAN.items()}
    for metric in history:
        history[metric][3] = NAN  # epoch 4
    history["val_loss"][6] = math.inf  # epoch 7
    findings = strict_json(analyze(history))
    nan = findings["nan"]
    assert nan["epochs"] == [4, 7]
    assert nan["first_epoch"] == 4 and nan["count"] == 2
    assert nan["by_metric"] == {"loss": [4], "accuracy": [4], "val_loss": [4, 7], "val_accuracy": [4]}
    # np.argmin would pick the NaN at epoch 4; the best epoch must ignore it.
    assert findings["best_epoch"]["epoch"] == 10
    assert findings["overfitting"]["available"] is True
    assert findings["overfitting"]["detected"] is False
    assert findings["trend"]["curves"]["loss"]["available"] is True
    assert findings["noise"]["curves"]["val_loss"]["points"] == 8
    assert findings["convergence"]["converged"] is True
    # generalisation gap "last" is the last epoch with every metric finite
    assert findings["generalisation_gap"]["at_last"]["epoch"] == 10


def test_nan_at_a_gap_row_is_none_not_nan():
    history = {metric: list(values) for metric, values in OVERFIT.items()}
    history["accuracy"][4] = NAN  # the best epoch (5) has no training accuracy
    gap = strict_json(analyze(history))["generalisation_gap"]
    assert gap["at_best"]["accuracy"] is None
    assert gap["at_best"]["accuracy_gap"] is None
    assert gap["accuracy_gap_change"] is None
    assert gap["at_best"]["loss_gap"] == pytest.approx(0.10, abs=1e-12)


def test_loss_that_goes_nan_for_good_is_diverging():
    history = {"loss": [0.7, 0.5, 0.45, 0.6, 1.2, 3.0, NAN, NAN],
               "val_loss": [0.7, 0.52, 0.5, 0.7, 1.5, 4.0, NAN, NAN]}
    findings = strict_json(analyze(history))
    trend = findings["trend"]["curves"]["loss"]
    assert trend["final_trend"] == "diverging"
    assert trend["non_finite_from_epoch"] == 7
    assert trend["segments"][-1]["end_epoch"] == 8 and trend["segments"][-1]["end_value"] is None
    assert findings["nan"]["epochs"] == [7, 8]
    assert findings["best_epoch"]["epoch"] == 3
    advice = {item["id"]: item for item in smoothing_advice(findings, batch_size=32, n_validation=500,
                                                              learning_rate=0.01)}
    assert advice["lower_learning_rate"]["numbers"]["diverging_from_epoch"] == trend["segments"][-1]["start_epoch"]


# ---------------------------------------------------------------- edge cases


@pytest.mark.parametrize("history, message", [
    ({"loss": [], "val_loss": []}, "empty"),
    ({}, "none of loss"),
    ({"seconds_per_epoch": [1.0]}, "none of loss"),
    ({"loss": [0.5, 0.4], "val_loss": [0.5]}, "different numbers of epochs"),
    ({"loss": [0.5, "high"]}, "not a number"),
    ([0.5, 0.4], "mapping"),
])
def test_unusable_history_raises_a_clear_value_error(history, message):
    with pytest.raises(ValueError, match=message) as raised:
        analyze(history)
    assert isinstance(raised.value, HistoryError) and isinstance(raised.value, LabreportError)


def test_one_epoch():
    history = {"loss": [0.7], "accuracy": [0.5], "val_loss": [0.69], "val_accuracy": [0.52]}
    findings = strict_json(analyze(history))
    assert findings["best_epoch"]["epoch"] == 1 and findings["best_epoch"]["is_last_epoch"] is True
    assert findings["overfitting"]["available"] is False
    assert findings["overfitting"]["epochs_needed"] == 3
    assert findings["underfitting"]["available"] is False
    assert findings["convergence"]["available"] is False
    assert findings["trend"]["curves"]["loss"]["available"] is False
    assert findings["noise"]["curves"]["loss"]["available"] is False
    assert findings["generalisation_gap"]["at_last"]["accuracy_gap"] == pytest.approx(-0.02, abs=1e-12)
    assert advice_ids(findings) == ["display_smoothing"]


def test_two_epochs():
    history = {"loss": [0.7, 0.6], "accuracy": [0.5, 0.6], "val_loss": [0.69, 0.65], "val_accuracy": [0.52, 0.55]}
    findings = strict_json(analyze(history))
    assert findings["overfitting"]["available"] is False
    assert findings["convergence"]["loss"]["epochs_used"] == 2
    assert findings["convergence"]["loss"]["relative_change"] == pytest.approx(-0.1 / 0.7, rel=1e-9)
    assert findings["underfitting"]["accuracy"]["slope_per_epoch"] == pytest.approx(0.1, rel=1e-9)
    assert findings["trend"]["curves"]["loss"]["description"] == "falling from epoch 1 to 2"


def test_missing_validation_metrics_are_reported_unavailable():
    history = {"loss": [0.7, 0.6, 0.5, 0.45], "accuracy": [0.5, 0.6, 0.7, 0.72]}
    findings = strict_json(analyze(history))
    assert findings["metrics"] == ["loss", "accuracy"]
    for name in ("best_epoch", "overfitting", "generalisation_gap", "underfitting"):
        assert findings[name]["available"] is False, name
        assert findings[name]["reason"], name
    assert findings["convergence"]["based_on"] == ["loss"]
    assert findings["convergence"]["val_loss"]["available"] is False
    assert findings["noise"]["curves"]["val_loss"]["available"] is False
    assert findings["trend"]["curves"]["val_accuracy"]["available"] is False
    assert advice_ids(findings) == ["display_smoothing"]


def test_constant_curve_trend_is_flat():
    history = {"loss": [0.5] * 6, "val_loss": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]}
    trend = analyze(history)["trend"]["curves"]["loss"]
    assert trend["segments"] == [{"trend": "flat", "start_epoch": 1, "end_epoch": 6,
                                  "start_value": 0.5, "end_value": 0.5}]


def test_linear_fall_is_one_falling_segment():
    history = {"loss": [1.0 - 0.1 * epoch for epoch in range(10)]}
    trend = analyze(history)["trend"]["curves"]["loss"]
    assert trend["description"] == "falling from epoch 1 to 10"
    assert trend["changes_at_epochs"] == []


def test_display_smoothing_always_states_weight_and_formula():
    item = smoothing_advice(analyze(CLEAN, smoothing=0.8), batch_size=32, n_validation=500,
                            learning_rate=0.001)[0]
    assert item["id"] == "display_smoothing"
    assert item["numbers"]["weight"] == 0.8
    assert item["numbers"]["effective_window_epochs"] == pytest.approx(5.0)
    assert "1 - weight**n" in item["numbers"]["formula"]


@pytest.mark.parametrize("settings", [
    {"batch_size": 0, "n_validation": 500, "learning_rate": 0.001},
    {"batch_size": 32, "n_validation": 0, "learning_rate": 0.001},
    {"batch_size": 32, "n_validation": 500, "learning_rate": 0.0},
])
def test_smoothing_advice_rejects_impossible_settings(settings):
    with pytest.raises(ValueError):
        smoothing_advice(analyze(CLEAN), **settings)


@pytest.mark.parametrize("settings", [{"patience": 0}, {"final_epochs": 1}, {"smoothing": 2.0},
                                      {"chance_accuracy": 1.0}, {"batch_values": "mean"}])
def test_analyze_rejects_bad_settings(settings):
    with pytest.raises(ValueError):
        analyze(CLEAN, **settings)


def test_a_loss_flat_near_zero_counts_as_converged():
    # 1.2 → 0.001: the last wobble is 30% of the tiny level but 0.03% of the fall.
    history = {"loss": [1.2, 0.4, 0.05, 0.0010, 0.0013, 0.0010],
               "val_loss": [1.1, 0.5, 0.06, 0.0020, 0.0024, 0.0021]}
    convergence = analyze(history)["convergence"]
    assert convergence["loss"]["relative_range"] > 0.2
    assert convergence["loss"]["share_of_total_range"] < 0.001
    assert convergence["converged"] is True


def test_jitter_on_a_plateau_is_not_overfitting():
    # A model stuck at chance: val_loss wobbles up by 0.0002 while the training loss creeps down.
    history = {"loss": [1.386, 1.385, 1.384, 1.383, 1.382],
               "val_loss": [1.3850, 1.3845, 1.3846, 1.3847, 1.3848]}
    overfitting = analyze(history)["overfitting"]
    assert overfitting["detected"] is False
    assert overfitting["longest_val_loss_rise"] == 3
