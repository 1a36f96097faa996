"""The seminar's 85 % and Assignment 7's 85.90 %: last-epoch weights against best-epoch weights.

    python benchmarks/seminar_reproduction.py --data ../shared/data/imdb/imdb.npz
    python benchmarks/seminar_reproduction.py --data ../shared/data/imdb/imdb.npz --quick   # minutes, proves it runs
    python benchmarks/seminar_reproduction.py --variants seminar_early_stopping,a7_best --backend jax --json out.json

Each variant is the shipped spec with a few training fields changed, trained by
``labreport.pipeline.run_experiment`` (data, training, test evaluation,
diagnostics, run.json, report) in a fresh subprocess of this file, so that each
has its own Keras backend and its own peak RSS.  The run folders are kept under
``--out`` (a temporary folder by default): ``labreport render OUT/<variant>``
shows each report.

Variants (``--variants``, comma-separated; default: all, in this order):

seminar_last            imdb_seminar without early stopping: 20,000 training reviews (313 steps an epoch), 5,000 held
                        out for validation, 10 epochs, the last epoch's weights evaluated.
seminar_early_stopping  imdb_seminar as shipped, training.early_stopping {monitor: val_loss, patience: --patience
                        (default 2, the shipped value), restore_best_weights: true}: stops when the validation
                        loss has not improved for the patience, evaluates the best epoch.
seminar_best_of_10      the same with patience: null: all 10 epochs, then the best epoch by the validation loss
                        evaluated (trains exactly as seminar_last).
seminar_faithful        the seminar's own set-up: validation_split 0, all 25,000 reviews for training (391 steps an
                        epoch), no validation curve, so no early stopping: the fixed 10 epochs, the last evaluated.
a7_last                 imdb_assignment7 as shipped (5 epochs, 157 steps, the last epoch evaluated).
a7_best                 the same with patience: null and restore_best_weights: all 5 epochs, the best evaluated
                        (trains exactly as a7_last: only the evaluated weights differ).

Printed per variant: test accuracy and loss, the epoch whose weights were evaluated and why training stopped,
training reviews and steps an epoch, the seconds of each epoch, the training, evaluation and whole-run
seconds, and whether the seminar variants reach the goal of 0.85.  On the 2-core reference machine a seminar
epoch takes about 42 s (TensorFlow), so all six variants take roughly 40 minutes; ``--quick`` (2,000 training
and 2,000 test reviews, 2 epochs, patience 1) takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_IMDB = REPO.parent / "shared" / "data" / "imdb" / "imdb.npz"
GOAL = 0.85

# name -> (shipped spec, what changes under training: early_stopping "off" (none), "patience" or "best_only")
VARIANTS = {
    "seminar_last": ("imdb_seminar", {"early_stopping": "off"}),
    "seminar_early_stopping": ("imdb_seminar", {"early_stopping": "patience"}),
    "seminar_best_of_10": ("imdb_seminar", {"early_stopping": "best_only"}),
    "seminar_faithful": ("imdb_seminar", {"validation_split": 0.0, "early_stopping": "off"}),
    "a7_last": ("imdb_assignment7", {"early_stopping": "off"}),
    "a7_best": ("imdb_assignment7", {"early_stopping": "best_only"}),
}
QUICK = {"limit_train": 2000, "limit_test": 2000, "epochs": 2, "patience": 1}


def variant_spec(name: str, *, backend: str | None, patience: int, quick: bool):
    """The ExperimentSpec of one variant: the shipped spec with its training changes (and --quick's cuts)."""
    from labreport.pipeline import resolve_spec
    from labreport.spec import validate_spec

    shipped, changes = VARIANTS[name]
    spec, _ = resolve_spec(shipped)
    data = spec.model_dump(mode="json")
    data["name"] = name
    training = data["training"]
    for key, value in changes.items():
        if key == "early_stopping" and value == "off":
            training["early_stopping"] = None  # the fixed epochs and the last epoch's weights
        elif key == "early_stopping":
            training["early_stopping"] = {
                "monitor": "val_loss", "min_delta": 0.0, "restore_best_weights": True,
                "patience": (QUICK["patience"] if quick else patience) if value == "patience" else None}
        else:
            training[key] = value
    if backend:
        training["backend"] = backend
    if quick:
        training["epochs"] = min(training["epochs"], QUICK["epochs"])
        data["dataset"]["limit_train"] = QUICK["limit_train"]
        data["dataset"]["limit_test"] = QUICK["limit_test"]
    return validate_spec(data, f"<{name}>")


# --------------------------------------------------------------------------- worker


def worker(args) -> int:
    """One variant in this process: run it, print one JSON line."""
    spec = variant_spec(args.worker, backend=args.backend, patience=args.patience, quick=args.quick)
    from labreport.train.backend import select_backend
    select_backend(spec.training.backend)  # Keras imported before the clock starts, as in vs_plain_keras.py
    from labreport.pipeline import run_experiment

    started = time.perf_counter()
    result = run_experiment(spec, out_dir=args.out, data=str(args.data), force=True, progress="epoch",
                            log=lambda line: print(line, file=sys.stderr, flush=True))
    wall = time.perf_counter() - started
    from labreport.record import main_run

    record = result.run_record
    main = main_run(record)
    sizes = record["dataset"]["sizes"]
    timing = {**main["timing"], **record["timing"]}  # the model's seconds and the run's
    print("RESULT " + json.dumps({
        "variant": args.worker,
        "backend": record["backend"],
        "test_accuracy": main["test"]["accuracy"],
        "test_loss": main["test"]["loss"],
        "evaluated_epoch": main.get("evaluated_epoch"),
        "restored_best_weights": main.get("restored_best_weights"),
        "stopped": main.get("stopped"),
        "epochs_run": len(main["history"]["loss"]),
        "epochs_planned": spec.training.epochs,
        "train": sizes["train"], "validation": sizes["validation"], "test": sizes["test"],
        "steps_per_epoch": math.ceil(sizes["train"] / spec.training.batch_size),
        "seconds_per_epoch": timing["seconds_per_epoch"],
        "train_seconds": timing["train_seconds"],
        "evaluate_seconds": timing["evaluate_seconds"],
        "record_total_seconds": timing["total_seconds"],
        "wall_seconds": round(wall, 1),
        "val_loss": main["history"]["val_loss"],
        "val_accuracy": main["history"]["val_accuracy"],
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2, 2),
        "run_dir": str(result.run_dir),
    }), flush=True)
    return 0


