"""Raw review text to padded token ids: shared by the CSV and text-folder loaders.

Standardisation happens here in Python and ``TextVectorization`` runs with
``standardize=None`` and whitespace splitting, for three reasons:

* A custom ``standardize`` callable receives a ``tf.Tensor`` on the
  TensorFlow backend but a NumPy array of ``str`` on JAX (Keras converts it),
  so one callable written with ``tf.strings`` ops would break under
  ``training.backend: jax``.  Plain strings behave the same on both.
* Python's ``str.lower`` and Unicode categories cover non-ASCII text: curly
  quotes, dashes and the Devanagari danda are punctuation and go, while the
  combining vowel signs of Hindi words are letters' parts and stay (a
  ``[^\\w\\s]`` pattern would cut such words apart).
* The word counts and the out-of-vocabulary share in the report are computed
  from exactly the tokens the layer sees: after standardisation the only
  whitespace is single ASCII spaces, so ``str.split`` and the layer's
  ``tf.strings.split`` give the same tokens.
"""

from __future__ import annotations

import codecs
import functools
import html
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from .dataset import Dataset, describe_lengths, split_validation
from .imdb import pad_flat

# An HTML tag such as <br />, <i> or </p>; requiring a letter after '<' (or
# '</') leaves comparisons like "a < b > c" alone.
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# Apostrophes are deleted, not turned into spaces, so "don't" stays one word
# ("dont"), as Keras' own lower_and_strip_punctuation does.
_APOSTROPHES = "'\u2019\u02bc"
# Characters of raw text shown in the report's example.
_EXAMPLE_CHARS = 300
# Texts per TextVectorization call: bounds the ragged intermediate tensors.
_CHUNK = 4096


def check_encoding(encoding: str, reading) -> None:
    """DataError unless Python knows ``encoding`` (dataset.encoding is free text in the spec)."""
    try:
        if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):
            raise LookupError(encoding)  # rot13, base64, zlib: codecs, not text encodings
    except LookupError:
        raise DataError(
            f"dataset.encoding '{encoding}' is not a text encoding Python knows (reading {reading}).",
            hint="Use e.g. utf-8, utf-8-sig, latin-1 or cp1252.",
        ) from None


@functools.lru_cache(maxsize=1)
def _punctuation_table() -> dict[int, str | None]:
    """str.translate table: punctuation (P*), symbols (S*) and control characters (Cc) -> space.

    Invisible format characters (Cf: soft hyphens, zero-width joiners,
    byte-order marks) are deleted, so they neither split nor stick to a word;
    the zero-width space separates words and becomes a space.
    """
    table: dict[int, str | None] = {}
    for cp in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(cp))
        if category[0] in "PS" or category == "Cc":
            table[cp] = " "
        elif category == "Cf":
            table[cp] = None
    table[0x200B] = " "
    for mark in _APOSTROPHES:
        table[ord(mark)] = None
    return table


# What ``standardize`` does, in words: recorded in run.json (dataset.standardization)
# and kept true by tests/test_data_csv.py.
STANDARDIZATION = (
    "lower-cased; HTML tags (e.g. <br />, also when written as &lt;br /&gt;) and HTML entities removed; "
    "punctuation, symbols (emoji included) and control characters replaced by spaces, apostrophes deleted "
    "(don't -> dont); invisible format characters deleted; letters and digits of every script kept"
)


def standardize(text: str) -> str:
    """Lower-case words separated by single spaces: HTML tags, entities and punctuation removed."""
    text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        # Entities decoded after the tags are gone; a tag that was written
        # escaped (&lt;br /&gt;) appears only now and goes too.
        text = _HTML_TAG.sub(" ", html.unescape(text))
    text = text.lower().translate(_punctuation_table())
    return " ".join(text.split())


@dataclass
class Encoded:
    """One set of texts as token ids, with what the report says about it."""

    x: np.ndarray          # (n, sequence_length) int32, padded and truncated as the spec says
    lengths: np.ndarray    # words per text, before padding
    oov_share: float       # share of its words mapped to [UNK] (index 1)


def _words_and_counts(texts: list[str]) -> tuple[np.ndarray, Counter]:
    lengths = np.zeros(len(texts), dtype=np.int64)
    counts: Counter = Counter()
    for i, text in enumerate(texts):
        words = text.split(" ") if text else []
        lengths[i] = len(words)
        counts.update(words)
    return lengths, counts


def _oov_share(counts: Counter, vocabulary: list[str]) -> float:
    total = sum(counts.values())
    if not total:
        return 0.0
    known = sum(counts.get(token, 0) for token in vocabulary[2:])
    return round((total - known) / total, 6)


