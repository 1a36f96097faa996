"""Reading user-named files with bounds: regular files only, and no more bytes than a limit.

A spec, a roster, a template, run.json or a data file named on the command line
may be a FIFO (which blocks the first read forever), a device (``/dev/zero``
never ends), a symbolic-link loop or a file far larger than any real one.
``read_bounded`` refuses each with a one-line reason the caller puts in its own
error (a SpecError, a DataError, ...), so the message names the file and key as
the rest of that kind of error does.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MB = 1024 * 1024

# Limits on what labreport reads.  Generous for real input, small enough that a
# hostile file is refused in a second instead of filling memory.
SPEC_BYTES = 1 * MB          # a spec is a page of YAML
RUN_RECORD_BYTES = 64 * MB   # run.json: 10,000 epochs of every metric is ~10 MB
ROSTER_BYTES = 8 * MB        # a roster: a class list
# Names Windows refuses for a file or folder, with any extension (nul.txt is NUL): an experiment or a roster
# PDF must not take one, so that an output folder copied there still opens.
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})
TEMPLATE_BYTES = 2 * MB      # one template file
DATA_BYTES = 2048 * MB       # a CSV or one text-folder file
NPZ_UNPACKED_BYTES = 2048 * MB  # all arrays of an imdb.npz once inflated (Keras' is ~130 MB)


class UnreadableFile(Exception):
    """Why a file was refused, as a phrase: 'not a regular file (a FIFO)'."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a plain file"


def check_regular(path: Path, limit: int) -> int:
    """The size of ``path``; UnreadableFile unless it is a regular file no larger than ``limit`` bytes."""
    try:
        info = os.stat(path)  # follows links: what is read is what the link points at
    except FileNotFoundError:
        raise UnreadableFile("file not found") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile("a symbolic link that leads to itself (a link loop)") from None
        raise UnreadableFile(f"cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableFile("is a folder, not a file")
        raise UnreadableFile(f"not a regular file ({_kind(info.st_mode)})")
    if info.st_size > limit:
        raise UnreadableFile(f"is {_size(info.st_size)}, more than the {_size(limit)} allowed")
    return info.st_size


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or UnreadableFile saying why not."""
    path = Path(path)
    check_regular(path, limit)
    try:
        # O_NONBLOCK: if the file was swapped for a FIFO after the check, open does not hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile("a symbolic link that leads to itself (a link loop)") from None
        raise UnreadableFile(f"cannot be read: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFile("not a regular file")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(MB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnreadableFile(f"is more than the {_size(limit)} allowed")
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(f"cannot be read: {exc.strerror}") from None
    finally:
        os.close(fd)


def resolved(path: Path | str) -> Path:
    """``path`` made absolute with links followed; a link loop is left unresolved (its reader reports it)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python before 3.13 on a link loop
        return Path(os.path.abspath(path))


def _size(count: int) -> str:
    if count >= MB:
        return f"{count / MB:,.0f} MB"
    if count >= 1024:
        return f"{count / 1024:,.0f} KB"
    return f"{count} bytes"


def excerpt(text: str, limit: int = 40) -> str:
    """A short, printable excerpt of text that is plainly the user's data, for a message."""
    shown = "".join(ch if ch.isprintable() else " " for ch in text[: limit + 1])
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def reserved_on_windows(name: str) -> bool:
    """Whether Windows refuses ``name`` as a file or folder name (CON, nul.txt, LPT1.pdf, a trailing dot)."""
    return name.partition(".")[0].casefold() in WINDOWS_RESERVED or name.endswith((".", " "))
