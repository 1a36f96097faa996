"""Seed sweep of the default experiment: does it show its aim on every seed?

Trains the shipped `remember_important_tasks` spec (LSTM and its SimpleRNN baseline, with the
diagnostics, as `labreport run` does) once per seed, each in a fresh process, and prints the
test accuracies and the issue's goals:

    python benchmarks/seed_sweep.py                       # seeds 0-9, TensorFlow CPU
    python benchmarks/seed_sweep.py --backend jax --seeds 0-4
    python benchmarks/seed_sweep.py --jit-compile --seeds 0-4
    python benchmarks/seed_sweep.py --jobs 2 --json sweep.json

`training.seed` also seeds the generated data, so each seed is a new data set, new initial
weights and a new batch order.  Goals: LSTM ≥ 0.90 on at least 9 of 10 seeds, SimpleRNN ≤ 0.60
on at least 9 of 10, and the LSTM ahead by ≥ 0.30 on every seed where it learned.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LSTM_GOAL, RNN_CEILING, MARGIN = 0.90, 0.60, 0.30

WORKER = r"""
import json, sys, time
from pathlib import Path
from labreport.pipeline import resolve_spec, train_experiment
spec, _ = resolve_spec(sys.argv[1])
overrides = json.loads(sys.argv[3])
data = spec.model_dump()
data["training"].update(overrides)
spec = type(spec).model_validate(data)
started = time.perf_counter()
record = train_experiment(spec, Path(sys.argv[2]), progress="none", log=lambda *_: None)
main, *others = record["models"]  # run.json format 2: the main model first, then the baselines and variants
baseline = {b["cell"]: b for b in others if b["role"] == "baseline"}.get("simple_rnn", {})
variants = {v.get("name") or v["cell"]: (v.get("test") or {}).get("accuracy") for v in others if v["role"] == "variant"}
print(json.dumps({"lstm": main["test"]["accuracy"], "simple_rnn": (baseline.get("test") or {}).get("accuracy"),
                  "variants": variants, "seconds_by_model": {m.get("name") or m["cell"]: m["timing"]["train_seconds"]
                                                             for m in record["models"]},
                  "epochs_by_model": {m.get("name") or m["cell"]: len(m["history"]["loss"]) for m in record["models"]},
                  "lstm_seconds": main["timing"]["train_seconds"],
                  "total_seconds": round(time.perf_counter() - started, 1),
                  "val_accuracy": [round(v, 3) for v in main["history"]["val_accuracy"]]}))
"""


def parse_seeds(text: str) -> list[int]:
    seeds = []
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-")
            seeds.extend(range(int(low), int(high) + 1))
        else:
            seeds.append(int(part))
    return seeds


def run_seed(seed: int, args, threads: int) -> dict:
    overrides = {"seed": seed, "backend": args.backend, "jit_compile": args.jit_compile}
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads),
           "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": args.backend}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", WORKER, args.spec, folder, json.dumps(overrides)],
                              capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return {"seed": seed, "error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(seed=seed, wall_seconds=round(time.perf_counter() - started, 1))
    return result


def summarise(rows: list[dict]) -> dict:
    ok = [r for r in rows if "error" not in r]
    learned = [r for r in ok if r["lstm"] >= LSTM_GOAL]
    rnn_fails = [r for r in ok if r["simple_rnn"] is not None and r["simple_rnn"] <= RNN_CEILING]
    ahead = [r for r in learned if r["simple_rnn"] is not None and r["lstm"] - r["simple_rnn"] >= MARGIN]
    return {"seeds": len(rows), "errors": len(rows) - len(ok), "lstm_learned": len(learned),
            "simple_rnn_at_most_0_60": len(rnn_fails), "lstm_ahead_by_0_30_where_learned": len(ahead),
            "aim_shown": sum(1 for r in ok if r["lstm"] >= LSTM_GOAL and r["simple_rnn"] is not None
                             and r["simple_rnn"] <= RNN_CEILING)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default="remember_important_tasks")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--backend", default="tensorflow", choices=["tensorflow", "jax"])
    parser.add_argument("--jit-compile", action="store_true", help="training.jit_compile: true (XLA on TensorFlow)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds trained at once (threads split between them)")
    parser.add_argument("--json", help="write the rows and the summary to this file")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    print(f"{args.spec}: backend {args.backend}, jit_compile {args.jit_compile}, seeds {seeds}, "
          f"{args.jobs} at a time, {threads} thread(s) each", flush=True)
    print("| seed | LSTM test accuracy | SimpleRNN test accuracy | LSTM − SimpleRNN | whole training (s) |"
          " variants' test accuracy (model.compare's mappings) |")
    print("|---|---|---|---|---|", flush=True)
    rows = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(lambda seed: run_seed(seed, args, threads), seeds):
            rows.append(row)
            if "error" in row:
                print(f"| {row['seed']} | error: {row['error']} | | | |", flush=True)
            else:
                variants = "".join(f" {name} {accuracy:.3f} |" for name, accuracy in row["variants"].items())
                print(f"| {row['seed']} | {row['lstm']:.3f} | {row['simple_rnn']:.3f} | "
                      f"{row['lstm'] - row['simple_rnn']:+.3f} | {row['total_seconds']:.0f} |{variants}", flush=True)
    summary = summarise(rows)
    n = summary["seeds"]
    print(f"\nLSTM ≥ {LSTM_GOAL}: {summary['lstm_learned']} of {n}; SimpleRNN ≤ {RNN_CEILING}: "
          f"{summary['simple_rnn_at_most_0_60']} of {n}; LSTM ahead by ≥ {MARGIN} where it learned: "
          f"{summary['lstm_ahead_by_0_30_where_learned']} of {summary['lstm_learned']}; aim shown (both): "
          f"{summary['aim_shown']} of {n}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "rows": rows, "summary": summary}, indent=1))


if __name__ == "__main__":
    main()
