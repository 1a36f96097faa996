"""One spec's work (train or render, and its roster PDFs), run in a fresh process by an executor."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..atomic import write_atomic
from ..errors import LabreportError
from ..output_lock import output_folder_lock
from ..safe_io import excerpt
from .planner import ROSTER_STAMPS, roster_stamps, row_report_fingerprint
from .roster import RosterRow



def size_thread_pools(threads: int) -> None:
    # Read by TensorFlow when its runtime starts (verified with TF 2.21: the
    # process's thread count follows them); so set before anything imports it.
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(threads)


def task_spec(task: dict):
    """(what to hand the pipeline, the spec, its YAML text).

    A local task names its spec file, which the pipeline reads (so its messages name the file);
    a task sent to another machine carries the spec and its text.
    """
    if task.get("spec") is not None:
        from ..spec import ExperimentSpec
        spec = ExperimentSpec.model_validate(task["spec"])
        return spec, spec, task["spec_text"]
    from ..spec_files import resolve_spec
    spec, spec_path = resolve_spec(Path(task["spec_path"]))
    return spec_path, spec, Path(spec_path).read_text(encoding="utf-8")


def stamp_rows(spec, run_dir: Path, rows: list[RosterRow], fingerprint: str) -> None:
    """Record in roster.json which training and report fields each roster PDF was made from."""
    stamps = roster_stamps(run_dir)
    for row in rows:
        stamps[row.pdf_name] = {"fingerprint": fingerprint, "report_fingerprint": row_report_fingerprint(spec, row)}
    write_atomic(run_dir / ROSTER_STAMPS, json.dumps({"format": 1, "reports": stamps}, indent=1) + "\n", root=run_dir)


def _render_rows(spec, spec_text: str, run_dir: Path, rows: list[RosterRow]) -> list[str]:
    """Render roster PDFs in one process (one analysis, one set of figures)."""
    from ..report.render import render_roster

    render_roster(run_dir, [(row.header, row.pdf_name) for row in rows],
                  report_fields=spec.report_fields(), spec_text=spec_text)
    return [row.pdf_name for row in rows]


def run_one(task: dict) -> dict:
    """Train or render one spec; never raises (a failure is an outcome).  Runs in a worker process."""
    from ..pipeline import render_saved_run, run_experiment

    started = time.perf_counter()
    name = task["name"]
    out_dir = Path(task["out_dir"])

    def log(line: str) -> None:
        print(f"[{name}] {line}", flush=True)

    try:
        spec_ref, spec, spec_text = task_spec(task)
        if task["action"] == "train":
            # run_experiment holds the run folder's lock while it trains and renders.
            run_experiment(spec_ref, out_dir=out_dir, force=True, progress="none", log=log, spec_text=spec_text)
            status = "trained"
        else:
            status = "rendered"
        rows = [RosterRow(**row) for row in task["rows"]]
        if task["action"] == "render" or rows:
            # `labreport run`'s lock for the reports written here too, so a run into this
            # spec's folder meanwhile is refused instead of training underneath them.
            with output_folder_lock(out_dir / name):
                if task["action"] == "render":
                    render_saved_run(spec_ref, out_dir=out_dir, log=log, spec_text=spec_text)
                fingerprint = task["fingerprint"]
                if task["action"] == "train":
                    from ..record import read_run_record
                    fingerprint = read_run_record(out_dir / name).get("fingerprint")
                if rows:
                    log(f"rendering {len(rows)} roster PDF(s)...")
                    _render_rows(spec, spec_text, out_dir / name, rows)
                    if task.get("stamp_rows", True):
                        stamp_rows(spec, out_dir / name, rows, fingerprint)
        return {"status": status, "reason": "", "seconds": time.perf_counter() - started}
    except LabreportError as error:
        return {"status": "failed", "reason": str(error), "seconds": time.perf_counter() - started}
    except Exception as error:  # noqa: BLE001 - one spec's bug must not stop the batch; the traceback is kept
        import traceback
        # Shortened: the reason goes into index.json, which CI uploads.
        return {"status": "failed", "reason": f"crashed: {type(error).__name__}: {excerpt(str(error), 200)}",
                "traceback": traceback.format_exc(), "seconds": time.perf_counter() - started}

