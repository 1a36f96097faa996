"""IMDB as raw text files, rebuilt from the shared npz: a Kaggle-layout CSV and an aclImdb-layout folder.

    python benchmarks/imdb_text_files.py OUT_FOLDER [--data PATH/imdb.npz] [--limit-train N --limit-test N]

writes

    OUT_FOLDER/IMDB Dataset.csv     review,sentiment (positive/negative), all rows in one file, shuffled
    OUT_FOLDER/aclImdb/train/{pos,neg}/<n>.txt, OUT_FOLDER/aclImdb/test/{pos,neg}/<n>.txt

and, with --limit-train/--limit-test, the first N reviews of each part in the
order ``keras.datasets.imdb.load_data`` shuffles them (seed 113), so that a
``keras-imdb`` spec with ``limit_train``/``limit_test`` sees the same reviews;
the CSV is then two files, ``train.csv`` and ``test.csv`` (use
``dataset.test_path``), so the split is the same too.

Each review is decoded with ``imdb_word_index.json`` (the npz holds word ranks,
``word_index[w]``; Keras adds ``index_from=3`` only when loading).  The word
index was made from the raw reviews by Keras' tokeniser, which turned every
``<br />`` into the word ``br``: those become ``<br />`` again, glued to the
words around them as in the original reviews.  Seeded commas, full stops,
capitals and double quotes are added so the CSV parser and the text
standardisation are exercised; standardisation removes all of them again, so
the words a model sees are the word index's words (apostrophes deleted:
``it's`` -> ``its``) without ``br``.  Ratings are not in the npz, so the file
names carry no ``_<rating>`` part.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_IMDB = REPO.parent / "shared" / "data" / "imdb" / "imdb.npz"
KERAS_SHUFFLE_SEED = 113


def _decorate(words: list[str], rng: np.random.Generator) -> str:
    """One review as text: ``br`` back to ``<br />``, some punctuation, capitals and quotes."""
    pieces: list[str] = []
    capital = True
    glue = False  # the next word follows a <br /> without a space
    draws = rng.random((len(words), 3))
    for word, (comma, stop, quote) in zip(words, draws):
        if word == "br":
            if pieces:
                pieces[-1] += "<br />"
            else:
                pieces.append("<br />")
            glue, capital = True, True
            continue
        text = word.capitalize() if capital else word
        capital = False
        if quote < 0.02:
            text = f'"{text}"'
        if stop < 0.06:
            text += "."
            capital = True
        elif comma < 0.06:
            text += ","
        if glue and pieces:
            pieces[-1] += text
        else:
            pieces.append(text)
        glue = False
    return " ".join(pieces)


class Reviews:
    """The npz's reviews as decoded, decorated text, by part ('train' or 'test')."""

    def __init__(self, npz: Path = SHARED_IMDB, word_index: Path | None = None, seed: int = 0):
        self.npz = Path(npz)
        with np.load(self.npz, allow_pickle=True) as arrays:
            self._x = {part: arrays[f"x_{part}"] for part in ("train", "test")}
            self._y = {part: np.asarray(arrays[f"y_{part}"]) for part in ("train", "test")}
        index_path = word_index or self.npz.with_name("imdb_word_index.json")
        with open(index_path, encoding="utf-8") as handle:
            self._words = {int(i): w for w, i in json.load(handle).items()}
        self._seed = seed

    def keras_order(self, part: str) -> np.ndarray:
        """Review indices in the order Keras' load_data shuffles them (one RandomState, train then test)."""
        rng = np.random.RandomState(KERAS_SHUFFLE_SEED)
        orders = {}
        for name in ("train", "test"):
            indices = np.arange(len(self._y[name]))
            rng.shuffle(indices)
            orders[name] = indices
        return orders[part]

    def text(self, part: str, i: int) -> str:
        # One generator per review: the same review reads the same whatever subset is written.
        rng = np.random.default_rng([self._seed, 0 if part == "train" else 1, int(i)])
        return _decorate([self._words.get(int(t), "") for t in self._x[part][i]], rng)

    def label(self, part: str, i: int) -> int:
        return int(self._y[part][i])

    def count(self, part: str) -> int:
        return len(self._y[part])


def _write_csv(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)  # quotes fields holding commas, quotes or line breaks, as Kaggle's file does
        writer.writerow(["review", "sentiment"])
        for text, label in rows:
            writer.writerow([text, "positive" if label else "negative"])
    return path


def write_acl_imdb(root: Path, reviews: Reviews, indices: dict[str, np.ndarray]) -> Path:
    for part, chosen in indices.items():
        for name in ("pos", "neg"):
            (root / part / name).mkdir(parents=True, exist_ok=True)
        for n, i in enumerate(chosen):
            folder = "pos" if reviews.label(part, i) else "neg"
            (root / part / folder / f"{n}.txt").write_text(reviews.text(part, i), encoding="utf-8")
    return root


def write_all(out: Path, npz: Path = SHARED_IMDB, *, limit_train: int | None = None,
              limit_test: int | None = None, seed: int = 0) -> dict[str, Path]:
    """Write the CSV(s) and the aclImdb folder under ``out``; returns their paths.

    Without limits: ``csv`` is one Kaggle-layout file of all 50,000 reviews in
    a seeded random order.  With limits: ``csv`` and ``test_csv`` hold the
    first ``limit_train`` / ``limit_test`` reviews in Keras' order.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    reviews = Reviews(npz, seed=seed)
    if limit_train is None and limit_test is None:
        indices = {part: np.arange(reviews.count(part)) for part in ("train", "test")}
        pairs = [(part, int(i)) for part in ("train", "test") for i in indices[part]]
        order = np.random.default_rng(seed).permutation(len(pairs))
        csv_path = _write_csv(out / "IMDB Dataset.csv",
                              ((reviews.text(*pairs[k]), reviews.label(*pairs[k])) for k in order))
        paths = {"csv": csv_path}
    else:
        indices = {
            "train": reviews.keras_order("train")[:limit_train],
            "test": reviews.keras_order("test")[:limit_test],
        }
        paths = {
            part_key: _write_csv(out / f"{part}.csv", ((reviews.text(part, i), reviews.label(part, i))
                                                      for i in indices[part]))
            for part_key, part in (("csv", "train"), ("test_csv", "test"))
        }
    paths["folder"] = write_acl_imdb(out / "aclImdb", reviews, indices)
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=SHARED_IMDB, help="imdb.npz (imdb_word_index.json beside it)")
    parser.add_argument("--limit-train", type=int, default=None)
    parser.add_argument("--limit-test", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data}: not found (the shared IMDB copy, or pass --data).", file=sys.stderr)
        return 2
    for name, path in write_all(args.out, args.data, limit_train=args.limit_train,
                                limit_test=args.limit_test, seed=args.seed).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
