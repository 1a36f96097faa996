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


def problems_message(path: str, problems: list[str], *, shown: int | None = None) -> str:
    """'path: problem', or 'path: N problems:' and one line each (the first ``shown``, then how many more)."""
    if len(problems) == 1:
        return f"{path}: {problems[0]}"
    listed = problems if shown is None else problems[:shown]
    more = f"\n  - and {len(problems) - len(listed)} more" if len(listed) < len(problems) else ""
    lines = "\n".join(f"  - {p}" for p in listed)
    return f"{path}: {len(problems)} problems:\n{lines}{more}"


class SpecError(LabreportError):
    """The YAML spec cannot be read, or does not validate."""

    def __init__(self, path, problems: list[str], *, hint: str | None = None):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(problems_message(self.path, self.problems), hint=hint)


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
        # A tampered run.json can be wrong in thousands of places: the first ten say enough.
        super().__init__(problems_message(self.path, self.problems, shown=10), hint=hint or "run.json is written by `labreport run`; train again, or restore "
                                                "the file from the run's copy.")


class LabreportBug(LabreportError):
    """labreport's own code failed on input it had already accepted (a validated run.json): our bug, not the user's.

    Exit 1, a sentence that says so and asks for a report; the original exception is its ``__cause__``,
    so ``labreport --debug`` shows where it was raised.
    """

    exit_code = 1

    def __init__(self, doing: str, exc: BaseException, where: str):
        self.where = where
        super().__init__(
            f"labreport failed while {doing}: {type(exc).__name__}: {str(exc)[:200]} (in {where}). "
            "This is a bug in labreport, not a problem with your files.",
            hint="Please report it with the command you ran and the output of the same command run with "
                 "`labreport --debug ...` (its traceback); attaching the run's run.json helps.",
        )


class OutputFolderBusy(OutputError):
    """Another labreport process holds the output folder's lock (a run or a batch worker writing there)."""

    def __init__(self, folder, holder_pid: int | None):
        self.folder = str(folder)
        self.holder_pid = holder_pid
        holder = f"process {holder_pid}" if holder_pid is not None else "another process"
        super().__init__(
            f"Another labreport run ({holder}) is writing to the output folder {self.folder}.",
            hint="Wait for it to finish, or choose another output folder with --out.",
        )


class LockFileRefused(OutputError):
    """The run folder's lock file is not a regular file (a planted link, a FIFO, a folder): nothing is written."""

    def __init__(self, path, kind: str):
        self.path = str(path)
        super().__init__(
            f"{self.path}: the output folder's lock file is {kind}, not a regular file; labreport will not "
            f"write through it.",
            hint="Remove it (it is not labreport's), then run again.")


class NanLossError(TrainingError):
    """The main model's loss became NaN or infinite.

    Raised by the pipeline after run.json (with ``stopped``) and the report are
    written; the history up to that point is also in history.csv.
    """

    def __init__(self, title: str, stopped: dict, training, csv_path):
        self.stopped = stopped
        epoch, batch = stopped.get("epoch"), stopped.get("batch")
        # A run.json edited by hand may lack either (or hold nonsense): the sentence then leaves it out.
        epoch = epoch if isinstance(epoch, int) and not isinstance(epoch, bool) and 0 < epoch < 10**9 else None
        batch = batch if isinstance(batch, int) and not isinstance(batch, bool) and 0 <= batch < 10**12 else None
        value = stopped.get("value", "NaN")
        value = value if isinstance(value, str) and len(value) <= 20 and value.isprintable() else "NaN"
        where = "" if epoch is None else f" at epoch {epoch}" + ("" if batch is None else f", batch {batch}")
        kept = ""
        if csv_path is not None and epoch is not None:
            # Keras still ends the epoch it stopped in, so history.csv has its row.
            epochs_kept = "epoch 1" if epoch == 1 else f"epochs 1-{epoch}"
            kept = f" {csv_path.name} keeps {epochs_kept}, the last one as it stood at that batch."
        from .step_sizes import clipped_step, suggested_learning_rate

        lr = training.learning_rate
        suggested = suggested_learning_rate(lr, training.optimizer)
        changes = [f"lower training.learning_rate (now {lr:g}; try {suggested if suggested is not None else lr / 10:g})"]
        # Clipping or Adam bound the step only to about learning rate × clipnorm (or the learning rate per weight):
        # at a learning rate beyond a sane clipped step (step_sizes.MAX_CLIPPED_STEP) neither helps, only a lower one.
        step = clipped_step(lr, training.optimizer, training.clipnorm)
        if step is None or step["helps"]:
            if not training.clipnorm:
                changes.append("set training.clipnorm: 1.0 to clip each gradient's norm")
            elif training.clipnorm > 1:
                changes.append(f"lower training.clipnorm (now {training.clipnorm:g})")
            if training.optimizer == "sgd":
                changes.append("use training.optimizer: adam")
        super().__init__(
            f"The {title} model's loss became {value}{where}; "
            f"training stopped and the report shows the run up to that batch.{kept}",
            hint=f"To fix it, {', or '.join(changes)}, then run again.",
        )


class BatchCancelled(LabreportError):
    """Ctrl-C stopped a batch; the specs that finished keep their reports, and the index lists them all."""

    exit_code = 130  # the shell's code for a process stopped by SIGINT


class ClusterError(LabreportError):
    """The Dask scheduler cannot be reached, or the cluster cannot run the batch as asked."""

    exit_code = 1
