"""Classical reference forecasts (statsforecast's AutoARIMA and AutoETS) on labreport's own forecast test windows
(BENCHMARKS.md, "Sunspots", and docs/decisions/0008-classical-reference.md).

Usage (statsforecast is not a labreport dependency; run it from a separate environment that has it, with this
checkout on the path):

    python3 -m venv /work/venv-stats && /work/venv-stats/bin/pip install statsforecast pyyaml pydantic
    PYTHONPATH=. /work/venv-stats/bin/python benchmarks/classical_reference.py [--runs DIR ...] [--json FILE]
    ... classical_reference.py --fit-through validation    # the classical models fitted on train + validation

For each case the data is cut exactly as labreport cuts it (``labreport.data.timeseries.forecast_windows``: the
same chronological split, test windows and horizon), and scored with labreport's own functions
(``train.forecast.in_sample_scale`` for MASE's scale, ``forecast_scores``), beside labreport's baselines
(naive, seasonal naive, linear autoregression) recomputed here and the networks' scores read from run.json files:

- ``sunspots_forecast``: the shipped experiment; its networks from ``--runs`` (run folders holding run.json, or
  the output of ``benchmarks/experiment_seeds.py sunspots_forecast > seeds.log``, seeds 1-5);
- ``forecast_three_steps``, ``forecast_random_walk``, ``forecast_trend``: the fixture corpus' forecast cases
  (tests/fixtures/make_forecast_runs.py writes their series), their networks from the corpus' run.json (seed 42).

How the classical models forecast (no refitting, nothing from the future): each model is fitted once, on the
training part only (rows before ``bounds[0]``, the rows whose values labreport's scaler and linear_ar see).
Then for every test window, whose last input row is o, ``model.forward(y=series[:o + 1], h=horizon)`` runs the
fitted model over the observed history up to o with every estimated quantity held fixed (ARIMA: all
coefficients passed as ``fixed``, the Kalman filter re-run; ETS: the smoothing parameters and the fitted
initial states, the filter re-run) and forecasts the next ``horizon`` values.  So a test value enters a forecast
only as history of a later window, as it does in the LSTM's 22-year window, and never reaches a parameter (the
script checks that the ARIMA coefficients come back unchanged).  The classical models read the whole history
from the first row, the network and linear_ar only the window's ``lookback`` rows.

Season: the spec's ``dataset.season`` (11 for the sunspots, 12 for the trend case), 1 where it has none; the
sunspots are also fitted with season 1, since the solar cycle is 9-14 years, not a fixed 11.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
sys.path.insert(0, str(FIXTURES))  # make_forecast_runs: the fixture cases' specs and series writers

import_started = time.perf_counter()
from statsforecast.arima import forward_arima  # noqa: E402
from statsforecast.models import AutoARIMA, AutoETS  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - import_started

from labreport.data.timeseries import forecast_windows, read_series  # noqa: E402
from labreport.train.forecast import (  # noqa: E402
    LINEAR_AR, NAIVE, SEASONAL_NAIVE, forecast_scores, in_sample_scale, linear_ar_forecast, naive_forecast,
    seasonal_naive_forecast)

FIXTURE_CASES = ("forecast_three_steps", "forecast_random_walk", "forecast_trend")


def shipped_case():
    from labreport.data.timeseries_csv import windows
    from labreport.spec_files import resolve_spec

    spec, _ = resolve_spec("sunspots_forecast")
    return windows(spec.dataset), spec.dataset.season


def fixture_case(name: str, folder: Path):
    import make_forecast_runs as corpus

    dataset = corpus.CASES[name]["dataset"]
    path = folder / dataset["path"]
    if dataset["path"] in corpus.WRITERS:
        corpus.WRITERS[dataset["path"]](path)
    else:
        path.write_bytes(corpus.SUNSPOTS.read_bytes())
    series = read_series(path, columns=dataset["columns"], time_column=dataset.get("time_column"))
    data = forecast_windows(series, target_column=dataset["columns"][0], lookback=dataset["lookback"],
                            horizon=dataset.get("horizon", 1), splits=tuple(dataset["splits"]))
    return data, dataset.get("season")


def network_scores(runs: list[dict]) -> dict:
    """Each model's test MAE and MASE over runs, by cell; a run is ``{cell: {"mae": .., "mase": ..}}``."""
    out: dict[str, dict] = {}
    for run in runs:
        for cell, test in run.items():
            entry = out.setdefault(cell, {"mae": [], "mase": []})
            entry["mae"].append(test["mae"])
            entry["mase"].append(test["mase"])
    return out


