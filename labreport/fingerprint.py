"""The training fingerprint: has anything that decides a run's numbers changed since it was saved?

It is the sha256 of the spec's training fields with each data path replaced by
what the file holds (its size and sha256, so that a moved or renamed copy of the
same data reuses the run), plus the Keras version, the order of the training
batches (``BATCH_ORDER``: a run trained in another order has other numbers) and
a digest of labreport's training code (``TRAINING_STAGE_SOURCES``: a run made by
other training code is not reused).  Generated data is described by its
parameters and seed, which are training fields already.  The report's own
fingerprint is report/sections.py's; saved_run.py compares a saved run with both.

Content hashes of data files are cached by path, size and modification time
in ``$XDG_CACHE_HOME/labreport/hashes.json`` (default ``~/.cache``): a 50 MB
file is read once, not on every run.  Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import stat as stat_module
import time
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_atomic
from .errors import LabreportError
from .containment import DATA_FOLDER_ENTRIES
from .sources import registry
from .safe_io import DATA_BYTES, UnreadableFile

CACHE_FORMAT = 1
# A file changed twice within one mtime tick keeps its size and mtime; so a
# file modified this recently is hashed but not cached (git's "racy clean").
_RACY_SECONDS = 2.0
# How the training batches are ordered (train/batches.py): a run trained another way has other numbers, so
# runs saved before this order (Keras' fit(shuffle=True), one order repeated every epoch on TensorFlow) train again.
BATCH_ORDER = "numpy default_rng([training.seed, epoch]).permutation, every epoch"

# The code that decides a run's numbers: the data loaders, the model builder, the trainer and the probes
# recorded with the run (paths relative to the package).  A saved run or a checkpoint is reused only when this
# code is the code that made it: its digest (training_code_digest) is part of both fingerprints.  We chose a
# digest over a hand-bumped "training version" constant because a constant is forgotten exactly when a change
# looks harmless (a new default, a reordered shuffle), and a stale run then prints numbers its program would
# not reproduce; the digest reads the syntax tree without docstrings, so comments and docstrings do not count,
# and a change that does not change numbers costs one retraining, never a wrong report.  A test
# (tests/test_fingerprint.py) fails when the training stage imports a labreport module missing from this list.
TRAINING_STAGE_SOURCES = ("data", "sources", "train", "training.py", "model.py", "cells.py")


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    inputs: dict  # what was hashed, kept in run.json to say what changed


def training_stage_files() -> list[Path]:
    """The Python files of TRAINING_STAGE_SOURCES, sorted by their path in the package."""
    package = Path(__file__).resolve().parent
    files = []
    for name in TRAINING_STAGE_SOURCES:
        path = package / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return sorted(files, key=lambda file: file.relative_to(package).as_posix())


@functools.lru_cache(maxsize=1)
def training_code_digest() -> str:
    """sha256 of the training stage's code, as syntax trees without docstrings (see TRAINING_STAGE_SOURCES)."""
    import ast

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in training_stage_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                    and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        digest.update(ast.dump(tree, annotate_fields=False).encode("utf-8") + b"\0")
    return digest.hexdigest()


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def keras_version() -> str | None:
    """Keras' installed version, read from package metadata: importing Keras would start TensorFlow."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("keras")
    except PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- content hashes


def cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "labreport" / "hashes.json"


class HashCache:
    """sha256 of files (and of folders of files) keyed by path, size and mtime; a JSON file."""

    def __init__(self, path: Path | None = None):
        self.path = path or cache_path()
        self.entries: dict = {}
        self.changed = False
        try:
            from .safe_io import read_bounded
            data = json.loads(read_bounded(self.path, 64 * 1024 * 1024))
            if isinstance(data, dict) and data.get("format") == CACHE_FORMAT and isinstance(data.get("files"), dict):
                self.entries = data["files"]
        except (OSError, ValueError, UnreadableFile):
            pass  # no cache yet, or a damaged one: hash again and write a fresh one

    def file_sha256(self, path: Path, stat: os.stat_result) -> str:
        key = str(path)
        entry = self.entries.get(key)
        if (isinstance(entry, dict) and entry.get("size") == stat.st_size
                and entry.get("mtime_ns") == stat.st_mtime_ns and isinstance(entry.get("sha256"), str)):
            return entry["sha256"]
        digest = hashlib.sha256()
        # Non-blocking, regular files only: a file swapped for a FIFO after the stat must not hang the plan.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat_module.S_ISREG(os.fstat(fd).st_mode):
                return "not a regular file"
            read = 0
            while read <= DATA_BYTES:
                block = os.read(fd, 1 << 20)
                if not block:
                    break
                read += len(block)
                digest.update(block)
        finally:
            os.close(fd)
        sha = digest.hexdigest()
        if time.time() - stat.st_mtime > _RACY_SECONDS:
            self.entries[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha}
            self.changed = True
        return sha

    def save(self) -> None:
        if not self.changed:
            return
        # Drop entries for files that are gone, so the cache does not grow forever.
        files = {key: entry for key, entry in self.entries.items() if Path(key).exists()}
        try:
            write_atomic(self.path, json.dumps({"format": CACHE_FORMAT, "files": files}, indent=0))
        except LabreportError:
            pass  # an unwritable cache only costs hashing again next time
        self.changed = False


def path_identity(path: str | Path, cache: HashCache) -> dict:
    """What a data file or folder holds: size and sha256 (a folder: of its files' relative paths and hashes)."""
    path = Path(path).expanduser()
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except (OSError, RuntimeError):  # RuntimeError: a link loop (Python before 3.13)
        return {"missing": str(path)}
    if resolved.is_file():
        return {"size": stat.st_size, "sha256": cache.file_sha256(resolved, stat)}
    if resolved.is_dir():
        listing = []
        total = entries = 0
        for root, dirs, files in os.walk(resolved):
            dirs.sort()
            entries += len(dirs) + len(files)
            if entries > DATA_FOLDER_ENTRIES:
                # Not a data folder (a home folder, /usr): the loader refuses it; hashing it would take minutes.
                return {"refused": f"more than {DATA_FOLDER_ENTRIES:,} files and folders"}
            for name in sorted(files):
                file_path = Path(root) / name
                try:
                    file_stat = file_path.stat()
                except OSError:
                    continue
                if not stat_module.S_ISREG(file_stat.st_mode):
                    continue  # a FIFO or a device would block or never end; the loader refuses it by name
                total += file_stat.st_size
                listing.append([file_path.relative_to(resolved).as_posix(), cache.file_sha256(file_path, file_stat)])
        return {"files": len(listing), "size": total, "sha256": _digest(listing)}
    return {"missing": str(path)}


def _dataset_paths(dataset: dict) -> dict[str, str]:
    """Field → path of the files or folders the dataset reads."""
    source = registry.get(dataset["source"])
    if source.fingerprint_paths is not None:  # e.g. only the folders of a tree the loader reads
        return source.fingerprint_paths(dataset)
    return {field: dataset[field] for field in source.file_keys if dataset.get(field)}


# --------------------------------------------------------------------------- the fingerprints


def training_fingerprint(spec, cache: HashCache | None = None) -> Fingerprint:
    """The fingerprint of everything that decides a run's numbers."""
    owned_cache = cache is None
    cache = cache or HashCache()
    fields = copy.deepcopy(spec.training_fields())
    if fields["training"].get("early_stopping", False) is None:
        # Unset, it trains as before the key existed: runs saved then are still reused.
        del fields["training"]["early_stopping"]
    if fields["training"].get("loss", False) is None:
        # Unset: the task's own loss (a forecast's mse), as before the key existed.
        del fields["training"]["loss"]
    dataset = fields["dataset"]
    paths = _dataset_paths(dataset)
    for field in registry.get(dataset["source"]).file_keys:
        # Where the data lies is not what it is: a copy elsewhere is the same data.
        dataset.pop(field, None)
    if paths:
        dataset["content"] = {field: path_identity(path, cache) for field, path in paths.items()}
    # labreport's version is recorded in run.json's versions, not fingerprinted: a release that changes no
    # training code (the words, the figures) keeps saved runs; the training code's own digest decides.
    inputs = {"training": fields, "versions": {"keras": keras_version()},
              "procedure": {"batch_order": BATCH_ORDER, "training_code": training_code_digest()}}
    if owned_cache:
        cache.save()
    return Fingerprint(_digest(inputs), inputs)


# --------------------------------------------------------------------------- what changed


def describe_changes(old, new, prefix: str = "", limit: int = 3) -> list[str]:
    """'training.epochs: 2 → 3'-style lines for the leaves that differ (at most ``limit``)."""
    changes: list[str] = []

    def walk(a, b, where):
        if len(changes) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                walk(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
        elif a != b:
            if isinstance(a, (dict, list)) or isinstance(b, (dict, list)) or where.endswith("sha256"):
                changes.append(f"{where} changed")
            else:
                changes.append(f"{where}: {json.dumps(a)} → {json.dumps(b)}")

    walk(old, new, prefix)
    return changes
