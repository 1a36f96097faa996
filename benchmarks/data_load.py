"""Loading and padding IMDB: labreport's loader against Keras' own steps.

    python benchmarks/data_load.py [--data PATH] [--repeats 5] [--spec imdb_assignment7]

Times, each in a fresh process (so the file is not warm in Python's memory; it
stays in the OS page cache after the first run, as it would for a student
running twice), medians of --repeats:

- labreport: ``load_dataset`` for the spec (read the npz with the array-only
  unpickler, shuffle, start mark, index offset, vocabulary cut, pad, split);
- keras:     ``np.load(allow_pickle=True)`` + Keras' ``imdb.load_data`` list
  comprehensions + ``keras.utils.pad_sequences`` (Keras imported first, not
  timed), i.e. what the plain Assignment 7 script does.

Goal: labreport's load + pad of the 25,000 + 25,000 reviews < 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_plain_keras import load_and_pad_like_keras  # noqa: E402 - the plain script's own steps, one copy

SHARED_IMDB = REPO.parent / "shared" / "data" / "imdb" / "imdb.npz"


def worker_labreport(data: Path, spec_name: str) -> dict:
    sys.path.insert(0, str(REPO))
    from labreport.data import load_dataset
    from labreport.pipeline import apply_overrides, resolve_spec

    spec, _ = resolve_spec(spec_name)
    spec = apply_overrides(spec, data=str(data))
    t = time.perf_counter()
    dataset = load_dataset(spec.dataset, spec.training)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "shape": list(dataset.x_train.shape), "test": list(dataset.x_test.shape)}


def worker_keras(data: Path, spec_name: str) -> dict:
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # noqa: F401 - imported before the clock starts, as in the plain script

    sys.path.insert(0, str(REPO))
    from labreport.pipeline import resolve_spec
    spec, _ = resolve_spec(spec_name)
    num_words, maxlen = spec.dataset.num_words, spec.dataset.sequence_length
    t = time.perf_counter()
    x_train, _, x_test, _ = load_and_pad_like_keras(data, num_words, maxlen)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "shape": list(x_train.shape), "test": list(x_test.shape)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_IMDB)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--spec", default="imdb_assignment7")
    parser.add_argument("--worker", choices=("labreport", "keras"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        fn = worker_labreport if args.worker == "labreport" else worker_keras
        print(json.dumps(fn(args.data, args.spec)))
        return 0
    if not args.data.exists():
        raise SystemExit(f"{args.data} not found; pass --data (benchmarks/vs_plain_keras.py can generate one)")
    print(f"data {args.data}, spec {args.spec}; load before: {open('/proc/loadavg').read().split()[:3]}")
    results = {"labreport": [], "keras": []}
    for _ in range(args.repeats):
        for variant in results:
            out = subprocess.run([sys.executable, __file__, "--worker", variant, "--data", str(args.data),
                                  "--spec", args.spec], capture_output=True, text=True, check=True)
            results[variant].append(json.loads(out.stdout.strip().splitlines()[-1]))
    for variant, runs in results.items():
        seconds = [r["seconds"] for r in runs]
        print(f"  {variant:9s} median {statistics.median(seconds):.2f} s  runs "
              f"{', '.join(f'{s:.2f}' for s in seconds)}  x_train {runs[0]['shape']} x_test {runs[0]['test']}")
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
