"""Throughput of `labreport batch`: 8 tiny specs on the local pool and on a Dask LocalCluster, 1 and 2 at once.

    python benchmarks/batch_throughput.py [--specs 8] [--repeats 2] [--epochs 2] [--json out.json]

Each configuration runs the same specs (the tests' tiny generated experiment under 8 names and seeds,
each with its SimpleRNN baseline) into an empty output folder, through ``labreport.batch.run_batch``:

  local-1, local-2   the default local pool, --jobs 1 and --jobs 2
  dask-1, dask-2     --cluster local --jobs 1 and 2: a LocalCluster started and closed by the batch

Printed per configuration and repeat: the wall time of the whole batch (planning, start-up, training,
rendering, writing back), specs per minute, and the mean seconds a spec took as its outcome reports;
then the time to start and close an empty LocalCluster of 1 and 2 workers (what Dask adds per batch).
The runs share the machine with whatever else runs on it: the load average is printed beside each.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

CONFIGURATIONS = {"local-1": (None, 1), "local-2": (None, 2), "dask-1": ("local", 1), "dask-2": ("local", 2)}


def write_specs(folder: Path, count: int, epochs: int) -> Path:
    from conftest import tiny_spec_text
    folder.mkdir(parents=True)
    for number in range(count):
        text = tiny_spec_text(f"tiny{number}", epochs=epochs).replace(
            "learning_rate: 0.01", f"learning_rate: 0.01\n  seed: {number + 1}")
        (folder / f"tiny{number}.yaml").write_text(text)
    return folder


def run_configuration(name: str, specs: Path, out: Path) -> dict:
    from labreport.batch import ExecutorOptions, run_batch
    cluster, jobs = CONFIGURATIONS[name]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    result = run_batch([specs], jobs=jobs, out_dir=out, log=lambda line: None,
                       executor=ExecutorOptions(cluster=cluster))
    wall = time.perf_counter() - started
    statuses = [outcome.status for outcome in result.outcomes]
    assert statuses == ["trained"] * len(statuses), statuses
    return {"configuration": name, "wall_seconds": round(wall, 1), "specs": len(statuses),
            "specs_per_minute": round(60 * len(statuses) / wall, 2),
            "mean_spec_seconds": round(sum(o.seconds for o in result.outcomes) / len(statuses), 1),
            "load_before": round(load, 2)}


def cluster_start_seconds(workers: int) -> float:
    from distributed import Client, LocalCluster
    started = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster):
        pass
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--configurations", default=",".join(CONFIGURATIONS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        specs = write_specs(Path(tmp) / "specs", args.specs, args.epochs)
        for repeat in range(args.repeats):
            for name in args.configurations.split(","):
                row = run_configuration(name, specs, Path(tmp) / f"out-{name}-{repeat}")
                row["repeat"] = repeat + 1
                results.append(row)
                print(json.dumps(row), flush=True)
    for workers in (1, 2):
        row = {"cluster_start_and_close_seconds": cluster_start_seconds(workers), "workers": workers}
        results.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
