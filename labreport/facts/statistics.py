"""The tests behind the report's claims about test accuracies, exact where it is cheap, without SciPy.

- Against chance: a test accuracy is above chance when a one-sided exact binomial test rejects
  "the model guesses at the chance level" at ``ALPHA`` (the chance level being the better of a
  uniform guess and always answering the training split's most frequent class).  Its interval is
  Wilson's 95 % score interval.
- Two models on the same test set: McNemar's exact test on the examples where exactly one of them
  is right (run.json keeps each model's per-example predictions), with a paired interval for the
  difference.  A record without predictions (written before they were kept) falls back to the
  unpaired two-proportion z-test, which ignores that both models saw the same examples: its
  standard error is larger than the paired one for models that tend to be right on the same
  examples, so a difference it finds is there, and one it misses is "unclear", not "equal".
"""

from __future__ import annotations

import math

ALPHA = 0.05
Z_95 = 1.959963984540054


def _log_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(p) + (n - k) * math.log1p(-p))


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed exactly (from the largest term, in log space)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    logs = [_log_pmf(i, n, p) for i in range(k, n + 1)]
    top = max(logs)
    if top == -math.inf:
        return 0.0
    return min(1.0, math.exp(top) * sum(math.exp(value - top) for value in logs))


def above_chance_p(accuracy: float, n: int, floor: float) -> float:
    """One-sided p-value of ``accuracy`` on ``n`` examples against guessing at ``floor``."""
    return binomial_tail(round(accuracy * n), n, floor)


def critical_accuracy(n: int, floor: float, alpha: float = ALPHA) -> float | None:
    """The lowest accuracy on ``n`` examples that the binomial test calls above ``floor`` (None: none can)."""
    if n <= 0:
        return None
    # The tail P(X >= k) falls as k grows: walk down from k = n, adding one term at a time.
    tail = 0.0
    for k in range(n, -1, -1):
        tail += math.exp(_log_pmf(k, n, floor))
        if tail >= alpha:
            return (k + 1) / n if k < n else None
    return None


def wilson_interval(accuracy: float, n: int, z: float = Z_95) -> tuple[float, float] | None:
    if n <= 0:
        return None
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar(main_correct: list[bool], other_correct: list[bool]) -> dict:
    """McNemar's exact test and a paired 95 % interval for the accuracy difference (main minus other)."""
    n = len(main_correct)
    only_main = sum(1 for a, b in zip(main_correct, other_correct) if a and not b)
    only_other = sum(1 for a, b in zip(main_correct, other_correct) if b and not a)
    discordant = only_main + only_other
    p_value = min(1.0, 2 * (1.0 - binomial_tail(min(only_main, only_other) + 1, discordant, 0.5))) if discordant else 1.0
    difference = (only_main - only_other) / n if n else 0.0
    se = math.sqrt(max(discordant - (only_main - only_other) ** 2 / n, 0.0)) / n if n else 0.0
    return {"test": "mcnemar", "p_value": p_value, "difference": difference, "standard_error": se,
            "interval": (difference - Z_95 * se, difference + Z_95 * se),
            "only_main_right": only_main, "only_other_right": only_other}


def two_proportions(main_accuracy: float, other_accuracy: float, n: int) -> dict:
    """The unpaired z-test of two accuracies on ``n`` examples each (no per-example predictions kept)."""
    difference = main_accuracy - other_accuracy
    pooled = (main_accuracy + other_accuracy) / 2
    se_null = math.sqrt(max(pooled * (1 - pooled), 0.0) * 2 / n) if n else 0.0
    se = math.sqrt(max(main_accuracy * (1 - main_accuracy) + other_accuracy * (1 - other_accuracy), 0.0) / n) if n else 0.0
    p_value = math.erfc(abs(difference) / se_null / math.sqrt(2)) if se_null > 0 else (1.0 if difference == 0 else 0.0)
    return {"test": "unpaired", "p_value": p_value, "difference": difference, "standard_error": se,
            "interval": (difference - Z_95 * se, difference + Z_95 * se),
            "only_main_right": None, "only_other_right": None}
