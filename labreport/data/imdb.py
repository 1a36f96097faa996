"""IMDB reviews as word indices, with ``keras.datasets.imdb.load_data`` semantics.

The reviews are ragged lists of word indices.  Keras processes them with
nested list comprehensions; here every review is flattened into one NumPy
array of tokens plus an array of lengths, so the shuffle, the start mark, the
index offset, the ``maxlen`` filter, the ``num_words``/``skip_top`` cut and
the padding are whole-array operations.  The results are the same as Keras'
followed by ``keras.utils.pad_sequences`` (the tests compare them).

Neither path imports Keras unless the file must come from Keras' download
cache: importing Keras fixes its backend, which the training stage chooses.
"""

from __future__ import annotations

import gc
import io
import itertools
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..safe_io import DATA_BYTES, MB, NPZ_UNPACKED_BYTES, UnreadableFile, check_regular, excerpt, read_bounded
from .dataset import Dataset, describe_lengths, split_validation, beside_words

CLASS_NAMES = ["negative", "positive"]

# Keras' download location and the SHA-256 / MD5 it checks the files against
# (keras/src/datasets/imdb.py).
_ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_NPZ_NAME = "imdb.npz"
_NPZ_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_WORD_INDEX_NAME = "imdb_word_index.json"
_WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"

# Words of the first test review shown in the report.
_EXAMPLE_WORDS = 60


# --------------------------------------------------------------------------- reading the file


# An object array is stored as a pickle stream.  Rebuilding one needs only
# these globals (numpy < 2 and >= 2 spellings); refusing everything else means
# a tampered .npz named in a shared spec cannot run code.  This is what Keras
# itself does since 3.x (keras/src/datasets/npz_utils.py); it is reimplemented
# here because that module is private and importing it would import Keras.
_ALLOWED_PICKLE_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
})


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load '{module}.{name}' (only NumPy arrays are allowed)")


