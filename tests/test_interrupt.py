"""Interrupted and failed runs: nothing half-written, nothing lost.

- SIGKILL mid-training, then the same command again: training resumes after
  the last saved epoch, for the main model and for a baseline, and the final
  history has every epoch exactly once.
- Ctrl-C (SIGINT): exit 1 and a message saying how to resume.
- A NaN loss: exit 1, the history so far kept in run.json (``stopped``), the report written.
- A render that fails, and a disk that fills up: no report.pdf, no temporary
  file, and the message says what to do.

The kill and Ctrl-C cases run `python -m labreport` in a subprocess (a signal
to this process would stop pytest); the rest use the in-process CLI runner.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_checks import assert_clean_failure, error_paragraph, invoke, no_temp_files, nothing_written
from conftest import REPO, tiny_spec_text
from records import main_of

REPORT_FILES = ("report.pdf", "report.html", "run.json")


def history_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def start_run(workdir: Path, spec: Path) -> subprocess.Popen:
    """`python -m labreport run SPEC --out out --quiet` in ``workdir``, SIGINT at its default."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(
        [sys.executable, "-m", "labreport", "run", str(spec), "--out", "out", "--quiet"],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # A shell that starts jobs in the background ignores SIGINT in them,
        # and Python then keeps it ignored; the Ctrl-C test needs it delivered.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_rows(process: subprocess.Popen, csv_path: Path, rows: int, timeout: float = 300) -> int:
    """Wait until ``csv_path`` has at least ``rows`` epochs; returns how many it had."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read()
            pytest.fail(f"the run ended (exit {process.returncode}) before {csv_path.name} had {rows} epochs:\n{output}")
        seen = len(history_rows(csv_path))
        if seen >= rows:
            return seen
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"{csv_path.name} did not reach {rows} epochs in {timeout} s")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL


def resume_line(output: str, title: str, checkpoint: Path) -> int:
    """K from the resumed run's 'Resuming from epoch K (checkpoint in ...)' line for this model."""
    found = re.findall(rf"Resuming from epoch (\d+) \(checkpoint in {re.escape(str(checkpoint))}\): "
                       rf"the {title} model's ", output)
    assert len(found) == 1, output
    return int(found[0])


def assert_every_epoch_once(run_dir: Path, epochs: int, csv_name: str, section: dict) -> None:
    assert [int(row["epoch"]) for row in history_rows(run_dir / csv_name)] == list(range(1, epochs + 1))
    assert all(len(values) == epochs for values in section["history"].values())
    batches = section["batch_history"]
    per_epoch = batches["batches_per_epoch"]
    pairs = list(zip(batches["epoch"], batches["batch"]))
    assert pairs == [(e, b) for e in range(1, epochs + 1) for b in range(1, per_epoch + 1)]
    # history.csv and run.json agree on every finished epoch.
    assert [float(r["val_loss"]) for r in history_rows(run_dir / csv_name)] == section["history"]["val_loss"]


# --------------------------------------------------------------------------- kill and resume


def test_killed_run_resumes_after_the_last_saved_epoch(tmp_path):
    # Killed once 2 epochs are in history.csv; 10 epochs leave the resumed run 8 or 9 (an epoch takes far
    # longer than wait_for_rows' 20 ms poll, so the kill lands well before the last).
    epochs = 10
    spec = tmp_path / "resume.yaml"
    spec.write_text(tiny_spec_text("resume", epochs=epochs).replace("compare: [simple_rnn]", "compare: []"))
    run_dir = tmp_path / "out" / "resume"

    first = start_run(tmp_path, spec)
    wait_for_rows(first, run_dir / "history.csv", 2)
    kill(first)
    rows_at_kill = len(history_rows(run_dir / "history.csv"))
    assert rows_at_kill < epochs, "the run finished before it could be killed"
    assert not any((run_dir / name).exists() for name in REPORT_FILES)

    second = start_run(tmp_path, spec)
    output, _ = second.communicate(timeout=600)
    assert second.returncode == 0, output
    resumed = resume_line(output, "LSTM", Path("out") / "resume" / ".checkpoint" / "main")
    # The kill may land between history.csv's row and the checkpoint's commit.
    assert resumed in (rows_at_kill - 1, rows_at_kill) and resumed >= 1
    # Keras counts on from there: epochs 1..K are not trained again.
    assert re.findall(r"^Epoch (\d+)/", output, flags=re.M)[0] == str(resumed + 1)

    record = json.loads((run_dir / "run.json").read_text())
    assert main_of(record)["timing"]["resumed_from_epoch"] == resumed
    assert_every_epoch_once(run_dir, epochs, "history.csv", main_of(record))
    assert not (run_dir / ".checkpoint").exists()
    assert no_temp_files(tmp_path) == []


