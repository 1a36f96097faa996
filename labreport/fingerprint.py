"""Fingerprints: has anything that decides a run's numbers, or its report, changed since it was saved?

The training fingerprint is the sha256 of the spec's training fields with each
data path replaced by what the file holds (its size and sha256, so that a
moved or renamed copy of the same data reuses the run), plus the labreport
and Keras versions and the order of the training batches (``BATCH_ORDER``: a run
trained in another order has other numbers).  Generated data is described by its
parameters and seed, which are training fields already.

The report fingerprint is the sha256 of the report fields a report was
rendered with (plus a custom template's content and labreport's version), so
that `labreport batch --check` can tell a report that only needs rendering
again from one that is up to date.

Content hashes of data files are cached by path, size and modification time
in ``$XDG_CACHE_HOME/labreport/hashes.json`` (default ``~/.cache``): a 50 MB
file is read once, not on every run.  Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import stat as stat_module
import time
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .atomic import write_atomic
from .errors import LabreportError
from .containment import DATA_FOLDER_ENTRIES
from .data import registry
from .safe_io import DATA_BYTES, UnreadableFile

CACHE_FORMAT = 1
# A file changed twice within one mtime tick keeps its size and mtime; so a
# file modified this recently is hashed but not cached (git's "racy clean").
_RACY_SECONDS = 2.0
# How the training batches are ordered (train/batches.py): a run trained another way has other numbers, so
# runs saved before this order (Keras' fit(shuffle=True), one order repeated every epoch on TensorFlow) train again.
BATCH_ORDER = "numpy default_rng([training.seed, epoch]).permutation, every epoch"


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    inputs: dict  # what was hashed, kept in run.json to say what changed


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
    dataset = fields["dataset"]
    paths = _dataset_paths(dataset)
    for field in registry.get(dataset["source"]).file_keys:
        # Where the data lies is not what it is: a copy elsewhere is the same data.
        dataset.pop(field, None)
    if paths:
        dataset["content"] = {field: path_identity(path, cache) for field, path in paths.items()}
    inputs = {"training": fields, "versions": {"labreport": __version__, "keras": keras_version()},
              "procedure": {"batch_order": BATCH_ORDER}}
    if owned_cache:
        cache.save()
    return Fingerprint(_digest(inputs), inputs)


def report_sections_of_record(record: dict) -> dict:
    """The report fields (name, description, header, report) a run record's report shows."""
    from .spec import REPORT_SECTIONS
    spec = record.get("spec") or {}
    sections = {key: copy.deepcopy(spec.get(key)) for key in REPORT_SECTIONS}
    sections["name"] = sections["name"] or record.get("experiment")
    if sections["description"] is None:
        sections["description"] = record.get("description", "")
    return sections


def apply_report_overrides(sections: dict, *, worksheet: str | None = None, template: str | Path | None = None,
                           header: dict | None = None, smoothing: float | None = None) -> dict:
    """Report fields with command-line (or roster) overrides applied; a new dict."""
    sections = copy.deepcopy(sections)
    report = dict(sections.get("report") or {})
    if worksheet is not None:
        report["worksheet"] = worksheet
    if template is not None:
        report["template"] = str(template)
    if smoothing is not None:
        report["smoothing"] = float(smoothing)
    sections["report"] = report
    if header:
        sections["header"] = {**(sections.get("header") or {}),
                              **{key: value for key, value in header.items() if value is not None}}
    return sections


def _folder_digest(folder: Path, suffixes: tuple[str, ...] | None = None) -> str:
    """sha256 over the names and contents of the template files below a folder (hidden ones skipped).

    The files are those a render may read (containment.py: inside the folder, regular, bounded in number
    and size), so a FIFO, /dev/zero or /usr named as a template folder is refused in a second, not hashed
    for minutes; the render itself then refuses it by name.
    """
    from .containment import FOLDER_BYTES, FOLDER_SUFFIXES, Refused, read_folder_files, template_folder_files

    digest = hashlib.sha256()
    try:
        files = read_folder_files(template_folder_files(folder, suffixes=suffixes or FOLDER_SUFFIXES), FOLDER_BYTES)
    except (Refused, OSError) as exc:
        return f"unreadable: {exc}"
    for name, data in files.items():
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
    return digest.hexdigest()


def words_fingerprint(template_dir: str | None = None) -> dict:
    """What decides a report's words: the shipped templates (phrases, formats), a course folder, the facts' version."""
    from .facts import FACTS_VERSION
    from .resources import templates_dir
    # Every shipped file (a format.yaml chooses the figures); a course's: the files a render can read.
    return {"shipped": _folder_digest(templates_dir(), suffixes=("",)), "facts": FACTS_VERSION,
            "course": _folder_digest(Path(template_dir)) if template_dir else None}


def report_fingerprint(sections: dict) -> str:
    """The fingerprint of a report: its fields, its templates' text (the words), the facts' version, labreport's."""
    report = sections.get("report") or {}
    template = report.get("template")
    template_sha = None
    if template:
        from .containment import Refused, template_file
        from .safe_io import TEMPLATE_BYTES, read_bounded
        try:
            # Bounded as the loader reads it: a FIFO never hangs, /dev/zero never fills memory.
            template_sha = hashlib.sha256(read_bounded(template_file(template), TEMPLATE_BYTES)).hexdigest()
        except (Refused, UnreadableFile, OSError) as exc:
            template_sha = f"unreadable: {exc}"
    return _digest({"fields": sections, "template": template_sha, "words": words_fingerprint(report.get("template_dir")),
                    "labreport": __version__})


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


@dataclass(frozen=True)
class SavedRunState:
    """How a saved run compares with a spec: what, if anything, must be done again, and why."""

    needs_training: bool
    needs_render: bool
    reason: str  # empty when up to date
    record: dict | None = None

    @property
    def up_to_date(self) -> bool:
        return not (self.needs_training or self.needs_render)


def saved_run_state(spec, run_dir: Path, fingerprint: Fingerprint, *, report_pdf: str = "report.pdf") -> SavedRunState:
    """Compare the run saved in ``run_dir`` with ``spec`` (whose training fingerprint is given)."""
    from .record import RUN_RECORD_NAME, read_run_record

    run_dir = Path(run_dir)
    if not (run_dir / RUN_RECORD_NAME).is_file():
        return SavedRunState(True, True, f"not run yet: no {RUN_RECORD_NAME} in {run_dir}")
    try:
        record = read_run_record(run_dir)
    except LabreportError as error:
        return SavedRunState(True, True, f"the saved run cannot be read ({error.message})")
    saved = record.get("fingerprint")
    if saved is None:
        return SavedRunState(True, True, "the saved run has no fingerprint (saved by an older labreport)", record)
    if saved != fingerprint.sha256:
        before = record.get("fingerprint_inputs") or {}
        changes = (describe_changes(before.get("training"), fingerprint.inputs["training"])
                   + describe_changes(before.get("versions"), fingerprint.inputs["versions"], "versions")
                   + describe_changes(before.get("procedure"), fingerprint.inputs["procedure"], "procedure"))
        return SavedRunState(True, True, "training changed: " + ("; ".join(changes) or "fingerprint differs"), record)
    wanted = spec.report_fields()
    if record.get("report_fingerprint") != report_fingerprint(wanted):
        changes = describe_changes(report_sections_of_record(record), wanted)
        detail = "; ".join(changes) or "the template or labreport's version changed"
        return SavedRunState(False, True, f"report fields changed: {detail}", record)
    if not (run_dir / report_pdf).is_file():
        return SavedRunState(False, True, f"{report_pdf} is missing", record)
    return SavedRunState(False, False, "", record)
