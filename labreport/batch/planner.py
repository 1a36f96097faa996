"""What each spec needs (train, render, roster PDFs, nothing), found by comparing it with its saved run."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LabreportError, OptionError
from ..record import main_run
from ..safe_io import UnreadableFile, resolved
from .previous import test_result_of
from .roster import RosterRow

if TYPE_CHECKING:
    from ..spec import ExperimentSpec

SPEC_SUFFIXES = (".yaml", ".yml")
ROSTER_STAMPS = "roster.json"




def collect_specs(paths: list[Path | str]) -> list[Path]:
    """Spec files named, or found (*.yaml, *.yml, not recursing) in folders named; each once, in order."""
    if not paths:
        raise OptionError("No specs given.", hint="Name spec files or folders of them, e.g. `labreport batch experiments/`.")
    from ..resources import shipped_experiments

    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            specs = sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())
            if not specs:
                raise OptionError(f"{path}: holds no spec files (*.yaml, *.yml).")
            found.extend(specs)
        elif path.is_file():
            found.append(path)
        elif str(given) in shipped_experiments():
            found.append(shipped_experiments()[str(given)])
        else:
            raise OptionError(f"{path}: no such file or folder.")
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(resolved(path), path)
    return list(unique.values())

def check_data_roots(data_roots: list[Path | str] | tuple) -> list[Path]:
    """The --data-root folders, each an existing folder (OptionError otherwise)."""
    roots = []
    for given in data_roots or ():
        root = Path(given).expanduser()
        if not root.is_dir():
            raise OptionError(f"--data-root {given}: {'not a folder' if root.exists() else 'folder not found'}.",
                              hint="Name a folder whose files every spec of the batch may read.")
        roots.append(root)
    return roots

# --------------------------------------------------------------------------- planning


@dataclass
class Plan:
    """What a spec needs: train, render (the report and/or roster PDFs), nothing, or it cannot run."""

    spec_path: Path
    name: str | None
    action: str  # train | render (the report, and stale roster PDFs) | roster (only those) | none | invalid
    reason: str
    fingerprint: str | None = None
    stale_rows: list[RosterRow] = field(default_factory=list)
    seconds: float = 0.0  # spent comparing
    # An up-to-date saved run whose loss diverged is still a failed run (as `labreport run` says): why.
    saved_failure: str | None = None
    spec: ExperimentSpec | None = None  # as read while planning (None when it did not validate)
    # A spec to train again: its saved run's test result, kept for `--check --format markdown` (previous.py).
    previous_test: dict | None = None


ROSTER_STAMPS_BYTES = 8 * 1024 * 1024  # a stamp per PDF: ~200 bytes each


def roster_stamps(run_dir: Path) -> dict:
    """roster.json's stamps; {} when absent or not as written (a FIFO or /dev/zero there is read as neither)."""
    from ..safe_io import UnreadableFile, read_bounded
    try:
        data = json.loads(read_bounded(run_dir / ROSTER_STAMPS, ROSTER_STAMPS_BYTES))
    except (OSError, ValueError, UnreadableFile):
        return {}
    reports = data.get("reports") if isinstance(data, dict) else None
    return reports if isinstance(reports, dict) else {}


def row_report_fingerprint(spec, row: RosterRow) -> str:
    from ..report.sections import apply_report_overrides, report_fingerprint
    return report_fingerprint(apply_report_overrides(spec.report_fields(), header=row.header))


def _stale_rows(spec, run_dir: Path, fingerprint: str, rows: list[RosterRow]) -> list[RosterRow]:
    stamps = roster_stamps(run_dir)
    return [row for row in rows
            if stamps.get(row.pdf_name) != {"fingerprint": fingerprint,
                                             "report_fingerprint": row_report_fingerprint(spec, row)}
            or not (run_dir / row.pdf_name).is_file()]


def check_batch_spec(path: Path, data_roots: list[Path] | tuple = ()) -> "ExperimentSpec":
    """A batch's spec, read and checked as every executor runs it: the spec file inside its folder, its
    templates as `labreport run` checks them, and every data and template path below the spec's folder or
    a --data-root folder (containment.py).  A LabreportError says why not."""
    from ..containment import check_batch_roots, inside
    from ..errors import DataError, SpecError
    from ..pipeline import check_template
    from ..spec import load_spec

    if Path(path).is_symlink():
        try:
            inside(Path(path).absolute().parent, path, what="its folder")
        except UnreadableFile as exc:
            # A link to a system file or another course's spec: not read, so none of its lines is echoed.
            raise SpecError(path, [f"a symbolic link: {exc}; a batch reads only specs inside the folders "
                                   "named"]) from None
    spec = load_spec(path)
    check_template(spec, path)
    where = check_batch_roots(spec, Path(path), data_roots)
    if where is not None:
        raise DataError(f"{path}: {where}; a batch reads a spec's data and templates only there.",
                        hint="If the file is meant to be shared, add --data-root DIR (the folder holding it) to the "
                             "batch command (docs/explanation/security.md: 'What a batch of specs may read').")
    return spec


def plan_specs(spec_paths: list[Path], out_dir: Path, rows: list[RosterRow],
               data_roots: list[Path] | tuple = ()) -> list[Plan]:
    """Compare every spec with its saved run; no training, no rendering."""
    from ..fingerprint import HashCache, training_fingerprint
    from ..saved_run import saved_run_state

    cache = HashCache()
    plans: list[Plan] = []
    owner: dict[str, Path] = {}
    for path in spec_paths:
        started = time.perf_counter()
        try:
            spec = check_batch_spec(path, data_roots)
        except LabreportError as error:
            plans.append(Plan(path, None, "invalid", str(error)))
            continue
        if spec.name in owner:
            plans.append(Plan(path, spec.name, "invalid",
                              f"{owner[spec.name]} already has the experiment name '{spec.name}'; "
                              f"both would write {out_dir / spec.name}"))
            continue
        owner[spec.name] = path
        run_dir = out_dir / spec.name
        fingerprint = training_fingerprint(spec, cache)
        state = saved_run_state(spec, run_dir, fingerprint)
        if state.needs_training:
            plans.append(Plan(path, spec.name, "train", state.reason, fingerprint.sha256, list(rows), spec=spec,
                              previous_test=test_result_of(state.record)))
            continue
        stale = _stale_rows(spec, run_dir, fingerprint.sha256, rows) if rows else []
        if state.needs_render:
            plans.append(Plan(path, spec.name, "render", state.reason, fingerprint.sha256, stale))
        elif stale:
            plans.append(Plan(path, spec.name, "roster", f"{len(stale)} roster PDF(s) out of date",
                              fingerprint.sha256, stale))
        else:
            plans.append(Plan(path, spec.name, "none", "", fingerprint.sha256))
        plans[-1].spec = spec
        stopped = (main_run(state.record).get("stopped") if state.record else None) or {}
        if isinstance(stopped, dict) and stopped.get("reason") == "nan_loss":
            from ..pipeline import nan_loss_error
            plans[-1].saved_failure = str(nan_loss_error(spec, stopped, run_dir))
        plans[-1].seconds = time.perf_counter() - started
    cache.save()
    return plans
