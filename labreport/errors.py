"""One exception root for everything a user can get wrong.

The CLI turns a ``LabreportError`` into a one-paragraph message and an exit
code; anything else is a bug and keeps its traceback.  Library callers (a
notebook) catch ``LabreportError`` and read ``str(error)``.
"""

from __future__ import annotations


class LabreportError(Exception):
    """Root of every error that is the user's to fix, or that we explain."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n{self.hint}"
        return self.message


class SpecError(LabreportError):
    """The YAML spec cannot be read, or does not validate."""

    def __init__(self, path, problems: list[str], *, hint: str | None = None):
        self.path = str(path)
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = f"{self.path}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{self.path}: {len(self.problems)} problems:\n{lines}"
        super().__init__(message, hint=hint)


class DataError(LabreportError):
    """The dataset named by the spec is missing, unreadable or unusable."""


class OptionError(LabreportError):
    """A command-line option or argument is wrong."""


class TrainingError(LabreportError):
    """Training failed for a reason we can explain (NaN loss, interrupted)."""

    exit_code = 1


class RenderError(LabreportError):
    """The report could not be rendered (bad template, refused resource)."""

    exit_code = 1


class OutputError(LabreportError):
    """The output folder cannot be written (permissions, disk full)."""

    exit_code = 1


class RunRecordError(LabreportError):
    """run.json cannot be read, or a value in it has the wrong form (tampered, truncated, foreign)."""

    def __init__(self, path, problems: list[str], *, hint: str | None = None):
        self.path = str(path)
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = f"{self.path}: {self.problems[0]}"
        else:
            shown = self.problems[:10]
            more = f"\n  - and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
            lines = "\n".join(f"  - {p}" for p in shown)
            message = f"{self.path}: {len(self.problems)} problems:\n{lines}{more}"
        super().__init__(message, hint=hint or "run.json is written by `labreport run`; train again, or restore "
                                                "the file from the run's copy.")
