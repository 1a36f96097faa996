"""The csv loader and the shared text standardisation, on small files made here."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from labreport.data.csv_text import load
from labreport.data.text import standardize
from labreport.errors import DataError
from labreport.sources.csv import CsvDataset
from labreport.spec import TrainingSpec

POSITIVE = [
    'A "wonderful" film, truly great.<br /><br />The cast shines.',
    "Great acting, great story; I loved it!",
    "Un café, s'il vous plaît: naïve but charming. Great fun.",
    "Loved it.\nSecond line of a great review.",
    "शानदार फ़िल्म, great!",
]
NEGATIVE = [
    "Awful. Just awful.<br />Boring plot, bad acting.",
    'I "hated" it, really bad; a waste of time.',
    "Terrible, terrible film... don't watch it.",
    "Bad.\r\nWorse on a second viewing.",
]


def _write_csv(path: Path, rows, header=("review", "sentiment"), encoding="utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def _kaggle_rows(n: int = 300) -> list[list[str]]:
    rows = []
    for i in range(n):
        positive = i % 2 == 0
        pool = POSITIVE if positive else NEGATIVE
        rows.append([f"{pool[i % len(pool)]} Review {i}.", "positive" if positive else "negative"])
    rows[7][0] = ""  # an empty review is kept, as an all-padding row
    return rows


@pytest.fixture
def kaggle_csv(tmp_path) -> Path:
    return _write_csv(tmp_path / "IMDB Dataset.csv", _kaggle_rows())


def _spec(path, **fields) -> CsvDataset:
    return CsvDataset(source="csv", path=str(path), **fields)


def _load_error(spec) -> str:
    with pytest.raises(DataError) as error:
        load(spec, TrainingSpec())
    assert error.value.hint is None or isinstance(error.value.hint, str)
    return str(error.value)


# --------------------------------------------------------------------------- standardisation


@pytest.mark.parametrize("raw,expected", [
    ("Great<br /><br />film", "great film"),
    ("A <i>very</i> good <BR/>one", "a very good one"),
    ("Don't stop, it's fine!", "dont stop its fine"),
    ("It\u2019s \u201cgreat\u201d \u2014 really\u2026", "its great really"),
    ("Rock &amp; roll", "rock roll"),
    ("a < b and c > d", "a b and c d"),
    ("  Tabs\tand\nnew\u00a0lines  ", "tabs and new lines"),
    ("Café NAÏVE", "café naïve"),
    ("हिंदी फ़िल्म।", "हिंदी फ़िल्म"),  # vowel signs are kept, the danda is punctuation
    ("", ""),
    ("End.<br/><br/>Next<p>para</p><div class=\"x\">in</div>", "end next para in"),
    ("Escaped &lt;br /&gt;&lt;br /&gt;tags &lt;i&gt;too&lt;/i&gt;", "escaped tags too"),
    ("dash\x96and\x85nel\x00nul", "dash and nel nul"),  # control characters (cp1252 read as latin-1)
    ("soft\u00adhyphen zero\u200bwidth \ufeffbom", "softhyphen zero width bom"),
    ("10/10, 5* \U0001F600 €20 #1 @you under_score", "10 10 5 20 1 you under score"),
    ("ÉCOLE Straße ΑΘΗΝΑ", "école straße αθηνα"),
])
def test_standardize(raw, expected):
    assert standardize(raw) == expected


MESSY = [
    ('Great film.<br /><br />"Loved" it, really; <i>great</i>!', "positive"),
    ("Don\u2019t miss it \u2014 superb&amp;great &lt;br /&gt; 10/10 \U0001F600", "positive"),
    ("Naïve, charmant: un café CRÈME… très bon ☺", "positive"),
    ("Awful<br/>boring<BR>plot <a href='x'>link</a> ... waste\x96of time", "negative"),
    ("शानदार नहीं। बकवास फ़िल्म!!! bad, bad.", "negative"),
    ("Terrible &quot;acting&quot; (really) — don't <b>watch</b>", "negative"),
]


def test_standardisation_removes_what_the_description_says(tmp_path):
    """The vocabulary a model sees holds only lower-case letters, marks and digits: no tag names, entities,
    punctuation, symbols or control characters, whatever the script."""
    import unicodedata

    from labreport.data.text import STANDARDIZATION, vectorize

    texts = [text for text, _ in MESSY]
    vocabulary, _ = vectorize(texts, vocabulary_size=1000, sequence_length=8, where="test")
    words = vocabulary[2:]
    for word in words:
        assert word == word.lower(), word
        assert all(unicodedata.category(c)[0] in "LMN" for c in word), word
    for gone in ("br", "i", "b", "a", "href", "amp", "lt", "gt", "quot", "x"):
        assert gone not in words, gone
    for kept in ("dont", "naïve", "café", "crème", "शानदार", "फ़िल्म", "10", "great", "waste", "of"):
        assert kept in words, kept

    path = _write_csv(tmp_path / "messy.csv", [list(row) for row in MESSY * 5])
    data = load(_spec(path, test_fraction=0.2), TrainingSpec(validation_split=0.2))
    assert data.description["standardization"] == STANDARDIZATION
    for claim in ("lower-cased", "HTML tags", "<br />", "entities", "punctuation", "control characters",
                  "apostrophes deleted"):
        assert claim in STANDARDIZATION
    assert "br" not in data.description["top_words"]


# --------------------------------------------------------------------------- loading


def test_kaggle_layout_loads(kaggle_csv):
    data = load(_spec(kaggle_csv, sequence_length=8), TrainingSpec())
    assert data.class_names == ["negative", "positive"]
    # 300 rows: 60 held out for testing, then Keras' validation_split of the 240 left.
    assert data.sizes() == {"train": 192, "validation": 48, "test": 60}
    for x in (data.x_train, data.x_val, data.x_test):
        assert x.dtype == np.int32 and x.shape[1] == 8
    assert data.vocabulary_size == data.description["vocabulary_size_used"]
    assert int(max(data.x_train.max(), data.x_val.max(), data.x_test.max())) < data.vocabulary_size
    description = data.description
    assert description["source"] == "csv" and description["rows"] == 300
    assert description["empty_texts"] == 1
    assert "br" not in description["top_words"]
    assert "great" in description["top_words"]
    assert description["example"]["label"] in data.class_names
    assert description["lengths"]["max"] > 8 and description["lengths"]["truncated_share"] > 0
    json.dumps(data.summary())


@pytest.mark.parametrize("padding,truncating", [("pre", "pre"), ("post", "post"), ("pre", "post"), ("post", "pre")])
def test_ids_follow_the_standardised_words(tmp_path, padding, truncating):
    rows = [["One two three two", "a"], ["three <br /> four", "b"]] * 10
    path = _write_csv(tmp_path / "small.csv", rows)
    data = load(_spec(path, sequence_length=3, test_fraction=0.1, padding=padding, truncating=truncating),
                TrainingSpec(validation_split=0.1))
    vocabulary = {}
    for row, label in zip(data.x_train, data.y_train):
        words = ["one", "two", "three", "two"] if data.class_names[label] == "a" else ["three", "four"]
        # Cut and padded as keras.utils.pad_sequences does it.
        kept = words[-3:] if truncating == "pre" else words[:3]
        zeros = 3 - len(kept)
        ids = row[zeros:] if padding == "pre" else row[: 3 - zeros]
        pad = row[:zeros] if padding == "pre" else row[3 - zeros:]
        assert pad.tolist() == [0] * zeros
        for word, token in zip(kept, ids.tolist()):
            assert vocabulary.setdefault(word, token) == token
    # Distinct words, distinct ids ("one" is cut when truncating at the front).
    assert len(set(vocabulary.values())) == len(vocabulary) == (3 if truncating == "pre" else 4)
    assert min(vocabulary.values()) >= 2
    assert data.description["lengths"]["max"] == 4
    assert (data.description["padding"], data.description["truncating"]) == (padding, truncating)
    # Only class 'a' has more words (4) than sequence_length (3).
    training_labels = np.concatenate([data.y_train, data.y_val])
    share_a = float(np.mean(training_labels == data.class_names.index("a")))
    assert data.description["lengths"]["truncated_share"] == pytest.approx(share_a, abs=1e-4)


def test_default_pads_and_truncates_at_the_front_like_pad_sequences(tmp_path):
    from keras.utils import pad_sequences

    texts = ["w1 w2", "w3 w4 w5 w6 w7 w8", "", "w2 w9 w3", "w5"] * 8
    path = _write_csv(tmp_path / "front.csv", [[t, "ab"[i % 2]] for i, t in enumerate(texts)])
    data = load(_spec(path, sequence_length=4, test_fraction=0.25), TrainingSpec(validation_split=0.25))
    assert (data.description["padding"], data.description["truncating"]) == ("pre", "pre")
    assert "padded with 0 at the start" in data.description["summary"]
    assert "last 4 words" in data.description["summary"]
    for row in np.concatenate([data.x_train, data.x_val, data.x_test]):
        # Every row is zeros first, then its (last) words: no zero after a word.
        nonzero = np.flatnonzero(row)
        assert not nonzero.size or nonzero.tolist() == list(range(nonzero[0], 4))
    # The same ids as pad_sequences gives on the unpadded ids.
    from labreport.data.text import vectorize
    _, (encoded,) = vectorize(texts, vocabulary_size=20, sequence_length=4, where="test")
    _, (post,) = vectorize(texts, vocabulary_size=20, sequence_length=4, where="test",
                           padding="post", truncating="post")
    unpadded = [row[row != 0].tolist() for row in vectorize(texts, vocabulary_size=20, sequence_length=10,
                                                            where="test")[1][0].x]
    assert encoded.x.tolist() == pad_sequences(unpadded, maxlen=4).tolist()
    assert post.x.tolist() == pad_sequences(unpadded, maxlen=4, padding="post", truncating="post").tolist()


def test_empty_review_is_all_padding(tmp_path):
    rows = [[text, label] for _ in range(20) for text, label in (("good film", "positive"), ("bad film", "negative"))]
    rows[0][0] = ""
    path = _write_csv(tmp_path / "reviews.csv", rows)
    data = load(_spec(path, test_fraction=0.1), TrainingSpec(validation_split=0.1))
    every_x = np.concatenate([data.x_train, data.x_val, data.x_test])
    assert int((every_x.sum(axis=1) == 0).sum()) == 1


def test_spec_labels_set_the_class_order(kaggle_csv):
    data = load(_spec(kaggle_csv, labels=["positive", "negative"]), TrainingSpec())
    assert data.class_names == ["positive", "negative"]
    reference = load(_spec(kaggle_csv), TrainingSpec())
    np.testing.assert_array_equal(data.y_test, 1 - reference.y_test)


def test_more_than_two_classes(tmp_path):
    rows = [[f"{word} review {i}", word] for i in range(30) for word in ("bad", "fine", "good")]
    path = _write_csv(tmp_path / "three.csv", rows)
    data = load(_spec(path), TrainingSpec())
    assert data.class_names == ["bad", "fine", "good"]
    assert set(np.unique(data.y_train)) == {0, 1, 2}


def test_split_is_seeded(kaggle_csv):
    first = load(_spec(kaggle_csv), TrainingSpec())
    again = load(_spec(kaggle_csv), TrainingSpec())
    other = load(_spec(kaggle_csv, split_seed=1), TrainingSpec())
    np.testing.assert_array_equal(first.x_test, again.x_test)
    assert not np.array_equal(first.y_test, other.y_test)


def test_test_path_and_vocabulary_from_training_rows_only(tmp_path):
    train = _write_csv(tmp_path / "train.csv", [["good film", "positive"], ["bad film", "negative"]] * 10)
    test = _write_csv(tmp_path / "test.csv", [["zebra film", "positive"], ["bad zebra", "negative"]])
    data = load(_spec(train, test_path=str(test)), TrainingSpec())
    assert data.sizes() == {"train": 16, "validation": 4, "test": 2}
    assert data.description["test_rows"] == 2
    # 'zebra' never occurs in training rows: [UNK] is index 1 (the two words end the padded row).
    assert data.x_test[0, -2] == 1 and data.x_test[1, -1] == 1
    assert data.description["oov_share_test"] == 0.5


def test_byte_order_mark_does_not_hide_the_first_column(tmp_path):
    path = _write_csv(tmp_path / "excel.csv", [["good", "positive"], ["bad", "negative"]] * 10, encoding="utf-8-sig")
    assert load(_spec(path), TrainingSpec()).class_names == ["negative", "positive"]


def test_latin1_file_with_matching_encoding(tmp_path):
    path = _write_csv(tmp_path / "latin.csv", [["très bon", "positive"], ["mauvais", "negative"]] * 10,
                      encoding="latin-1")
    assert load(_spec(path, encoding="latin-1"), TrainingSpec()).n_classes == 2


# --------------------------------------------------------------------------- errors


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    message = _load_error(_spec(path))
    assert str(path) in message and "file not found" in message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n")
    message = _load_error(_spec(path))
    assert str(path) in message and "empty" in message


def test_header_without_the_column_lists_the_columns(tmp_path):
    path = _write_csv(tmp_path / "cols.csv", [["good", "positive"]], header=("text", "sentiment"))
    message = _load_error(_spec(path))
    assert str(path) in message and "row 1" in message
    assert "no column 'review'" in message and "'text', 'sentiment'" in message


def test_header_only(tmp_path):
    path = _write_csv(tmp_path / "header.csv", [])
    message = _load_error(_spec(path))
    assert str(path) in message and "no data rows" in message


def test_a_single_class(tmp_path):
    path = _write_csv(tmp_path / "one.csv", [["good", "positive"], ["fine", "positive"]] * 5)
    message = _load_error(_spec(path))
    assert str(path) in message and "column 'sentiment'" in message and "single class" in message


def test_label_outside_spec_labels_names_the_row(tmp_path):
    rows = [["good", "positive"], ["a review\nover two lines", "negative"], ["meh", "neutral"]]
    path = _write_csv(tmp_path / "labels.csv", rows)
    message = _load_error(_spec(path, labels=["negative", "positive"]))
    # Header is row 1; the quoted two-line review is one row, so 'neutral' is row 4.
    assert str(path) in message and "row 4" in message and "column 'sentiment'" in message
    assert "'neutral'" in message


def test_test_label_unknown_to_the_training_file(tmp_path):
    train = _write_csv(tmp_path / "train.csv", [["good", "positive"], ["bad", "negative"]] * 5)
    test = _write_csv(tmp_path / "test.csv", [["good", "positive"], ["meh", "neutral"]])
    message = _load_error(_spec(train, test_path=str(test)))
    assert str(test) in message and "row 3" in message and "'neutral'" in message


def test_undecodable_bytes_name_row_column_and_byte(tmp_path):
    path = tmp_path / "latin.csv"
    content = "review,sentiment\ngood film,positive\n\"caf\xe9 ok\",negative\n".encode("latin-1")
    path.write_bytes(content)
    message = _load_error(_spec(path))
    assert str(path) in message and "row 3" in message and "column 'review'" in message
    assert f"byte {content.index(0xE9)}" in message and "0xe9" in message


@pytest.mark.parametrize("before,row,column", [
    ("review,sentiment\n", 2, "review"),                    # first byte of a row
    ("review,sentiment\ngood,positive\ngood,", 3, "sentiment"),
    ("review,sentiment\n\"two\nlines ", 2, "review"),        # inside a quoted field spanning lines
    ("review,sentiment\n\"ends in a newline\n", 2, "review"),
    ("rev", 1, None),                                         # in the header
])
def test_undecodable_byte_positions(tmp_path, before, row, column):
    path = tmp_path / "bad.csv"
    path.write_bytes(before.encode() + b"\xff rest\",positive\n")
    message = _load_error(_spec(path))
    assert f"row {row}" in message and f"byte {len(before.encode())}" in message
    if column:
        assert f"column '{column}'" in message


def test_every_review_empty(tmp_path):
    path = _write_csv(tmp_path / "blank.csv", [["", "positive"], ["<br />", "negative"], ["...", "positive"]] * 5)
    message = _load_error(_spec(path))
    assert str(path) in message and "column 'review'" in message and "empty" in message


def test_row_without_the_label_field(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("review,sentiment\ngood,positive\nno label here\n")
    message = _load_error(_spec(path))
    assert str(path) in message and "row 3" in message and "column 'sentiment'" in message


def test_empty_label(tmp_path):
    path = _write_csv(tmp_path / "nolabel.csv", [["good", "positive"], ["bad", " "]])
    message = _load_error(_spec(path))
    assert str(path) in message and "row 3" in message and "label is empty" in message


def test_unknown_encoding_name(kaggle_csv):
    message = _load_error(_spec(kaggle_csv, encoding="utf-9"))
    assert "utf-9" in message and str(kaggle_csv) in message


def test_unclosed_quote_swallowing_the_file(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('review,sentiment\ngood,positive\n"unclosed,negative\n' + ("more words,positive\n" * 8000))
    message = _load_error(_spec(path))
    assert str(path) in message and "row 3" in message and "cannot be parsed" in message


def test_a_missing_csv_names_the_csv_files_beside_it(tmp_path):
    """A typo in dataset.path: the message lists the CSV files that are there, in run and in validate."""
    from labreport.data import missing_note
    from labreport.data.csv_text import read_table
    from labreport.errors import DataError
    from labreport.sources.csv import CsvDataset

    for name in ("reviews_train.csv", "reviews_test.csv", "notes.txt", ".hidden.csv"):
        (tmp_path / name).write_text("review,sentiment\ngood,positive\n", encoding="utf-8")
    missing = tmp_path / "reviews.csv"
    with pytest.raises(DataError) as refused:
        read_table(missing, CsvDataset(source="csv", path=str(missing)))
    assert str(refused.value).endswith("Beside it: reviews_test.csv, reviews_train.csv.")
    assert missing_note(str(missing)) == ("not there yet; `labreport run` reads it. "
                                          "Beside it: reviews_test.csv, reviews_train.csv.")
    assert missing_note(str(tmp_path / "nowhere" / "x.csv")) == "not there yet; `labreport run` reads it."