def record_scores(record: dict) -> dict:
    """A run.json record's models as ``{cell: {"mae": .., "mase": ..}}`` (the models that have a test score)."""
    return {m["cell"]: {"mae": m["test"]["mae"], "mase": m["test"]["mase"]} for m in record["models"] if m.get("test")}


def read_runs(paths: list[Path]) -> list[dict]:
    """sunspots_forecast runs: run folders (run.json, as `labreport run` writes them), folders of such folders,
    or the JSON lines ``benchmarks/experiment_seeds.py sunspots_forecast`` prints (one line per seed)."""
    runs = []
    for path in paths:
        if path.is_file():
            lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
            runs += [json.loads(line)["models"] for line in lines]
            continue
        found = [path / "run.json"] if (path / "run.json").exists() else sorted(path.glob("*/run.json"))
        runs += [record_scores(json.loads(p.read_text(encoding="utf-8"))) for p in found]
    return runs


def classical(name: str, make, data, season: int, scale: float, value_range: float, fit_end: int) -> dict:
    """Fit ``make(season)`` on the rows before ``fit_end`` (the training part, or with --fit-through validation
    the training and validation parts), forecast every test window from its own history."""
    series = np.asarray(data.series_target, dtype=np.float64)
    train = series[:fit_end]
    origins = np.asarray(data.target_index_test, dtype=np.int64) - 1
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make(season).fit(train)
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        predicted = np.stack([model.forward(y=series[:o + 1], h=data.horizon)["mean"] for o in origins])
        forecast_seconds = time.perf_counter() - started
    assert np.all(origins + 1 <= np.asarray(data.target_index_test)), "a forecast saw its own target"
    described = describe(model)
    if "coef" in model.model_:  # ARIMA: the coefficients must come back unchanged from the longest history
        refiltered = forward_arima(model.model_, y=series[:origins.max() + 1], method=model.method)
        assert refiltered["coef"] == model.model_["coef"], "forward changed the ARIMA coefficients"
    scores = forecast_scores(predicted, data.y_test_original, scale=scale, value_range=value_range)
    return {"method": name, "season": season, "model": described, "mae": scores["mae"], "mase": scores["mase"],
            "fit_seconds": round(fit_seconds, 3), "forecast_seconds": round(forecast_seconds, 3),
            "windows": int(len(origins))}


def describe(model) -> str:
    fitted = model.model_
    if "method" in fitted and isinstance(fitted["method"], str):
        return fitted["method"]  # ETS(A,N,N) and the like
    p, q, P, Q, m, d, D = fitted["arma"]
    return f"ARIMA({p},{d},{q})" + (f"({P},{D},{Q})[{m}]" if P or D or Q else "")


