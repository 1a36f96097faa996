"""The facts of a forecast run (run.json's task kind ``forecast``): numbers and named verdicts, no words.

Verdicts, each worded once in templates/phrases.html.j2 (the ``forecast_*`` macros):

- ``versus`` (one per baseline, ``naive`` first): does the network's test forecast beat the baseline's on
  the same test windows?  The per-window loss differential is d_t = mean |e_network| - mean |e_baseline|
  over the window's horizon steps.  Test windows overlap (each shares lookback - 1 inputs with the next,
  and horizon - 1 targets), so the d_t are autocorrelated; the Diebold-Mariano test uses a Newey-West
  (Bartlett) variance with ``lag = horizon - 1 + floor(n^(1/3))`` and a normal p-value.  ``better`` or
  ``worse`` at p < ALPHA, else ``unclear``; the difference of the MAEs comes with its 95 % interval.
- ``headline``: the verdict against the naive (persistence) forecast, the question a careful reader asks
  first, with the MASE.
- ``lag``: the network's one-step forecasts correlate better with the actual values one step earlier
  than with the values they forecast (``lags``): the forecast trails the series; ``best_shift`` is the
  shift (0 to MAX_SHIFT steps back) at which they correlate most, 2 or more where they trail it by more than
  the last value does.
- ``bias``: the mean one-step test error (actual - forecast) with a Newey-West 95 % interval (the DM
  test's variance): ``under`` (the interval lies above zero: the forecasts sit below the series), ``over``,
  or ``none``.
- ``extrapolation``: the test part's values go beyond the training part's range by more than
  EXTRAPOLATION_SHARE of that range (``outside``; ``outside_differenced`` when the model reads differences,
  whose range the levels do not bound); ``near`` when they go beyond it by less, ``inside`` when they stay
  within it: a network fitted on scaled training values has
  never been asked for values beyond them.
- ``residuals``: the lag-1 autocorrelation of the one-step test residuals (actual - forecast, in time
  order) against the approximate 95 % band ±2/√n of a series without autocorrelation: ``autocorrelated``
  or ``uncorrelated``.  Where autocorrelated, ``source`` says whence: ``series`` when the series' own
  one-step changes (the naive forecast's errors on the same windows) are autocorrelated too (structure the
  model could have learned and missed), ``forecast`` when they are not (the correlation comes from the
  forecast's own lag or bias: a random walk's changes hold nothing to learn).
- ``standing``: the ``versus`` verdicts grouped (the baselines the network beats, does worse than, cannot be
  told apart from, or has no errors to compare with), for the one sentence that sums them up.
- ``shortfall``: why a network that does not beat the naive forecast fell short, as far as this record's
  other verdicts show it: ``diverged`` (training stopped at a NaN or infinite loss); else ``worse`` or
  ``unclear`` (the headline's verdict) with the ``reasons`` among ``lags`` (the forecast trails the series),
  ``biased`` (its errors lean one way), ``outside`` (the test part leaves the training range, the series not
  differenced) and ``autocorrelated`` (the errors keep structure of the series the model missed: source
  ``series``), ``outside`` alone where it is found, with the others it brings about in ``follows``;
  correlated errors whose source is the forecast itself follow from its lag or bias, not a reason of their own; ``none`` when it beats the naive forecast, ``unavailable`` when
  there is no naive forecast to compare with.
- ``horizon`` (horizon > 1 only): the network's test MAE at the first and the last step ahead, ``grows``
  when the last is HORIZON_GROWTH or more above the first, else ``steady``; the error by horizon figure
  draws every step, the network's beside the naive forecast's and the linear autoregression's.
- ``leakage``: what the record says of the split and the scaler (chronological, fitted on training rows
  only): stated from run.json's dataset description, never assumed.
"""

from __future__ import annotations

import math

from ..record import baseline_runs, main_run
from ..cells import BASELINE_TITLES
from ..step_sizes import clipped_step
from . import curves
from .describe import model_facts
from .seminar import activations, parameter_check, rnn_parameters
from .statistics import ALPHA, Z_95

