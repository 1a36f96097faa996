"""The display smoothing (TensorBoard's debiased moving average), against hand-computed values."""

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

from labreport.report.smoothing import smooth

REPO_ROOT = Path(__file__).resolve().parents[1]
NAN = math.nan

# Falls fast, then settles: the last 3 epochs move by under 2%.
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
        "import sys, labreport.report.smoothing\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
