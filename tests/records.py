"""Saved run records the word tests read: the real default run of the fixture corpus."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_RUN = Path(__file__).parent / "fixtures" / "runs" / "default_experiment.json"


def default_record() -> dict:
    """The default experiment's real run.json (LSTM learned, SimpleRNN baseline at chance); a fresh copy."""
    return json.loads(DEFAULT_RUN.read_text(encoding="utf-8"))
