"""What labreport's diagnostics cost on a configuration, apart from training.

    python benchmarks/diagnostics.py [--spec imdb_assignment7] [--data PATH] [--repeats 3] [--backend tensorflow]

Loads the spec's data, builds its model (untrained: the diagnostics cost the
same at any weights), then calls ``compute_diagnostics`` --repeats times in
this process and prints each part's wall time (gradient norms per step for the
main cell and SimpleRNN at initial and "trained" weights; the LSTM gate
recomputation).  The first call includes one-off tracing/compilation; the
median of the later ones is what a second run in the same notebook would pay.
A fresh `labreport run` pays the first-call figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_IMDB = REPO.parent / "shared" / "data" / "imdb" / "imdb.npz"
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default="imdb_assignment7")
    parser.add_argument("--data", type=Path, default=SHARED_IMDB)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", choices=("tensorflow", "jax"), default="tensorflow")
    args = parser.parse_args(argv)

    from labreport.pipeline import apply_overrides, resolve_spec
    from labreport.train.backend import select_backend

    spec, _ = resolve_spec(args.spec)
    spec = spec.model_copy(update={"training": spec.training.model_copy(update={"backend": args.backend})})
    if spec.dataset.source != "generated":
        spec = apply_overrides(spec, data=str(args.data))
    select_backend(args.backend)
    import keras

    from labreport.data import load_dataset
    from labreport.train.probes import compute_diagnostics
    from labreport.model import build_model
    from labreport.training import TrainedModel, input_shape

    dataset = load_dataset(spec.dataset, spec.training)
    # The probes compare cells: the main model's and each cell baseline's (variants are not probed).
    cells = [spec.model.recurrent[0].cell, *(b.cell for b in spec.baselines() if b.kind == "cell")]
    models = []
    for cell in cells:
        keras.utils.set_random_seed(spec.training.seed)
        models.append(TrainedModel(cell=cell, model={}, history={}, batch_history={}, test={}, timing={},
                                   keras_model=build_model(spec.model, spec.training, input_shape(dataset),
                                                           cell=None if cell == cells[0] else cell)))
    print(f"{args.spec} ({args.backend}): cells {cells}; load before: {open('/proc/loadavg').read().split()[:3]}")
    totals, parts = [], []
    for i in range(args.repeats):
        seconds: dict = {}
        t = time.perf_counter()
        compute_diagnostics(spec, dataset, models[0], models[1:], seconds=seconds)
        totals.append(time.perf_counter() - t)
        parts.append(seconds)
        print(f"  call {i + 1}: {totals[-1]:.2f} s  {seconds}", flush=True)
    later = totals[1:] or totals
    print(f"first call {totals[0]:.2f} s; later calls median {statistics.median(later):.2f} s; "
          f"load after: {open('/proc/loadavg').read().split()[:3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