def _read_npy(stream) -> np.ndarray:
    try:
        # Numeric arrays need no pickle at all.
        return np.lib.format.read_array(stream, allow_pickle=False)
    except ValueError:
        stream.seek(0)
        major, _ = np.lib.format.read_magic(stream)
        if major == 1:
            np.lib.format.read_array_header_1_0(stream)
        elif major in (2, 3):
            # Format 3.0 differs from 2.0 only in the header's text encoding;
            # the header-length layout skipped here is the same.
            np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy format version {major}") from None
        # 50,000 freshly built lists would trigger many cyclic-GC passes
        # over a growing heap; none of them can be garbage yet.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return _ArrayOnlyUnpickler(stream).load()
        finally:
            if collecting:
                gc.enable()


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a Keras-layout imdb.npz; DataError naming the file if it is not one."""
    hint = (
        "dataset.path must be an imdb.npz in Keras' layout: object arrays x_train and x_test "
        "(one list of word indices per review) and integer arrays y_train and y_test (0 or 1)."
    )
    try:
        check_regular(path, DATA_BYTES)
    except UnreadableFile as exc:
        reason = {"file not found": "file not found", "is a folder, not a file": "is a folder, not an .npz file"}.get(
            str(exc), str(exc))
        beside = beside_words(path, ".npz") if reason == "file not found" else ""
        raise DataError(f"{path}: {reason}.", hint=hint + beside) from None
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            # A zip states each member's size; a small file can state (and inflate to) gigabytes.
            unpacked = sum(info.file_size for info in archive.infolist() if info.filename.endswith(".npy"))
            if unpacked > NPZ_UNPACKED_BYTES:
                raise DataError(
                    f"{path}: its arrays unpack to {unpacked / MB:,.0f} MB, more than the "
                    f"{NPZ_UNPACKED_BYTES / MB:,.0f} MB allowed (Keras' imdb.npz unpacks to about 130 MB).",
                    hint=hint)
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                with archive.open(member) as raw:
                    # read at most the stated size (+1): a member that inflates past what it states is refused
                    limit = archive.getinfo(member).file_size
                    data = raw.read(limit + 1)
                    if len(data) > limit:
                        raise ValueError(f"{member} unpacks to more than the size it states")
                    arrays[member[: -len(".npy")]] = _read_npy(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError(f"{path}: not an .npz file (not a zip archive).", hint=hint) from None
    except (ValueError, EOFError, pickle.UnpicklingError, OSError) as exc:
        raise DataError(f"{path}: cannot be read as an .npz of arrays: {excerpt(str(exc), 100)}", hint=hint) from None
    missing = [key for key in ("x_train", "y_train", "x_test", "y_test") if key not in arrays]
    if missing:
        found = ", ".join(sorted(arrays)) or "no arrays"
        raise DataError(f"{path}: missing array(s) {', '.join(missing)} (the file has {found}).", hint=hint)
    return arrays


def _check_shapes(path: Path, part: str, reviews: np.ndarray, labels: np.ndarray) -> None:
    if reviews.ndim == 0 or labels.ndim != 1 or len(reviews) != len(labels):
        raise DataError(
            f"{path}: x_{part} has shape {reviews.shape} but y_{part} has shape {labels.shape}; "
            "they must hold one review and one label per row."
        )
    if not len(labels):
        raise DataError(f"{path}: x_{part} holds no reviews.")
    if not np.issubdtype(labels.dtype, np.integer) and not np.issubdtype(labels.dtype, np.bool_):
        raise DataError(f"{path}: y_{part} must hold integer labels 0 or 1, not {labels.dtype}.")
    bad = np.flatnonzero((labels != 0) & (labels != 1))
    if bad.size:
        raise DataError(
            f"{path}: y_{part}[{int(bad[0])}] is {int(labels[bad[0]])}; labels must be 0 (negative) or 1 (positive)."
        )


def _flatten(path: Path, part: str, reviews: np.ndarray, labels: np.ndarray, file_rows: np.ndarray):
    """(tokens of all reviews end to end int64, lengths int64, labels int64).

    ``file_rows[i]`` is review i's row in the file, for messages (the reviews
    arrive shuffled).
    """
    try:
        lengths = np.fromiter(map(len, reviews), dtype=np.int64, count=len(reviews))
        tokens = np.fromiter(itertools.chain.from_iterable(reviews), dtype=np.int64, count=int(lengths.sum()))
    except (TypeError, ValueError, OverflowError):
        raise DataError(
            f"{path}: x_{part} must hold one list of integer word indices per review."
        ) from None
    if tokens.size and tokens.min() < 0:
        review = int(np.searchsorted(np.cumsum(lengths), int(np.argmax(tokens < 0)), side="right"))
        raise DataError(f"{path}: x_{part}[{int(file_rows[review])}] holds a negative word index.")
    return tokens, lengths, labels.astype(np.int64)


# --------------------------------------------------------------------------- token arrays


class _Part:
    """One of train/test: all reviews' tokens end to end, their lengths and labels."""

    def __init__(self, tokens: np.ndarray, lengths: np.ndarray, labels: np.ndarray):
        self.tokens = tokens
        self.lengths = lengths
        self.labels = labels

    def take(self, order: np.ndarray) -> "_Part":
        """Reviews in ``order`` (indices, or a boolean mask over reviews)."""
        order = np.asarray(order)
        if order.dtype == np.bool_:
            order = np.flatnonzero(order)
        offsets = _offsets(self.lengths)
        lengths = self.lengths[order]
        # Source position of every kept token: the review's offset repeated
        # for its length, plus the position inside the review.
        starts = np.repeat(offsets[order], lengths)
        within = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(_offsets(lengths), lengths)
        return _Part(self.tokens[starts + within], lengths, self.labels[order])

    def head(self, n: int) -> "_Part":
        """The first ``n`` reviews (a prefix of the token array, no copy)."""
        return _Part(self.tokens[: int(self.lengths[:n].sum())], self.lengths[:n], self.labels[:n])

    def review(self, i: int) -> np.ndarray:
        start = int(self.lengths[:i].sum())
        return self.tokens[start: start + int(self.lengths[i])]


