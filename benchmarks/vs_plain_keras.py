"""Assignment 7 as a plain Keras script against the same run through labreport.

    python benchmarks/vs_plain_keras.py [--repeats 3] [--epochs 5] [--data PATH] [--backend tensorflow|jax]
                                        [--spec imdb_assignment7] [--json results.json]

Design: one driver process (this script) launches the two variants
*alternately* (plain, labreport, plain, labreport, ...), each in a fresh
Python subprocess of this same file (``--worker plain`` / ``--worker labreport``).

Why subprocesses and not both in the driver:

- Keras fixes its backend when first imported and TensorFlow keeps its graph
  caches, thread pools and allocator arenas for the life of the process; the
  second variant in one process would inherit a warm (or polluted) runtime.
- Peak RSS (``ru_maxrss``) only ever grows within a process, so it can be
  attributed to one variant only if that variant has the process to itself.
- Alternating, rather than all plain runs then all labreport runs, spreads any
  drift in machine load evenly over the two variants.

Each worker imports Keras first (after setting the backend) and then times its
work, so the import cost (several seconds, identical for both) is reported
separately as the process wall time measured by the driver.

What is timed (medians over the repeats are printed):

plain      data   np.load of the npz, Keras' ``imdb.load_data`` steps written out
                  (shuffle with seed 113, start_char 1, index_from 3, num_words),
                  ``keras.utils.pad_sequences`` to 300
           fit    ``model.fit(..., epochs, batch_size=128, validation_split=0.2)``
           eval   ``model.evaluate`` on the 25,000 test reviews
           whole  data + build + fit + eval
labreport  whole  ``run_experiment(spec, data=..., epochs=...)``: data, training, evaluation,
                  diagnostics, run.json, figures, HTML and PDF
           fit    the main model's ``model.fit`` (run.json timing.train_seconds)
           data, eval, diagnostics   run.json timing.{data,evaluate,diagnostics}_seconds
           report whole minus run.json timing.total_seconds (figures, HTML, PDF)

Ratios printed: labreport fit / plain fit ("training alone", goal <= 1.03),
labreport whole / plain fit ("whole run vs the plain script's training", goal
<= 1.10) and labreport whole / plain whole.

Without the shared IMDB copy, a generated npz of the same shape (25,000 +
25,000 ragged reviews, IMDB-like lengths, Zipf-like word indices) is written to
a temporary folder and used by both variants; the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_IMDB = REPO.parent / "shared" / "data" / "imdb" / "imdb.npz"

# The Assignment 7 configuration, written out for the plain script.
NUM_WORDS = 5000
MAXLEN = 300
EMBED = 15
UNITS = 10
BATCH = 128
EPOCHS = 5
VALIDATION_SPLIT = 0.2
SEED = 42


# --------------------------------------------------------------------------- workers


def load_and_pad_like_keras(path, num_words: int, maxlen: int):
    """What the plain notebook does: ``keras.datasets.imdb.load_data(num_words)`` from a
    local npz, its steps written out (Keras 3.15's list comprehensions), then
    ``keras.utils.pad_sequences(maxlen)``.  Also timed by benchmarks/data_load.py."""
    import numpy as np
    import keras

    with np.load(path, allow_pickle=True) as f:
        x_train, labels_train = f["x_train"], f["y_train"]
        x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(113)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    start_char, oov_char, index_from = 1, 2, 3
    x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
    x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    xs = [[w if w < num_words else oov_char for w in x] for x in xs]
    idx = len(x_train)
    x_train, y_train = np.array(xs[:idx], dtype="object"), labels[:idx]
    x_test, y_test = np.array(xs[idx:], dtype="object"), labels[idx:]
    return (keras.utils.pad_sequences(x_train, maxlen=maxlen), y_train,
            keras.utils.pad_sequences(x_test, maxlen=maxlen), y_test)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def plain_worker(args) -> dict:
    """The Assignment 7 notebook as a plain script; returns its timings."""
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.backend == "tensorflow" and (args.intra_threads or args.inter_threads):
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(args.intra_threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_threads)
    import keras

    class EpochTimes(keras.callbacks.Callback):
        # Epoch boundaries only: no per-batch hook, so Keras' dispatch is unchanged.
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.started)

    seconds: list = []
    times = {}
    started = time.perf_counter()

    x_train, y_train, x_test, y_test = load_and_pad_like_keras(args.data, NUM_WORDS, MAXLEN)
    times["data"] = time.perf_counter() - started

    t = time.perf_counter()
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=(MAXLEN,)),
        keras.layers.Embedding(NUM_WORDS, EMBED),
        keras.layers.LSTM(UNITS),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    compile_options = {}
    if args.jit_compile is not None:
        compile_options["jit_compile"] = args.jit_compile
    if args.steps_per_execution != 1:
        compile_options["steps_per_execution"] = args.steps_per_execution
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], **compile_options)
    times["build"] = time.perf_counter() - t

    t = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=args.epochs or EPOCHS, batch_size=BATCH,
                        validation_split=VALIDATION_SPLIT, verbose=0, callbacks=[EpochTimes()],
                        validation_batch_size=args.val_batch)
    times["fit"] = time.perf_counter() - t

    t = time.perf_counter()
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0, batch_size=args.eval_batch)
    times["eval"] = time.perf_counter() - t
    times["whole"] = time.perf_counter() - started
    times["epoch_1"] = seconds[0]
    if len(seconds) > 1:
        times["epoch_later"] = statistics.mean(seconds[1:])
    return {"variant": "plain", "times": times, "peak_rss_mib": _peak_rss_mib(),
            "test_accuracy": float(test_accuracy), "test_loss": float(test_loss),
            "final_loss": float(history.history["loss"][-1]),
            "final_val_loss": float(history.history["val_loss"][-1])}


def labreport_worker(args) -> dict:
    """The same configuration through labreport's run_experiment; returns its timings."""
    sys.path.insert(0, str(REPO))
    from labreport.pipeline import apply_overrides, resolve_spec
    from labreport.train.backend import select_backend

    spec, _ = resolve_spec(args.spec)
    if spec.training.backend != args.backend:
        spec = spec.model_copy(update={"training": spec.training.model_copy(update={"backend": args.backend})})
    select_backend(args.backend)
    import keras  # noqa: F401  - imported before timing, as in the plain worker

    from labreport.pipeline import run_experiment
    if args.labreport_jit is not None:
        spec = spec.model_copy(update={"training": spec.training.model_copy(
            update={"jit_compile": args.labreport_jit})})
    data = None if spec.dataset.source == "generated" else str(args.data)
    spec = apply_overrides(spec, epochs=args.epochs, data=data)
    with tempfile.TemporaryDirectory(prefix="labreport-bench-") as out:
        t = time.perf_counter()
        result = run_experiment(spec, out_dir=out, progress="none", log=lambda _message: None)
        whole = time.perf_counter() - t
    from labreport.record import main_run

    main = main_run(result.run_record)
    timing = {**main["timing"], **result.run_record["timing"]}  # the model's seconds and the run's
    times = {
        "whole": whole,
        "data": timing["data_seconds"],
        "fit": timing["train_seconds"],
        "eval": timing.get("evaluate_seconds", float("nan")),
        "diagnostics": timing.get("diagnostics_seconds", float("nan")),
        "train_experiment": timing["total_seconds"],
        "report": whole - timing["total_seconds"],
        "epoch_1": timing["seconds_per_epoch"][0],
    }
    if len(timing["seconds_per_epoch"]) > 1:
        times["epoch_later"] = statistics.mean(timing["seconds_per_epoch"][1:])
    for key, value in timing.get("diagnostics_parts_seconds", {}).items():
        times[f"diagnostics.{key}"] = value
    return {"variant": "labreport", "times": times, "peak_rss_mib": _peak_rss_mib(),
            "test_accuracy": result.test_accuracy, "test_loss": float(main["test"]["loss"]),
            "final_loss": float(main["history"]["loss"][-1]),
            "final_val_loss": float(main["history"]["val_loss"][-1])}


# --------------------------------------------------------------------------- generated data


def write_generated_npz(path: Path, seed: int = 0) -> None:
    """An npz in Keras' layout with IMDB's shape: 25,000 + 25,000 ragged reviews, 88,584 words."""
    import numpy as np

    rng = np.random.default_rng(seed)
    arrays = {}
    for part in ("train", "test"):
        # IMDB's lengths: median ~174, long right tail (lognormal fits well enough).
        lengths = np.clip(rng.lognormal(mean=5.25, sigma=0.65, size=25000).astype(int), 10, 2500)
        words = np.minimum(rng.zipf(1.3, size=int(lengths.sum())), 88584)
        reviews = np.empty(25000, dtype=object)
        for i, chunk in enumerate(np.split(words, np.cumsum(lengths)[:-1])):
            reviews[i] = chunk.tolist()
        arrays[f"x_{part}"] = reviews
        arrays[f"y_{part}"] = rng.integers(0, 2, size=25000)
    np.savez(path, **arrays)


# --------------------------------------------------------------------------- driver


def _run_worker(variant: str, args) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", variant,
               "--data", str(args.data), "--backend", args.backend,
               "--spec", args.spec, "--steps-per-execution", str(args.steps_per_execution)]
    if args.jit_compile is not None:
        command += ["--jit-compile", str(args.jit_compile).lower()]
    if args.epochs is not None:
        command += ["--epochs", str(args.epochs)]
    if args.labreport_jit is not None:
        command += ["--labreport-jit", str(args.labreport_jit).lower()]
    if args.eval_batch:
        command += ["--eval-batch", str(args.eval_batch)]
    if args.val_batch:
        command += ["--val-batch", str(args.val_batch)]
    command += ["--intra-threads", str(args.intra_threads), "--inter-threads", str(args.inter_threads)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    load_before = float(open("/proc/loadavg").read().split()[0])
    t = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    process_wall = time.perf_counter() - t
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"{variant} worker failed (exit {completed.returncode})")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["times"]["process_wall"] = process_wall
    result["load_1min_before"] = load_before
    result["load_1min_after"] = float(open("/proc/loadavg").read().split()[0])
    return result


