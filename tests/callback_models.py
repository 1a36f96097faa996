"""A tiny compiled Keras model and data for the callback tests (imports Keras: only for those tests)."""

from __future__ import annotations

import numpy as np

N_TRAIN, BATCH = 64, 16  # four batches an epoch


def tiny_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_TRAIN + 32, 5)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32") + (x[:, 2] > 1).astype("int32")
    return (x[:N_TRAIN], y[:N_TRAIN]), (x[N_TRAIN:], y[N_TRAIN:])


def tiny_model(seed: int = 3):
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])
    # Adam: its moments and step count are optimizer state a resume must restore.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit(model, callbacks, *, epochs: int, initial_epoch: int = 0, nan_in_batch: int | None = None):
    """``nan_in_batch`` (1-based) puts a NaN input in that batch: its loss is NaN on every backend."""
    (x, y), validation = tiny_data()
    if nan_in_batch is not None:
        x = x.copy()
        x[(nan_in_batch - 1) * BATCH, 0] = np.nan
    # No shuffling: a resumed fit then sees the same batches an uninterrupted one does.
    return model.fit(x, y, validation_data=validation, batch_size=BATCH, epochs=epochs,
                     initial_epoch=initial_epoch, shuffle=False, callbacks=callbacks, verbose=0)
