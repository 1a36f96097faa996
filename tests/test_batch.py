"""`labreport batch`: reuse what is up to date, render what only needs rendering, train what changed;
rosters, the index, --check, failures and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from labreport.batch import read_roster, safe_stem
from labreport.cli import app
from labreport.errors import OptionError

from conftest import tiny_spec_text
from records import main_of

runner = CliRunner()


def batch(*args):
    return runner.invoke(app, ["batch", *map(str, args)])


def table(output: str) -> dict[str, list[str]]:
    """The end-of-batch table as {experiment: [status, accuracy, seconds]}."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("experiment  "))
    rows = {}
    for line in lines[start + 1:]:
        if line.startswith("Index: "):
            break
        name, rest = line.split(None, 1)
        rows[name] = rest.rsplit(None, 2)
    return rows


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def pdf_text(path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


# --------------------------------------------------------------------------- arguments: exit 2, nothing run


@pytest.mark.parametrize("args, message", [
    ([], "Error: No specs given.\nName spec files or folders of them, e.g. `labreport batch experiments/`.\n"),
    (["no/such/folder"], "Error: no/such/folder: no such file or folder.\n"),
    (["SPECS", "--jobs", "0"], "Error: --jobs must be at least 1 (got 0).\n"),
    (["EMPTY"], "Error: EMPTY: holds no spec files (*.yaml, *.yml).\n"),
])
def test_bad_arguments_are_exit_2_and_run_nothing(tmp_path, args, message):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "tiny.yaml").write_text(tiny_spec_text())
    (tmp_path / "empty").mkdir()
    args = [str(tmp_path / "specs") if a == "SPECS" else str(tmp_path / "empty") if a == "EMPTY" else a for a in args]
    message = message.replace("EMPTY", str(tmp_path / "empty"))
    result = batch(*args, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output == message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("roster_text, problem", [
    ("name,grade\nA,B\n", "unknown column 'grade'"),
    ("", "empty; the first line must name the columns"),
    ("name,enrolment\n", "holds no students"),
    ("name,student_name\nA,B\n", "two columns give header.student_name (the second is 'student_name')"),
    ("name\nA,B\n", "line 2 has 2 cells but the header names 1"),
])
def test_bad_roster_is_exit_2(tmp_path, roster_text, problem):
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text)
    (tmp_path / "tiny.yaml").write_text(tiny_spec_text())
    result = batch(tmp_path / "tiny.yaml", "--roster", roster, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: --roster {roster}: {problem}")
    assert not (tmp_path / "out").exists()


def test_missing_roster_is_exit_2(tmp_path):
    (tmp_path / "tiny.yaml").write_text(tiny_spec_text())
    result = batch(tmp_path / "tiny.yaml", "--roster", tmp_path / "gone.csv", "--check")
    assert result.exit_code == 2
    assert result.output == f"Error: --roster {tmp_path / 'gone.csv'}: file not found.\n"


# --------------------------------------------------------------------------- roster file names


@pytest.mark.parametrize("hostile", [
    "../../etc/passwd", "/etc/passwd", "..", ".", "a\x00b", "C:\\Windows\\x", "x" * 600, "é" * 300,
    "-rf", ".hidden", "a/../../b", "\u2215root", "／etc／passwd", "  ", "\n", "CON", "report",
])
def test_a_roster_file_name_stays_in_its_folder(tmp_path, hostile):
    stem = safe_stem(hostile)
    for bad in ("/", "\\", "\x00", ":"):
        assert bad not in stem
    assert not stem.startswith((".", "-")) and ".." not in stem.split("_")
    assert len(stem.encode()) <= 120
    folder = tmp_path / "dir"
    folder.mkdir(exist_ok=True)
    if stem:
        target = folder / f"{stem}.pdf"
        assert target.resolve().parent == folder.resolve()
        target.write_bytes(b"%PDF")  # the file system accepts it
        assert target.is_file()


def test_roster_columns_names_and_duplicates(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "\ufeffName,Enrolment No.,Date,Subject\n"
        "Asha,../../evil,2026-11-21,ML\n"
        "Ben,/abs/evil,,\n"
        "Chen,A1,,\n"
        "Dara,a1,,\n"
        "Eve,report,,\n"
        "\"Fay\x00<script>\",,,\n"
        ",,,\n"
        ",CON,,\n", encoding="utf-8")
    rows = read_roster(roster)
    assert [row.stem for row in rows] == ["evil", "abs_evil", "A1", "a1-2", "report_", "Fay_script", "CON_"]
    assert rows[0].header == {"student_name": "Asha", "enrolment_no": "../../evil", "date": "2026-11-21",
                              "subject": "ML"}
    assert rows[1].header == {"student_name": "Ben", "enrolment_no": "/abs/evil"}  # empty cells: spec's values
    assert rows[5].header == {"student_name": "Fay<script>"}  # control characters dropped
    assert [row.line for row in rows] == [2, 3, 4, 5, 6, 7, 9]
    assert rows[0].label == "../../evil (Asha)"


def test_roster_unknown_column_suggests_the_closest(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_nmae\nA\n")
    with pytest.raises(OptionError) as caught:
        read_roster(roster)
    assert "did you mean 'student_name'?" in str(caught.value)


# --------------------------------------------------------------------------- reuse, render, --check (no training)


def test_an_up_to_date_run_is_reused_untouched_and_indexed(saved):
    before = mtimes(saved["run_dir"])
    result = batch(saved["specs"], "--out", saved["out"], "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert table(result.output)["tiny"][0] == "reused"
    assert mtimes(saved["run_dir"]) == before
    record = json.loads((saved["run_dir"] / "run.json").read_text())
    index = json.loads((saved["out"] / "index.json").read_text())
    [entry] = index["reports"]
    assert entry["experiment"] == "tiny" and entry["status"] == "reused"
    assert entry["test_accuracy"] == main_of(record)["test"]["accuracy"]
    assert entry["epochs"] == 2 and entry["params"] == main_of(record)["model"]["total_params"]
    assert entry["pdfs"] == [{"label": "report", "href": "tiny/report.pdf"}]
    page = (saved["out"] / "index.html").read_text()
    assert '<a href="tiny/report.pdf">report</a>' in page and "addEventListener" in page
    assert "http" not in page.replace('content="', "")  # nothing fetched from the network


def test_check_lists_out_of_date_specs_and_batch_renders_only_those(saved):
    assert batch("--check", saved["specs"], "--out", saved["out"]).output == "All 1 spec(s) up to date.\n"
    saved["spec"].write_text(saved["spec"].read_text().replace("Test Student", "New Name"))
    before = mtimes(saved["run_dir"])
    result = batch("--check", saved["specs"], "--out", saved["out"])
    assert result.exit_code == 1
    assert result.output == (f"{saved['spec']}: tiny: report fields changed: "
                             'header.student_name: "Test Student" → "New Name"\n1 of 1 spec(s) out of date.\n')
    assert mtimes(saved["run_dir"]) == before  # --check runs nothing

    result = batch(saved["specs"], "--out", saved["out"])
    assert result.exit_code == 0, result.output
    assert table(result.output)["tiny"][0] == "rendered"
    assert "New Name" in pdf_text(saved["run_dir"] / "report.pdf")
    assert batch("--check", saved["specs"], "--out", saved["out"]).exit_code == 0


def test_check_names_training_changes_and_missing_runs(saved, tmp_path):
    saved["spec"].write_text(saved["spec"].read_text().replace("epochs: 2", "epochs: 4"))
    (saved["specs"] / "new.yaml").write_text(tiny_spec_text("new"))
    result = batch("--check", saved["specs"], "--out", saved["out"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{saved['specs'] / 'new.yaml'}: new: not run yet: no run.json in {saved['out'] / 'new'}",
        f"{saved['spec']}: tiny: training changed: training.epochs: 2 → 4",
        "2 of 2 spec(s) out of date.",
    ]


def test_a_deleted_report_pdf_is_rendered_again(saved):
    (saved["run_dir"] / "report.pdf").unlink()
    assert "report.pdf is missing" in batch("--check", saved["specs"], "--out", saved["out"]).output
    result = batch(saved["specs"], "--out", saved["out"])
    assert table(result.output)["tiny"][0] == "rendered" and (saved["run_dir"] / "report.pdf").is_file()


def test_a_failing_spec_does_not_stop_the_others(saved):
    (saved["specs"] / "broken.yaml").write_text("name: broken\ntraining:\n  epochs: 0\n")
    (saved["specs"] / "nodata.yaml").write_text(
        f"name: nodata\ndataset:\n  source: csv\n  path: {saved['specs'] / 'missing.csv'}\n")
    result = batch(saved["specs"], "--out", saved["out"], "--jobs", "2")
    assert result.exit_code == 1
    rows = table(result.output)
    assert rows["tiny"][0] == "reused"
    assert rows["broken"][0].startswith("failed: ") and rows["nodata"][0].startswith("failed: ")
    reports = {e["experiment"]: e for e in json.loads((saved["out"] / "index.json").read_text())["reports"]}
    assert {name: e["status"] for name, e in reports.items()} == {"broken": "failed", "nodata": "failed", "tiny": "reused"}
    assert "training.epochs: input should be greater than or equal to 1" in reports["broken"]["reason"]
    assert "file not found" in reports["nodata"]["reason"]


def test_fail_fast_starts_nothing_after_a_failure(saved):
    (saved["specs"] / "broken.yaml").write_text("name: broken\ntraining:\n  epochs: 0\n")
    saved["spec"].write_text(saved["spec"].read_text().replace("Test Student", "Not Rendered"))
    before = mtimes(saved["run_dir"])
    result = batch(saved["specs"], "--out", saved["out"], "--fail-fast")
    assert result.exit_code == 1
    assert table(result.output)["tiny"][0] == "skipped: not started: --fail-fast after a failure"
    assert mtimes(saved["run_dir"]) == before


def test_two_specs_with_one_name_cannot_share_a_folder(saved):
    shutil.copy(saved["spec"], saved["specs"] / "copy.yaml")
    result = batch(saved["specs"], "--out", saved["out"])
    assert result.exit_code == 1
    reports = json.loads((saved["out"] / "index.json").read_text())["reports"]
    # The first (in path order) is run; the second is refused.
    assert [(Path(r["spec"]).name, r["status"]) for r in reports] == [("copy.yaml", "reused"), ("tiny.yaml", "failed")]
    assert reports[1]["reason"] == (f"{saved['specs'] / 'copy.yaml'} already has the experiment name 'tiny'; "
                                    f"both would write {saved['run_dir']}")
    # The refused spec's row shows nothing of the other spec's folder (the course page).
    assert reports[1]["pdfs"] == [] and reports[1]["files"] == {} and reports[1]["flags"] == []
    assert reports[0]["files"]["record"] == "tiny/run.json"


# --------------------------------------------------------------------------- rosters


def test_roster_writes_one_pdf_per_student_inside_the_output_folder(saved, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_name,enrolment_no\n"
                      "Asha Rao,../../escaped\n"
                      "<script>alert(1)</script>,/tmp/abs\n"
                      "Ben,E-7\n"
                      "Ben Again,e-7\n")
    def outside():
        return {p for p in tmp_path.rglob("*") if not p.is_relative_to(saved["out"])
                and not p.is_relative_to(tmp_path / "cache")}

    outside_before = outside()
    result = batch(saved["specs"], "--out", saved["out"], "--roster", roster)
    assert result.exit_code == 0, result.output
    assert table(result.output)["tiny"][0] == "rendered"
    pdfs = sorted(p.name for p in saved["run_dir"].glob("*.pdf"))
    assert pdfs == ["E-7.pdf", "e-7-2.pdf", "escaped.pdf", "report.pdf", "tmp_abs.pdf"]
    assert outside() == outside_before
    assert not Path("/tmp/abs.pdf").exists()
    text = pdf_text(saved["run_dir"] / "escaped.pdf")
    assert "Enrolment No: ../../escaped Name: Asha Rao" in text
    assert "Name: Test Student" in pdf_text(saved["run_dir"] / "report.pdf")  # the spec's own report is unchanged

    page = (saved["out"] / "index.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    [entry] = json.loads((saved["out"] / "index.json").read_text())["reports"]
    assert [pdf["href"] for pdf in entry["pdfs"]] == [
        "tiny/report.pdf", "tiny/escaped.pdf", "tiny/tmp_abs.pdf", "tiny/E-7.pdf", "tiny/e-7-2.pdf"]

    # Again, unchanged: nothing is rendered.
    before = mtimes(saved["run_dir"])
    result = batch(saved["specs"], "--out", saved["out"], "--roster", roster)
    assert table(result.output)["tiny"][0] == "reused"
    assert mtimes(saved["run_dir"]) == before

    # One student's row changes: that PDF alone is rendered again.
    roster.write_text(roster.read_text().replace("Ben Again", "Ben Changed"))
    assert "1 roster PDF(s) out of date" in batch("--check", saved["specs"], "--out", saved["out"],
                                                  "--roster", roster).output
    result = batch(saved["specs"], "--out", saved["out"], "--roster", roster)
    changed = {name for name, stamp in mtimes(saved["run_dir"]).items()
               if before.get(name) != stamp and not name.startswith("figures/")}  # figures: redrawn, the same
    assert changed == {"e-7-2.pdf", "roster.json"}, result.output


# --------------------------------------------------------------------------- real training, twice


def micro_spec_text(name: str, epochs: int = 1) -> str:
    """tiny_spec_text without its baseline: one small model to train."""
    return tiny_spec_text(name, epochs=epochs).replace("compare: [simple_rnn]", "compare: []")


@pytest.mark.slow
def test_batch_trains_once_then_reuses_renders_or_retrains_only_what_changed(tmp_path):
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    for name in ("alpha", "beta"):
        (specs / f"{name}.yaml").write_text(micro_spec_text(name))

    result = batch(specs, "--out", out, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert {name: row[0] for name, row in table(result.output).items()} == {"alpha": "trained", "beta": "trained"}

    before = {name: mtimes(out / name) for name in ("alpha", "beta")}
    result = batch(specs, "--out", out, "--jobs", "2")
    assert {name: row[0] for name, row in table(result.output).items()} == {"alpha": "reused", "beta": "reused"}
    assert {name: mtimes(out / name) for name in ("alpha", "beta")} == before

    trained_at = json.loads((out / "beta" / "run.json").read_text())["created"]
    (specs / "beta.yaml").write_text(micro_spec_text("beta").replace("Test Student", "Beta Student"))
    result = batch(specs, "--out", out, "--jobs", "2")
    assert {name: row[0] for name, row in table(result.output).items()} == {"alpha": "reused", "beta": "rendered"}
    assert mtimes(out / "alpha") == before["alpha"]
    beta = json.loads((out / "beta" / "run.json").read_text())
    assert beta["created"] == trained_at and beta["spec"]["header"]["student_name"] == "Beta Student"

    (specs / "beta.yaml").write_text(micro_spec_text("beta", epochs=2).replace("Test Student", "Beta Student"))
    result = batch(specs, "--out", out, "--jobs", "2")
    assert {name: row[0] for name, row in table(result.output).items()} == {"alpha": "reused", "beta": "trained"}
    assert mtimes(out / "alpha") == before["alpha"]
    assert len(json.loads((out / "beta" / "run.json").read_text())["models"][0]["history"]["loss"]) == 2
    assert batch("--check", specs, "--out", out).exit_code == 0