# --------------------------------------------------------------------------- driver


def run_variant(name: str, args, out: Path) -> dict:
    command = [sys.executable, __file__, "--worker", name, "--data", str(args.data), "--out", str(out),
               "--patience", str(args.patience)]
    if args.backend:
        command += ["--backend", args.backend]
    if args.quick:
        command.append("--quick")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("KERAS_BACKEND", None)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.perf_counter()
    # The worker's log (its epochs) goes to this terminal; its result line comes back on stdout.
    process = subprocess.run(command, stdout=subprocess.PIPE, stderr=None, text=True, env=env, cwd=REPO)
    process_seconds = time.perf_counter() - started
    lines = [line for line in process.stdout.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not lines:
        return {"variant": name, "failed": f"exit {process.returncode}", "process_seconds": round(process_seconds, 1)}
    return {**json.loads(lines[-1][len("RESULT "):]), "process_seconds": round(process_seconds, 1)}


def _evaluated(row: dict) -> str:
    stopped = row.get("stopped") or {}
    how = ("best" if row.get("restored_best_weights") else "last")
    why = (f"stopped early after {stopped.get('epoch')} (patience {stopped.get('patience')})"
           if stopped.get("reason") == "early_stopping" else f"all {row['epochs_run']} epochs")
    return f"epoch {row['evaluated_epoch']} ({how}); {why}"


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'variant':<24} {'test acc':>8} {'test loss':>9} {'train':>6} {'steps':>5}  {'evaluated':<44} "
          f"{'s/epoch (median)':>16} {'train s':>8} {'whole s':>8}  goal")
    for row in rows:
        if "failed" in row:
            print(f"{row['variant']:<24} failed ({row['failed']})")
            continue
        epochs = sorted(row["seconds_per_epoch"])
        median = epochs[len(epochs) // 2] if epochs else math.nan
        goal = ""
        if row["variant"].startswith("seminar"):
            goal = "met" if row["test_accuracy"] >= GOAL else "missed"
        print(f"{row['variant']:<24} {row['test_accuracy']:>8.4f} {row['test_loss']:>9.4f} {row['train']:>6} "
              f"{row['steps_per_epoch']:>5}  {_evaluated(row):<44} {median:>16.1f} {row['train_seconds']:>8.1f} "
              f"{row['wall_seconds']:>8.1f}  {goal}")
    print()
    for row in rows:
        if "failed" not in row:
            print(f"{row['variant']}: seconds per epoch {row['seconds_per_epoch']}; validation loss "
                  f"{[None if v is None or not math.isfinite(v) else round(v, 4) for v in row['val_loss']]}; "
                  f"evaluation {row['evaluate_seconds']:.1f} s; peak RSS {row['peak_rss_gb']} GB; {row['run_dir']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_IMDB, help="imdb.npz (default: the shared copy)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, from: {', '.join(VARIANTS)}")
    parser.add_argument("--backend", choices=("tensorflow", "jax"), default=None, help="default: the spec's")
    parser.add_argument("--patience", type=int, default=2, help="seminar_early_stopping's patience (default 2)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 training and 2,000 test reviews, at most 2 epochs, patience 1: proves it runs")
    parser.add_argument("--out", type=Path, default=None, help="keep the run folders here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, default=None, help="also write every variant's numbers here")
    parser.add_argument("--worker", choices=tuple(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.data = args.data.expanduser().resolve()
    if not args.data.is_file():
        parser.error(f"--data {args.data}: no such file (the IMDB npz; see ../shared/data/imdb/README.md)")
    if args.worker:
        return worker(args)
    names = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="seminar_reproduction.") as temporary:
        out = (args.out or Path(temporary)).resolve()
        print(f"{len(names)} variant(s), data {args.data}, run folders in {out}"
              + (" (temporary)" if args.out is None else "") + (", --quick" if args.quick else ""), flush=True)
        for name in names:
            print(f"\n== {name}", flush=True)
            row = run_variant(name, args, out)
            rows.append(row)
            if "failed" not in row:
                print(f"== {name}: test accuracy {row['test_accuracy']:.4f}, {_evaluated(row)}, "
                      f"{row['wall_seconds']:.0f} s", flush=True)
        print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"quick": args.quick, "data": str(args.data), "rows": rows}, indent=1))
        print(f"Wrote {args.json}")
    return 0 if all("failed" not in row for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
