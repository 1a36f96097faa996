"""IMDB as raw text (a Kaggle-layout CSV, an aclImdb-layout folder) learns like the keras-imdb source.

The files are rebuilt from the shared IMDB copy by benchmarks/imdb_text_files.py: the same reviews, in
the same train/test split, as a keras-imdb spec with limit_train/limit_test reads.  Before the text
sources padded at the front, the LSTM read up to sequence_length - 1 padding steps after each review and
stayed near chance on the CSV (BENCHMARKS.md, "IMDB as text files").  Slow: three small trainings,
about 2 minutes on 2 cores.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from conftest import REPO
from labreport.data import load_dataset
from labreport.spec import validate_spec
from labreport.training import train_one

N_TRAIN, N_TEST = 4000, 2000
VOCABULARY, LENGTH = 5000, 120
# The three accuracies come from different vocabularies (Keras' word ranks over all 50,000 reviews
# against TextVectorization's over these 3,200), tokens ('br' and the start mark are words only to
# keras-imdb) and validation rows.  At this size that moves test accuracy by up to 0.024 (seeds 42 and 7;
# 2 epochs instead of 4: up to 0.063).  At 120 steps more than half the reviews are cut, so padding at
# the end costs less here than at the shipped specs' 200 (CSV, seed 42: 0.758 against 0.788 at the front);
# the padding side is therefore checked on the arrays themselves, and the accuracy gap checks the rest of
# the text pipeline (CSV parsing, standardisation, vocabulary).
TOLERANCE = 0.05


def _text_files_module():
    path = REPO / "benchmarks" / "imdb_text_files.py"
    spec = importlib.util.spec_from_file_location("imdb_text_files", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spec(dataset: dict):
    return validate_spec({
        "name": "pad",
        "dataset": {"sequence_length": LENGTH, **dataset},
        "model": {"embedding": {"output_dim": 16}, "recurrent": [{"cell": "lstm", "units": 16}], "compare": []},
        "training": {"batch_size": 32, "epochs": 4, "learning_rate": 0.002, "validation_split": 0.2, "seed": 42},
    })


def _assert_padded_at_the_front(x: np.ndarray) -> None:
    """Each row: zeros, then its words to the last column (all zeros only for an empty text)."""
    nonzero = x != 0
    first = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), x.shape[1])
    expected = np.arange(x.shape[1])[None, :] >= first[:, None]
    assert np.array_equal(nonzero, expected)
    # Short reviews really are padded, long ones cut.
    assert (first > 0).mean() > 0.1 and (first == 0).mean() > 0.1


@pytest.mark.slow
def test_csv_and_text_folder_pad_at_the_front_and_learn_like_keras_imdb(shared_imdb, tmp_path):
    files = _text_files_module().write_all(tmp_path / "imdb", shared_imdb, limit_train=N_TRAIN, limit_test=N_TEST)
    specs = {
        "keras-imdb": _spec({"source": "keras-imdb", "path": str(shared_imdb), "num_words": VOCABULARY,
                             "limit_train": N_TRAIN, "limit_test": N_TEST}),
        "csv": _spec({"source": "csv", "path": str(files["csv"]), "test_path": str(files["test_csv"]),
                      "labels": ["negative", "positive"], "vocabulary_size": VOCABULARY}),
        "text-folder": _spec({"source": "text-folder", "path": str(files["folder"]),
                              "class_names": ["neg", "pos"], "vocabulary_size": VOCABULARY}),
    }
    accuracy, median = {}, {}
    for source, spec in specs.items():  # keras-imdb first: the others are compared with it
        dataset = load_dataset(spec.dataset, spec.training)
        assert dataset.sizes() == {"train": 3200, "validation": 800, "test": 2000}
        assert (dataset.description["padding"], dataset.description["truncating"]) == ("pre", "pre")
        for x in (dataset.x_train, dataset.x_test):
            _assert_padded_at_the_front(x)
        median[source] = dataset.description["lengths"]["median"]
        if source != "keras-imdb":
            assert "br" not in dataset.description["top_words"]
            # The same reviews as keras-imdb's, so about as long once 'br' and the start mark are left out.
            assert 0.8 < median[source] / median["keras-imdb"] < 1.0
        accuracy[source] = train_one(spec, dataset, progress="none").test["accuracy"]

    assert accuracy["keras-imdb"] >= 0.70, accuracy  # it learned: the comparison means something
    for source in ("csv", "text-folder"):
        assert abs(accuracy[source] - accuracy["keras-imdb"]) <= TOLERANCE, accuracy

