"""The shipped sensor_activity classification over seeds 1-5: each model's test accuracy (BENCHMARKS.md).

Usage: python benchmarks/sensor_seeds.py [OUT_DIR]   (trains five runs into OUT_DIR, default /tmp/sensor_seeds)
"""

import json
import statistics
import sys
import time
from pathlib import Path

from labreport.pipeline import train_experiment
from labreport.spec_files import resolve_spec


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sensor_seeds")
    spec, _ = resolve_spec("sensor_activity")
    rows = []
    for seed in (1, 2, 3, 4, 5):
        seeded = spec.model_copy(update={"training": spec.training.model_copy(update={"seed": seed})})
        started = time.time()
        record = train_experiment(seeded, out / f"seed{seed}", progress="none", log=lambda *a: None)
        row = {"seed": seed, "seconds": round(time.time() - started, 1),
               "accuracy": {m["cell"]: m["test"]["accuracy"] for m in record["models"] if m.get("test")}}
        rows.append(row)
        print(json.dumps(row), flush=True)
    for cell in rows[0]["accuracy"]:
        values = [row["accuracy"][cell] for row in rows]
        print(f"{cell:12} test accuracy mean {statistics.mean(values):.4f} (sd {statistics.stdev(values):.4f}, "
              f"{min(values):.4f}-{max(values):.4f})")


if __name__ == "__main__":
    main()