def vectorize(train_texts: list[str], *held_out: list[str], vocabulary_size: int,
              sequence_length: int, where: str, padding: str = "pre",
              truncating: str = "pre") -> tuple[list[str], list[Encoded]]:
    """Adapt a TextVectorization on ``train_texts`` only; encode them and each held-out set.

    Returns the vocabulary (index -> token; 0 is padding, 1 is [UNK]) and one
    ``Encoded`` per set, training set first.  Every text is padded and
    truncated to ``sequence_length`` as ``keras.utils.pad_sequences`` does it:
    ``padding``/``truncating`` "pre" put the zeros at the start and cut the
    start, so a recurrent layer ends on the text's last words (the layer's own
    ``output_sequence_length`` could only pad and cut at the end).  ``where``
    names the data (file and column) in the error raised when every training
    text is empty after standardisation.
    """
    standardized = [[standardize(t) for t in texts] for texts in (train_texts, *held_out)]
    words = [_words_and_counts(texts) for texts in standardized]
    if not words[0][0].any():
        raise DataError(
            f"{where}: every training text is empty once HTML tags and punctuation are removed, "
            "so there are no words to learn from.",
            hint="Check that dataset.text_column (or the files) holds the review text.",
        )

    from keras.layers import TextVectorization

    # No output_sequence_length: each chunk comes back padded at the end to
    # its longest text, and pad_flat pads and cuts to the spec's length.
    layer = TextVectorization(
        max_tokens=vocabulary_size,
        standardize=None,
        split="whitespace",
        output_mode="int",
    )
    # An object array of str converts to a string tensor about twice as fast
    # as a list does, on every backend.
    layer.adapt(np.array(standardized[0], dtype=object))
    vocabulary = [str(token) for token in layer.get_vocabulary()]

    def ids(texts: list[str], lengths: np.ndarray) -> np.ndarray:
        # Every text's ids end to end; a text of n words has exactly n ids,
        # none of them 0 (the padding index), since standardised words are
        # separated by single spaces.
        flat = [np.zeros(0, dtype=np.int32)]
        for i in range(0, len(texts), _CHUNK):
            chunk_lengths = lengths[i: i + _CHUNK]
            if not chunk_lengths.any():
                continue
            dense = np.asarray(layer(np.array(texts[i: i + _CHUNK], dtype=object)))
            if not np.array_equal(np.count_nonzero(dense, axis=1), chunk_lengths):
                raise RuntimeError("TextVectorization split a standardised text into other words than str.split")
            flat.append(dense[np.arange(dense.shape[1])[None, :] < chunk_lengths[:, None]].astype(np.int32))
        return pad_flat(np.concatenate(flat), lengths, sequence_length, padding=padding, truncating=truncating)

    encoded = [
        Encoded(x=ids(texts, lengths), lengths=lengths, oov_share=_oov_share(counts, vocabulary))
        for texts, (lengths, counts) in zip(standardized, words)
    ]
    return vocabulary, encoded


def padding_sentence(sequence_length: int, padding: str, truncating: str) -> str:
    """How texts are fitted to ``sequence_length`` words, for the dataset summary."""
    return (f"each text is cut to its {'last' if truncating == 'pre' else 'first'} {sequence_length} words "
            f"or padded with 0 at the {'start' if padding == 'pre' else 'end'}")


def text_dataset(train_texts: list[str], y_train: np.ndarray, test_texts: list[str], y_test: np.ndarray,
                 class_names: list[str], *, spec, training, where: str, description: dict) -> Dataset:
    """The Dataset for labelled texts already split into train and test.

    Validation is split off first, by ``split_validation`` on row indices, so
    the vocabulary is adapted on the rows the model trains on and nothing else.
    """
    y_train = np.asarray(y_train, dtype=np.int32)
    y_test = np.asarray(y_test, dtype=np.int32)
    fit_rows, fit_y, val_rows, val_y = split_validation(
        np.arange(len(y_train)), y_train, training.validation_split,
        shuffle=training.validation_shuffle, seed=training.seed,
    )
    vocabulary, (fit, val, test) = vectorize(
        [train_texts[i] for i in fit_rows], [train_texts[i] for i in val_rows], list(test_texts),
        vocabulary_size=spec.vocabulary_size, sequence_length=spec.sequence_length, where=where,
        padding=spec.padding, truncating=spec.truncating,
    )
    # Lengths describe every training row, validation included, as for IMDB.
    train_lengths = np.concatenate([fit.lengths, val.lengths])

    example: dict = {}
    if len(test_texts):
        raw = test_texts[0]
        example = {
            "text": raw if len(raw) <= _EXAMPLE_CHARS else raw[:_EXAMPLE_CHARS].rstrip() + "…",
            "label": class_names[int(y_test[0])],
        }
    stats = {
        "lengths": describe_lengths(train_lengths, spec.sequence_length),
        "lengths_of": f"words per text of all {len(train_lengths):,} training rows, before padding",
        # The vocabulary comes from the training rows, so their share only
        # counts words cut by vocabulary_size; held-out rows add unseen words.
        "oov_share": fit.oov_share,
        "oov_share_validation": val.oov_share,
        "oov_share_test": test.oov_share,
        "empty_texts": int(sum(np.count_nonzero(part.lengths == 0) for part in (fit, val, test))),
        "example": example,
        "standardization": STANDARDIZATION,
        "padding": spec.padding,
        "truncating": spec.truncating,
        "vocabulary_size_requested": spec.vocabulary_size,
        "vocabulary_size_used": len(vocabulary),
        "top_words": vocabulary[2:12],
    }
    return Dataset(
        x_train=fit.x, y_train=fit_y, x_val=val.x, y_val=val_y,
        x_test=test.x, y_test=y_test, class_names=list(class_names),
        vocabulary_size=len(vocabulary), description={**description, **stats},
    )
