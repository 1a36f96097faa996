"""training.early_stopping: best-epoch weights, run.json, the report, kill and resume.

The rule itself (the same stop and best epoch as keras.callbacks.EarlyStopping, whatever epoch a run
resumes at) is checked in tests/test_callback_best_epoch_stopping.py, once, without training.

The spec, override, facts and words tests read plain data (no TensorFlow in this
process: tests/test_formats_words.py checks that).  Training runs in a fresh
interpreter per backend, as tests/test_backend_jax.py does, since Keras fixes its
backend at first import.

The tiny runs stop deterministically: with ``min_delta: 10`` no epoch after the
first can improve a loss by 10, so the best epoch is 1 and training stops after
epoch 1 + patience whatever the arithmetic.  That the evaluated weights are epoch
1's is checked against a plain 1-epoch run with the same seed (same first epoch,
so the same test loss).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, tiny_spec_text
from labreport.errors import OptionError, SpecError
from labreport.facts import build_facts
from labreport.fingerprint import training_fingerprint
from labreport.pipeline import apply_overrides
from labreport.report import render_report
from labreport.spec import validate_spec
from records import main_of

DEFAULT_RUN = Path(__file__).parent / "fixtures" / "formats_words" / "default_run.json"
FORMATS = ("exp13", "lab-record", "project-report", "lab-summary", "seminar")
HAS_JAX = importlib.util.find_spec("jax") is not None
BACKENDS = ["tensorflow", pytest.param("jax", marks=[
    pytest.mark.slow, pytest.mark.skipif(not HAS_JAX, reason="JAX is not installed (pip install 'labreport[jax]')")])]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(text: str, start: str, end: str) -> str:
    """The report text from heading ``start`` up to heading ``end``."""
    assert start in text and end in text, (start, end)
    return text[text.index(start):text.index(end, text.index(start))]


def _env() -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("KERAS_BACKEND", None)
    return env


# --------------------------------------------------------------------------- the spec keys


def test_spec_keys_and_their_defaults():
    off = validate_spec({"name": "x"}).training
    assert off.early_stopping is None  # fixed epochs by default: the worksheets' configurations
    on = validate_spec({"name": "x", "training": {"early_stopping": True}}).training.early_stopping
    assert (on.monitor, on.patience, on.min_delta, on.restore_best_weights) == ("val_loss", 2, 0.0, True)
    assert validate_spec({"name": "x", "training": {"early_stopping": False}}).training.early_stopping is None
    best_only = validate_spec({"name": "x", "training": {"early_stopping": {"patience": None}}})
    assert best_only.training.early_stopping.patience is None
    training_loss = validate_spec({"name": "x", "training": {"validation_split": 0,
                                                              "early_stopping": {"monitor": "loss"}}})
    assert training_loss.training.validation_split == 0


@pytest.mark.parametrize("training, message", [
    ({"validation_split": 0, "early_stopping": True},
     "training.early_stopping.monitor: val_loss needs a validation set, but validation_split is 0; hold some data "
     "out (validation_split: 0.2) or monitor the training loss"),
    ({"early_stopping": {"patiense": 3}}, "training.early_stopping.patiense: unknown key; did you mean 'patience'?"),
    ({"early_stopping": {"monitor": "val_acc"}}, "did you mean 'val_accuracy'?"),
    ({"early_stopping": {"patience": -1}}, "training.early_stopping.patience: input should be greater than or equal to 0"),
])
def test_spec_mistakes_are_named(training, message):
    with pytest.raises(SpecError) as caught:
        validate_spec({"name": "x", "training": training})
    assert message in str(caught.value)


def test_runs_saved_before_the_key_keep_their_fingerprint():
    plain = validate_spec({"name": "x"})
    assert "early_stopping" not in training_fingerprint(plain).inputs["training"]["training"]
    stopping = validate_spec({"name": "x", "training": {"early_stopping": True}})
    assert training_fingerprint(stopping).sha256 != training_fingerprint(plain).sha256


def test_command_line_overrides():
    plain = validate_spec({"name": "x"})
    assert apply_overrides(plain, early_stopping=True).training.early_stopping.patience == 2
    assert apply_overrides(plain, patience=4).training.early_stopping.patience == 4
    spec = validate_spec({"name": "x", "training": {"early_stopping": {"monitor": "val_accuracy", "patience": 3}}})
    assert apply_overrides(spec, early_stopping=True).training.early_stopping.monitor == "val_accuracy"
    assert apply_overrides(spec, early_stopping=False).training.early_stopping is None
    with pytest.raises(OptionError, match="no validation set"):
        apply_overrides(validate_spec({"name": "x", "training": {"validation_split": 0}}), early_stopping=True)
    with pytest.raises(OptionError, match="--patience"):
        apply_overrides(plain, early_stopping=False, patience=2)


# --------------------------------------------------------------------------- facts and words (no training)


def _default_record() -> dict:
    """The default run (run.json format 1), in the current format as labreport migrates it."""
    from labreport.record import migrate

    return migrate(json.loads(DEFAULT_RUN.read_text(encoding="utf-8")))


def _overfitted_record() -> dict:
    """The default run with a validation loss lowest at epoch 4 and rising after it, and a validation accuracy
    that falls after epoch 4 too (so the best epoch's model is the better one, and early stopping would help)."""
    record = _default_record()
    n = len(main_of(record)["history"]["loss"])
    main_of(record)["history"]["loss"] = [1.2 - 0.1 * i for i in range(n)]
    main_of(record)["history"]["val_loss"] = [1.2 - 0.2 * i if i < 4 else 0.6 + 0.1 * (i - 3) for i in range(n)]
    main_of(record)["history"]["val_accuracy"] = [0.3 + 0.15 * i if i < 4 else max(0.75 - 0.03 * (i - 3), 0.4)
                                                  for i in range(n)]
    return record


def _early_stopped(record: dict, *, restore: bool = True, best: int = 4, stop: int = 6) -> dict:
    record = copy.deepcopy(record)
    for key in main_of(record)["history"]:
        main_of(record)["history"][key] = main_of(record)["history"][key][:stop]
    main_of(record)["timing"]["seconds_per_epoch"] = main_of(record)["timing"]["seconds_per_epoch"][:stop]
    batches = main_of(record)["batch_history"]
    keep = [i for i, epoch in enumerate(batches["epoch"]) if epoch <= stop]
    for key in ("epoch", "batch", "loss", "accuracy"):
        batches[key] = [batches[key][i] for i in keep]
    record["spec"]["training"]["early_stopping"] = {"monitor": "val_loss", "patience": 2, "min_delta": 0.0,
                                                   "restore_best_weights": restore}
    main_of(record)["stopped"] = {"reason": "early_stopping", "epoch": stop, "best_epoch": best, "monitor": "val_loss",
                         "best_value": main_of(record)["history"]["val_loss"][best - 1], "patience": 2, "min_delta": 0.0}
    main_of(record)["restored_best_weights"] = restore
    main_of(record)["evaluated_epoch"] = best if restore else stop
    return record


def test_facts_name_the_evaluated_epoch_and_the_stop():
    old = build_facts(_default_record())  # a record from before these fields: the last epoch, completed
    n = len(main_of(_default_record())["history"]["loss"])
    assert old["evaluated_epoch"] == n and old["evaluation"]["verdict"] == "last_epoch"
    assert old["evaluation"]["tracking"] == "off" and old["stopped"] == {"reason": "completed", "epoch": n}

    stopped = build_facts(_early_stopped(_overfitted_record()))
    e = stopped["evaluation"]
    assert stopped["evaluated_epoch"] == 4 and stopped["restored_best_weights"] is True
    assert (e["verdict"], e["stop"], e["tracking"], e["best_epoch"], e["stop_epoch"]) == (
        "best_epoch", "early_stopping", "early_stopping", 4, 6)
    assert e["epochs_without_improvement"] == 2 and e["stop_apart"] is True

    kept_last = build_facts(_early_stopped(_overfitted_record(), restore=False))["evaluation"]
    assert (kept_last["verdict"], kept_last["epoch"], kept_last["best_not_evaluated"]) == ("last_epoch", 6, True)


def test_overfitting_suggests_early_stopping_only_where_the_last_epoch_was_evaluated():
    def steps(facts):
        return [s for p in facts["diagnosis"]["problems"] for s in p["next"]]

    plain = build_facts(_overfitted_record())
    assert plain["overfitting"]["verdict"] == "onset"
    suggested = [s for s in steps(plain) if s["id"] == "early_stopping"]
    assert suggested and suggested[0]["configured"] is False and suggested[0]["best_epoch"] == 4
    assert "stop_at_best" not in [s["id"] for s in steps(plain)] + [a["id"] for a in plain["advice"]]
    assert "early_stopping" in [a["id"] for a in plain["advice"]]

    restored = build_facts(_early_stopped(_overfitted_record()))
    assert "overfitting" not in [p["id"] for p in restored["diagnosis"]["problems"]]
    assert "early_stopping" not in [s["id"] for s in steps(restored)] + [a["id"] for a in restored["advice"]]

    not_restored = build_facts(_early_stopped(_overfitted_record(), restore=False))
    step = [s for s in steps(not_restored) if s["id"] == "early_stopping"][0]
    assert step["configured"] is True  # only restore_best_weights is missing


@pytest.fixture(scope="module")
def early_stopped_reports(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("early_stopped")
    (run_dir / "run.json").write_text(json.dumps(_early_stopped(_overfitted_record())), encoding="utf-8")
    return {name: _text(render_report(run_dir, worksheet=name, out_dir=run_dir / name, pdf=False)
                        .html_path.read_text()) for name in FORMATS}


def test_every_format_says_which_epoch_was_evaluated_and_why_training_stopped(early_stopped_reports):
    for name, text in early_stopped_reports.items():
        assert "Training stopped early, after epoch 6 of the 20 planned: the validation loss had not improved on " \
               "its best, at epoch 4, for 2 epochs (early stopping with patience 2)." in text, name
        assert "The test set was evaluated once, with the weights of epoch 4, the best by the validation loss" in text, name
        assert "restored at the end of training in place of those of the last epoch (6)" in text, name
        assert "dotted vertical line marks epoch 4, whose weights were evaluated on the test set" in text, name
        assert "the dashed line marks epoch 6, after which early stopping ended training" in text, name
        assert "weights of the last epoch" not in text, name
        assert "stop at the best epoch" not in text and "Stop at epoch" not in text, name


def test_exp13_says_it_in_the_test_result_the_methodology_and_the_learning_curve(early_stopped_reports):
    text = early_stopped_reports["exp13"]
    evaluated = "The test set was evaluated once, with the weights of epoch 4"
    assert evaluated in _section(text, "c. Training and Validation loss v/s epochs", "7. Observation")
    # The methodology points to 6c rather than saying it twice (no sentence is printed twice: test_no_repeats.py).
    assert text.count(evaluated) == 1
    assert "then the test set was evaluated once (section 6c says when training ended and with which epoch's " \
           "weights)" in _section(text, "Train over the dataset to minimise the loss", "Observe the learning curve")
    curves = _section(text, "b. Interpretation of the accuracy graph", "Conclusion")
    assert "the dotted vertical line marks epoch 4, whose weights were evaluated on the test set: the best epoch " \
           "by the validation loss" in curves


def test_the_default_run_still_says_last_epoch(tmp_path):
    (tmp_path / "run.json").write_text(DEFAULT_RUN.read_text(encoding="utf-8"), encoding="utf-8")
    text = _text(render_report(tmp_path, worksheet="exp13", pdf=False).html_path.read_text())
    n = len(main_of(_default_record())["history"]["loss"])
    assert f"The test set was evaluated once, with the weights of the last epoch ({n}); best-epoch weights were " \
           "not restored." in text
    assert "Training stopped early" not in text and "early stopping ended training" not in text


# --------------------------------------------------------------------------- training, on both backends

# Runs in a fresh interpreter: argv = backend, work folder, spec text.
WORKER = r"""
import json, math, sys
from pathlib import Path
import numpy as np
from labreport.train.backend import select_backend
select_backend(sys.argv[1])
from labreport.pipeline import run_experiment, train_experiment
from labreport.spec import validate_spec
import yaml

spec_data = yaml.safe_load(sys.argv[3])
work = Path(sys.argv[2])
stopped = run_experiment(validate_spec(spec_data), out_dir=work / "out", progress="none", log=lambda *_: None)
plain_data = json.loads(json.dumps(spec_data))
plain_data["training"]["epochs"] = 1
plain_data["training"].pop("early_stopping")
plain_data["name"] = "plain"
plain = train_experiment(validate_spec(plain_data), work / "plain", progress="none", log=lambda *_: None)
print("RESULT " + json.dumps({"stopped": stopped.run_record, "plain": plain}, default=str))
"""

STOPPING = "  early_stopping: {monitor: val_loss, patience: 2, min_delta: 10}\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_early_stopping_trains_stops_and_evaluates_the_best_epoch(backend, tmp_path):
    spec = tiny_spec_text("stopping", epochs=6, extra=f"  backend: {backend}\n" + STOPPING).replace(
        "compare: [simple_rnn]", "compare: []")
    result = subprocess.run([sys.executable, "-c", WORKER, backend, str(tmp_path), spec], capture_output=True,
                            text=True, env=_env(), cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    found = json.loads(result.stdout.split("RESULT ", 1)[1])

    # That the callback follows keras.callbacks.EarlyStopping, and that a resume at any epoch changes
    # nothing, is checked once, in tests/test_callback_best_epoch_stopping.py (no training needed).
    record = found["stopped"]
    assert record["backend"] == backend
    assert len(main_of(record)["history"]["loss"]) == 3  # best epoch 1, then 2 epochs without improvement
    assert main_of(record)["stopped"] == {"reason": "early_stopping", "epoch": 3, "best_epoch": 1, "monitor": "val_loss",
                                 "best_value": main_of(record)["history"]["val_loss"][0], "patience": 2, "min_delta": 10.0}
    assert main_of(record)["evaluated_epoch"] == 1 and main_of(record)["restored_best_weights"] is True
    # Epoch 1's weights, not epoch 3's: the test result of a plain 1-epoch run with the same seed.
    plain = found["plain"]
    assert main_of(plain)["history"]["val_loss"] == main_of(record)["history"]["val_loss"][:1]
    assert main_of(record)["test"]["loss"] == pytest.approx(main_of(plain)["test"]["loss"], rel=1e-5, abs=1e-6)
    assert main_of(record)["test"]["accuracy"] == pytest.approx(main_of(plain)["test"]["accuracy"], abs=1e-9)
    assert main_of(plain)["stopped"] == {"reason": "completed", "epoch": 1} and main_of(plain)["restored_best_weights"] is False

    text = _text((tmp_path / "out" / "stopping" / "report.html").read_text())
    assert "Training stopped early, after epoch 3 of the 6 planned" in text
    assert "with the weights of epoch 1, the best by the validation loss" in text


# --------------------------------------------------------------------------- kill and resume


# Slow tier: three interpreters that import TensorFlow (about 80 s of CPU).  The rule across a resume at
# every epoch, from the state a checkpoint saves, is checked without training in the default tier
# (tests/test_callback_best_epoch_stopping.py::test_a_resume_at_any_epoch_changes_nothing).
@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_run_resumes_with_its_early_stopping_state(backend, tmp_path):
    from test_interrupt import history_rows, kill, resume_line, start_run, wait_for_rows

    # Best epoch 1, then 5 epochs without improvement: it stops after epoch 6, wherever it was killed
    # (a resumed run that forgot its wait count would stop 5 epochs after the resume, at epoch 7 or later).
    spec = tmp_path / "resume.yaml"
    spec.write_text(tiny_spec_text("resume", epochs=12, extra=f"  backend: {backend}\n" + STOPPING.replace(
        "patience: 2", "patience: 5")).replace("compare: [simple_rnn]", "compare: []"))
    run_dir = tmp_path / "out" / "resume"

    first = start_run(tmp_path, spec)
    wait_for_rows(first, run_dir / "history.csv", 3)
    kill(first)
    rows_at_kill = len(history_rows(run_dir / "history.csv"))
    assert rows_at_kill < 6, "the run stopped before it could be killed"
    state = json.loads((run_dir / ".checkpoint" / "main" / "state.json").read_text())
    assert state["early_stopping"]["best_epoch"] == 1 and state["early_stopping"]["wait"] == state["epoch"] - 1
    # The best epoch's weights are kept beside the last epoch's.
    assert (run_dir / ".checkpoint" / "main" / state["early_stopping"]["best_weights"]).is_file()

    second = start_run(tmp_path, spec)
    output, _ = second.communicate(timeout=900)
    assert second.returncode == 0, output
    resumed = resume_line(output, "LSTM", Path("out") / "resume" / ".checkpoint" / "main")
    assert resumed >= 2
    record = json.loads((run_dir / "run.json").read_text())
    assert main_of(record)["timing"]["resumed_from_epoch"] == resumed
    # The wait count survived: it stops after epoch 6, not 5 epochs after the resume.
    assert main_of(record)["stopped"]["reason"] == "early_stopping" and main_of(record)["stopped"]["epoch"] == 6
    assert len(main_of(record)["history"]["loss"]) == 6
    assert main_of(record)["evaluated_epoch"] == 1 and main_of(record)["restored_best_weights"] is True

    # The same evaluated weights as an uninterrupted run: epoch 1's, whose test loss a 1-epoch run gives.
    reference = subprocess.run(
        [sys.executable, "-m", "labreport", "run", str(spec), "--out", "reference", "--quiet", "--epochs", "1",
         "--no-early-stopping"], capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=900)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    plain = json.loads((tmp_path / "reference" / "resume" / "run.json").read_text())
    assert main_of(record)["test"]["loss"] == pytest.approx(main_of(plain)["test"]["loss"], rel=1e-5, abs=1e-6)
    assert main_of(record)["history"]["val_loss"][0] == main_of(plain)["history"]["val_loss"][0]