# Slow tier (two interpreters training 8 epochs of two models, about 45 s of CPU); a kill and resume of the main
# model is test_killed_run_resumes_after_the_last_saved_epoch, in the default tier.
@pytest.mark.slow
def test_killed_while_a_baseline_trains_keeps_the_main_model(tmp_path):
    epochs = 8
    spec = tmp_path / "baseline.yaml"
    spec.write_text(tiny_spec_text("baseline", epochs=epochs))
    run_dir = tmp_path / "out" / "baseline"

    first = start_run(tmp_path, spec)
    wait_for_rows(first, run_dir / "history_simple_rnn.csv", 2)
    kill(first)
    rows_at_kill = len(history_rows(run_dir / "history_simple_rnn.csv"))
    assert rows_at_kill < epochs, "the baseline finished before it could be killed"

    second = start_run(tmp_path, spec)
    output, _ = second.communicate(timeout=600)
    assert second.returncode == 0, output
    assert (f"The LSTM model finished all {epochs} epochs in an earlier run "
            f"(checkpoint in {Path('out') / 'baseline' / '.checkpoint' / 'main'}); not training it again.") in output
    resumed = resume_line(output, "SimpleRNN", Path("out") / "baseline" / ".checkpoint" / "simple_rnn")
    assert resumed in (rows_at_kill - 1, rows_at_kill) and resumed >= 1

    record = json.loads((run_dir / "run.json").read_text())
    assert main_of(record)["timing"]["resumed_from_epoch"] == epochs
    assert_every_epoch_once(run_dir, epochs, "history.csv", main_of(record))
    baseline = record["models"][1]
    assert baseline["timing"]["resumed_from_epoch"] == resumed
    assert_every_epoch_once(run_dir, epochs, "history_simple_rnn.csv", baseline)
    assert not (run_dir / ".checkpoint").exists()


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    spec = tmp_path / "stop.yaml"
    spec.write_text(tiny_spec_text("stop", epochs=40).replace("compare: [simple_rnn]", "compare: []"))
    run_dir = tmp_path / "out" / "stop"

    process = start_run(tmp_path, spec)
    # Epoch 1 is committed before epoch 2's row is written: at least one epoch is saved.
    wait_for_rows(process, run_dir / "history.csv", 2)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)

    assert process.returncode == 1, output
    assert "Traceback" not in output
    paragraph = error_paragraph(output)
    match = re.fullmatch(
        r"Error: Training of the LSTM model was interrupted after (\d+) of 40 epochs; "
        r"(epoch 1 is|epochs 1-(\d+) are) saved in "
        rf"{re.escape(str(Path('out') / 'stop' / '.checkpoint' / 'main'))}\.\n"
        r"Run the same command again to resume from there: finished epochs and finished models are not "
        r"trained again\.\n", paragraph)
    assert match, paragraph
    saved = int(match[3] or 1)
    assert int(match[1]) in (saved, saved + 1)
    assert json.loads((run_dir / ".checkpoint" / "main" / "state.json").read_text())["epoch"] == saved
    assert not any((run_dir / name).exists() for name in REPORT_FILES)
    assert no_temp_files(tmp_path) == []


# --------------------------------------------------------------------------- NaN


