"""Shared test helpers: tiny specs, the shared data folder, a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_IMDB = SHARED / "data" / "imdb" / "imdb.npz"

# Quiet TensorFlow's start-up logging in test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def tiny_spec_text(name: str = "tiny", *, epochs: int = 2, extra: str = "") -> str:
    """A few hundred generated sequences, 2 epochs: the default experiment in miniature."""
    return f"""
name: {name}
description: "A tiny temporal-order run for tests."
header:
  student_name: "Test Student"
  enrolment_no: "T-001"
dataset:
  source: generated
  n_train: 300
  n_test: 100
  sequence_length: 20
model:
  embedding: {{output_dim: 4}}
  recurrent: [{{cell: lstm, units: 8}}]
  compare: [simple_rnn]
training:
  batch_size: 32
  epochs: {epochs}
  learning_rate: 0.01
{extra}
"""


@pytest.fixture(autouse=True)
def _test_hash_cache(tmp_path_factory, monkeypatch):
    """A run in a test caches its data files' hashes in the test session's folder, not the user's ~/.cache."""
    import labreport.fingerprint

    cache_file = tmp_path_factory.getbasetemp() / "labreport-cache" / "hashes.json"
    monkeypatch.setattr(labreport.fingerprint, "cache_path", lambda: cache_file)
    # Worker processes (labreport batch) do not see the patch; the variable reaches them.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def tiny_spec(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(tiny_spec_text())
    return path


@pytest.fixture
def shared_imdb() -> Path:
    if not SHARED_IMDB.exists():
        pytest.skip(f"the shared IMDB copy is not at {SHARED_IMDB} (only on development machines and CI)")
    return SHARED_IMDB


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One tiny end-to-end run through the CLI, shared by the tests that read its output."""
    from typer.testing import CliRunner

    from labreport.cli import app

    workdir = tmp_path_factory.mktemp("tiny_run")
    spec_path = workdir / "tiny.yaml"
    spec_path.write_text(tiny_spec_text())
    result = CliRunner().invoke(app, ["run", str(spec_path), "--out", str(workdir / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    return {"run_dir": workdir / "out" / "tiny", "output": result.output, "spec_path": spec_path}


@pytest.fixture
def saved(tiny_run, tmp_path):
    """specs/tiny.yaml and out/tiny/ as a finished `labreport batch specs --out out` leaves them."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    shutil.copy(tiny_run["spec_path"], specs / "tiny.yaml")
    shutil.copytree(tiny_run["run_dir"], out / "tiny")
    return {"specs": specs, "out": out, "run_dir": out / "tiny", "spec": specs / "tiny.yaml"}
