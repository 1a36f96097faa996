"""The test result of the run a batch replaced, kept beside the new one for `batch --check --format markdown`.

Training a spec again replaces OUT/<name>/run.json; the test result it held is
written to OUT/<name>/previous_test.json so that a pull-request comment can say
how the test metric changed.  Only the batch writes it: a `labreport run` into
the same folder leaves it alone (it may then describe an older run, which the
file's fingerprint and date say).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_atomic

PREVIOUS_NAME = "previous_test.json"


def test_result_of(record: dict | None) -> dict | None:
    """A saved run's test result, fingerprint and date (the planner has read its run.json); None without one."""
    from ..record import main_run

    test = main_run(record).get("test") if record else None
    if not isinstance(test, dict):
        return None
    return {"test": {key: value for key, value in test.items() if isinstance(value, (int, float))},
            "fingerprint": record.get("fingerprint"), "created": record.get("created")}


def remember_previous(run_dir: Path, previous: dict | None) -> None:
    """Write (or, with no earlier run, remove) OUT/<name>/previous_test.json."""
    path = Path(run_dir) / PREVIOUS_NAME
    if previous is None:
        path.unlink(missing_ok=True)
        return
    write_atomic(path, json.dumps({"format": 1, **previous}, indent=1) + "\n", root=Path(run_dir))


def read_previous(run_dir: Path) -> dict | None:
    """previous_test.json's contents, or None when absent or not as this module writes it."""
    from ..safe_io import UnreadableFile, read_bounded

    path = Path(run_dir) / PREVIOUS_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(read_bounded(path, 1_000_000))
    except (UnreadableFile, ValueError, OSError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("test"), dict):
        return None
    return data