def test_a_nan_loss_stops_training_and_is_recorded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # Plain SGD with this step overflows float32 within the first batches.
    (tmp_path / "nan.yaml").write_text(
        tiny_spec_text("nan", epochs=3).replace("compare: [simple_rnn]", "compare: []")
        .replace("learning_rate: 0.01", "learning_rate: 1.0e38\n  optimizer: sgd"))
    with nothing_written(tmp_path, except_under=tmp_path / "out"):
        result = invoke("run", "nan.yaml", "--out", "out", "--quiet")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    paragraph = error_paragraph(result.output)
    match = re.fullmatch(
        r"Error: The LSTM model's loss became (NaN|infinite) at epoch (\d+), batch (\d+); training stopped "
        r"and the report shows the run up to that batch\. history\.csv keeps (epoch 1|epochs 1-\d+), the last "
        r"one as it stood at that batch\.\n"
        # At 1e38 a gradient clipped to norm 1 still steps by 1e38, and Adam steps by about 1e38 per weight: only a
        # lower learning rate (SGD's usual 0.01, since a tenth would still be far too high) is advised.
        r"To fix it, lower training\.learning_rate \(now 1e\+38; try 0\.01\), then run again\.\n", paragraph)
    assert match, paragraph
    value, epoch, batch = match[1], int(match[2]), int(match[3])
    run_dir = tmp_path / "out" / "nan"
    rows = history_rows(run_dir / "history.csv")
    assert [int(row["epoch"]) for row in rows] == list(range(1, epoch + 1))
    assert rows[-1]["loss"] in ("nan", "inf")
    # Recorded, not hidden: run.json says why training ended, and the report is written.
    assert all((run_dir / name).exists() for name in REPORT_FILES)
    record = json.loads((run_dir / "run.json").read_text())
    assert main_of(record)["stopped"] == {"reason": "nan_loss", "epoch": epoch, "batch": batch, "value": value}
    assert main_of(record)["test"] is None  # NaN weights are never evaluated
    history = main_of(record)["history"]
    assert all(len(values) == epoch for values in history.values())
    # The epoch it stopped in: a non-finite loss (null in JSON) and no accuracy from NaN outputs.
    assert [history[m][-1] for m in ("loss", "accuracy", "val_loss", "val_accuracy")] == [None] * 4
    assert all(v is not None for m in history for v in history[m][:-1])
    per_batch = main_of(record)["batch_history"]
    assert (per_batch["epoch"][-1], per_batch["batch"][-1]) == (epoch, batch)
    assert per_batch["loss"][-1] is None and per_batch["accuracy"][-1] is None
    assert "gates" not in record["diagnostics"]
    assert "lstm" not in record["diagnostics"].get("gradient_norms", {}).get("trained", {})
    assert not (run_dir / ".checkpoint").exists()
    assert no_temp_files(tmp_path) == []

    # The saved run is reused on the same command, and it still fails the same way.
    again = invoke("run", "nan.yaml", "--out", "out", "--quiet")
    assert again.exit_code == 1, again.output
    assert error_paragraph(again.output) == paragraph


def test_a_nan_loss_in_a_baseline_is_recorded_and_the_run_carries_on(tmp_path, monkeypatch):
    """Only the baseline diverges (its optimiser step made huge): it gets its own ``stopped``, the run succeeds."""
    import labreport.training

    real_train_one = labreport.training.train_one

    def baseline_diverges(spec, dataset, *, baseline=None, **kwargs):
        if baseline is not None:
            training = spec.training.model_copy(update={"optimizer": "sgd", "learning_rate": 1.0e38})
            spec = spec.model_copy(update={"training": training})
        return real_train_one(spec, dataset, baseline=baseline, **kwargs)

    monkeypatch.setattr(labreport.training, "train_one", baseline_diverges)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.yaml").write_text(tiny_spec_text("b", epochs=2))
    result = invoke("run", "b.yaml", "--out", "out", "--quiet")
    assert result.exit_code == 0, result.output
    assert "this baseline stopped there and is not evaluated" in result.output
    record = json.loads((tmp_path / "out" / "b" / "run.json").read_text())
    assert main_of(record)["stopped"] == {"reason": "completed", "epoch": 2}
    assert main_of(record)["test"]["accuracy"] is not None
    baseline = record["models"][1]
    assert baseline["cell"] == "simple_rnn"
    assert baseline["stopped"]["reason"] == "nan_loss"
    assert baseline["test"] is None
    assert len(baseline["history"]["loss"]) == baseline["stopped"]["epoch"]
    assert "simple_rnn" not in record["diagnostics"]["gradient_norms"]["trained"]
    assert "lstm" in record["diagnostics"]["gradient_norms"]["trained"]
    assert (tmp_path / "out" / "b" / "report.pdf").exists()


# --------------------------------------------------------------------------- failed renders, full disks


def test_a_render_that_fails_leaves_no_report_and_says_how_to_render_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = tmp_path / "mine.html.j2"
    template.write_text('{% extends "base.html.j2" %}{% block content %}<img src="http://example.com/x.png">'
                        "{% endblock %}")
    (tmp_path / "t.yaml").write_text(
        tiny_spec_text("t", epochs=1).replace("compare: [simple_rnn]", "compare: []")
        + "report: {template: mine.html.j2}\n")
    with nothing_written(tmp_path, except_under=tmp_path / "out"):
        result = invoke("run", "t.yaml", "--out", "out", "--quiet")
    run_dir = Path("out") / "t"
    assert result.exit_code == 1
    assert error_paragraph(result.output) == (
        "Error: Rendering stopped: refused to fetch http://example.com/x.png: only files inside the report "
        "folders are read\n"
        "Reports may only use files inside the run folder and the template folders.\n"
        f"The training is saved in {run_dir / 'run.json'}; `labreport render {run_dir} --template {template}` "
        "writes the report from it without training again.\n")
    assert not (tmp_path / run_dir / "report.pdf").exists() and not (tmp_path / run_dir / "report.html").exists()
    assert (tmp_path / run_dir / "run.json").is_file()
    assert not (tmp_path / run_dir / ".checkpoint").exists()
    assert no_temp_files(tmp_path) == []

    # As the message says: fix the template, render again, no training.
    template.write_text('{% extends "base.html.j2" %}{% block content %}<p>Fixed</p>{% endblock %}')
    assert invoke("render", run_dir).exit_code == 2  # run.json alone names the template: not used
    again = invoke("render", run_dir, "--template", template)
    assert again.exit_code == 0, again.output
    assert (tmp_path / run_dir / "report.pdf").is_file()


