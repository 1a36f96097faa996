"""The run record (run.json): the contract between training and everything after it.

Rendering, analysis, batch and tests read only this file.  It is plain JSON
so that it can be read without labreport, diffed, and kept as evidence.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .atomic import write_atomic
from .errors import LabreportError, RunRecordError
from .record_check import check_run_record
from .safe_io import RUN_RECORD_BYTES, UnreadableFile, read_bounded

RUN_RECORD_NAME = "run.json"
FORMAT_VERSION = 1
REQUIRED_KEYS = ("experiment", "spec", "model", "history", "test", "dataset", "timing", "versions", "seed")


def _json_safe(value):
    """NaN and infinity are not JSON; write them as null (a NaN loss is a real outcome)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _json_safe(value.item())
    return value


def _restore_nan(value):
    if value is None:
        return math.nan
    return value


def write_run_record(run_dir: Path, record: dict) -> Path:
    record = {"format_version": FORMAT_VERSION, **record}
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise ValueError(f"run record is missing {missing}")  # a bug, not a user error
    text = json.dumps(_json_safe(record), indent=1, ensure_ascii=False, allow_nan=False)
    return write_atomic(Path(run_dir) / RUN_RECORD_NAME, text + "\n", root=Path(run_dir))


def read_run_record(path: Path) -> dict:
    """Read run.json from a file or a run folder, and check it (``check_run_record``); errors name the file."""
    path = Path(path)
    if path.is_dir():
        path = path / RUN_RECORD_NAME
    try:
        record = json.loads(read_bounded(path, RUN_RECORD_BYTES).decode("utf-8"))
    except UnreadableFile as exc:
        if str(exc) == "file not found":
            raise LabreportError(
                f"{path}: no run record here.",
                hint="Train first with `labreport run SPEC`, or point at a folder that holds run.json.",
            ) from None
        raise RunRecordError(path, [str(exc)]) from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        if path.suffix.lower() in (".yaml", ".yml"):
            raise LabreportError(
                f"{path}: is a spec, not a run record.",
                hint=(f"Train it with `labreport run {path}`; `labreport render` takes the run folder that "
                      "`labreport run` wrote (e.g. output/<experiment name>)."),
            ) from None
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise LabreportError(f"{path}: not a valid run record ({reason}).") from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise LabreportError(f"{path}: not a valid run record ({exc}).") from None
    if not isinstance(record, dict):
        raise LabreportError(f"{path}: not a valid run record (the top level is not an object).")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise LabreportError(f"{path}: not a complete run record; missing {', '.join(missing)}.")
    version = record.get("format_version", FORMAT_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise LabreportError(
            f"{path}: written by a newer labreport (format {record['format_version']}).",
            hint="Upgrade labreport to render it.",
        )
    check_run_record(record, path)
    # JSON nulls inside metric lists were NaN when they were written.
    for section in [record] + list(record.get("baselines") or []):
        for metric, values in section.get("history", {}).items():
            section["history"][metric] = [_restore_nan(v) for v in values]
    return record
