"""The training batches: a new order every epoch, drawn from the training seed and the epoch number.

``model.fit(x, y, shuffle=True)`` does not give that on every backend: on
TensorFlow with ``keras.utils.set_random_seed`` set (Keras 3.12-3.15, TF 2.21)
it draws one permutation and repeats it every epoch, and on any backend the
order of an epoch depends on how many draws came before it, so a run resumed
from a checkpoint would not see the order an uninterrupted run sees.  Here the
order of epoch E (1-based) is ``numpy.random.default_rng([seed, E]).permutation(n)``,
whatever ran before, on TensorFlow, JAX and torch alike; the exported programs
draw it the same way.

Importing this module imports Keras (for ``keras.utils.PyDataset``): only
``training.train_one`` imports it, after the backend is chosen.
"""

from __future__ import annotations

import math

import keras
import numpy as np


def epoch_order(seed: int, epoch: int, n_samples: int) -> np.ndarray:
    """The order of the training samples in epoch ``epoch`` (1-based): a permutation of range(n_samples)."""
    return np.random.default_rng([int(seed), int(epoch)]).permutation(n_samples)


class EpochShuffledBatches(keras.utils.PyDataset):
    """The batches of epochs ``first_epoch`` to ``last_epoch`` (1-based), one after another.

    Batch ``i`` of the whole sequence is batch ``i % batches_per_epoch`` of epoch
    ``first_epoch + i // batches_per_epoch``: the epoch is read off the index, not
    counted by a hook, so Keras' prefetching of the next batches (tf.data runs the
    generator ahead, before ``on_epoch_begin``) cannot shift an epoch's order.
    ``fit`` gets it with ``steps_per_epoch=batches_per_epoch`` and ``shuffle=False``
    (the order is this class's); the last batch of an epoch is the partial one, as
    with ``fit(x, y, batch_size=...)``.  One worker, no process pool: a batch is a
    NumPy gather of ``batch_size`` rows, cheaper than handing it to a thread.
    """

    def __init__(self, x, y, *, batch_size: int, seed: int, first_epoch: int, last_epoch: int):
        super().__init__(workers=1, use_multiprocessing=False)
        self.x, self.y = x, y
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.first_epoch = int(first_epoch)
        self.last_epoch = int(last_epoch)
        self.n_samples = len(y)
        self.batches_per_epoch = math.ceil(self.n_samples / self.batch_size)
        self._drawn: tuple[int, np.ndarray] | None = None  # (epoch, its order): one object, swapped whole

    @property
    def num_batches(self) -> int:
        return self.batches_per_epoch * max(self.last_epoch - self.first_epoch + 1, 0)

    def __len__(self) -> int:
        return self.num_batches

    def order(self, epoch: int) -> np.ndarray:
        """The sample order of epoch ``epoch`` (1-based), drawn once and kept while that epoch lasts."""
        drawn = self._drawn
        if drawn is None or drawn[0] != epoch:
            drawn = self._drawn = (epoch, epoch_order(self.seed, epoch, self.n_samples))
        return drawn[1]

    def batch_indices(self, index: int) -> np.ndarray:
        """Which training samples (rows of x and y) form batch ``index`` of the sequence."""
        epoch, batch = divmod(int(index), self.batches_per_epoch)
        start = batch * self.batch_size
        return self.order(self.first_epoch + epoch)[start:start + self.batch_size]

    def __getitem__(self, index):
        if not 0 <= index < self.num_batches:
            raise IndexError(f"batch {index} of {self.num_batches}")
        rows = self.batch_indices(index)
        return self.x[rows], self.y[rows]


def fit_arguments(x, y, *, batch_size: int, seed: int, initial_epoch: int, epochs: int) -> dict:
    """``model.fit`` arguments for the training data of epochs ``initial_epoch + 1`` to ``epochs``.

    Pass them with ``initial_epoch`` and ``epochs`` (not ``batch_size`` or ``shuffle``).
    At least one epoch's batches are made even when ``fit`` trains none (a run
    resumed after it stopped early still calls ``fit``, for its callbacks'
    ``on_train_end``): Keras refuses an empty ``PyDataset``.
    """
    batches = EpochShuffledBatches(x, y, batch_size=batch_size, seed=seed, first_epoch=initial_epoch + 1,
                                   last_epoch=max(epochs, initial_epoch + 1))
    return {"x": batches, "steps_per_epoch": batches.batches_per_epoch, "shuffle": False}
