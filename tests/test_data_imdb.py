"""The keras-imdb loader against Keras' own load_data and pad_sequences, on tiny files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from labreport.data.imdb import load, pad_flat
from labreport.errors import DataError
from labreport.sources.keras_imdb import KerasImdbDataset
from labreport.spec import TrainingSpec

SHARED_NPZ = Path(__file__).resolve().parents[2] / "shared/data/imdb/imdb.npz"


def _object_array(sequences) -> np.ndarray:
    array = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        array[i] = list(sequence)
    return array


def _write_npz(path: Path, x_train, y_train, x_test, y_test) -> Path:
    np.savez(path, x_train=_object_array(x_train), y_train=np.asarray(y_train),
             x_test=_object_array(x_test), y_test=np.asarray(y_test))
    return path


@pytest.fixture
def tiny_npz(tmp_path) -> Path:
    """40 + 30 reviews of 1-40 word indices from a vocabulary of 60 (index 1 most frequent)."""
    rng = np.random.default_rng(0)

    def reviews(n):
        return [rng.integers(1, 61, size=rng.integers(1, 41)).tolist() for _ in range(n)]

    return _write_npz(tmp_path / "imdb.npz", reviews(40), rng.integers(0, 2, 40),
                      reviews(30), rng.integers(0, 2, 30))


def _spec(path, **fields) -> KerasImdbDataset:
    return KerasImdbDataset(source="keras-imdb", path=str(path), **fields)


@pytest.fixture
def keras_imdb(monkeypatch, tiny_npz):
    """keras.datasets.imdb.load_data reading the tiny file instead of downloading."""
    import keras.src.datasets.imdb as keras_imdb_module

    monkeypatch.setattr(keras_imdb_module, "get_file", lambda **kwargs: str(tiny_npz))
    return keras_imdb_module.load_data


KERAS_OPTIONS = [
    {},
    {"num_words": 20, "skip_top": 5},
    {"maxlen": 25},
    {"num_words": 30, "oov_char": None},
    {"start_char": None, "index_from": 0},
    {"start_char": 4, "oov_char": 3, "index_from": 5, "num_words": 40, "skip_top": 2},
]


@pytest.mark.parametrize("options", KERAS_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "defaults")
@pytest.mark.parametrize("padding,truncating", [("pre", "pre"), ("post", "post"), ("pre", "post")])
def test_matches_keras_load_data_then_pad_sequences(keras_imdb, tiny_npz, options, padding, truncating):
    import keras

    (x_train, y_train), (x_test, y_test) = keras_imdb(seed=7, **options)
    spec = _spec(tiny_npz, shuffle_seed=7, sequence_length=30, padding=padding, truncating=truncating, **options)
    data = load(spec, TrainingSpec(validation_split=0.25))

    def padded(sequences):
        return keras.utils.pad_sequences(list(sequences), maxlen=30, padding=padding, truncating=truncating)

    # Without validation_shuffle the validation rows are the last training rows.
    np.testing.assert_array_equal(np.concatenate([data.x_train, data.x_val]), padded(x_train))
    np.testing.assert_array_equal(np.concatenate([data.y_train, data.y_val]), y_train)
    np.testing.assert_array_equal(data.x_test, padded(x_test))
    np.testing.assert_array_equal(data.y_test, y_test)
    assert data.x_train.dtype == np.int32
    assert data.sizes()["validation"] == len(x_train) - int(len(x_train) * 0.75)
    largest = max(max(s, default=0) for s in list(x_train) + list(x_test))
    assert data.vocabulary_size == max(options.get("num_words") or 0, largest + 1)


def test_oov_share_and_lengths_describe_all_training_reviews(keras_imdb, tiny_npz):
    (x_train, _), _ = keras_imdb(num_words=20)
    data = load(_spec(tiny_npz, num_words=20, sequence_length=10, limit_train=5), TrainingSpec())
    tokens = np.concatenate([np.asarray(s) for s in x_train])
    # oov_char 2 is never a word here (index_from 3), so every 2 is a replaced word.
    assert data.description["oov_share"] == pytest.approx(np.mean(tokens == 2), abs=1e-6)
    lengths = [len(s) for s in x_train]
    assert data.description["lengths"]["max"] == max(lengths)
    assert data.description["lengths"]["truncated_share"] == pytest.approx(np.mean(np.array(lengths) > 10), abs=1e-4)
    json.dumps(data.summary())


def test_limits_take_the_first_reviews_after_shuffling(tiny_npz):
    full = load(_spec(tiny_npz), TrainingSpec(validation_split=0.5))
    limited = load(_spec(tiny_npz, limit_train=10, limit_test=4), TrainingSpec(validation_split=0.5))
    full_train = np.concatenate([full.x_train, full.x_val])
    np.testing.assert_array_equal(np.concatenate([limited.x_train, limited.x_val]), full_train[:10])
    np.testing.assert_array_equal(limited.x_test, full.x_test[:4])
    assert limited.sizes() == {"train": 5, "validation": 5, "test": 4}
    assert limited.description["available"] == {"train": 40, "test": 30}


def test_validation_shuffle_uses_the_training_seed(tiny_npz):
    plain = load(_spec(tiny_npz), TrainingSpec())
    shuffled = load(_spec(tiny_npz), TrainingSpec(validation_shuffle=True, seed=3))
    again = load(_spec(tiny_npz), TrainingSpec(validation_shuffle=True, seed=3))
    np.testing.assert_array_equal(shuffled.x_val, again.x_val)
    assert not np.array_equal(plain.x_val, shuffled.x_val)


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [1, 7, 50])
def test_pad_flat_equals_pad_sequences(padding, truncating, maxlen):
    import keras

    rng = np.random.default_rng(maxlen)
    sequences = [rng.integers(1, 1000, size=rng.integers(0, 20)).tolist() for _ in range(200)]
    sequences[3] = []  # an empty review stays all padding
    lengths = np.array([len(s) for s in sequences])
    tokens = np.array([t for s in sequences for t in s], dtype=np.int64)
    expected = keras.utils.pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(pad_flat(tokens, lengths, maxlen, padding=padding, truncating=truncating), expected)


def test_example_is_decoded_with_the_word_index_next_to_the_file(tmp_path):
    path = _write_npz(tmp_path / "imdb.npz", [[1, 2], [3]], [0, 1], [[1, 2, 3, 9]], [1])
    (tmp_path / "imdb_word_index.json").write_text(json.dumps({"the": 1, "film": 2, "works": 3}))
    data = load(_spec(path, num_words=7), TrainingSpec(validation_split=0.5))
    example = data.description["example"]
    # 9 + index_from is beyond num_words: the reader sees where a word was cut.
    assert example == {"tokens": [1, 4, 5, 6, 2], "label": "positive", "length": 5,
                       "text": "the film works [OOV]"}


def test_example_keeps_token_ids_without_a_word_index(tiny_npz):
    example = load(_spec(tiny_npz), TrainingSpec()).description["example"]
    assert "text" not in example
    assert example["tokens"][0] == 1


def test_maxlen_that_keeps_nothing_is_a_data_error(tiny_npz):
    with pytest.raises(DataError) as error:
        load(_spec(tiny_npz, maxlen=2), TrainingSpec())
    assert str(tiny_npz) in str(error.value) and "maxlen" in str(error.value)


@pytest.mark.parametrize("content,expected", [
    (None, "file not found"),
    (b"not a zip archive", "not an .npz file"),
])
def test_unreadable_files_are_data_errors(tmp_path, content, expected):
    path = tmp_path / "imdb.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError) as error:
        load(_spec(path), TrainingSpec())
    assert str(path) in str(error.value) and expected in str(error.value)
    assert error.value.hint


def test_missing_arrays_are_named(tmp_path):
    path = tmp_path / "imdb.npz"
    np.savez(path, x_train=_object_array([[1]]), y_train=np.array([1]))
    with pytest.raises(DataError) as error:
        load(_spec(path), TrainingSpec())
    assert str(path) in str(error.value)
    assert "x_test, y_test" in str(error.value) and "x_train, y_train" in str(error.value)


def test_labels_other_than_0_and_1_are_refused(tmp_path):
    path = _write_npz(tmp_path / "imdb.npz", [[1], [2]], [0, 3], [[1]], [1])
    with pytest.raises(DataError) as error:
        load(_spec(path), TrainingSpec())
    assert str(path) in str(error.value) and "y_train[1] is 3" in str(error.value)


def test_a_negative_word_index_names_its_row_in_the_file(tmp_path):
    x_train = [[1, 2]] * 20
    x_train[13] = [4, -1]
    path = _write_npz(tmp_path / "imdb.npz", x_train, [0, 1] * 10, [[1]], [1])
    with pytest.raises(DataError) as error:
        load(_spec(path), TrainingSpec())
    # Row 13 of the file, although the loader shuffled the reviews first.
    assert str(path) in str(error.value) and "x_train[13]" in str(error.value)


def test_mismatched_lengths_are_refused(tmp_path):
    path = _write_npz(tmp_path / "imdb.npz", [[1], [2]], [0], [[1]], [1])
    with pytest.raises(DataError, match="x_train has shape"):
        load(_spec(path), TrainingSpec())


class _Gadget:
    """A pickle that would create a folder if the loader allowed arbitrary globals."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_pickle_that_runs_code_is_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "imdb.npz"
    x_train = np.empty(1, dtype=object)
    x_train[0] = _Gadget(marker)
    np.savez(path, x_train=x_train, y_train=np.array([1]), x_test=_object_array([[1]]), y_test=np.array([1]))
    with pytest.raises(DataError) as error:
        load(_spec(path), TrainingSpec())
    assert str(path) in str(error.value) and "refused" in str(error.value)
    assert not marker.exists()


