"""What labreport may read from the files and folders a spec names: one set of rules for every path.

The same rules hold wherever a spec's files are read: `labreport run`, `render`
and `validate`, the report fingerprint (`batch --check`), the local pool and
the Dask client, which reads a spec's files here and ships them as plain bytes
(so a check the worker would make on a link is made here, before the link is
gone).  Each function raises ``Refused`` with a one-line reason; the caller
puts it in its own error, naming the spec key.

* ``inside``: a path, links followed, must still lie in a folder.
* ``template_file``: ``report.template``: a regular template file of at most
  2 MB inside its own folder (a link to /etc/passwd named ``mine.html.j2`` is
  refused).
* ``template_folder_files``: the template and resource files under
  ``report.template_dir`` (or a template's folder): hidden files skipped, at
  most ``FOLDER_ENTRIES`` entries walked and ``FOLDER_BYTES`` read, every file
  and folder inside the folder once links are followed, regular files only.
* ``check_batch_roots``: in `labreport batch`, a spec's data and template paths
  must lie under the spec's own folder or a folder the instructor named with
  ``--data-root`` (Keras' own dataset cache stays readable).  A student's own
  `labreport run` is not restricted.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .safe_io import MB, TEMPLATE_BYTES, UnreadableFile, check_regular, resolved

# What a template may load by name (``extends``, ``include``, ``import``) and what
# WeasyPrint may fetch from a template folder (stylesheets, images, fonts).
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".html", ".htm", ".css")
RESOURCE_SUFFIXES = (".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".woff", ".woff2", ".ttf", ".otf")
FOLDER_SUFFIXES = tuple(dict.fromkeys(TEMPLATE_SUFFIXES + RESOURCE_SUFFIXES))
# A course's template folder is a few dozen files; /usr is hundreds of thousands.
FOLDER_ENTRIES = 2_000
FOLDER_BYTES = 64 * MB
# A data folder (aclImdb: 100,000 reviews) walked to check where its files lie.
DATA_FOLDER_ENTRIES = 500_000


class Refused(UnreadableFile):
    """Why a path a spec names may not be read, as a phrase."""


def inside(root: Path | str, candidate: Path | str, *, what: str = "the folder") -> Path:
    """``candidate`` with links followed; Refused unless it lies inside ``root`` (links followed too)."""
    try:
        base = Path(root).resolve(strict=True)
        target = Path(candidate).resolve(strict=True)
    except FileNotFoundError:
        raise Refused("a broken symbolic link, or not found") from None
    except (OSError, RuntimeError):  # RuntimeError: a link loop (Python before 3.13)
        raise Refused("a symbolic link that leads to itself (a link loop)") from None
    if not target.is_relative_to(base):
        raise Refused(f"it leads to {target}, outside {what} {base}")
    return target


def template_file(path: Path | str) -> Path:
    """``report.template`` resolved: a regular, non-hidden template file of at most 2 MB inside its own folder."""
    path = Path(path).expanduser()
    if not os.path.lexists(path):
        raise Refused("file not found")
    target = inside(path.absolute().parent, path, what="the template's folder")
    if not target.name.endswith(TEMPLATE_SUFFIXES) or target.name.startswith("."):
        raise Refused(f"not a template file (a template's name ends in {', '.join(TEMPLATE_SUFFIXES)})")
    try:
        check_regular(target, TEMPLATE_BYTES)
    except UnreadableFile as exc:
        raise Refused(str(exc)) from None
    return target


def template_folder_files(folder: Path | str, *, suffixes: tuple[str, ...] = FOLDER_SUFFIXES,
                          max_entries: int = FOLDER_ENTRIES, max_bytes: int = FOLDER_BYTES) -> list[tuple[str, Path]]:
    """(relative name, resolved path) of every template or resource file under ``folder``, sorted; Refused
    for the first file or folder that leads out of it, is not a regular file, or passes a bound."""
    folder = Path(folder).expanduser()
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        raise Refused("folder not found") from None
    except OSError as exc:
        raise Refused(f"cannot be read: {exc.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise Refused("is a file, not a folder")
    root = inside(folder, folder)
    found: list[tuple[str, Path]] = []
    seen_dirs = {root}
    entries = total = 0
    pending = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            with os.scandir(directory) as scan:
                names = sorted(entry.name for entry in scan)
        except OSError as exc:
            raise Refused(f"{prefix or '.'}: cannot be read: {exc.strerror}") from None
        for name in names:
            if name.startswith("."):
                continue  # never loaded, never fetched, never sent
            entries += 1
            if entries > max_entries:
                raise Refused(f"holds more than {max_entries:,} files and folders; a template folder holds a "
                              "course's templates, not a file system")
            relative = f"{prefix}{name}"
            path = directory / name
            try:
                mode = os.stat(path).st_mode
            except OSError:
                mode = None
            if mode is not None and stat.S_ISDIR(mode):
                target = _inside_or_refused(root, path, relative)
                if target not in seen_dirs:  # a link back up would walk for ever
                    seen_dirs.add(target)
                    pending.append((target, f"{relative}/"))
                continue
            if not name.lower().endswith(suffixes):
                continue  # never read: a template loads and a report fetches only these
            target = _inside_or_refused(root, path, relative)
            try:
                total += check_regular(target, max_bytes - total)
            except UnreadableFile as exc:
                if "more than" in str(exc):
                    raise Refused(f"its template files are more than the {max_bytes // MB:,} MB allowed") from None
                raise Refused(f"{relative}: {exc}") from None
            found.append((relative, target))
    return sorted(found)


def _inside_or_refused(root: Path, path: Path, relative: str) -> Path:
    try:
        return inside(root, path, what="the template folder")
    except Refused as exc:
        raise Refused(f"{relative}: {exc}") from None


def read_folder_files(files: list[tuple[str, Path]], max_bytes: int) -> dict[str, bytes]:
    """{relative name: bytes} of files listed by ``template_folder_files``, read with the same bounds."""
    from .safe_io import read_bounded

    data, total = {}, 0
    for relative, target in files:
        try:
            data[relative] = read_bounded(target, max_bytes - total)
        except UnreadableFile as exc:
            raise Refused(f"{relative}: {exc}") from None
        total += len(data[relative])
    return data


# --------------------------------------------------------------------------- what a batch's specs may read

# The report's spec keys that name files or folders a spec reads (the dataset's: its source's file_keys).
REPORT_PATH_KEYS = ("template", "template_dir")


def path_fields(dataset_source: str | None = None) -> tuple[tuple[str, str], ...]:
    """(section, key) of the spec fields that name files or folders a spec reads: the dataset keys its
    source declares (labreport/sources/registry.py; every source's for None or an unknown source) and the
    report's templates."""
    from .sources import registry

    return (*(("dataset", key) for key in registry.file_keys(dataset_source)),
            *(("report", key) for key in REPORT_PATH_KEYS))


def keras_cache() -> Path:
    """Keras' own dataset cache (keras-imdb's download), readable by every spec."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets"


def batch_roots(spec_path: Path, data_roots: list[Path] | tuple = ()) -> list[Path]:
    """The folders a batch spec may read below: its own folder, the --data-root folders, Keras' cache."""
    return [resolved(Path(spec_path).absolute().parent), *(resolved(root) for root in data_roots),
            resolved(keras_cache())]


def check_batch_roots(spec, spec_path: Path, data_roots: list[Path] | tuple = ()) -> str | None:
    """Why a batch may not read one of ``spec``'s paths ('dataset.path: ... outside ...'), or None.

    Every path a spec names (with links followed) must lie below one of ``batch_roots``; a folder's
    files and folders too (a text folder holding a link to an instructor's file is refused).
    """
    roots = batch_roots(spec_path, data_roots)
    dumped = spec.model_dump(mode="python")
    for section, key in path_fields(spec.dataset.source):
        value = (dumped.get(section) or {}).get(key)
        if not value:
            continue
        path = Path(value).expanduser()
        if not os.path.lexists(path):
            continue  # missing: the loader says so, naming the key
        where = _outside(path, roots)
        if where is None and path.is_dir():
            where = _folder_outside(path, roots)
        if where is not None:
            return f"{section}.{key}: {where}"
    return None


def _outside(path: Path, roots: list[Path]) -> str | None:
    target = resolved(path)
    if any(target.is_relative_to(root) for root in roots):
        return None
    shown = f"{path} (which leads to {target})" if target != Path(path).absolute() else f"{path}"
    return f"{shown} lies outside the spec's folder and the --data-root folders"


def _folder_outside(folder: Path, roots: list[Path], seen: set | None = None) -> str | None:
    seen = set() if seen is None else seen
    if resolved(folder) in seen:
        return None
    seen.add(resolved(folder))
    entries = 0
    for directory, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            entries += 1
            if entries > DATA_FOLDER_ENTRIES:
                return f"{folder} holds more than {DATA_FOLDER_ENTRIES:,} files and folders"
            path = Path(directory) / name
            if path.is_symlink():
                where = _outside(path, roots)
                if where is not None:
                    return where
                if name in dirs and path.is_dir():
                    # A link to a folder inside the roots: os.walk does not follow it; its files are checked
                    # where it leads, if that is below the folder; otherwise check it here.
                    if not resolved(path).is_relative_to(resolved(folder)):
                        inner = _folder_outside(resolved(path), roots, seen)
                        if inner is not None:
                            return inner
    return None
