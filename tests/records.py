"""Saved run records the word tests read: the real default run of the fixture corpus."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_RUN = Path(__file__).parent / "fixtures" / "runs" / "default_experiment.json"


def default_record() -> dict:
    """The default experiment's real run.json (LSTM learned, SimpleRNN baseline at chance); a fresh copy, in the
    current run.json format (the checked-in file is format 1: migrated as labreport migrates it on read)."""
    from labreport.record import migrate

    return migrate(json.loads(DEFAULT_RUN.read_text(encoding="utf-8")))


def main_of(record: dict) -> dict:
    """The main model's entry of a record (run.json format 2)."""
    return record["models"][0]
