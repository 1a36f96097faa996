"""One writer per run folder: an exclusive lock that a second run into the same folder is refused by.

Two runs into one folder would train over each other's checkpoints and
history.csv and write one run.json over the other.  The lock is
``fcntl.flock`` on ``<run folder>/.labreport.lock``, which holds the
holder's pid for the second run's message.  The operating system drops a
flock when its process ends however it ends (a crash, SIGKILL), so a lock
file left by a killed run is not a held lock: the next run takes it, and
removes the file when done.  Where ``fcntl`` does not exist (Windows) no
lock is taken.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputFolderBusy

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


def _acquire(path: Path, run_dir) -> int:
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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
            current = os.stat(path)
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