def run_case(name: str, data, season: int | None, networks: dict, source: str,
             fit_through: str = "train") -> dict:
    scale = in_sample_scale(data.series_target, data.bounds[0], season)
    series = np.asarray(data.series_target, dtype=np.float64)
    value_range = float(series.max() - series.min())
    rows = []
    for method, cell in (("LSTM", "lstm"), ("SimpleRNN", "simple_rnn")):
        if cell in networks:
            rows.append({"method": method, "mae": statistics.mean(networks[cell]["mae"]),
                         "mase": statistics.mean(networks[cell]["mase"]), "runs": len(networks[cell]["mae"]),
                         "mae_range": [min(networks[cell]["mae"]), max(networks[cell]["mae"])], "source": source})
    baselines = [(NAIVE, naive_forecast(data))]
    if season:
        baselines.append((SEASONAL_NAIVE, seasonal_naive_forecast(data, season)))
    baselines.append((LINEAR_AR, linear_ar_forecast(data)))
    for method, predicted in baselines:
        scores = forecast_scores(predicted, data.y_test_original, scale=scale, value_range=value_range)
        recorded = networks.get(method)
        if recorded:  # the same windows as labreport's run: its baseline scores must come out the same here
            assert math.isclose(recorded["mae"][0], scores["mae"], rel_tol=1e-9), (name, method, recorded, scores)
        rows.append({"method": method, "mae": scores["mae"], "mase": scores["mase"]})
    seasons = [season or 1] + ([1] if season and season > 1 else [])
    fit_end = data.bounds[0] if fit_through == "train" else data.bounds[1]
    for m in seasons:
        rows.append(classical("AutoARIMA", lambda s: AutoARIMA(season_length=s), data, m, scale, value_range,
                              fit_end))
        rows.append(classical("AutoETS", lambda s: AutoETS(season_length=s), data, m, scale, value_range, fit_end))
    return {"case": name, "horizon": int(data.horizon), "season": season, "sizes": data.sizes(),
            "classical_fitted_on_rows": [0, int(fit_end)],
            "bounds": [int(b) for b in data.bounds], "scale": scale, "rows": rows}


def print_case(case: dict) -> None:
    print(f"\n{case['case']}: horizon {case['horizon']}, season {case['season']}, windows {case['sizes']}, "
          f"MASE scale {case['scale']:.4g}, classical models fitted on rows {case['classical_fitted_on_rows']}")
    print(f"  {'method':42} {'test MAE':>9} {'MASE':>7} {'fit s':>7} {'forecast s':>10}")
    for row in case["rows"]:
        label = row["method"]
        if "model" in row:
            label = f"{row['method']} m={row['season']}: {row['model']}"
        elif "runs" in row:
            label = f"{row['method']} ({row['runs']} run(s), {row['mae_range'][0]:.2f}-{row['mae_range'][1]:.2f})"
        fit = f"{row['fit_seconds']:7.2f}" if "fit_seconds" in row else " " * 7
        forecast = f"{row['forecast_seconds']:10.2f}" if "forecast_seconds" in row else " " * 10
        print(f"  {label:42} {row['mae']:9.3f} {row['mase']:7.3f} {fit} {forecast}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, nargs="*", default=[],
                        help="sunspots_forecast runs: run folders holding run.json, their parent folders, or the "
                             "output of benchmarks/experiment_seeds.py sunspots_forecast")
    parser.add_argument("--fit-through", choices=("train", "validation"), default="train",
                        help="fit the classical models on the training part (default, as labreport's network and "
                             "linear_ar) or on the training and validation parts (a sensitivity check)")
    parser.add_argument("--json", type=Path, help="also write every number here")
    args = parser.parse_args(argv)
    print(f"statsforecast import (AutoARIMA, AutoETS): {IMPORT_SECONDS:.2f} s")
    runs = read_runs(args.runs)
    started = time.perf_counter()
    data, season = shipped_case()
    cases = [run_case("sunspots_forecast", data, season, network_scores(runs),
                      f"{len(runs)} run(s) from --runs", args.fit_through)]
    with tempfile.TemporaryDirectory(prefix="classical-reference-") as folder:
        for name in FIXTURE_CASES:
            data, season = fixture_case(name, Path(folder))
            record = json.loads((FIXTURES / "forecast_runs" / f"{name}.json").read_text(encoding="utf-8"))
            cases.append(run_case(name, data, season, network_scores([record_scores(record)]),
                                  f"tests/fixtures/forecast_runs/{name}.json (seed 42)", args.fit_through))
    for case in cases:
        print_case(case)
    total = time.perf_counter() - started
    print(f"\nall cases: {total:.1f} s (fits, forecasts and labreport's baselines; import not included)")
    if args.json:
        args.json.write_text(json.dumps({"import_seconds": IMPORT_SECONDS, "total_seconds": total, "cases": cases},
                                        indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