def _offsets(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths), dtype=np.int64)
    if len(lengths) > 1:
        np.cumsum(lengths[:-1], out=offsets[1:])
    return offsets


def pad_flat(tokens, lengths, maxlen: int, *, padding: str = "pre", truncating: str = "pre",
             value=0, dtype=np.int32) -> np.ndarray:
    """``keras.utils.pad_sequences`` for sequences stored end to end in ``tokens``.

    Row i is ``tokens[offset_i : offset_i + lengths[i]]``; it is cut to its
    last (``truncating="pre"``) or first (``"post"``) ``maxlen`` tokens and
    placed at the right (``padding="pre"``) or left (``"post"``) of a row of
    ``value``.
    """
    tokens = np.asarray(tokens)
    lengths = np.asarray(lengths, dtype=np.int64)
    n = len(lengths)
    kept = np.minimum(lengths, maxlen)
    source_start = _offsets(lengths) + (lengths - kept if truncating == "pre" else 0)
    target_start = maxlen - kept if padding == "pre" else np.zeros(n, dtype=np.int64)
    # For every cell, its position inside the kept part of its sequence.
    position = np.arange(maxlen, dtype=np.int64)[None, :] - target_start[:, None]
    filled = (position >= 0) & (position < kept[:, None])
    out = np.full((n, maxlen), value, dtype=dtype)
    out[filled] = tokens[(source_start[:, None] + position)[filled]]
    return out


def _shuffled(reviews: np.ndarray, labels: np.ndarray, rng: np.random.RandomState):
    # Exactly Keras' calls: a permutation of arange(n) by RandomState.shuffle,
    # drawn from one generator for train then test.  Shuffling the object
    # array moves pointers, not tokens, so it is done before flattening.
    indices = np.arange(len(reviews))
    rng.shuffle(indices)
    return reviews[indices], labels[indices], indices


def _add_start_and_offset(part: _Part, start_char, index_from: int) -> _Part:
    tokens = part.tokens + index_from
    if start_char is None:
        return _Part(tokens, part.lengths, part.labels)
    # np.insert with repeated offsets handles empty reviews: each still gets its mark.
    tokens = np.insert(tokens, _offsets(part.lengths), start_char)
    return _Part(tokens, part.lengths + 1, part.labels)


def _cut_vocabulary(part: _Part, skip_top: int, num_words: int, oov_char):
    """Keras' num_words/skip_top step: out-of-range words become oov_char, or are dropped."""
    in_range = (part.tokens >= skip_top) & (part.tokens < num_words)
    if oov_char is not None:
        return _Part(np.where(in_range, part.tokens, oov_char), part.lengths, part.labels)
    review_of_token = np.repeat(np.arange(len(part.lengths)), part.lengths)
    lengths = np.bincount(review_of_token[in_range], minlength=len(part.lengths)).astype(np.int64)
    return _Part(part.tokens[in_range], lengths, part.labels)


# --------------------------------------------------------------------------- locating the files


def _keras_cached(fname: str, file_hash: str) -> str:
    """A file from Keras' dataset cache, downloaded on first use."""
    import keras

    return keras.utils.get_file(fname=fname, origin=_ORIGIN_FOLDER + fname, file_hash=file_hash)


def _npz_path(spec) -> Path:
    if spec.path:
        return Path(spec.path).expanduser()
    try:
        return Path(_keras_cached(_NPZ_NAME, _NPZ_HASH))
    except Exception as exc:  # noqa: BLE001 - get_file raises bare Exception for network failures
        raise DataError(
            f"IMDB could not be downloaded from {_ORIGIN_FOLDER + _NPZ_NAME} and no copy is in "
            f"Keras' cache (~/.keras/datasets/{_NPZ_NAME}): {exc}",
            hint=(
                "Connect to the internet once so Keras can cache it, or get imdb.npz and set "
                "dataset.path: /path/to/imdb.npz in the spec."
            ),
        ) from None


