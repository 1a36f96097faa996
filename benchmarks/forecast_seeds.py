"""The shipped sunspots forecast over seeds 1-5: each model's test MAE and MASE (BENCHMARKS.md, "Sunspots").

Usage: python benchmarks/forecast_seeds.py [OUT_DIR]   (trains five runs into OUT_DIR, default /tmp/forecast_seeds)
The naive, seasonal-naive and linear-autoregression baselines have no seed: the same number every run.
"""

import json
import statistics
import sys
import time
from pathlib import Path

from labreport.pipeline import train_experiment
from labreport.spec_files import resolve_spec


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/forecast_seeds")
    spec, _ = resolve_spec("sunspots_forecast")
    rows = []
    for seed in (1, 2, 3, 4, 5):
        seeded = spec.model_copy(update={"training": spec.training.model_copy(update={"seed": seed})})
        started = time.time()
        record = train_experiment(seeded, out / f"seed{seed}", progress="none", log=lambda *a: None)
        row = {"seed": seed, "seconds": round(time.time() - started, 1),
               "models": {m["cell"]: {"mae": m["test"]["mae"], "mase": m["test"]["mase"]} for m in record["models"]}}
        rows.append(row)
        print(json.dumps(row), flush=True)
    for cell in rows[0]["models"]:
        maes = [row["models"][cell]["mae"] for row in rows]
        mases = [row["models"][cell]["mase"] for row in rows]
        print(f"{cell:15} MAE mean {statistics.mean(maes):.2f} (sd {statistics.stdev(maes):.2f}, "
              f"{min(maes):.2f}-{max(maes):.2f})  MASE mean {statistics.mean(mases):.3f}")


if __name__ == "__main__":
    main()
