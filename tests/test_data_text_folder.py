"""The text-folder loader on a small tree in the aclImdb layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from labreport.data.text_folder import load
from labreport.errors import DataError
from labreport.sources.text_folder import TextFolderDataset
from labreport.spec import TrainingSpec

WORDS = {"neg": "awful boring bad <br /> waste", "pos": "great wonderful, loved it!", "unsup": "no label"}


def _make_tree(root: Path, counts: dict[str, dict[str, int]]) -> Path:
    for split, per_class in counts.items():
        for name, n in per_class.items():
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(n):
                (folder / f"{i}_{i % 10 + 1}.txt").write_text(f"{WORDS.get(name, name)} review {i}", encoding="utf-8")
    return root


@pytest.fixture
def acl_imdb(tmp_path) -> Path:
    return _make_tree(tmp_path / "aclImdb", {
        "train": {"neg": 30, "pos": 30, "unsup": 5},
        "test": {"neg": 10, "pos": 10},
    })


def _spec(path, **fields) -> TextFolderDataset:
    return TextFolderDataset(source="text-folder", path=str(path), **fields)


def _load_error(spec) -> str:
    with pytest.raises(DataError) as error:
        load(spec, TrainingSpec())
    return str(error.value)


def test_aclimdb_layout_leaves_unsup_out(acl_imdb):
    data = load(_spec(acl_imdb, sequence_length=6), TrainingSpec())
    assert data.class_names == ["neg", "pos"]
    assert data.sizes() == {"train": 48, "validation": 12, "test": 20}
    assert data.description["left_out_folders"] == ["unsup"]
    assert data.description["files"] == {"train": {"neg": 30, "pos": 30}, "test": {"neg": 10, "pos": 10}}
    assert data.x_train.dtype == np.int32 and data.x_train.shape == (48, 6)
    # Files are read class by class; the seeded shuffle must put both classes in validation.
    assert set(np.unique(data.y_val)) == {0, 1}
    assert "br" not in data.description["top_words"]
    json.dumps(data.summary())


def test_class_names_set_the_class_order(acl_imdb):
    data = load(_spec(acl_imdb, class_names=["pos", "neg"]), TrainingSpec())
    assert data.class_names == ["pos", "neg"]
    assert data.description["left_out_folders"] == ["unsup"]
    great = data.description["top_words"].index("great") + 2  # index in the vocabulary
    positives = np.concatenate([data.x_train, data.x_val])[np.concatenate([data.y_train, data.y_val]) == 0]
    assert (positives == great).any(axis=1).all()


def test_same_seed_same_order(acl_imdb):
    first = load(_spec(acl_imdb), TrainingSpec(seed=5))
    again = load(_spec(acl_imdb), TrainingSpec(seed=5))
    np.testing.assert_array_equal(first.x_train, again.x_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)


def test_missing_folder(tmp_path):
    path = tmp_path / "nowhere"
    message = _load_error(_spec(path))
    assert str(path) in message and "folder not found" in message


def test_missing_test_folder(tmp_path):
    root = _make_tree(tmp_path / "data", {"train": {"neg": 2, "pos": 2}})
    message = _load_error(_spec(root))
    assert str(root / "test") in message and "dataset.test_dir" in message


def test_no_class_folders(tmp_path):
    root = tmp_path / "data"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    (root / "train" / "loose.txt").write_text("not in a class folder")
    message = _load_error(_spec(root))
    assert str(root / "train") in message and "no class folders" in message


def test_named_class_folder_missing(acl_imdb):
    message = _load_error(_spec(acl_imdb, class_names=["neg", "positive"]))
    assert str(acl_imdb / "train" / "positive") in message and "class folder not found" in message


def test_unsup_named_explicitly_is_missing_from_test(acl_imdb):
    message = _load_error(_spec(acl_imdb, class_names=["neg", "pos", "unsup"]))
    assert str(acl_imdb / "test" / "unsup") in message


def test_no_txt_files(tmp_path):
    root = _make_tree(tmp_path / "data", {"train": {"neg": 3, "pos": 3}, "test": {"neg": 2, "pos": 2}})
    for file in (root / "test" / "pos").iterdir():
        file.rename(file.with_suffix(".md"))
    message = _load_error(_spec(root))
    assert str(root / "test" / "pos") in message and "no .txt files" in message


def test_undecodable_file_is_named(tmp_path):
    root = _make_tree(tmp_path / "data", {"train": {"neg": 3, "pos": 3}, "test": {"neg": 2, "pos": 2}})
    bad = root / "train" / "pos" / "1_2.txt"
    bad.write_bytes(b"caf\xe9 au lait")
    message = _load_error(_spec(root))
    assert str(bad) in message and "byte 3" in message


def test_a_single_shared_class(tmp_path):
    root = _make_tree(tmp_path / "data", {"train": {"neg": 3, "pos": 3}, "test": {"neg": 2}})
    message = _load_error(_spec(root))
    assert str(root / "train") in message and "at least two" in message


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_padding_side_and_description(acl_imdb, padding):
    from labreport.data.text import STANDARDIZATION

    fields = {} if padding == "pre" else {"padding": "post", "truncating": "post"}
    data = load(_spec(acl_imdb, sequence_length=12, **fields), TrainingSpec())
    # Every text has 5-7 words, fewer than 12: the zeros are all on one side.
    for row in np.concatenate([data.x_train, data.x_val, data.x_test]):
        nonzero = np.flatnonzero(row)
        assert 5 <= nonzero.size <= 7
        assert nonzero[-1 if padding == "pre" else 0] == (11 if padding == "pre" else 0)
        assert np.all(np.diff(nonzero) == 1)
    description = data.description
    assert (description["padding"], description["truncating"]) == (padding, padding)
    assert description["standardization"] == STANDARDIZATION
    assert f"padded with 0 at the {'start' if padding == 'pre' else 'end'}" in description["summary"]