@pytest.fixture
def disk_full_for(monkeypatch):
    """Make fsync fail with ENOSPC for files whose name contains a given part (Linux: /proc/self/fd)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd to see which file is being written")
    real_fsync = os.fsync

    def arm(name_part: str):
        def fsync(fd):
            if name_part in Path(os.readlink(f"/proc/self/fd/{fd}")).name:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_fsync(fd)
        monkeypatch.setattr(os, "fsync", fsync)

    return arm


def test_disk_full_while_writing_the_pdf(tiny_run, tmp_path, disk_full_for):
    run_dir = tmp_path / "run"
    shutil.copytree(tiny_run["run_dir"], run_dir)
    for name in ("report.pdf", "report.html"):
        (run_dir / name).unlink()
    disk_full_for("report.pdf")
    with nothing_written(tmp_path, except_under=run_dir / "figures"):
        result = invoke("render", run_dir)
    assert assert_clean_failure(result, 1) == (
        f"Error: Cannot write {run_dir / 'report.pdf'}: No space left on device.\n"
        "Free some disk space, or choose an output folder on another disk with --out.\n")
    assert not (run_dir / "report.pdf").exists() and not (run_dir / "report.html").exists()
    assert no_temp_files(run_dir) == []


def test_disk_full_during_training(tmp_path, monkeypatch, disk_full_for):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "full.yaml").write_text(tiny_spec_text("full", epochs=2).replace("compare: [simple_rnn]", "compare: []"))
    disk_full_for("history.csv")
    with nothing_written(tmp_path):
        result = invoke("run", "full.yaml", "--out", "out", "--quiet")
    assert result.exit_code == 1, result.output
    assert error_paragraph(result.output) == (
        f"Error: Cannot write {Path('out') / 'full' / 'history.csv'}: No space left on device.\n"
        "Free some disk space, or choose an output folder on another disk with --out.\n")


@pytest.mark.parametrize("change,reason", [
    ("spec", "it was made with different dataset, model or training fields"),
    # The same refusal and fresh start for another reason: slow tier (about 20 s of CPU each).
    pytest.param("weights", "its weights cannot be loaded (", marks=pytest.mark.slow),
])
def test_a_checkpoint_that_does_not_fit_is_not_resumed(tmp_path, monkeypatch, change, reason):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "changed.yaml"
    spec.write_text(tiny_spec_text("changed", epochs=3).replace("compare: [simple_rnn]", "compare: []"))

    # Ctrl-C as epoch 2 ends (in-process: the second history.csv write raises it).
    import labreport.train.run_files as run_files
    real_write = run_files.write_history_csv
    calls = []

    def interrupt_second_write(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write(*args, **kwargs)

    monkeypatch.setattr(run_files, "write_history_csv", interrupt_second_write)
    first = invoke("run", spec, "--out", "out", "--quiet")
    assert first.exit_code == 1
    assert error_paragraph(first.output).startswith(
        "Error: Training of the LSTM model was interrupted after 2 of 3 epochs; epoch 1 is saved in ")
    monkeypatch.setattr(run_files, "write_history_csv", real_write)

    checkpoint = Path("out") / "changed" / ".checkpoint" / "main"
    if change == "spec":
        # The student changes the model before running again: the checkpoint no longer fits.
        spec.write_text(spec.read_text().replace("units: 8", "units: 6"))
    else:
        # A damaged weights file (a bad disk, a copy cut short).
        weights = tmp_path / checkpoint / json.loads((tmp_path / checkpoint / "state.json").read_text())["weights"]
        weights.write_bytes(weights.read_bytes()[:300])
    second = invoke("run", spec, "--out", "out", "--quiet")
    assert second.exit_code == 0, second.output
    assert f"Not resuming the LSTM model from {checkpoint}: {reason}" in second.output
    assert "; starting over." in second.output
    assert "Resuming from epoch" not in second.output
    record = json.loads((tmp_path / "out" / "changed" / "run.json").read_text())
    assert "resumed_from_epoch" not in main_of(record)["timing"]
    assert [int(row["epoch"]) for row in history_rows(tmp_path / "out" / "changed" / "history.csv")] == [1, 2, 3]
