"""Writes that never leave a torn file under the final name."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import OutputError

# OSErrors that say the output cannot be written (as opposed to a bug).
OUTPUT_ERRNOS = frozenset({
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
    errno.EEXIST, errno.ENOENT, errno.EISDIR, errno.ENAMETOOLONG, errno.EIO, errno.EFBIG,
})


def _read_umask() -> int:
    # os.umask can only be read by setting it; put it straight back.  Read
    # once, at import, before training starts threads that create files.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def output_error(path: Path, exc: OSError) -> OutputError:
    """The OutputError for an OSError met while writing ``path``."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "Free some disk space, or choose an output folder on another disk with --out."
    else:
        hint = "Choose another output folder with --out."
    return OutputError(f"Cannot write {path}: {reason}.", hint=hint)


def check_inside(path: Path, root: Path) -> None:
    """OutputError unless every folder from ``root`` down to ``path`` stays inside ``root`` once links are followed.

    ``root`` itself may be a link (the user named it: an output folder on another
    disk); a link *below* it that leads out (``figures -> /home/me/.ssh``) is refused.
    """
    path, root = Path(path), Path(root)
    try:
        relative = path.relative_to(root)
    except ValueError:
        raise OutputError(f"Cannot write {path}: it is outside {root}.") from None
    if ".." in relative.parts:
        raise OutputError(f"Cannot write {path}: '..' leads out of {root}.")
    try:
        real_root = root.resolve()
        folder = root
        for part in relative.parts[:-1]:
            folder = folder / part
            if not os.path.lexists(folder):
                break  # created below, inside the checked folder
            real = folder.resolve(strict=True)
            if not real.is_relative_to(real_root):
                raise OutputError(
                    f"Refused to write in {path.parent}: {folder} is a symbolic link that leads out of {root} "
                    f"(to {real}).",
                    hint="Remove the link (labreport writes only inside the run folder), then run the command again.")
    except (OSError, RuntimeError) as exc:  # a link loop, a broken link
        raise OutputError(f"Cannot write in {path.parent}: a folder on the way is a broken symbolic link or a link loop "
                          f"({getattr(exc, 'strerror', None) or exc}).") from None


def write_atomic(path: Path, data: bytes | str, *, root: Path | None = None) -> Path:
    """Write to a temporary file beside ``path``, fsync, then rename over it.

    With ``root`` (the run folder or output folder the write belongs to), no
    folder between ``root`` and ``path`` may be a link leading out of ``root``
    (``check_inside``).  The rename replaces a link at ``path`` itself; it never
    writes through it.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if root is not None:
        check_inside(path, root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            # mkstemp creates the file readable by its owner only; a report
            # should get the permissions any other new file would.
            os.fchmod(handle, 0o666 & ~_UMASK)
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise output_error(path, exc) from None
    return path
