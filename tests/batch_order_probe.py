"""Which samples formed each training batch, as ``model.fit`` saw them; run as a script on one backend.

    python tests/batch_order_probe.py BACKEND [keras]

Three fits with labreport's batches (train/batches.py), each of a new model after
``keras.utils.set_random_seed``: epochs 1-3, the same again, and epochs 2-3 alone
(``initial_epoch=1``, as a run resumed from a checkpoint fits).  With ``keras`` only one
fit, with Keras' own ``fit(x, y, shuffle=True)``, to show the order Keras gives.

The toy model reveals its batches: input i is the one-hot vector of sample i and the
model one Dense unit without bias, so a step of plain SGD changes exactly the kernel
rows of the samples in the batch.  A callback reads the kernel after every batch (it is
not ``async_safe``, so on JAX too the hook runs after its own step) and the script
prints, as JSON, the sorted sample ids of every batch per epoch, per fit:
{"whole": {"1": [[...], ...], ...}, "again": ..., "resumed": ...}.
"""

from __future__ import annotations

import json
import os
import sys

N_SAMPLES, BATCH_SIZE, EPOCHS, SEED = 64, 16, 3, 7


def main() -> None:
    os.environ["KERAS_BACKEND"] = sys.argv[1]
    keras_order = sys.argv[2:] == ["keras"]
    import keras
    import numpy as np

    from labreport.train.batches import fit_arguments

    x = np.eye(N_SAMPLES, dtype="float32")
    y = np.ones((N_SAMPLES, 1), dtype="float32")  # from a kernel of 0 every sample has a gradient

    class Batches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen: dict[int, list[list[int]]] = {}

        def kernel(self):
            # self.model, not a model from outside: on JAX it brings the weights back from the step first.
            return np.array(self.model.get_weights()[0][:, 0])

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.before = epoch + 1, self.kernel()

        def on_train_batch_end(self, batch, logs=None):
            after = self.kernel()
            self.seen.setdefault(self.epoch, []).append([int(i) for i in np.flatnonzero(after != self.before)])
            self.before = after

    def fit(initial_epoch: int) -> dict:
        keras.utils.set_random_seed(SEED)
        model = keras.Sequential([keras.Input((N_SAMPLES,)),
                                  keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        if keras_order:
            data = {"x": x, "y": y, "batch_size": BATCH_SIZE, "shuffle": True}
        else:
            data = fit_arguments(x, y, batch_size=BATCH_SIZE, seed=SEED, initial_epoch=initial_epoch, epochs=EPOCHS)
        recorder = Batches()
        model.fit(**data, initial_epoch=initial_epoch, epochs=EPOCHS, callbacks=[recorder], verbose=0)
        return recorder.seen

    if keras_order:
        print(json.dumps({"whole": fit(0)}))
    else:
        print(json.dumps({"whole": fit(0), "again": fit(0), "resumed": fit(1)}))


if __name__ == "__main__":
    main()
