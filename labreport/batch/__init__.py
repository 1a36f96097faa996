"""Many specs at once: train what changed, render what only needs rendering, skip the rest.

For each spec the saved run in ``OUT/<name>/`` is compared with the spec
(``planner.plan_specs``, through ``saved_run.saved_run_state``): a run whose
training fingerprint differs is trained, one whose report fields differ is
rendered again, and one that is up to date is left untouched.  The specs that
need work go to an executor (``executors.py``): the local process pool by
default (``local_pool``), or a Dask cluster (``dask_cluster``, the ``[dask]``
extra) for a course that outgrows one machine.  Either way each spec runs in
a fresh process, so one spec's crash fails only that spec.

A roster (a CSV with one student per row, ``roster.py``) adds one personalised
PDF per row to each experiment, rendered from the one training.
``OUT/index.html`` and ``OUT/index.json`` list every report of the batch
(``index.py``); ``summary.py`` describes the output folder for a pull request.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Callable

from ..errors import BatchCancelled, LabreportError, OptionError
from .executors import ExecutorOptions, get_executor
from .index import SUCCEEDED, BatchResult, Outcome, format_table, write_index
from .planner import Plan, check_data_roots, collect_specs, plan_specs
from .previous import remember_previous
from .roster import ROSTER_CONFIRM_PDFS, RosterRow, read_roster, safe_stem
from .summary import check_format, check_summary
from .worker import run_one

__all__ = ["BatchResult", "ExecutorOptions", "Outcome", "Plan", "ROSTER_CONFIRM_PDFS", "RosterRow", "SUCCEEDED",
           "check_summary", "collect_specs", "format_table", "plan_specs", "read_roster", "run_batch", "run_one",
           "safe_stem", "write_index"]

_VERBS = {"train": "training", "render": "rendering", "roster": "rendering roster PDFs"}


def run_batch(paths: list[Path | str], *, jobs: int = 1, out_dir: Path | str = "output",
              roster: Path | None = None, fail_fast: bool = False,
              log: Callable[[str], None] = print, yes: bool = False,
              executor: ExecutorOptions | None = None, output_format: str = "text",
              data_roots: list[Path] | tuple = (), template_dir: Path | str | None = None) -> BatchResult:
    """Bring every spec's report up to date, ``jobs`` at a time; write OUT/index.html and OUT/index.json.

    ``executor`` chooses where the work runs (default: local processes); Ctrl-C stops it, writes the
    index of what finished and raises ``BatchCancelled``.  ``data_roots``: folders besides each spec's own
    that its data and templates may lie in (``--data-root``; see containment.py), on every executor alike.
    ``template_dir``: a course's template folder whose ``course/index.html.j2`` (or ``course/words.html.j2``)
    replaces the shipped course page's (``--template-dir``).
    """
    if jobs < 1:
        raise OptionError(f"--jobs must be at least 1 (got {jobs}).")
    check_format(output_format)
    if output_format != "text":
        raise OptionError(f"--format {output_format} is the form of --check's summary; add --check.")
    executor = executor or ExecutorOptions()
    execute = get_executor(executor)  # a missing Dask is said before any spec is read
    data_roots = check_data_roots(data_roots)
    if template_dir is not None and not Path(template_dir).is_dir():
        raise OptionError(f"--template-dir {template_dir}: not a folder.",
                          hint="Name the course's template folder; its course/index.html.j2 replaces the page's.")
    rows = read_roster(roster) if roster is not None else []
    spec_paths = collect_specs(paths)
    if rows and len(rows) * len(spec_paths) > ROSTER_CONFIRM_PDFS and not yes:
        raise OptionError(
            f"--roster {roster}: {len(rows):,} students x {len(spec_paths)} spec(s) would make "
            f"{len(rows) * len(spec_paths):,} PDFs, more than {ROSTER_CONFIRM_PDFS} without confirmation.",
            hint="Check the roster is the class list you meant; then add --yes to make them all.")
    out_dir = Path(out_dir)
    plans = plan_specs(spec_paths, out_dir, rows, data_roots)

    outcomes: dict[int, Outcome] = {}
    tasks: list[dict] = []
    for index, plan in enumerate(plans):
        name = plan.name or plan.spec_path.stem
        if plan.action == "invalid":
            outcomes[index] = Outcome(name, str(plan.spec_path), "failed", plan.reason)
            log(f"{name}: failed: {plan.reason}")
        elif plan.action == "none" and plan.saved_failure:
            outcomes[index] = Outcome(name, str(plan.spec_path), "failed", plan.saved_failure,
                                      seconds=round(plan.seconds, 2))
            log(f"{name}: up to date, and failed (its saved run's loss diverged): {plan.saved_failure}")
        elif plan.action == "none":
            outcomes[index] = Outcome(name, str(plan.spec_path), "reused", seconds=round(plan.seconds, 2))
            log(f"{name}: up to date (reused)")
        else:
            tasks.append({"index": index, "name": plan.name, "spec_path": str(plan.spec_path),
                          "out_dir": str(out_dir), "action": plan.action, "fingerprint": plan.fingerprint,
                          "rows": [asdict(row) for row in plan.stale_rows]})

    def on_start(task: dict) -> None:
        plan = plans[task["index"]]
        log(f"{plan.name}: {_VERBS[plan.action]} ({plan.reason})")

    def on_result(task: dict, result: dict) -> bool:
        index = task["index"]
        plan = plans[index]
        # A success keeps the plan's reason (why it was trained or rendered) for the index.
        outcome = Outcome(plan.name, str(plan.spec_path), result["status"],
                          result.get("reason") or plan.reason, round(result["seconds"], 2))
        outcomes[index] = outcome
        if outcome.status == "failed":
            log(f"{plan.name}: failed: {outcome.reason}")
            if result.get("traceback"):
                log(result["traceback"])
            return not fail_fast
        if plan.action == "train":
            remember_previous(out_dir / plan.name, plan.previous_test)
        log(f"{plan.name}: {outcome.status} in {outcome.seconds:.1f} s")
        return True

    stopped = fail_fast and any(outcome.status == "failed" for outcome in outcomes.values())
    cancelled = False
    if tasks and not stopped:
        try:
            execute(tasks, on_start=on_start, on_result=on_result, jobs=jobs, out_dir=out_dir, plans=plans,
                    options=executor, log=log)
        except KeyboardInterrupt:
            cancelled = True
    for task in tasks:  # left by --fail-fast or Ctrl-C
        index = task["index"]
        if index not in outcomes:
            plan = plans[index]
            reason = ("cancelled (Ctrl-C): not finished" if cancelled
                      else "not started: --fail-fast after a failure")
            outcomes[index] = Outcome(plan.name or plan.spec_path.stem, str(plan.spec_path), "skipped", reason)

    ordered = [outcomes[index] for index in range(len(plans))]
    owners = {plan.name: index for index, plan in reversed(list(enumerate(plans))) if plan.action != "invalid"}
    for index, (plan, outcome) in enumerate(zip(plans, ordered)):
        # A spec refused for another's name does not show that spec's folder as its own.
        if owners.get(outcome.experiment, index) == index:
            _add_numbers(outcome, out_dir, rows, plan.fingerprint)
        else:
            outcome.verdict = outcome.status
    index_html, index_json = write_index(out_dir, ordered, template_dir=template_dir)
    if cancelled:
        finished = sum(outcome.status in SUCCEEDED for outcome in ordered)
        raise BatchCancelled(
            f"Cancelled: {finished} of {len(ordered)} spec(s) finished; their reports are in {out_dir}.",
            hint=f"The rest were stopped or not started. Run the same command again to do only those; "
                 f"the index is {index_html}.")
    return BatchResult(ordered, index_html, index_json)


def _add_numbers(outcome: Outcome, out_dir: Path, rows: list[RosterRow], plan_fingerprint: str | None) -> None:
    """The saved run's key numbers, facts (page.py), PDFs and files, for the table, the page and index.json.

    A failed or skipped spec's folder may still hold a run: the one a diverged loss ended (the spec's own,
    same fingerprint), or an earlier one the spec no longer describes (flagged ``stale``)."""
    from ..record import main_run, read_run_record
    from .page import run_facts, run_files

    failed = outcome.status not in SUCCEEDED
    outcome.verdict = outcome.status if failed else "no_run"
    run_dir = out_dir / outcome.experiment
    if not (run_dir / "run.json").is_file():
        return
    try:
        record = read_run_record(run_dir)
    except LabreportError:
        return
    facts = run_facts(record, status=outcome.status, plan_fingerprint=plan_fingerprint)
    stale = any(flag["name"] == "stale" for flag in facts["flags"])
    for key in ("kind", "test", "flags", "curve", "fingerprint", "created", "cell", "description", "duration"):
        setattr(outcome, key, facts[key])
    # A failure with the spec's own run (its loss diverged) has that run's verdict and numbers; with an earlier
    # run (stale), the table's numbers stay blank: the page shows that run's facts, marked stale.
    outcome.verdict = outcome.status if failed and stale else facts["verdict"]
    if not stale:
        main = main_run(record)
        outcome.test_accuracy = (main.get("test") or {}).get("accuracy")
        outcome.epochs = len((main.get("history") or {}).get("loss", []))
        outcome.params = (main.get("model") or {}).get("total_params")
        outcome.train_seconds = (record.get("timing") or {}).get("total_seconds")
    links = [("report", "report.pdf")] + [(row.label, row.pdf_name) for row in rows]
    outcome.pdfs = [{"label": label, "href": f"{outcome.experiment}/{name}"}
                    for label, name in links if (run_dir / name).is_file()]
    outcome.roster = [{"label": row.label, "href": f"{outcome.experiment}/{row.pdf_name}"}
                      for row in rows if (run_dir / row.pdf_name).is_file()]
    outcome.files = run_files(run_dir, outcome.experiment)