def test_offline_without_cache_says_to_set_dataset_path(monkeypatch):
    import keras

    def offline(**kwargs):
        raise Exception(f"URL fetch failure on {kwargs['origin']}: None -- [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(DataError) as error:
        load(KerasImdbDataset(source="keras-imdb"), TrainingSpec())
    assert "imdb.npz" in str(error.value) and "could not be downloaded" in str(error.value)
    assert "dataset.path" in error.value.hint


@pytest.mark.skipif(not SHARED_NPZ.exists(), reason=f"the shared IMDB copy is not at {SHARED_NPZ}")
def test_shared_copy_gives_keras_first_review():
    data = load(_spec(SHARED_NPZ, sequence_length=300, padding="post"), TrainingSpec())
    assert data.sizes() == {"train": 20000, "validation": 5000, "test": 25000}
    assert data.description["available"] == {"train": 25000, "test": 25000}
    first = data.x_train[0]
    assert first[:10].tolist() == [1, 14, 22, 16, 43, 530, 973, 1622, 1385, 65]
    assert int(np.count_nonzero(first)) == 218  # no word has index 0, so non-zeros are its length
    assert data.class_names == ["negative", "positive"]
    assert data.description["example"]["text"]  # imdb_word_index.json lies next to it
    json.dumps(data.summary())