def _word_index(npz_path: Path, from_keras_cache: bool) -> dict | None:
    """Keras' word -> index map, or None when unavailable (the example then shows token ids only)."""
    if from_keras_cache:
        try:
            location = Path(_keras_cached(_WORD_INDEX_NAME, _WORD_INDEX_HASH))
        except Exception:  # noqa: BLE001 - the word index only decorates the report
            return None
    else:
        location = npz_path.with_name(_WORD_INDEX_NAME)
    try:
        index = json.loads(read_bounded(location, 64 * MB).decode("utf-8"))
    except (UnreadableFile, ValueError, RecursionError):
        return None
    return index if isinstance(index, dict) else None


def _decode(tokens, word_index: dict, spec) -> str:
    words_by_id = {i + spec.index_from: w for w, i in word_index.items() if isinstance(i, int)}
    words: list[str] = []
    for position, token in enumerate(int(t) for t in tokens):
        if position == 0 and spec.start_char is not None and token == spec.start_char:
            continue  # the start mark is not a word
        if spec.oov_char is not None and token == spec.oov_char:
            words.append("[OOV]")
        else:
            words.append(words_by_id.get(token, "[?]"))
        if len(words) == _EXAMPLE_WORDS:
            break
    return " ".join(words)


# --------------------------------------------------------------------------- the loader