REFERENCE_BASELINES = ("naive", "seasonal_naive", "linear_ar")  # not trained: computed from the windows
EXTRAPOLATION_SHARE = 0.05  # the test part leaves the training range by more than 5 % of that range
HORIZON_GROWTH = 0.2  # the last horizon step's test MAE is 20 % or more above the first step's: the error grows


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def diebold_mariano(main_errors: list[float], base_errors: list[float], horizon: int) -> dict | None:
    """The DM test on per-window absolute errors, with a Newey-West variance (see the module docstring)."""
    d = [a - b for a, b in zip(main_errors, base_errors)]
    n = len(d)
    if n < 3:
        return None
    mean = sum(d) / n
    centred = [x - mean for x in d]
    lag = min(n - 1, horizon - 1 + int(round(n ** (1.0 / 3.0), 9)))  # round: 64 ** (1/3) is 3.999...
    variance = sum(x * x for x in centred) / n
    for k in range(1, lag + 1):
        weight = 1.0 - k / (lag + 1.0)
        variance += 2.0 * weight * sum(centred[t] * centred[t - k] for t in range(k, n)) / n
    if variance <= 0:
        return {"n": n, "lag": lag, "difference": mean, "statistic": None, "p": None, "interval": None}
    se = math.sqrt(variance / n)
    z = mean / se
    return {"n": n, "lag": lag, "difference": mean, "statistic": z, "p": _normal_p(z),
            "interval": [mean - Z_95 * se, mean + Z_95 * se]}


def _window_errors(predictions, actual) -> list[float]:
    return [sum(abs(p - a) for p, a in zip(prow, arow)) / len(arow) for prow, arow in zip(predictions, actual)]


def versus(main: dict, base: dict, actual: list, horizon: int) -> dict:
    """The network against one baseline on the same test windows."""
    main_test, base_test = main.get("test") or {}, base.get("test") or {}
    row = {"cell": base["cell"], "title": BASELINE_TITLES.get(base["cell"], base["cell"]),
           "reference": base["cell"] in REFERENCE_BASELINES,
           "main_mae": main_test.get("mae"), "base_mae": base_test.get("mae"),
           "main_mase": main_test.get("mase"), "base_mase": base_test.get("mase")}
    main_predictions = (main.get("forecast") or {}).get("test_predictions")
    base_predictions = (base.get("forecast") or {}).get("test_predictions")
    if not (finite(row["main_mae"]) and finite(row["base_mae"]) and main_predictions and base_predictions
            and len(main_predictions) == len(base_predictions) == len(actual)):
        return {**row, "verdict": "unavailable", "test": None}
    test = diebold_mariano(_window_errors(main_predictions, actual), _window_errors(base_predictions, actual),
                           horizon)
    row["ratio"] = row["main_mae"] / row["base_mae"] if row["base_mae"] > 0 else None
    if test is None or test["p"] is None:
        return {**row, "verdict": "unclear", "test": test}
    verdict = "unclear" if test["p"] >= ALPHA else ("better" if test["difference"] < 0 else "worse")
    low, high = test["interval"]
    # By how much the network's MAE is lower (better) or higher (worse), with the interval in the same sense.
    margin = {"better": (-test["difference"], [-high, -low]), "worse": (test["difference"], [low, high])}
    row["margin"], row["margin_interval"] = margin.get(verdict, (None, None))
    return {**row, "verdict": verdict, "test": test}


MAX_SHIFT = 5  # lag: the furthest shift back at which the forecasts' correlation with the series is measured


