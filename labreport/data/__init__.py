"""Data stage: a dataset spec in, a ``Dataset`` of NumPy arrays out.

Which sources exist, and how each is loaded and checked, is the registry's
(labreport/sources/registry.py): one module per source under labreport/sources/.  No
loader imports TensorFlow at module import time; the ones that need Keras'
text tools import it inside.  Importing this package imports neither NumPy
nor pydantic (the CLI's help reads the registry's names): ``Dataset`` and
the helpers are loaded on first use.
"""

from __future__ import annotations

__all__ = ["Dataset", "check_data", "load_dataset", "describe_lengths", "split_validation"]

_FROM_DATASET = ("Dataset", "describe_lengths", "split_validation")


def __getattr__(name):
    if name in _FROM_DATASET:
        from . import dataset
        return getattr(dataset, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_dataset(dataset_spec, training_spec):
    """Load the data a spec names, already split into train, validation and test."""
    from ..sources import registry
    return registry.function(registry.get(dataset_spec.source).load)(dataset_spec, training_spec)


def missing_note(path: str) -> str:
    """validate's note for a data file not there yet, with the files of its kind that are beside it."""
    from pathlib import Path

    from .dataset import beside_words
    return "not there yet; `labreport run` reads it." + beside_words(path, Path(path).suffix or ".csv")


def check_data(dataset_spec) -> list[str]:
    """What `labreport run` refuses in the data before training, checked the same way (the same readers, so
    the same messages) without tokenising or training: for `labreport validate`.  Returns the data paths not
    there yet (a spec may be written before its data is downloaded; `run` says so then); Keras' own IMDB
    cache is not downloaded here."""
    import os
    from pathlib import Path

    from ..sources import registry

    source = registry.get(dataset_spec.source)
    paths = [getattr(dataset_spec, key, None) for key in source.file_keys]
    missing = [str(path) for path in paths if path and not os.path.lexists(Path(path).expanduser())]
    if source.check is not None:
        registry.function(source.check)(dataset_spec, missing)
    return missing
