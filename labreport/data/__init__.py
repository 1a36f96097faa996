"""Data stage: a dataset spec in, a ``Dataset`` of NumPy arrays out.

Loaders live behind a registry keyed by the spec's ``source``, so a new
source is one module and one line here.  No loader imports TensorFlow at
module import time; the ones that need Keras' text tools import it inside.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .dataset import Dataset, describe_lengths, split_validation

__all__ = ["Dataset", "load_dataset", "describe_lengths", "split_validation", "LOADERS"]


def _generated(spec, training):
    from .generated import load
    return load(spec, training)


def _keras_imdb(spec, training):
    from .imdb import load
    return load(spec, training)


def _csv(spec, training):
    from .csv_text import load
    return load(spec, training)


def _text_folder(spec, training):
    from .text_folder import load
    return load(spec, training)


LOADERS: dict[str, Callable] = {
    "generated": _generated,
    "keras-imdb": _keras_imdb,
    "csv": _csv,
    "text-folder": _text_folder,
}


def load_dataset(dataset_spec, training_spec) -> Dataset:
    """Load the data a spec names, already split into train, validation and test."""
    dataset = LOADERS[dataset_spec.source](dataset_spec, training_spec)
    check_not_empty(dataset, dataset_spec)
    return dataset


def check_not_empty(dataset: Dataset, dataset_spec) -> None:
    """Refuse token sequences that are all padding: a model would train on nothing but zeros."""
    if not dataset.vocabulary_size:
        return  # numeric features: zeros are values
    from ..errors import DataError

    for part, x in (("training", dataset.x_train), ("test", dataset.x_test)):
        if len(x) and not np.any(x):
            where = getattr(dataset_spec, "path", None) or dataset_spec.source
            raise DataError(
                f"{where}: every {part} sequence is empty (padding only) once the dataset's vocabulary "
                f"and length settings are applied.",
                hint="Raise dataset.num_words or dataset.vocabulary_size, lower dataset.skip_top, "
                     "or set dataset.oov_char so unknown words are kept as a mark.",
            )