def lag(main: dict, actual: list, series: list | None, test_index: list | None) -> dict:
    """Whether the one-step forecasts track the previous actual value better than the one they forecast, and
    the shift back (0 to MAX_SHIFT steps) at which they match the series best."""
    predictions = (main.get("forecast") or {}).get("test_predictions") or []
    if not (predictions and series and test_index and len(test_index) == len(predictions) >= 4):
        return {"verdict": "unavailable"}
    forecast = [row[0] for row in predictions]
    now = [row[0] for row in actual]
    before = [series[i - 1] for i in test_index]
    same, shifted = _correlation(forecast, now), _correlation(forecast, before)
    if same is None or shifted is None:
        return {"verdict": "unavailable"}
    by_shift = {0: same, 1: shifted}
    for k in range(2, min(MAX_SHIFT, len(forecast) // 4) + 1):
        if min(test_index) - k >= 0:
            by_shift[k] = _correlation(forecast, [series[i - k] for i in test_index])
    best = max((k for k, r in by_shift.items() if r is not None), key=lambda k: (by_shift[k], -k))
    return {"verdict": "lags" if shifted > same else "tracks", "same_step": same, "one_step_back": shifted,
            "best_shift": best, "best_correlation": by_shift[best],
            # how far behind the series the forecasts match it best: "further" than the last value does
            "behind": "further" if best >= 2 else "one_step" if best == 1 else "none"}


def bias(main: dict, actual: list) -> dict:
    """The mean one-step test error (actual - forecast) with its 95 % interval (see the module docstring)."""
    errors = one_step_residuals(main, actual)
    if errors is None or len(errors) < MIN_RESIDUALS:
        return {"verdict": "unavailable"}
    test = diebold_mariano(errors, [0.0] * len(errors), 1)  # the mean of the errors and its Newey-West interval
    if test is None or test["interval"] is None:
        return {"verdict": "unavailable"}
    low, high = test["interval"]
    mae = sum(abs(e) for e in errors) / len(errors)
    return {"verdict": "under" if low > 0 else "over" if high < 0 else "none",
            "mean": test["difference"], "interval": test["interval"], "lag": test["lag"], "n": len(errors),
            "below": sum(1 for e in errors if e > 0), "above": sum(1 for e in errors if e < 0),
            "share_of_mae": abs(test["difference"]) / mae if mae > 0 else None, "mae": mae}


MIN_RESIDUALS = 8  # fewer one-step test residuals: no autocorrelation verdict (nor figure)


def one_step_residuals(main: dict, actual: list) -> list[float] | None:
    """actual - forecast one step ahead, for each test window in time order (None: no forecast to compare)."""
    predictions = (main.get("forecast") or {}).get("test_predictions") or []
    if not predictions or len(predictions) != len(actual):
        return None
    return [a[0] - p[0] for a, p in zip(actual, predictions)]


def autocorrelations(errors: list[float], lags: int) -> list[float] | None:
    """r_k = sum_t c_t c_(t-k) / sum_t c_t^2 (c: the errors less their mean) for k = 1..lags; None when the
    errors do not vary."""
    n = len(errors)
    mean = sum(errors) / n
    centred = [e - mean for e in errors]
    denominator = sum(c * c for c in centred)
    if denominator == 0:
        return None
    return [sum(centred[t] * centred[t - k] for t in range(k, n)) / denominator for k in range(1, min(lags, n - 1) + 1)]


def residual_band(n: int) -> float:
    """The approximate 95 % band ±2/√n of the autocorrelations of n errors without autocorrelation."""
    return 2.0 / math.sqrt(n)


def residuals(main: dict, actual: list, series: list | None = None, test_index: list | None = None) -> dict:
    """The lag-1 autocorrelation of the one-step test residuals, and where it is outside its band, whether the
    series' own one-step changes share it (see the module docstring)."""
    errors = one_step_residuals(main, actual)
    if errors is None or len(errors) < MIN_RESIDUALS:
        return {"verdict": "unavailable"}
    r = autocorrelations(errors, 1)
    if r is None:
        return {"verdict": "unavailable"}
    n, r1 = len(errors), r[0]
    band = residual_band(n)
    result = {"verdict": "autocorrelated" if abs(r1) > band else "uncorrelated", "r1": r1, "band": band, "n": n}
    if series and test_index and len(test_index) == n and min(test_index) >= 1:
        changes = autocorrelations([a[0] - series[i - 1] for a, i in zip(actual, test_index)], 1)
        if changes is not None:
            result["changes_r1"] = changes[0]
            result["changes_verdict"] = "autocorrelated" if abs(changes[0]) > band else "uncorrelated"
            if result["verdict"] == "autocorrelated":
                result["source"] = "series" if abs(changes[0]) > band else "forecast"
    return result


def extrapolation(dataset: dict) -> dict:
    """Whether the test part's values leave the range of the training part's (see the module docstring)."""
    forecast = dataset.get("forecast") or {}
    series, bounds = forecast.get("series"), forecast.get("bounds")
    if not series or not bounds or bounds[0] < 2 or bounds[1] >= len(series):
        return {"verdict": "unavailable"}
    train, test = series[:bounds[0]], series[bounds[1]:]
    low, high = min(train), max(train)
    span = high - low
    above, below = max(test) - high, low - min(test)
    direction = "above" if above >= below else "below"
    facts = {"train_min": low, "train_max": high, "test_min": min(test), "test_max": max(test),
             "direction": direction, "n_test": len(test),
             # the test values beyond the training range, on the side it leaves most
             "beyond": sum(1 for v in test if (v > high if direction == "above" else v < low)),
             # how much of the training part lay at the test part's levels
             "train_share_in_test_range": sum(1 for v in train if min(test) <= v <= max(test)) / len(train)}
    if max(above, below) <= 0:
        return {"verdict": "inside", **facts}
    if span <= 0 or max(above, below) <= EXTRAPOLATION_SHARE * span:
        return {"verdict": "near", "share": EXTRAPOLATION_SHARE, **facts}  # beyond it, by a little
    differenced = (dataset.get("transform") or "none") == "difference"
    return {"verdict": "outside_differenced" if differenced else "outside", **facts}


def horizon_errors(main: dict, horizon: int) -> dict:
    """Whether the network's test error grows with the step ahead (see the module docstring)."""
    steps = (main.get("forecast") or {}).get("mae_by_step") or []
    if horizon < 2 or len(steps) != horizon or not all(finite(v) for v in steps) or steps[0] <= 0:
        return {"verdict": "unavailable"}
    growth = steps[-1] / steps[0] - 1.0
    return {"verdict": "grows" if growth >= HORIZON_GROWTH else "steady", "first": steps[0], "last": steps[-1],
            "horizon": horizon, "growth": growth, "threshold": HORIZON_GROWTH}


def standing(rows: list[dict]) -> dict:
    """The baselines by the network's verdict against each (see the module docstring)."""
    groups = {"better": [], "worse": [], "unclear": [], "unavailable": []}
    for row in rows:
        groups[row["verdict"]].append(row["cell"])
    return {**groups, "count": len(rows)}


def shortfall(headline: dict, lag: dict, extrapolation: dict, residuals: dict, diverged: bool,
              bias: dict | None = None) -> dict:
    """Why the network did not beat the naive forecast, from the other verdicts (see the module docstring)."""
    if diverged:
        return {"verdict": "diverged", "reasons": [], "follows": []}
    verdict = headline.get("verdict")
    if verdict == "better":
        return {"verdict": "none", "reasons": [], "follows": []}
    if verdict not in ("worse", "unclear"):
        return {"verdict": "unavailable", "reasons": [], "follows": []}
    reasons = [reason for reason, found in (("outside", extrapolation.get("verdict") == "outside"),
                                            ("lags", lag.get("verdict") == "lags"),
                                            ("biased", (bias or {}).get("verdict") in ("under", "over")),
                                            ("autocorrelated", residuals.get("verdict") == "autocorrelated"))
               if found]
    follows = []
    if "autocorrelated" in reasons and residuals.get("source") == "forecast":
        # The series' own changes are not correlated: the errors' correlation is the forecast's lag or bias.
        reasons.remove("autocorrelated")
        follows = ["autocorrelated"]
    if "outside" in reasons:
        # A forecast held at levels the series has left trails it and errs the same way window after window:
        # the lag and the correlated errors follow from the extrapolation rather than being causes of their own.
        return {"verdict": verdict, "reasons": ["outside"], "follows": reasons[1:] + follows}
    return {"verdict": verdict, "reasons": reasons, "follows": follows}


def _correlation(a: list[float], b: list[float]) -> float | None:
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    sa = math.sqrt(sum((x - ma) ** 2 for x in a))
    sb = math.sqrt(sum((y - mb) ** 2 for y in b))
    if sa == 0 or sb == 0:
        return None
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (sa * sb)


def _part(description: dict, name: str) -> dict:
    part = ((description.get("splits") or {}).get(name)) or {}
    return {"rows": part.get("rows"), "time": part.get("time")}


def data_facts(dataset: dict) -> dict:
    forecast = dataset.get("forecast") or {}
    scaler = dataset.get("scaler") or {}
    windows = dataset.get("windows") or {}
    return {
        "name": dataset.get("name"), "rows": dataset.get("rows"), "target": forecast.get("target_column"),
        "input_columns": dataset.get("input_columns") or [], "time_column": dataset.get("time_column"),
        "time_range": dataset.get("time_range"), "step": (dataset.get("spacing") or {}).get("step"),
        "lookback": dataset.get("lookback"), "horizon": forecast.get("horizon"), "season": forecast.get("season"),
        "one_step": forecast.get("horizon") == 1,  # the words say "the next value" rather than "the next 1 values"
        "transform": dataset.get("transform") or "none",
        "train": _part(dataset, "train"), "validation": _part(dataset, "validation"), "test": _part(dataset, "test"),
        "windows": {key: windows.get(key) for key in ("train", "validation", "test", "dropped_straddling")},
        "scaler_fitted_on": (scaler.get("fitted_on") or {}).get("time") or (scaler.get("fitted_on") or {}).get("rows"),
        # The split and the scaler as run.json records them: the words state them only when these say so.
        "chronological": bool(dataset.get("splits")) and dataset.get("window_part") is not None,
        "scaler_on_training_only": bool(scaler) and (scaler.get("fitted_on") or {}).get("index", [None, None])[1]
        == ((dataset.get("splits") or {}).get("train") or {}).get("index", [None, -1])[1],
        "missing": dataset.get("missing") or {},
        "scale": forecast.get("scale"), "scale_name": forecast.get("scale_name"),
        # The training part's mean and standard deviation of the target, as the scaler applied them.
        "scaler_mean": (scaler.get("mean") or {}).get(forecast.get("target_column")),
        "scaler_std": (scaler.get("std") or {}).get(forecast.get("target_column")),
    }


def seminar_facts(record: dict, model: dict) -> dict:
    """What the seminar format's forecast report adds: where each activation works in the trained networks
    (the baselines computed from the windows have none), the SimpleRNN's parameter formula, and whether the
    formulas give Keras' counts."""
    trained = {**record, "models": [run for run in record.get("models") or []
                                    if run.get("role") == "main" or run.get("history")]}
    facts = {"model": model}
    return {"activations": activations(trained), "rnn": rnn_parameters(trained, facts),
            "parameters": parameter_check(trained, facts)}


def _clipping(record: dict) -> dict | None:
    training = (record.get("spec") or {}).get("training") or {}
    return clipped_step(training.get("learning_rate"), training.get("optimizer", "adam"), training.get("clipnorm"))


def forecast_facts(record: dict) -> dict:
    """Everything a forecast's report may say (``record``: RunRecord.plain())."""
    main = main_run(record)
    dataset = record.get("dataset") or {}
    forecast = dataset.get("forecast") or {}
    actual = forecast.get("test_actual") or []
    horizon = forecast.get("horizon") or 1
    history = main.get("history") or {}
    rows = [versus(main, base, actual, horizon) for base in baseline_runs(record)]
    naive = next((row for row in rows if row["cell"] == "naive"), None)
    last = ((dataset.get("future") or {}).get("from") or {}).get("time") or [None, None]
    timing = main.get("timing") or {}
    diverged = (main.get("stopped") or {}).get("reason") == "nan_loss"
    headline = naive or {"verdict": "unavailable"}
    extrapolated = extrapolation(dataset)
    left = residuals(main, actual, forecast.get("series"), forecast.get("test_index"))
    leaning = bias(main, actual)
    lagged = (lag(main, actual, forecast.get("series"), forecast.get("test_index")) if horizon == 1
              else {"verdict": "unavailable"})
    # The learning curves read as a classification run's are (facts/curves.py): the validation loss's course,
    # whether it turned up while the training loss fell, and where training stood at its end.
    trends = {name: curves.trend(history.get(name), higher_is_better=False)
              for name in ("loss", "val_loss") if history.get(name)}
    over = curves.overfitting(history.get("loss"), history.get("val_loss"))
    end = curves.end_state(history.get("loss"), history.get("val_loss"))
    end["repeats_overfitting"] = curves.end_repeats_overfitting(end, over)
    # The model as Keras built it; its head is horizon linear units trained with the record's loss (training.loss).
    model = {**model_facts(record), "output": {"units": horizon, "activation": "linear",
                                               "loss": forecast.get("loss") or "mse"}}
    return {
        "task": "forecast",
        "experiment": record.get("experiment"),
        "model": model,
        "seminar": seminar_facts(record, model),
        "backend": record.get("backend"),
        "versions": record.get("versions") or {},
        "timing": {"total_seconds": (record.get("timing") or {}).get("total_seconds"),
                   "train_seconds": timing.get("train_seconds")},
        "data": data_facts(dataset),
        "test": main.get("test"),
        "diverged": diverged,
        # Whether clipping could keep a step sane at this learning rate (step_sizes.MAX_CLIPPED_STEP): advised only then.
        "clipping": _clipping(record),
        "stopped": main.get("stopped") or {},
        "cell": main.get("cell"),
        "versus": rows,
        "standing": standing(rows),
        "headline": headline,
        "extrapolation": extrapolated,
        "residuals": left,
        "bias": leaning,
        "lag": lagged,
        "shortfall": shortfall(headline, lagged, extrapolated, left, diverged, leaning),
        "horizon": horizon_errors(main, horizon),
        "trends": trends,
        "overfitting": over,
        "end_state": end,
        "curve_noise": curves.curve_noise(history, None, trends.get("val_loss")),
        "future": [{"step": step + 1, "value": value}
                   for step, value in enumerate((main.get("forecast") or {}).get("future") or [])],
        "future_after": last[1],  # the series' last time stamp (None: no time column)
        "epochs": [{"epoch": i + 1, **{key: (history.get(key) or [None] * (i + 1))[i]
                                       for key in ("loss", "mae", "val_loss", "val_mae")}}
                   for i in range(len(history.get("loss") or []))],
        "n_epochs": len(history.get("loss") or []),
        "models": [{"cell": run["cell"], "title": BASELINE_TITLES.get(run["cell"], run["cell"]),
                    "role": run.get("role"), "trained": bool(run.get("history")), **(run.get("test") or {})}
                   for run in record.get("models") or []],
        "mae_by_step": (main.get("forecast") or {}).get("mae_by_step") or [],
    }
