"""Epoch time of the default experiment's LSTM: Keras' own shuffle against labreport's per-epoch batches.

    PYTHONPATH=. python benchmarks/shuffle_overhead.py [--rounds 2] [--epochs 3] [--backend tensorflow]

One process; the two ways alternate, each a fresh model of the shipped spec
(`experiments/remember_important_tasks.yaml`: 3,200 training sequences of 300 steps,
batch 32, 100 steps an epoch) fitted for --epochs epochs with the validation data.
Epoch 1 compiles the step and is left out; the median of the later epochs is printed
per way (wall clock and the process's CPU time), and the ratios.  "keras" is ``fit(x, y, batch_size=32, shuffle=True)`` as
labreport trained before; "labreport" is ``fit(**fit_arguments(...))`` (train/batches.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--backend", default="tensorflow", choices=["tensorflow", "jax", "torch"])
    args = parser.parse_args()

    from labreport.train.backend import select_backend
    from labreport.training import inference_batch_size, input_shape
    select_backend(args.backend)
    import keras

    from labreport.data import load_dataset
    from labreport.model import build_model
    from labreport.spec import load_spec
    from labreport.train.batches import fit_arguments

    spec = load_spec(REPO / "experiments" / "remember_important_tasks.yaml")
    spec = spec.model_copy(update={"training": spec.training.model_copy(update={"backend": args.backend})})
    dataset = load_dataset(spec.dataset, spec.training)
    training = spec.training

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started, self.cpu_started = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.started)
            self.cpu_seconds.append(time.process_time() - self.cpu_started)

    ways = ["keras", "labreport"]
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    cpu_seconds: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(args.rounds):
        for way in seconds:
            keras.utils.set_random_seed(training.seed)
            model = build_model(spec.model, training, input_shape(dataset))
            if way == "keras":
                data = {"x": dataset.x_train, "y": dataset.y_train, "batch_size": training.batch_size, "shuffle": True}
            else:
                data = fit_arguments(dataset.x_train, dataset.y_train, batch_size=training.batch_size,
                                     seed=training.seed, initial_epoch=0, epochs=args.epochs)
            timer = Timer()
            timer.seconds, timer.cpu_seconds = [], []
            model.fit(**data, validation_data=(dataset.x_val, dataset.y_val),
                      validation_batch_size=inference_batch_size(training), epochs=args.epochs,
                      callbacks=[timer], verbose=0)
            seconds[way].extend(timer.seconds[1:])
            cpu_seconds[way].extend(timer.cpu_seconds[1:])
            print(way, "wall", [round(s, 2) for s in timer.seconds], "cpu", [round(s, 2) for s in timer.cpu_seconds],
                  flush=True)
    medians = {way: statistics.median(values) for way, values in seconds.items()}
    cpu_medians = {way: statistics.median(values) for way, values in cpu_seconds.items()}
    print(json.dumps({"backend": args.backend, "median_epoch_seconds": medians,
                      "ratio_labreport_to_keras": medians["labreport"] / medians["keras"],
                      "median_epoch_cpu_seconds": cpu_medians,
                      "cpu_ratio_labreport_to_keras": cpu_medians["labreport"] / cpu_medians["keras"],
                      "epochs": {way: [round(s, 2) for s in values] for way, values in seconds.items()},
                      "epochs_cpu": {way: [round(s, 2) for s in values] for way, values in cpu_seconds.items()}}))


if __name__ == "__main__":
    main()
