"""IMDB from text files against keras-imdb: the shipped imdb_csv and imdb_text_folder specs over seeds.

    python benchmarks/imdb_text_files.py /tmp/imdbtext                  # once: the CSV and the aclImdb folder
    python benchmarks/imdb_text_sources.py --text-dir /tmp/imdbtext --seeds 42,1,2,3,4 [--json out.json]

Each run is a shipped spec (``experiments/imdb_csv.yaml``, ``experiments/imdb_text_folder.yaml`` and the
reference ``benchmarks/imdb_keras_like_text.yaml``: the same model, epochs and sizes on the keras-imdb
source) with ``training.seed`` set and, by default, no baseline (``model.compare: []``: the SimpleRNN does not
change the LSTM's numbers and would double the time; ``--with-baseline`` keeps it).  ``--weights`` chooses
what is evaluated: ``spec`` (as shipped), ``last`` (the last epoch's weights: early stopping removed) or
``best`` (every epoch trained, the best epoch by validation loss evaluated); ``--sequence-length``
changes the padded length of all three.  Each run is
``labreport.pipeline.run_experiment`` in a fresh process.

Printed: per source and seed the test accuracy, the evaluated epoch, the validation accuracies per epoch
and the gap to keras-imdb at the same seed; then per source the mean, the minimum and how many runs reach
0.85 and land within 0.02 of keras-imdb (the goal of issue 13).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_IMDB = REPO.parent / "shared" / "data" / "imdb" / "imdb.npz"
GOAL, GAP = 0.85, 0.02

# source -> (spec file, data path relative to --text-dir; None: the IMDB npz)
SOURCES = {
    "csv": (REPO / "experiments" / "imdb_csv.yaml", "IMDB Dataset.csv"),
    "text-folder": (REPO / "experiments" / "imdb_text_folder.yaml", "aclImdb"),
    "keras-imdb": (REPO / "benchmarks" / "imdb_keras_like_text.yaml", None),
}


def run_spec(source: str, seed: int, weights: str, with_baseline: bool, sequence_length: int | None = None):
    from labreport.spec import load_spec, validate_spec

    path, _ = SOURCES[source]
    data = load_spec(path).model_dump(mode="json")
    data["name"] = f"{data['name']}_seed{seed}_{weights}"
    data["training"]["seed"] = seed
    if sequence_length:
        data["name"] += f"_len{sequence_length}"
        data["dataset"]["sequence_length"] = sequence_length
    if not with_baseline:
        data["model"]["compare"] = []
    if weights == "last":
        data["training"]["early_stopping"] = None
    elif weights == "best":
        data["training"]["early_stopping"] = {"monitor": "val_loss", "patience": None, "min_delta": 0.0,
                                              "restore_best_weights": True}
    return validate_spec(data, str(path))


def worker(args) -> int:
    spec = run_spec(args.source, args.seed, args.weights, args.with_baseline, args.sequence_length)
    from labreport.pipeline import run_experiment

    _, relative = SOURCES[args.source]
    data = str(args.npz if relative is None else args.text_dir / relative)
    started = time.perf_counter()
    result = run_experiment(spec, out_dir=args.out, data=data, force=True, progress="epoch",
                            log=lambda line: print(line, file=sys.stderr, flush=True))
    from labreport.record import baseline_runs, main_run

    record = result.run_record
    main = main_run(record)
    print("RESULT " + json.dumps({
        "source": args.source, "seed": args.seed, "weights": args.weights,
        "test_accuracy": main["test"]["accuracy"],
        "evaluated_epoch": main.get("evaluated_epoch"),
        "epochs_run": len(main["history"]["loss"]),
        "val_accuracy": main["history"]["val_accuracy"],
        "val_loss": main["history"]["val_loss"],
        "accuracy": main["history"]["accuracy"],
        "seconds_per_epoch": main["timing"]["seconds_per_epoch"],
        "wall_seconds": round(time.perf_counter() - started, 1),
        "baselines": {b["cell"]: b["test"]["accuracy"] for b in baseline_runs(record) if b.get("test")},
        "run_dir": str(result.run_dir),
    }), flush=True)
    return 0


def run_one(source: str, seed: int, args, out: Path) -> dict:
    command = [sys.executable, __file__, "--worker", "--source", source, "--seed", str(seed),
               "--weights", args.weights, "--text-dir", str(args.text_dir), "--npz", str(args.npz),
               "--out", str(out)]
    if args.with_baseline:
        command.append("--with-baseline")
    if args.sequence_length:
        command += ["--sequence-length", str(args.sequence_length)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    process = subprocess.run(command, stdout=subprocess.PIPE, stderr=None, text=True, env=env, cwd=REPO)
    lines = [line for line in process.stdout.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not lines:
        return {"source": source, "seed": seed, "failed": f"exit {process.returncode}"}
    return json.loads(lines[-1][len("RESULT "):])


def summarise(rows: list[dict]) -> list[str]:
    reference = {r["seed"]: r["test_accuracy"] for r in rows if r["source"] == "keras-imdb" and "failed" not in r}
    lines = [f"{'source':<12} {'seed':>4} {'test acc':>8} {'epoch':>5}  {'gap':>7}  validation accuracy per epoch"]
    for row in rows:
        if "failed" in row:
            lines.append(f"{row['source']:<12} {row['seed']:>4} failed ({row['failed']})")
            continue
        gap = row["test_accuracy"] - reference[row["seed"]] if row["seed"] in reference else None
        lines.append(f"{row['source']:<12} {row['seed']:>4} {row['test_accuracy']:>8.4f} "
                     f"{row['evaluated_epoch'] or row['epochs_run']:>5}  "
                     f"{'' if gap is None else f'{gap:+.4f}':>7}  {[round(v, 4) for v in row['val_accuracy']]}")
    lines.append("")
    for source in SOURCES:
        done = [r for r in rows if r["source"] == source and "failed" not in r]
        if not done:
            continue
        accuracies = [r["test_accuracy"] for r in done]
        gaps = [r["test_accuracy"] - reference[r["seed"]] for r in done if r["seed"] in reference]
        lines.append(f"{source}: mean {sum(accuracies) / len(accuracies):.4f}, min {min(accuracies):.4f}, "
                     f">= {GOAL}: {sum(a >= GOAL for a in accuracies)}/{len(accuracies)}"
                     + ("" if source == "keras-imdb" or not gaps else
                        f", within {GAP} of keras-imdb: {sum(abs(g) <= GAP for g in gaps)}/{len(gaps)}"))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text-dir", type=Path, required=True,
                        help="the folder benchmarks/imdb_text_files.py wrote (IMDB Dataset.csv, aclImdb/)")
    parser.add_argument("--npz", type=Path, default=SHARED_IMDB, help="imdb.npz for keras-imdb (default: the shared copy)")
    parser.add_argument("--seeds", default="42", help="comma-separated training seeds (default 42, the shipped one)")
    parser.add_argument("--sources", default=",".join(SOURCES), help=f"comma-separated, from: {', '.join(SOURCES)}")
    parser.add_argument("--weights", choices=("spec", "last", "best"), default="spec")
    parser.add_argument("--sequence-length", type=int, default=None, help="override dataset.sequence_length")
    parser.add_argument("--with-baseline", action="store_true", help="train the specs' SimpleRNN baselines too")
    parser.add_argument("--out", type=Path, default=None, help="keep the run folders here")
    parser.add_argument("--json", type=Path, default=None, help="also write every run's numbers here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source", choices=tuple(SOURCES), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.text_dir, args.npz = args.text_dir.resolve(), args.npz.resolve()
    if args.worker:
        return worker(args)
    for source in args.sources.split(","):
        if source not in SOURCES:
            parser.error(f"unknown source {source!r}; choose from {', '.join(SOURCES)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="imdb_text_sources.") as temporary:
        out = (args.out or Path(temporary)).resolve()
        for seed in seeds:
            for source in args.sources.split(","):
                print(f"\n== {source}, seed {seed}, weights {args.weights}", flush=True)
                rows.append(run_one(source, seed, args, out))
                if args.json:
                    args.json.write_text(json.dumps({"weights": args.weights, "rows": rows}, indent=1))
        print("\n".join(["", *summarise(rows)]))
    return 0 if all("failed" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
