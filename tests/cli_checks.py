"""Checks shared by the tests that feed bad input through the command line.

A failure must end in one readable paragraph ("Error: ..." plus an optional
hint line), the documented exit code, no traceback, and no file anywhere but
in the output folder (usually not even there).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from labreport.cli import app

runner = CliRunner()


def invoke(*args: str):
    """`labreport ARGS...` in this process; ``result.output`` holds stdout and stderr together."""
    return runner.invoke(app, [str(a) for a in args])


def tree(root: Path) -> set[str]:
    """Every file and folder under ``root`` (hidden ones too), relative to it."""
    return {str(p.relative_to(root)) for p in Path(root).rglob("*")}


@contextmanager
def nothing_written(root: Path, *, except_under: Path | None = None):
    """Fail if anything appears under ``root`` during the block (outside ``except_under``)."""
    before = tree(root)
    yield
    appeared = tree(root) - before
    if except_under is not None:
        allowed = Path(except_under).resolve()
        appeared = {p for p in appeared if not (Path(root) / p).resolve().is_relative_to(allowed)}
    assert not appeared, f"written outside the output folder: {sorted(appeared)}"


def assert_clean_failure(result, exit_code: int) -> str:
    """The failure is an exit code and one paragraph, never a traceback; returns the paragraph."""
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: "), result.output
    assert "\n\n" not in result.output.strip(), "more than one paragraph"
    return result.output


def error_paragraph(output: str) -> str:
    """The 'Error: ...' paragraph at the end of a command's output (progress lines come before it)."""
    start = output.rfind("Error: ")
    assert start >= 0, output
    paragraph = output[start:]
    assert "\n\n" not in paragraph.strip(), "more than one paragraph"
    return paragraph


def no_temp_files(folder: Path) -> list[str]:
    """Temporary files left behind by an interrupted atomic write (there must be none)."""
    if not Path(folder).exists():
        return []
    return sorted(str(p) for p in Path(folder).rglob("*") if p.name.endswith(".tmp") or ".tmp." in p.name)


def without(text: str, folder: Path) -> str:
    """``text`` with ``folder/`` removed, so messages about files in tmp_path compare exactly."""
    return text.replace(f"{folder}{os.sep}", "")
