"""Data stage: a dataset spec in, a ``Dataset`` of NumPy arrays out.

Loaders live behind a registry keyed by the spec's ``source``, so a new
source is one module and one line here.  No loader imports TensorFlow at
module import time; the ones that need Keras' text tools import it inside.
"""

from __future__ import annotations

from typing import Callable

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
    return LOADERS[dataset_spec.source](dataset_spec, training_spec)
