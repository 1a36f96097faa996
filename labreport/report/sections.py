"""The report fields a report shows, and the fingerprint that says whether a report must be written again.

The report fingerprint is the sha256 of the report fields a report was rendered with, plus a custom
template's content, the words (the shipped templates, a course's folder), the facts' version and
labreport's version: `labreport batch --check` and `labreport run` tell from it a report that only
needs rendering again from one that is up to date.  The training side is fingerprint.py's.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

from .._version import __version__
from ..facts import FACTS_VERSION
from ..fingerprint import _digest
from ..safe_io import UnreadableFile


def report_sections_of_record(record: dict) -> dict:
    """The report fields (name, description, header, report) a run record's report shows."""
    from ..spec import REPORT_SECTIONS
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


def _folder_digest(folder: Path, suffixes: tuple[str, ...] | None = None, skip: tuple[str, ...] = ()) -> str:
    """sha256 over the names and contents of the template files below a folder (hidden ones skipped).

    The files are those a render may read (containment.py: inside the folder, regular, bounded in number
    and size), so a FIFO, /dev/zero or /usr named as a template folder is refused in a second, not hashed
    for minutes; the render itself then refuses it by name.
    """
    from ..containment import FOLDER_BYTES, FOLDER_SUFFIXES, Refused, read_folder_files, template_folder_files

    digest = hashlib.sha256()
    try:
        listed = template_folder_files(folder, suffixes=suffixes or FOLDER_SUFFIXES)
        files = read_folder_files([(name, path) for name, path in listed if not name.startswith(skip)], FOLDER_BYTES)
    except (Refused, OSError) as exc:
        return f"unreadable: {exc}"
    for name, data in files.items():
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
    return digest.hexdigest()


def words_fingerprint(template_dir: str | None = None) -> dict:
    """What decides a report's words: the shipped templates (phrases, formats), a course folder, the facts' version."""
    from ..resources import templates_dir
    # Every shipped file (a format.yaml chooses the figures) but the batch's course page (course/: no report
    # reads it, so rewording it renders no report again); a course's: the files a render can read.
    return {"shipped": _folder_digest(templates_dir(), suffixes=("",), skip=("course/",)), "facts": FACTS_VERSION,
            "course": _folder_digest(Path(template_dir)) if template_dir else None}


def report_fingerprint(sections: dict) -> str:
    """The fingerprint of a report: its fields, its templates' text (the words), the facts' version, labreport's."""
    report = sections.get("report") or {}
    template = report.get("template")
    template_sha = None
    if template:
        from ..containment import Refused, template_file
        from ..safe_io import TEMPLATE_BYTES, read_bounded
        try:
            # Bounded as the loader reads it: a FIFO never hangs, /dev/zero never fills memory.
            template_sha = hashlib.sha256(read_bounded(template_file(template), TEMPLATE_BYTES)).hexdigest()
        except (Refused, UnreadableFile, OSError) as exc:
            template_sha = f"unreadable: {exc}"
    return _digest({"fields": sections, "template": template_sha, "words": words_fingerprint(report.get("template_dir")),
                    "labreport": __version__})
