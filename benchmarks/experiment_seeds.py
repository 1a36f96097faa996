"""A shipped experiment over seeds 1-5: each model's test scores (BENCHMARKS.md, "Sunspots" and "Sensor windows").

Usage: python benchmarks/experiment_seeds.py EXPERIMENT [OUT_DIR]   (default OUT_DIR: /tmp/<EXPERIMENT>_seeds)

    python benchmarks/experiment_seeds.py sunspots_forecast     # test MAE and MASE per model
    python benchmarks/experiment_seeds.py sensor_activity       # test accuracy per model

A forecast's naive, seasonal-naive and linear-autoregression baselines have no seed: the same number every run.
"""

import json
import statistics
import sys
import time
from pathlib import Path

from labreport.pipeline import train_experiment
from labreport.spec_files import resolve_spec

SEEDS = (1, 2, 3, 4, 5)


def scores(record: dict) -> dict:
    """Each model's test scores by its name: MAE and MASE for a forecast, accuracy for classes."""
    forecast = (record.get("task") or {}).get("kind") == "forecast"
    metrics = ("mae", "mase") if forecast else ("accuracy",)
    return {m.get("name") or m["cell"]: {metric: m["test"][metric] for metric in metrics}
            for m in record["models"] if m.get("test")}


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    name = sys.argv[1]
    out = Path(sys.argv[2] if len(sys.argv) > 2 else f"/tmp/{name}_seeds")
    spec, _ = resolve_spec(name)
    rows = []
    for seed in SEEDS:
        seeded = spec.model_copy(update={"training": spec.training.model_copy(update={"seed": seed})})
        started = time.time()
        record = train_experiment(seeded, out / f"seed{seed}", progress="none", log=lambda *a: None)
        row = {"seed": seed, "seconds": round(time.time() - started, 1), "models": scores(record)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    for model, first in rows[0]["models"].items():
        for metric in first:
            values = [row["models"][model][metric] for row in rows]
            print(f"{model:22} test {metric} mean {statistics.mean(values):.4f} (sd {statistics.stdev(values):.4f}, "
                  f"{min(values):.4f}-{max(values):.4f})")


if __name__ == "__main__":
    main()