def _median(results: list[dict], key: str) -> float:
    values = [r["times"][key] for r in results if key in r["times"]]
    return statistics.median(values) if values else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None, help="default: 5 (Assignment 7); with --spec, the spec's")
    parser.add_argument("--data", type=Path, default=None, help="imdb.npz; default: the shared copy, else generated")
    parser.add_argument("--backend", choices=("tensorflow", "jax"), default="tensorflow")
    parser.add_argument("--spec", default="imdb_assignment7", help="labreport's side (plain is always Assignment 7)")
    parser.add_argument("--json", type=Path, default=None, help="also write every run's numbers here")
    parser.add_argument("--only", choices=("plain", "labreport"), default=None, help="run one variant only")
    # Variations of the plain script, for trying speed-ups (labreport is not affected).
    parser.add_argument("--jit-compile", type=lambda s: s == "true", default=None)
    parser.add_argument("--steps-per-execution", type=int, default=1,
                        help="(labreport records every batch, which steps_per_execution > 1 would hide)")
    parser.add_argument("--eval-batch", type=int, default=None, help="plain evaluate's batch size (Keras: 32)")
    parser.add_argument("--val-batch", type=int, default=None, help="plain fit's validation_batch_size (Keras: batch)")
    parser.add_argument("--intra-threads", type=int, default=0, help="TensorFlow intra-op threads (0: TF's default)")
    parser.add_argument("--inter-threads", type=int, default=0, help="TensorFlow inter-op threads (0: TF's default)")
    parser.add_argument("--labreport-jit", type=lambda s: s == "true", default=None,
                        help="labreport's training.jit_compile (XLA); default: as the spec says")
    parser.add_argument("--worker", choices=("plain", "labreport"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = (plain_worker if args.worker == "plain" else labreport_worker)(args)
        print(json.dumps(result))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-imdb-") as scratch:
        if args.data is None:
            if SHARED_IMDB.exists():
                args.data = SHARED_IMDB
            else:
                args.data = Path(scratch) / "imdb.npz"
                print(f"The shared IMDB copy is not at {SHARED_IMDB}: using generated data of the same shape.")
                write_generated_npz(args.data)
        print(f"data {args.data}, backend {args.backend}, {args.epochs or 'default'} epoch(s), {args.repeats} repeat(s); "
              f"load before: {open('/proc/loadavg').read().split()[:3]}")
        variants = [args.only] if args.only else ["plain", "labreport"]
        results: dict[str, list] = {v: [] for v in variants}
        for repeat in range(args.repeats):
            for variant in variants:
                r = _run_worker(variant, args)
                results[variant].append(r)
                shown = ", ".join(f"{k} {v:.2f}" for k, v in r["times"].items())
                print(f"  [{repeat + 1}/{args.repeats}] {variant:9s} {shown}; peak RSS {r['peak_rss_mib']:.0f} MiB; "
                      f"test acc {r['test_accuracy']:.4f} loss {r['test_loss']:.6f}; last val_loss {r['final_val_loss']:.6f}; load {r['load_1min_before']:.2f}->{r['load_1min_after']:.2f}",
                      flush=True)
        load_after = open("/proc/loadavg").read().split()[:3]

    print(f"\nmedians over {args.repeats} run(s) (seconds; load after: {load_after}):")
    for variant, runs in results.items():
        keys = list(runs[0]["times"])
        print(f"  {variant:9s} " + ", ".join(f"{k} {_median(runs, k):.2f}" for k in keys)
              + f"; peak RSS {statistics.median(r['peak_rss_mib'] for r in runs):.0f} MiB")
    if len(variants) == 2:
        plain, ours = results["plain"], results["labreport"]
        fit_ratio = _median(ours, "fit") / _median(plain, "fit")
        whole_vs_fit = _median(ours, "whole") / _median(plain, "fit")
        whole_ratio = _median(ours, "whole") / _median(plain, "whole")
        process_ratio = _median(ours, "process_wall") / _median(plain, "process_wall")
        print(f"  training alone, labreport/plain fit:         {fit_ratio:.3f}  (goal <= 1.03)")
        print(f"  whole run, labreport whole / plain fit:      {whole_vs_fit:.3f}  (goal <= 1.10)")
        print(f"  whole run, labreport whole / plain whole:    {whole_ratio:.3f}")
        print(f"  process wall (imports included), ratio:      {process_ratio:.3f}")
        # On a shared 2-core machine one fit can be 30 % slower than the next, so
        # the ratios of medians above move with the load.  What labreport adds
        # does not: it is measured inside each labreport run, as its whole run
        # minus its fit (data, evaluation, diagnostics, run.json, figures, PDF).
        besides_fit = statistics.median(r["times"]["whole"] - r["times"]["fit"] for r in ours)
        print(f"  labreport's work besides fit (per run):      {besides_fit:.2f} s median; "
              f"(plain fit + that) / plain fit = {(_median(plain, 'fit') + besides_fit) / _median(plain, 'fit'):.3f}")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                         "results": results, "load_after": load_after}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
