"""A finished `labreport batch` built from the fixture run records, without training: the course page's tests.

Each fixture run.json (tests/fixtures/runs) is saved as OUT/<name>/run.json with the training and report
fingerprints of a spec written beside it, so that the real batch finds every one up to date and reuses it;
then failing specs (an invalid value, a misspelt key, a hostile file name and name, one whose saved run is from an earlier spec) go through the same batch.  report.pdf is a
stand-in file (a batch's PDFs are WeasyPrint's; the page only links them); report.html, program.py and
program.ipynb are written by labreport itself for some runs, so that other rows lack them.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

FIXTURES = Path(__file__).parent / "fixtures" / "runs"

# Fixture runs of generated data (a csv run's data file is not shipped): name -> its fixture.
# chance_level and single_class share a training fingerprint: the page marks them identical.
SAVED = {"clean_success": "clean_success", "late_success": "late_success", "chance_level": "chance_level",
         "single_class": "single_class", "noisy_small_batch": "noisy_small_batch", "overfitting": "overfitting",
         "too_few_epochs": "too_few_epochs", "diverged": "diverged", "baseline_wins": "baseline_wins",
         "stale_spec": "clean_success"}
WITH_HTML = ("clean_success",)  # report.html written by render_report(pdf=False)
WITH_PROGRAM = ("clean_success", "late_success")  # program.py and program.ipynb written by the exporter

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_DESCRIPTION = '<script>alert("description")</script> {{ 7*7 }}'


def save_fixture_run(out: Path, specs: Path, name: str, fixture: str, fields: dict | None = None) -> Path:
    """OUT/<name>/run.json from a fixture, up to date with specs/<name>.yaml (the fixture's spec with ``fields``
    replacing its report fields: description, header, ...); returns the run folder."""
    from labreport.atomic import write_atomic
    from labreport.fingerprint import training_fingerprint
    from labreport.record import migrate, write_run_record
    from labreport.report.sections import report_fingerprint
    from labreport.spec import validate_spec

    record = migrate(json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8")))
    spec_dict = {**record["spec"], "name": name, **(fields or {})}
    if name == "baseline_wins":
        spec_dict["description"] = HOSTILE_DESCRIPTION
    spec = validate_spec(spec_dict)
    fingerprint = training_fingerprint(spec)
    spec_text = yaml.safe_dump(spec_dict, sort_keys=False)
    (specs / f"{name}.yaml").write_text(spec_text, encoding="utf-8")
    record.update({"experiment": name, "description": spec.description, "spec": {**record["spec"], **spec.report_fields()}, "spec_text": spec_text,
                   "fingerprint": fingerprint.sha256, "fingerprint_inputs": fingerprint.inputs,
                   "report_fingerprint": report_fingerprint(spec.report_fields())})
    run_dir = out / name
    run_dir.mkdir(parents=True)
    write_run_record(run_dir, record)
    write_atomic(run_dir / "report.pdf", b"%PDF-1.7\n% stand-in: the course page links it, no test reads it\n",
                 root=run_dir)
    return run_dir


def build_course_batch(tmp_path: Path, *, roster: Path | None = None, template_dir: Path | None = None):
    """specs/ and out/ under ``tmp_path`` after a real `run_batch`: (out, BatchResult)."""
    from labreport.batch import run_batch
    from labreport.export import write_program_files
    from labreport.record import read_run_record
    from labreport.report.render import render_report

    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    for name, fixture in SAVED.items():
        run_dir = save_fixture_run(out, specs, name, fixture)
        if name in WITH_HTML:
            render_report(run_dir, pdf=False)
        if name in WITH_PROGRAM:
            write_program_files(run_dir, read_run_record(run_dir)["spec"])
    # The spec changed after its run was saved, and no longer validates: the run on disk is stale.
    stale = specs / "stale_spec.yaml"
    stale.write_text(stale.read_text(encoding="utf-8").replace("epochs: ", "epochs: 0 #"), encoding="utf-8")
    (specs / "broken.yaml").write_text("name: broken\ntraining:\n  epochs: 0\n", encoding="utf-8")
    (specs / "typo.yaml").write_text("name: typo\ntrainig:\n  epochs: 3\n", encoding="utf-8")
    (specs / f"{HOSTILE_NAME}.yaml").write_text(
        yaml.safe_dump({"name": HOSTILE_NAME, "description": HOSTILE_DESCRIPTION}), encoding="utf-8")
    result = run_batch([specs], out_dir=out, roster=roster, log=lambda line: None, template_dir=template_dir)
    return out, result
