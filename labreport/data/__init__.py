"""Data stage: a dataset spec in, a ``Dataset`` of NumPy arrays out.

Loaders live behind a registry keyed by the spec's ``source``, so a new
source is one module and one line here.  No loader imports TensorFlow at
module import time; the ones that need Keras' text tools import it inside.
"""

from __future__ import annotations

from typing import Callable

from .dataset import Dataset, describe_lengths, split_validation

__all__ = ["Dataset", "check_data", "load_dataset", "describe_lengths", "split_validation", "LOADERS"]


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


def check_data(dataset_spec) -> list[str]:
    """What `labreport run` refuses in the data before training, checked the same way (the same readers, so
    the same messages) without tokenising or training: for `labreport validate`.  Returns the data paths not
    there yet (a spec may be written before its data is downloaded; `run` says so then); Keras' own IMDB
    cache is not downloaded here."""
    import os
    from pathlib import Path

    source = dataset_spec.source
    paths = [getattr(dataset_spec, key, None) for key in ("path", "test_path")]
    missing = [str(path) for path in paths if path and not os.path.lexists(Path(path).expanduser())]
    if source == "csv":
        from .csv_text import read_table
        for path in paths:
            if path and str(path) not in missing:
                read_table(Path(path).expanduser(), dataset_spec)
    elif source == "text-folder" and not missing:
        from .text_folder import check_layout
        check_layout(dataset_spec)
    elif source == "keras-imdb" and dataset_spec.path and not missing:
        from .imdb import _check_shapes, read_npz
        path = Path(dataset_spec.path).expanduser()
        arrays = read_npz(path)
        for part in ("train", "test"):
            _check_shapes(path, part, arrays[f"x_{part}"], arrays[f"y_{part}"])
    return missing
