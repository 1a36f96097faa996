"""One writer per run folder: an exclusive lock that a second run into the same folder is refused by.

Two runs into one folder would train over each other's checkpoints and
history.csv and write one run.json over the other.  The lock is
``fcntl.flock`` on ``<run folder>/.labreport.lock``, which holds the
holder's pid for the second run's message.  The operating system drops a
flock when its process ends however it ends (a crash, SIGKILL), so a lock
file left by a killed run is not a held lock: the next run takes it, and
removes the file when done.  Where ``fcntl`` does not exist (Windows) no
lock is taken.

The lock file is opened without following a link (``O_NOFOLLOW``) and without
waiting (``O_NONBLOCK``), and must be a regular file: a link planted at
``.labreport.lock`` would otherwise make the run create or truncate a file
outside the run folder, and a FIFO would block the run forever.  Anything else
(a link, a link loop, a FIFO, a folder, a device) is ``LockFileRefused``.
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from pathlib import Path

from .errors import LockFileRefused, OutputError, OutputFolderBusy

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_NAME = ".labreport.lock"


@contextmanager
def output_folder_lock(run_dir: str | Path):
    """Hold ``run_dir``'s lock for the block (the folder must exist); raise ``OutputFolderBusy`` if it is held."""
    if fcntl is None:
        yield
        return
    path = Path(run_dir) / LOCK_NAME
    handle = _acquire(path, run_dir)
    try:
        yield
    finally:
        # Removed while still locked, so a run that opened this file meanwhile sees it gone (below).
        path.unlink(missing_ok=True)
        os.close(handle)


_OPEN_FLAGS = (os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _open_lock(path: Path) -> int:
    """The lock file, opened as a regular file inside the run folder, never through a link; or LockFileRefused."""
    try:
        handle = os.open(path, _OPEN_FLAGS, 0o644)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW on a link (a loop, or one leading anywhere)
            raise LockFileRefused(path, "a symbolic link") from None
        if exc.errno == errno.EISDIR:
            raise LockFileRefused(path, "a folder") from None
        if exc.errno in (errno.ENXIO, errno.ENODEV, errno.EOPNOTSUPP):  # a FIFO with no reader, a socket
            try:
                kind = _kind(os.lstat(path).st_mode)
            except OSError:
                kind = "not a regular file"
            raise LockFileRefused(path, kind) from None
        raise OutputError(f"Cannot open the output folder's lock file {path} ({exc.strerror}).",
                          hint="Choose a folder you can write to with --out.") from None
    try:
        mode = os.fstat(handle).st_mode
    except OSError:
        os.close(handle)
        raise
    if not stat.S_ISREG(mode):
        os.close(handle)
        raise LockFileRefused(path, _kind(mode))
    # Opened non-blocking only so that a FIFO could not hang the open; a regular file's reads never block.
    os.set_blocking(handle, True)
    return handle


def _acquire(path: Path, run_dir) -> int:
    while True:
        handle = _open_lock(path)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder_pid(handle)
            os.close(handle)
            raise OutputFolderBusy(run_dir, holder) from None
        except BaseException:
            os.close(handle)
            raise
        # The run before us may have removed the file between our open and our lock:
        # then this lock is on a file no one else can open, and we start again.
        try:
            current = os.lstat(path)
        except FileNotFoundError:
            current = None
        opened = os.fstat(handle)
        if current is not None and (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino):
            break
        os.close(handle)
    os.ftruncate(handle, 0)
    os.write(handle, f"{os.getpid()}\n".encode("ascii"))
    return handle


def _holder_pid(handle: int) -> int | None:
    """The pid the holder wrote (None if it has not written it yet)."""
    try:
        return int(os.pread(handle, 32, 0).decode("ascii").strip())
    except (OSError, ValueError):
        return None
