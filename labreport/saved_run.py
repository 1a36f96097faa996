"""Is a saved run up to date with its spec: must it be trained again, rendered again, or neither — and why.

Above both fingerprints (training: fingerprint.py; report: report/sections.py), for the commands that
decide (`labreport run`, `labreport render SPEC`, `labreport batch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import LabreportError
from .fingerprint import Fingerprint, describe_changes
from .record import RUN_RECORD_NAME, read_run_record
from .report.sections import report_fingerprint, report_sections_of_record


@dataclass(frozen=True)
class SavedRunState:
    """How a saved run compares with a spec: what, if anything, must be done again, and why."""

    needs_training: bool
    needs_render: bool
    reason: str  # empty when up to date
    record: dict | None = None

    @property
    def up_to_date(self) -> bool:
        return not (self.needs_training or self.needs_render)


def saved_run_state(spec, run_dir: Path, fingerprint: Fingerprint, *, report_pdf: str = "report.pdf") -> SavedRunState:
    """Compare the run saved in ``run_dir`` with ``spec`` (whose training fingerprint is given)."""
    run_dir = Path(run_dir)
    if not (run_dir / RUN_RECORD_NAME).is_file():
        return SavedRunState(True, True, f"not run yet: no {RUN_RECORD_NAME} in {run_dir}")
    try:
        record = read_run_record(run_dir)
    except LabreportError as error:
        return SavedRunState(True, True, f"the saved run cannot be read ({error.message})")
    saved = record.get("fingerprint")
    if saved is None:
        return SavedRunState(True, True, "the saved run has no fingerprint (saved by an older labreport)", record)
    if saved != fingerprint.sha256:
        before = record.get("fingerprint_inputs") or {}
        procedure = dict(before.get("procedure") or {})
        code_changed = procedure.pop("training_code", None) != fingerprint.inputs["procedure"]["training_code"]
        versions = {key: value for key, value in (before.get("versions") or {}).items() if key != "labreport"}
        changes = (describe_changes(before.get("training"), fingerprint.inputs["training"])
                   + describe_changes(versions, fingerprint.inputs["versions"], "versions")
                   + describe_changes(procedure, {key: value for key, value in fingerprint.inputs["procedure"].items()
                                                  if key != "training_code"}, "procedure")
                   + (["labreport's training code (data, model, trainer) is not the code that made it"]
                      if code_changed else []))
        return SavedRunState(True, True, "training changed: " + ("; ".join(changes) or "fingerprint differs"), record)
    wanted = spec.report_fields()
    if record.get("report_fingerprint") != report_fingerprint(wanted):
        changes = describe_changes(report_sections_of_record(record), wanted)
        detail = "; ".join(changes) or "the template or labreport's version changed"
        return SavedRunState(False, True, f"report fields changed: {detail}", record)
    if not (run_dir / report_pdf).is_file():
        return SavedRunState(False, True, f"{report_pdf} is missing", record)
    return SavedRunState(False, False, "", record)
