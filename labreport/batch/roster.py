"""A class list (CSV, one student per row) → the header fields and PDF file name of each student's report."""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import OptionError
from ..safe_io import ROSTER_BYTES, WINDOWS_RESERVED, UnreadableFile, excerpt, read_bounded

# Roster column → header field.  Column names are compared after lower-casing
# and turning spaces, hyphens and dots into underscores ("Enrolment No." →
# enrolment_no); every header field's own name is accepted too.
ROSTER_ALIASES = {
    "name": "student_name",
    "student": "student_name",
    "student_name": "student_name",
    "enrolment": "enrolment_no",
    "enrollment": "enrolment_no",
    "enrolment_no": "enrolment_no",
    "enrollment_no": "enrolment_no",
    "enrolment_number": "enrolment_no",
    "enrollment_number": "enrolment_no",
    "roll_no": "enrolment_no",
}
# The run folder's own report's name, and names Windows refuses (safe_io.WINDOWS_RESERVED).
_RESERVED_STEMS = {"report", *WINDOWS_RESERVED}
ROSTER_CONFIRM_PDFS = 500
_MAX_STEM_BYTES = 120  # well under the 255-byte file name limit, with room for a suffix



@dataclass(frozen=True)
class RosterRow:
    """One student: header fields to print, and the PDF's file name (without .pdf)."""

    line: int
    header: dict
    stem: str

    @property
    def pdf_name(self) -> str:
        return f"{self.stem}.pdf"

    @property
    def label(self) -> str:
        name, number = self.header.get("student_name"), self.header.get("enrolment_no")
        return " ".join(part for part in (number, f"({name})" if name and number else name) if part) or self.stem


def _column_key(column: str) -> str:
    return re.sub(r"[\s.\-]+", "_", column.strip().lstrip("\ufeff").lower()).strip("_")


def _clean_cell(value: str) -> str:
    # Control characters (a NUL, a stray carriage return) are never meant to be printed.
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()


def safe_stem(value: str) -> str:
    """A file name stem made from roster text that cannot leave its folder or upset a file system.

    Letters, digits, '_', '-' and '.' are kept (any script); everything else,
    path separators and NUL included, becomes '_'; leading and trailing dots,
    underscores and hyphens are removed and runs of dots become one (no hidden
    files, no '..'); the result
    is cut to 120 bytes of UTF-8.  May return '' (the caller picks a fallback).
    """
    text = unicodedata.normalize("NFKC", value)  # fullwidth '／' becomes '/', and then '_'
    text = re.sub(r"[^\w.\-]+", "_", text)
    text = re.sub(r"\.{2,}", ".", re.sub(r"_+", "_", text)).strip("._-")
    encoded = text.encode("utf-8")
    if len(encoded) > _MAX_STEM_BYTES:
        text = encoded[:_MAX_STEM_BYTES].decode("utf-8", errors="ignore").rstrip("._-")
    return text


def read_roster(path: Path) -> list[RosterRow]:
    """Read and check a roster CSV; any problem is an ``OptionError`` naming the file (exit 2)."""
    from ..spec import HeaderSpec

    fields = list(HeaderSpec.model_fields)
    known = {**{name: name for name in fields}, **ROSTER_ALIASES}
    try:
        text = read_bounded(path, ROSTER_BYTES).decode("utf-8-sig")
    except UnreadableFile as exc:
        raise OptionError(f"--roster {path}: {exc}.") from None
    except UnicodeDecodeError as exc:
        raise OptionError(f"--roster {path}: not UTF-8 text (byte {exc.start}).") from None
    try:
        # Parsed as one text (not line by line), so that a quote left open is seen, not
        # silently joined to the next student's row.
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        table, lines = [], []
        for cells in reader:
            table.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        first = lines[-1] + 1 if lines else 1
        if "unexpected end of data" in str(exc):
            raise OptionError(
                f"--roster {path}: line {first}: a quote is never closed, so every line after it would be read "
                f"as one cell, joining students' rows.",
                hint="Close the quote (a name holding a comma is written \"Doe, Jane\"), or remove it.") from None
        raise OptionError(f"--roster {path}: not a valid CSV at line {first} ({exc}).") from None
    for number, cells in enumerate(table):
        if any("\n" in cell or "\r" in cell for cell in cells):
            first = lines[number - 1] + 1 if number else 1
            raise OptionError(
                f"--roster {path}: line {first}: a quoted cell runs on to line {lines[number]}; a quote is not "
                f"closed, which would join students' rows.",
                hint="Close the quote (a name holding a comma is written \"Doe, Jane\"), or remove it.")
    if not table or not any(cell.strip() for cell in table[0]):
        raise OptionError(f"--roster {path}: empty; the first line must name the columns.")
    plainly_a_roster = (Path(path).suffix.lower() in (".csv", ".tsv", ".txt") and len(table[0]) <= 50
                        and all(len(column) <= 60 and column.isprintable() for column in table[0]))
    columns: list[str] = []
    for column in table[0]:
        key = _column_key(column)
        if key not in known and not plainly_a_roster:
            # Not a class list someone made (a key file, a config): its first line is never echoed.
            raise OptionError(
                f"--roster {path}: the first line does not name roster columns, and the file does not look like "
                f"a CSV class list ({len(table[0])} column(s); not shown).",
                hint=f"Accepted columns: {', '.join(sorted(known))}.")
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise OptionError(f"--roster {path}: unknown column '{excerpt(column)}'{hint}",
                              hint=f"Accepted columns: {', '.join(sorted(known))}.")
        if known[key] in columns:
            raise OptionError(f"--roster {path}: two columns give header.{known[key]} (the second is '{column}').")
        columns.append(known[key])

    rows: list[RosterRow] = []
    taken: set[str] = set()
    for line, cells in zip(lines[1:], table[1:]):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            raise OptionError(f"--roster {path}: line {line} has {len(cells)} cells but the header names {len(columns)}.")
        # An empty cell means "not given": the spec's header value stays.
        header = {column: _clean_cell(cell) for column, cell in zip(columns, cells) if _clean_cell(cell)}
        stem = (safe_stem(header.get("enrolment_no", "")) or safe_stem(header.get("student_name", ""))
                or f"row-{line}")
        # Windows refuses a reserved name with any extension too: nul.txt.pdf is NUL.
        head, dot, rest = stem.partition(".")
        if head.casefold() in _RESERVED_STEMS:
            stem = f"{head}_{dot}{rest}"
        unique, number = stem, 2
        while unique.casefold() in taken:  # case-insensitive: two names must not share a file on macOS
            unique, number = f"{stem}-{number}", number + 1
        taken.add(unique.casefold())
        rows.append(RosterRow(line=line, header=header, stem=unique))
    if not rows:
        raise OptionError(f"--roster {path}: holds no students (only the header line).")
    return rows

