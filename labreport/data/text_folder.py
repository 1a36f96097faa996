"""Labelled texts as one file per sample in class folders: the aclImdb layout.

    path/train/<class>/*.txt
    path/test/<class>/*.txt

Class names are the folder names, sorted, as ``keras.utils.text_dataset_from_directory``
orders them, unless ``dataset.class_names`` lists them (that order is then the
class-index order).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from ..safe_io import MB, UnreadableFile, read_bounded

TEXT_FILE_BYTES = 16 * MB  # one review, one essay: far less
from .text import check_encoding, padding_sentence, text_dataset

_LAYOUT_HINT = (
    "dataset.path must hold train/ and test/ folders, each with one folder per class "
    "holding one .txt file per text (the layout of aclImdb)."
)


def _class_folders(folder: Path) -> list[str]:
    # Hidden folders (.ipynb_checkpoints, .git) are never classes.
    return sorted(d.name for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))


def _split_folder(root: Path, name: str, key: str) -> Path:
    folder = root / name
    if not folder.is_dir():
        found = ", ".join(_class_folders(root)) or "no folders"
        raise DataError(
            f"{folder}: folder not found (dataset.{key} is '{name}'; {root} holds {found}).",
            hint=_LAYOUT_HINT,
        )
    return folder


def _choose_classes(spec, train_dir: Path, test_dir: Path) -> tuple[list[str], list[str]]:
    """(class names in index order, folders left out)."""
    in_train, in_test = _class_folders(train_dir), _class_folders(test_dir)
    for folder, names in ((train_dir, in_train), (test_dir, in_test)):
        if not names:
            raise DataError(f"{folder}: holds no class folders.", hint=_LAYOUT_HINT)
    if spec.class_names is not None:
        repeated = sorted({c for c in spec.class_names if spec.class_names.count(c) > 1})
        if repeated:
            raise DataError(f"dataset.class_names lists {', '.join(repeated)} more than once.")
        for folder, names in ((train_dir, in_train), (test_dir, in_test)):
            for name in spec.class_names:
                if name not in names:
                    raise DataError(
                        f"{folder / name}: class folder not found (dataset.class_names names '{name}'; "
                        f"{folder} holds {', '.join(names)}).",
                        hint="Fix dataset.class_names, or add the folder.",
                    )
        if len(spec.class_names) < 2:
            raise DataError(
                f"dataset.class_names lists a single class ('{spec.class_names[0]}'); a classifier needs at least two."
            )
        chosen = list(spec.class_names)
    else:
        # A folder with no counterpart on the other side cannot be a class to
        # test on: aclImdb's train/unsup (unlabelled reviews) is one.
        chosen = [name for name in in_train if name in in_test]
        if len(chosen) < 2:
            raise DataError(
                f"{train_dir} and {test_dir} share {len(chosen)} class folder(s) "
                f"({', '.join(chosen) or 'none'}); a classifier needs at least two "
                f"(train/ holds {', '.join(in_train)}; test/ holds {', '.join(in_test)}).",
                hint="Give both the same class folders, or list them in dataset.class_names.",
            )
    left_out = sorted((set(in_train) | set(in_test)) - set(chosen))
    return chosen, left_out


def _read_texts(folder: Path, encoding: str) -> list[str]:
    files = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if not files:
        raise DataError(f"{folder}: holds no .txt files.", hint=_LAYOUT_HINT)
    texts = []
    for file in files:
        try:
            text = read_bounded(file, TEXT_FILE_BYTES).decode(encoding)
        except UnreadableFile as exc:
            raise DataError(f"{file}: {exc}.", hint="Each sample is one plain .txt file.") from None
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{file}: byte {exc.start} is not valid {encoding}.",
                hint="Save the file as UTF-8, or set dataset.encoding to the files' encoding.",
            ) from None
        except OSError as exc:
            raise DataError(f"{file}: cannot be read: {exc.strerror}.") from None
        texts.append(text[1:] if text.startswith("\ufeff") else text)
    return texts


def _read_split(split_dir: Path, classes: list[str], encoding: str, rng: np.random.Generator):
    texts: list[str] = []
    labels: list[int] = []
    counts: dict[str, int] = {}
    for index, name in enumerate(classes):
        folder_texts = _read_texts(split_dir / name, encoding)
        texts += folder_texts
        labels += [index] * len(folder_texts)
        counts[name] = len(folder_texts)
    # Files come class by class; Keras' validation_split takes the last rows,
    # which would then be a single class.  Shuffle, seeded.
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], np.asarray(labels, dtype=np.int32)[order], counts


def check_layout(spec) -> tuple[Path, Path, Path, list[str], list[str]]:
    """(root, train folder, test folder, classes, folders left out): the layout checks `load` starts with."""
    root = Path(spec.path).expanduser()
    if not root.is_dir():
        problem = "is a file, not a folder" if root.exists() else "folder not found"
        raise DataError(f"{root}: {problem}.", hint=_LAYOUT_HINT)
    check_encoding(spec.encoding, root)
    train_dir = _split_folder(root, spec.train_dir, "train_dir")
    test_dir = _split_folder(root, spec.test_dir, "test_dir")
    classes, left_out = _choose_classes(spec, train_dir, test_dir)
    return root, train_dir, test_dir, classes, left_out


def load(spec, training):
    root, train_dir, test_dir, classes, left_out = check_layout(spec)

    rng = np.random.default_rng(training.seed)
    train_texts, y_train, train_counts = _read_split(train_dir, classes, spec.encoding, rng)
    test_texts, y_test, test_counts = _read_split(test_dir, classes, spec.encoding, rng)

    description = {
        "source": "text-folder",
        "name": root.name,
        "path": str(root),
        "files": {"train": train_counts, "test": test_counts},
        "left_out_folders": left_out,
        "summary": (
            f"{len(train_texts):,} training and {len(test_texts):,} test texts, one file each, in the "
            f"class folders {', '.join(classes)} of {root.name}"
            + (f" ({', '.join(left_out)} left out)" if left_out else "")
            + f". Texts are lower-cased, HTML tags and punctuation removed, words outside a vocabulary "
            f"of at most {spec.vocabulary_size:,} entries taken from the training texts become [UNK], "
            f"and {padding_sentence(spec.sequence_length, spec.padding, spec.truncating)}."
        ),
    }
    return text_dataset(
        train_texts, y_train, test_texts, y_test, classes, spec=spec, training=training,
        where=str(train_dir), description=description,
    )


def check(spec, missing: list) -> None:
    """`validate`'s check (the text-folder source's Source.check): the train and test folders and their
    class folders, when the folder is there."""
    if not missing:
        check_layout(spec)
