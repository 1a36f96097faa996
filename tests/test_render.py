"""Rendering again without training: `labreport render SPEC`, and `labreport run` reusing a saved run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from labreport.cli import app
from records import main_of

runner = CliRunner()


@pytest.fixture
def saved_run(tiny_run, tmp_path):
    """A private copy of the tiny run and its spec: OUT/tiny/ as `labreport run SPEC --out OUT` left it."""
    out = tmp_path / "out"
    shutil.copytree(tiny_run["run_dir"], out / "tiny")
    spec = tmp_path / "tiny.yaml"
    shutil.copy(tiny_run["spec_path"], spec)
    return {"spec": spec, "out": out, "run_dir": out / "tiny"}


def pdf_text(path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def _modules_after(code: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_render_spec_applies_its_current_report_fields_without_tensorflow(saved_run):
    spec, out, run_dir = saved_run["spec"], saved_run["out"], saved_run["run_dir"]
    spec.write_text(spec.read_text().replace("Test Student", "Renamed Student").replace(
        "T-001", "T-999"))
    trained = json.loads((run_dir / "run.json").read_text())
    modules = _modules_after(
        "from typer.testing import CliRunner\nfrom labreport.cli import app\n"
        f"r = CliRunner().invoke(app, ['render', {str(spec)!r}, '--out', {str(out)!r}])\n"
        "assert r.exit_code == 0, r.output\nassert r.output.startswith('Done: '), r.output")
    assert "tensorflow" not in modules and "keras" not in modules
    text = pdf_text(run_dir / "report.pdf")
    assert "Renamed Student" in text and "T-999" in text and "Test Student" not in text
    record = json.loads((run_dir / "run.json").read_text())
    # The report's fields are now run.json's; the numbers are the trained ones.
    assert record["spec"]["header"]["student_name"] == "Renamed Student"
    assert "Renamed Student" in record["spec_text"]
    assert main_of(record)["history"] == main_of(trained)["history"] and record["fingerprint"] == trained["fingerprint"]


def test_render_spec_without_a_saved_run_is_exit_2(tiny_spec, tmp_path):
    result = runner.invoke(app, ["render", str(tiny_spec), "--out", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tiny_spec}: no saved run to render (not run yet: no run.json in {tmp_path / 'none' / 'tiny'}).\n"
        f"Train it first with `labreport run {tiny_spec} --out {tmp_path / 'none'}`; "
        "`labreport render` then writes its report again without training.\n")


def test_render_spec_with_changed_training_fields_warns_and_renders_the_saved_numbers(saved_run):
    spec = saved_run["spec"]
    spec.write_text(spec.read_text().replace("epochs: 2", "epochs: 5"))
    result = runner.invoke(app, ["render", str(spec), "--out", str(saved_run["out"])])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Note: the saved run in {saved_run['run_dir']} is out of date "
                                    "(training changed: training.epochs: 2 → 5)")
    record = json.loads((saved_run["run_dir"] / "run.json").read_text())
    assert record["spec"]["training"]["epochs"] == 2  # training fields stay the trained ones


def test_run_reuses_a_saved_run_with_the_same_training_fields(saved_run):
    spec, out, run_dir = saved_run["spec"], saved_run["out"], saved_run["run_dir"]
    spec.write_text(spec.read_text().replace("Test Student", "Second Student"))
    created = json.loads((run_dir / "run.json").read_text())["created"]
    modules = _modules_after(
        "import sys\nfrom labreport.pipeline import run_experiment\n"
        f"r = run_experiment({str(spec)!r}, out_dir={str(out)!r}, log=lambda line: print(line, file=sys.stderr))\n"
        "assert r.status == 'reused', r.status")
    assert "tensorflow" not in modules
    result = runner.invoke(app, ["run", str(spec), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"Reusing the saved run in {run_dir} (training fields unchanged); rendering only. Use --force to retrain.")
    assert result.output.splitlines()[-1].endswith("saved run)")
    assert "Second Student" in pdf_text(run_dir / "report.pdf")
    assert json.loads((run_dir / "run.json").read_text())["created"] == created


def test_run_force_and_a_training_change_train_again(saved_run, monkeypatch):
    import labreport.pipeline as pipeline

    trained = []

    def no_training(spec, run_dir, **_):
        trained.append(spec.training.epochs)
        raise pipeline.LabreportError("training reached")

    monkeypatch.setattr(pipeline, "train_experiment", no_training)
    spec, out = saved_run["spec"], saved_run["out"]
    assert runner.invoke(app, ["run", str(spec), "--out", str(out), "--force"]).exit_code == 2
    assert runner.invoke(app, ["run", str(spec), "--out", str(out), "--epochs", "3"]).exit_code == 2
    assert trained == [2, 3]
    result = runner.invoke(app, ["run", str(spec), "--out", str(out)])
    assert result.exit_code == 0 and "Reusing the saved run" in result.output
    assert trained == [2, 3]


def test_run_without_a_fingerprint_in_run_json_trains(saved_run, monkeypatch):
    import labreport.pipeline as pipeline

    record_path = saved_run["run_dir"] / "run.json"
    record = json.loads(record_path.read_text())
    del record["fingerprint"]
    record_path.write_text(json.dumps(record))
    monkeypatch.setattr(pipeline, "train_experiment",
                        lambda *a, **k: (_ for _ in ()).throw(pipeline.LabreportError("training reached")))
    result = runner.invoke(app, ["run", str(saved_run["spec"]), "--out", str(saved_run["out"])])
    assert result.output == "Error: training reached\n"


def test_render_run_dir_in_place_records_what_the_report_shows(saved_run):
    run_dir = saved_run["run_dir"]
    result = runner.invoke(app, ["render", str(run_dir), "--student", "Override Name"])
    assert result.exit_code == 0, result.output
    record = json.loads((run_dir / "run.json").read_text())
    assert record["spec"]["header"]["student_name"] == "Override Name"
    # ...so the spec (still "Test Student") no longer matches what was rendered.
    from labreport.report.sections import report_fingerprint
    from labreport.spec import load_spec
    assert record["report_fingerprint"] != report_fingerprint(load_spec(saved_run["spec"]).report_fields())


def test_render_run_dir_elsewhere_leaves_the_run_record_alone(saved_run, tmp_path):
    run_dir = saved_run["run_dir"]
    before = (run_dir / "run.json").read_bytes()
    result = runner.invoke(app, ["render", str(run_dir), "--student", "Elsewhere", "--out", str(tmp_path / "copy")])
    assert result.exit_code == 0, result.output
    assert (run_dir / "run.json").read_bytes() == before
    assert "Elsewhere" in pdf_text(tmp_path / "copy" / "report.pdf")
