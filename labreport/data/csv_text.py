"""Labelled texts from a CSV file: Kaggle's "IMDB Dataset.csv" layout by default.

Row numbers in messages count CSV records with the header as row 1, the way a
spreadsheet shows them (a quoted review spanning several lines is one row).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import beside_words
from ..safe_io import DATA_BYTES, UnreadableFile, excerpt, read_bounded
from .text import check_encoding, padding_sentence, text_dataset


@dataclass
class _Table:
    path: Path
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # CSV row number of each sample


def _decode(path: Path, raw: bytes, encoding: str) -> str:
    check_encoding(encoding, path)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: {_locate_bad_bytes(raw, exc, encoding, path)}: byte {exc.start} "
            f"(0x{raw[exc.start]:02x}) is not valid {encoding}.",
            hint=(
                "Save the file as UTF-8, or set dataset.encoding to the file's encoding "
                "(cp1252 or latin-1 for files saved by older Excel)."
            ),
        ) from None
    # Excel writes a byte-order mark first; it would glue itself to the first column's name.
    return text[1:] if text.startswith("\ufeff") else text


def _locate_bad_bytes(raw: bytes, exc: UnicodeDecodeError, encoding: str, path: Path) -> str:
    """'row N, column C' of an undecodable byte, from parsing the text before it."""
    before = raw[: exc.start].decode(encoding, errors="replace")
    try:
        # A stand-in character where the bad byte is: the last record parsed
        # is then the one holding it, whether or not a row or field ends just
        # before it (even inside a quoted field that spans lines).
        records = list(csv.reader(io.StringIO(before + "?", newline="")))
    except csv.Error:
        return f"line {before.count(chr(10)) + 1}"
    row, field_number = len(records), len(records[-1])
    where = f"row {row}"
    if row > 1 and 1 <= field_number <= len(records[0]) and _plainly_a_header(path, records[0]):
        where += f", column '{excerpt(records[0][field_number - 1].strip())}'"
    return where


def column_index(path: Path, header: list[str], name: str, key: str, *, lines: int = 2,
                 contents: str = "texts and labels", set_hint: str | None = None) -> int:
    """The header's index of column ``name``; a DataError naming the file, row 1 and the column otherwise.

    Shared by the CSV readers (texts and labels here; numeric series in timeseries.py): ``contents`` says
    what a CSV of theirs holds, ``set_hint`` ends the hint for a missing column (default: this reader's).
    """
    matches = [i for i, column in enumerate(header) if column == name]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise DataError(
            f"{path}: row 1 (header) has column '{name}' {len(matches)} times "
            f"(columns {', '.join(str(i + 1) for i in matches)}).",
            hint="Rename the duplicates so the column is unambiguous.",
        )
    if not _plainly_a_header(path, header, lines=lines):
        # Not a CSV someone made for this (a key file, a config, a binary): its first line is
        # never echoed, since messages reach terminals, CI logs and batch's index.json.
        raise DataError(
            f"{path}: row 1 (header) has no column '{name}', and the file does not look like a CSV of {contents} "
            f"(its first line is {len(','.join(header)):,} characters in {len(header)} column(s); "
            f"not shown).",
            hint="Check dataset.path: it should be a .csv file whose first line names its columns.",
        )
    shown = ", ".join(f"'{excerpt(c)}'" for c in header) or "none"
    separator = next((sep for sep in (";", "\t", "|") if len(header) == 1 and sep in header[0]), None)
    if separator is not None:
        # Excel in many European locales saves "CSV" with semicolons.
        shown_separator = "tab" if separator == "\t" else f"'{separator}'"
        raise DataError(
            f"{path}: row 1 (header) has no column '{name}'; it is one column, '{excerpt(header[0])}', which looks "
            f"separated by {shown_separator}, not by commas.",
            hint="Save the file as comma-separated CSV (in Excel: CSV UTF-8 (Comma delimited)).",
        )
    close = difflib.get_close_matches(name, header, n=1, cutoff=0.6)
    close = close or [c for c in header if c.lower() == name.lower()]
    hint = f"Did you mean '{close[0]}'? " if close else ""
    raise DataError(
        f"{path}: row 1 (header) has no column '{name}'; its columns are: {shown}.",
        hint=hint + (set_hint or f"Set dataset.{key} to the column holding the "
                                 f"{'text' if key == 'text_column' else 'labels'}."),
    )


CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def _plainly_a_header(path: Path, header: list[str], *, lines: int = 2) -> bool:
    """Whether row 1 is plainly a CSV header the user wrote, and so may be quoted (shortened) in a message.

    Plainly a CSV: named .csv, .tsv or .txt, more than one line, and a first line of 2 to 50 short printable
    columns (one column is allowed only when it is plainly columns joined by ';', tab or '|', as Excel in many
    locales saves).  A one-line file (a token, a password, a key) is never quoted, whatever its name.
    """
    if Path(path).suffix.lower() not in CSV_SUFFIXES or lines < 2 or not header:
        return False
    columns = header
    if len(header) == 1:
        separator = next((sep for sep in (";", "\t", "|") if sep in header[0]), None)
        if separator is None:
            return False
        columns = header[0].split(separator)
    return (2 <= len(columns) <= 50
            and all(0 < len(column.strip()) <= 60 and column.isprintable() for column in columns))


def read_table(path: Path, spec) -> _Table:
    """Texts and raw label strings of a CSV; DataError naming the file and row for any problem."""
    try:
        raw = read_bounded(path, DATA_BYTES)
    except UnreadableFile as exc:
        reason = str(exc)
        if reason == "file not found":
            raise DataError(f"{path}: file not found.",
                            hint="Check dataset.path (relative paths are from the spec's folder)."
                                 + beside_words(path, ".csv")) from None
        if reason == "is a folder, not a file":
            raise DataError(f"{path}: is a folder, not a CSV file.", hint="Point dataset.path at the .csv file.") from None
        raise DataError(f"{path}: {reason}.", hint="dataset.path must name a regular .csv file.") from None
    text = _decode(path, raw, spec.encoding)
    if not text.strip():
        raise DataError(
            f"{path}: the file is empty.",
            hint=f"It needs a header row with '{spec.text_column}' and '{spec.label_column}', then one row per text.",
        )

    reader = csv.reader(io.StringIO(text, newline=""))
    table = _Table(path)
    row = 0
    try:
        header = [name.strip() for name in next(reader)]
        row = 1
        lines = 2 if re.search(r"[\r\n]\s*\S", text) else 1  # a one-line file is never quoted
        text_index = column_index(path, header, spec.text_column, "text_column", lines=lines)
        label_index = column_index(path, header, spec.label_column, "label_column", lines=lines)
        needed = max(text_index, label_index) + 1
        for row, record in enumerate(reader, start=2):
            if not record:
                continue  # a blank line, e.g. at the end of the file
            if len(record) < needed:
                missing = spec.label_column if len(record) <= label_index else spec.text_column
                raise DataError(
                    f"{path}: row {row} has {len(record)} field(s), so no value for column '{missing}' "
                    f"(the header has {len(header)}).",
                    hint="A comma inside a text must be in a field quoted with double quotes.",
                )
            label = record[label_index].strip()
            if not label:
                raise DataError(
                    f"{path}: row {row}, column '{spec.label_column}': the label is empty.",
                    hint="Give every row a label, or remove the row.",
                )
            table.texts.append(record[text_index])
            table.labels.append(label)
            table.rows.append(row)
    except csv.Error as exc:
        raise DataError(
            f"{path}: row {row + 1} cannot be parsed as CSV: {exc}.",
            hint="An opening double quote without a closing one swallows the rows after it.",
        ) from None
    if not table.texts:
        raise DataError(f"{path}: has a header but no data rows.")
    return table


def _class_names(table: _Table, spec) -> list[str]:
    if spec.labels is not None:
        repeated = sorted({name for name in spec.labels if spec.labels.count(name) > 1})
        if repeated:
            raise DataError(f"dataset.labels lists {', '.join(repeated)} more than once.")
        return list(spec.labels)
    return sorted(set(table.labels))


def _class_indices(table: _Table, class_names: list[str], spec, *, from_spec: bool) -> np.ndarray:
    index = {name: i for i, name in enumerate(class_names)}
    for label, row in zip(table.labels, table.rows):
        if label not in index:
            allowed = ", ".join(f"'{excerpt(c)}'" for c in class_names[:20]) + (", ..." if len(class_names) > 20 else "")
            origin = "dataset.labels" if from_spec else "the labels of the training file"
            raise DataError(
                f"{table.path}: row {row}, column '{spec.label_column}': label '{excerpt(label)}' is not one of "
                f"{origin} ({allowed}).",
                hint=(
                    "Add it to dataset.labels, or fix or remove the row."
                    if from_spec else "Every test label must also occur in the training file."
                ),
            )
    return np.fromiter((index[label] for label in table.labels), dtype=np.int32, count=len(table.labels))


def load(spec, training):
    path = Path(spec.path).expanduser()
    table = read_table(path, spec)
    class_names = _class_names(table, spec)
    y_all = _class_indices(table, class_names, spec, from_spec=spec.labels is not None)
    present = sorted({class_names[i] for i in np.unique(y_all)})
    if len(present) < 2:
        raise DataError(
            f"{path}: column '{spec.label_column}' holds a single class ('{present[0]}') in "
            f"{len(y_all):,} rows; a classifier needs at least two.",
            hint="Check dataset.label_column names the label column, and that the file holds every class.",
        )

    # The order rows are trained in is a seeded shuffle in both cases, so
    # Keras' validation_split (the last rows) never takes one class from a
    # file sorted by label.
    order = np.random.default_rng(spec.split_seed).permutation(len(y_all))
    if spec.test_path:
        test_path = Path(spec.test_path).expanduser()
        test_table = read_table(test_path, spec)
        y_test = _class_indices(test_table, class_names, spec, from_spec=spec.labels is not None)
        train_rows, test_texts = order, test_table.texts
        split = f"test rows from {test_path.name}"
    else:
        n_test = max(1, int(round(len(y_all) * spec.test_fraction)))
        if n_test >= len(y_all) - 1:
            raise DataError(
                f"{path}: {len(y_all)} rows are too few to hold out a test fraction of {spec.test_fraction}.",
                hint="Add rows or lower dataset.test_fraction.",
            )
        test_rows, train_rows = order[:n_test], order[n_test:]
        test_texts = [table.texts[i] for i in test_rows]
        y_test = y_all[test_rows]
        split = f"{spec.test_fraction:g} of the rows held out for testing (split_seed {spec.split_seed})"
    train_texts = [table.texts[i] for i in train_rows]
    y_train = y_all[train_rows]

    rows = len(table.texts)
    description = {
        "source": "csv",
        "name": path.name,
        "path": str(path),
        "test_path": str(Path(spec.test_path).expanduser()) if spec.test_path else None,
        "rows": rows,
        "test_rows": len(test_texts) if spec.test_path else None,
        "text_column": spec.text_column,
        "label_column": spec.label_column,
        "split": split,
        "summary": (
            f"{rows:,} labelled texts from {path.name} (column '{spec.text_column}', classes "
            f"{', '.join(class_names)}); {split}. Texts are lower-cased, HTML tags and punctuation "
            f"removed, words outside a vocabulary of at most {spec.vocabulary_size:,} entries taken from "
            f"the training rows become [UNK], and "
            f"{padding_sentence(spec.sequence_length, spec.padding, spec.truncating)}."
        ),
    }
    return text_dataset(
        train_texts, y_train, test_texts, y_test, class_names, spec=spec, training=training,
        where=f"{path}, column '{spec.text_column}'", description=description,
    )


def check(spec, missing: list) -> None:
    """`validate`'s check (the csv source's Source.check): each file there is read as `run` reads it, its
    columns, labels and text (no tokenising)."""
    for path in (spec.path, spec.test_path):
        if path and str(path) not in missing:
            read_table(Path(path).expanduser(), spec)