def load(spec, training) -> Dataset:
    from_keras_cache = not spec.path
    path = _npz_path(spec)
    arrays = read_npz(path)
    for part in ("train", "test"):
        _check_shapes(path, part, arrays[f"x_{part}"], arrays[f"y_{part}"])

    rng = np.random.RandomState(spec.shuffle_seed)
    train = _Part(*_flatten(path, "train", *_shuffled(arrays["x_train"], arrays["y_train"], rng)))
    test = _Part(*_flatten(path, "test", *_shuffled(arrays["x_test"], arrays["y_test"], rng)))
    del arrays  # the Python lists are the bulk of the memory
    train = _add_start_and_offset(train, spec.start_char, spec.index_from)
    test = _add_start_and_offset(test, spec.start_char, spec.index_from)

    if spec.maxlen:
        # Keras keeps reviews strictly shorter than maxlen, counting the start mark.
        train = train.take(train.lengths < spec.maxlen)
        test = test.take(test.lengths < spec.maxlen)
        if not len(train.lengths) or not len(test.lengths):
            raise DataError(
                f"{path}: no {'training' if not len(train.lengths) else 'test'} review is shorter than "
                f"dataset.maxlen {spec.maxlen} (the start mark counts).",
                hint="Increase dataset.maxlen, or remove it and let dataset.sequence_length truncate.",
            )

    # Keras' default num_words is the largest index present; the `< num_words`
    # test below then turns that one word into oov_char too.  Kept for fidelity.
    num_words = spec.num_words or int(max(
        train.tokens.max(initial=0), test.tokens.max(initial=0)
    ))
    train_tokens_before_cut = train.tokens.size
    out_of_range_train = int(np.count_nonzero(
        (train.tokens < spec.skip_top) | (train.tokens >= num_words)
    ))
    train = _cut_vocabulary(train, spec.skip_top, num_words, spec.oov_char)
    test = _cut_vocabulary(test, spec.skip_top, num_words, spec.oov_char)

    largest_token = int(max(train.tokens.max(initial=0), test.tokens.max(initial=0)))
    vocabulary_size = max(spec.num_words or 0, largest_token + 1)
    all_train_lengths = train.lengths
    n_train_all, n_test_all = len(train.lengths), len(test.lengths)

    if spec.limit_train:
        train = train.head(spec.limit_train)
    if spec.limit_test:
        test = test.head(spec.limit_test)

    length = spec.sequence_length
    x_all = pad_flat(train.tokens, train.lengths, length, padding=spec.padding, truncating=spec.truncating)
    x_test = pad_flat(test.tokens, test.lengths, length, padding=spec.padding, truncating=spec.truncating)
    marks = [0] + [mark for mark in (spec.start_char, spec.oov_char) if mark is not None]
    if not np.isin(x_all, marks, invert=True).any():
        raise DataError(
            f"{path}: no training review keeps a single word: with dataset.num_words {num_words}, "
            f"skip_top {spec.skip_top} and sequence_length {length}, every token is padding, the start mark "
            f"or oov_char.",
            hint=(f"Raise dataset.num_words (word indices start at index_from + 1 = {spec.index_from + 1}) "
                  "or lower dataset.skip_top."),
        )
    x_train, y_train, x_val, y_val = split_validation(
        x_all, train.labels, training.validation_split, shuffle=training.validation_shuffle, seed=training.seed
    )

    first_test = test.review(0)
    example: dict = {
        "tokens": [int(t) for t in first_test[: _EXAMPLE_WORDS + 1]],
        "label": CLASS_NAMES[int(test.labels[0])],
        "length": int(len(first_test)),
    }
    word_index = _word_index(path, from_keras_cache)
    if word_index:
        example["text"] = _decode(first_test, word_index, spec)

    kept = f"the {spec.num_words:,} most frequent words" if spec.num_words else f"all {num_words:,} indexed words"
    if spec.skip_top:
        kept += f" except the {spec.skip_top:,} most frequent"
    dropped = f" Reviews of {spec.maxlen} tokens or more were dropped (maxlen)." if spec.maxlen else ""
    used = ""
    if len(train.lengths) < n_train_all or len(test.lengths) < n_test_all:
        used = f" This run uses the first {len(train.lengths):,} training and {len(test.lengths):,} test reviews."
    summary = (
        f"{n_train_all:,} training and {n_test_all:,} test movie reviews from IMDB, each labelled "
        f"negative or positive, as word indices ranked by frequency, keeping {kept}.{dropped} Each review "
        f"is cut to its {'last' if spec.truncating == 'pre' else 'first'} {length} tokens or padded with 0 "
        f"at the {'start' if spec.padding == 'pre' else 'end'}.{used}"
    )
    description = {
        "source": "keras-imdb",
        "name": "IMDB movie reviews",
        "path": str(path),
        "summary": summary,
        "lengths": describe_lengths(all_train_lengths, length),
        "lengths_of": f"all {n_train_all:,} training reviews, before padding",
        # With oov_char null the out-of-range words are dropped, not replaced;
        # the share then counts the dropped ones.
        "oov_share": round(out_of_range_train / train_tokens_before_cut, 6) if train_tokens_before_cut else 0.0,
        "example": example,
        "num_words": spec.num_words,
        "num_words_effective": num_words,
        "skip_top": spec.skip_top,
        "maxlen": spec.maxlen,
        "start_char": spec.start_char,
        "oov_char": spec.oov_char,
        "index_from": spec.index_from,
        "shuffle_seed": spec.shuffle_seed,
        "padding": spec.padding,
        "truncating": spec.truncating,
        "available": {"train": n_train_all, "test": n_test_all},
        "limit_train": spec.limit_train,
        "limit_test": spec.limit_test,
    }
    return Dataset(
        x_train=x_train, y_train=y_train.astype(np.int32), x_val=x_val, y_val=y_val.astype(np.int32),
        x_test=x_test, y_test=test.labels.astype(np.int32), class_names=list(CLASS_NAMES),
        vocabulary_size=vocabulary_size, description=description,
    )


def check(spec, missing: list) -> None:
    """`validate`'s check (the keras-imdb source's Source.check): a local file's arrays and their shapes
    (Keras' own cache is not downloaded here)."""
    if not spec.path or missing:
        return
    path = Path(spec.path).expanduser()
    arrays = read_npz(path)
    for part in ("train", "test"):
        _check_shapes(path, part, arrays[f"x_{part}"], arrays[f"y_{part}"])
