"""run.json as a typed record (labreport/record.py): migration of every format-1 file, validation messages with
key paths, writing through the model, the JSON Schema, and a bug in the facts reported as labreport's own.

No TensorFlow: records are read, written and validated as plain data.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labreport.cli import app
from labreport.errors import LabreportBug, LabreportError, RunRecordError
from labreport.record import (
    FORMAT_VERSION,
    RunRecord,
    baseline_runs,
    load_run_record,
    main_run,
    migrate,
    parse_run_record,
    read_run_record,
    write_run_record,
)

FIXTURES = Path(__file__).parent / "fixtures"
RUNS = sorted((FIXTURES / "runs").glob("*.json"))
# The corpus cases recorded before format 2 (the later ones, with per-example predictions, are format 2).
RUNS_FORMAT_1 = [path for path in RUNS if json.loads(path.read_text(encoding="utf-8")).get("format_version", 1) == 1]
# A run.json written by labreport just before format 2 (commit 21e9180): early stopping with the best weights
# restored, so it holds evaluated_epoch and restored_best_weights at the top level.
BEFORE = FIXTURES / "records" / "format1_21e9180_early_stopping.json"
FORMAT_1 = RUNS_FORMAT_1 + [BEFORE, FIXTURES / "formats_words" / "default_run.json"]
RUN_TIMING = {"data_seconds", "diagnostics_seconds", "diagnostics_parts_seconds", "total_seconds"}


def raw(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def same(a, b) -> bool:
    """Equal as JSON data, NaN equal to null (run.json writes NaN as null)."""
    def norm(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value
    return norm(a) == norm(b)


@pytest.mark.parametrize("path", FORMAT_1, ids=lambda p: p.stem)
def test_every_format_1_record_migrates_and_validates(path):
    old = raw(path)
    assert old.get("format_version", 1) == 1  # the fixtures stay as labreport wrote them
    typed = load_run_record(path)
    assert isinstance(typed, RunRecord) and typed.format_version == FORMAT_VERSION == 2
    assert typed.task.kind == "classification" and typed.task.primary_metric == "accuracy"
    assert typed.task.direction == "higher" and typed.task.metrics == ["loss", "accuracy"]
    record = typed.plain()
    main = main_run(record)
    # The main model's keys moved into models[0], with the spec's first recurrent cell.
    assert record["models"][0] is main and main["role"] == "main"
    assert main["cell"] == old["spec"]["model"]["recurrent"][0]["cell"]
    for key in ("model", "history", "batch_history", "test", "stopped", "evaluated_epoch", "restored_best_weights"):
        assert key not in record
        if key in old and old[key] != {}:
            assert same(main[key], old[key]), key
    # The run's own timings apart from the model's; together they are format 1's timing.
    assert set(record["timing"]) <= RUN_TIMING and not set(main["timing"]) & RUN_TIMING
    assert same({**main["timing"], **record["timing"]}, old["timing"])
    # Each baseline an entry of role baseline, the same fields.
    assert "baselines" not in record
    baselines = baseline_runs(record)
    assert [b["cell"] for b in baselines] == [b["cell"] for b in old["baselines"]]
    for new, before in zip(baselines, old["baselines"]):
        assert new["role"] == "baseline" and same({k: v for k, v in new.items() if k != "role"}, before)
    # Everything else as it was.
    for key in old:
        if key not in ("model", "history", "batch_history", "test", "stopped", "evaluated_epoch",
                       "restored_best_weights", "timing", "baselines", "format_version"):
            assert same(record[key], old[key]), key
    # History nulls read as NaN, as before.
    if any(v is None for v in old["history"]["loss"]):
        assert any(math.isnan(v) for v in main["history"]["loss"])


def test_the_record_written_before_format_2_keeps_its_evaluation():
    main = main_run(read_run_record(BEFORE))
    old = raw(BEFORE)
    assert main["restored_best_weights"] is True and main["evaluated_epoch"] == old["evaluated_epoch"]
    assert main["stopped"] == old["stopped"]
    assert baseline_runs(read_run_record(BEFORE))[0]["evaluated_epoch"] == old["baselines"][0]["evaluated_epoch"]


@pytest.mark.parametrize("path", [RUNS[0], FIXTURES / "runs" / "diverged.json", BEFORE], ids=lambda p: p.stem)
def test_written_and_read_again_it_is_the_same_record(path, tmp_path):
    record = read_run_record(path)
    write_run_record(tmp_path, record)
    written = raw(tmp_path / "run.json")
    assert written["format_version"] == 2 and "NaN" not in (tmp_path / "run.json").read_text(encoding="utf-8")
    assert same(read_run_record(tmp_path), record)
    write_run_record(tmp_path / "again", load_run_record(tmp_path))  # a RunRecord is written as it is
    assert (tmp_path / "again" / "run.json").read_bytes() == (tmp_path / "run.json").read_bytes()


def test_writing_refuses_a_record_that_does_not_validate(tmp_path):
    record = read_run_record(RUNS[0])
    main_run(record)["evaluated_epoch"] = 10_000
    with pytest.raises(ValueError, match="evaluated_epoch"):
        write_run_record(tmp_path, record)
    assert not (tmp_path / "run.json").exists()


# --------------------------------------------------------------------------- problems, with their key paths


def problems_of(record: dict, tmp_path: Path) -> str:
    (tmp_path / "run.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(LabreportError) as caught:
        read_run_record(tmp_path)
    return str(caught.value)


def v1() -> dict:
    return raw(FIXTURES / "runs" / "clean_success.json")


def v2() -> dict:
    return migrate(v1())


@pytest.mark.parametrize("change, message", [
    (lambda r: r["models"][1]["history"]["loss"].__setitem__(3, "x"),
     "models[1].history.loss[3]: must be a number or null (got a string)"),
    (lambda r: r["models"][0].__setitem__("evaluated_epoch", 13),
     "models[0].evaluated_epoch: must be between 1 and 12, the epochs run (got 13)"),
    (lambda r: r["models"][0].__setitem__("evaluated_epoch", 1.5),
     "models[0].evaluated_epoch: must be a whole number (got a number)"),
    (lambda r: r["models"][0].__setitem__("restored_best_weights", 1),
     "models[0].restored_best_weights: must be true or false (got a number)"),
    (lambda r: r["models"][0].__setitem__("stopped", {"reason": "nan_loss", "batch": 3}),
     "models[0].stopped.epoch: required key is missing (a run that diverged says where)"),
    (lambda r: r["models"][0]["test"].__setitem__("accuracy", 1.5),
     "models[0].test.accuracy: must be between 0 and 1 (got 1.5)"),
    (lambda r: r["models"][0]["test"].__setitem__("loss", math.inf),
     "models[0].test.loss: must be a finite number"),
    (lambda r: r["models"][0].__setitem__("test", None),
     "models[0].test: must be an object (got null); only a model whose loss diverged has no test result"),
    (lambda r: r["models"][0]["test"].__setitem__("predictions", [0, 1, -1]),
     "models[0].test.predictions[2]: must be 0 or more (got -1)"),
    (lambda r: r["models"][0]["test"].__setitem__("confusion", [[1, 2], [3]]),
     "models[0].test.confusion: must be a square matrix"),
    (lambda r: r["models"][0]["history"]["accuracy"].pop(),
     "models[0].history: its lists must have one value per epoch each"),
    (lambda r: r["models"][0]["history"].pop("accuracy"), "models[0].history.accuracy: required key is missing"),
    (lambda r: r["models"][1].__setitem__("role", "main"), "models: must hold one model of role main, first"),
    (lambda r: r["models"][1].__setitem__("role", "teacher"),
     "models[1].role: must be 'main', 'baseline' or 'variant' (got 'teacher')"),
    (lambda r: r.__setitem__("models", [r["models"][0]] * 12), "models: holds 12 models; at most 11"),
    (lambda r: r["task"].__setitem__("direction", "up"), "task.direction: must be 'higher' or 'lower'"),
    (lambda r: r["task"].__setitem__("primary_metric", "mae"), "task: primary_metric 'mae' is not one of metrics"),
    (lambda r: r["dataset"].__setitem__("chance_accuracy", 2), "dataset.chance_accuracy: must be between 0 and 1"),
    (lambda r: r["spec"]["training"].__setitem__("epochs", 0), "spec.training.epochs"),
    (lambda r: r.__setitem__("experiment", "x" * 201), "experiment: is 201 characters long; at most 200"),
])
def test_a_wrong_value_names_the_file_and_its_key_path(change, message, tmp_path):
    record = v2()
    change(record)
    text = problems_of(record, tmp_path)
    assert text.startswith(f"{tmp_path / 'run.json'}: ") and message in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize("change, message", [
    (lambda r: r["history"]["loss"].__setitem__(3, "x"), "history.loss[3]: must be a number or null (got a string)"),
    (lambda r: r["baselines"][0]["history"]["loss"].__setitem__(3, "x"),
     "baselines[0].history.loss[3]: must be a number or null"),
    (lambda r: r.__setitem__("evaluated_epoch", 40), "evaluated_epoch: must be between 1 and 12"),
    (lambda r: r.__setitem__("stopped", {"reason": "nan_loss"}), "stopped.epoch: required key is missing"),
    (lambda r: r["timing"].__setitem__("total_seconds", "x"), "timing.total_seconds: must be a number"),
    (lambda r: r.__setitem__("baselines", [r["baselines"][0]] * 11), "baselines: holds 11 baselines; at most 10"),
    (lambda r: r.pop("history"), "not a complete run record; missing history"),
])
def test_a_format_1_file_is_told_in_its_own_key_paths(change, message, tmp_path):
    record = v1()
    change(record)
    assert message in problems_of(record, tmp_path)


def test_a_record_of_a_newer_format_is_refused(tmp_path):
    record = v2()
    record["format_version"] = 3
    assert "written by a newer labreport (format 3)" in problems_of(record, tmp_path)


def test_the_shape_leaves_room_for_what_comes_next():
    """An untrained baseline (test result only), predictions and a confusion matrix, a compared variant."""
    record = v2()
    main = record["models"][0]
    main["test"].update({"predictions": [0, 1, 2, 3] * 50, "confusion": [[50, 0, 0, 0], [0, 50, 0, 0],
                                                                         [0, 0, 50, 0], [0, 0, 0, 50]]})
    record["models"].append({"role": "baseline", "cell": "majority_class", "test": {"accuracy": 0.25}})
    record["models"].append({**copy.deepcopy(main), "role": "baseline", "variant": {"model.recurrent.0.units": 64}})
    typed = parse_run_record(record)
    assert not typed.models[2].trained and typed.models[2].history == {}
    assert typed.main.test.predictions[:4] == [0, 1, 2, 3] and typed.models[3].variant == {"model.recurrent.0.units": 64}
    assert [b.cell for b in typed.baselines] == ["simple_rnn", "majority_class", "lstm"]


# --------------------------------------------------------------------------- the schema, and bugs as bugs


def test_schema_run_record_prints_the_json_schema():
    result = CliRunner().invoke(app, ["schema", "--run-record"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert {"format_version", "models", "task", "dataset", "spec"} <= set(schema["properties"])
    assert {"ModelRun", "TestResult", "Task", "Stopped"} <= set(schema["$defs"])
    assert schema["$defs"]["ModelRun"]["properties"]["role"]["enum"] == ["main", "baseline", "variant"]


def test_an_exception_in_the_facts_is_labreports_bug_not_a_corrupt_run_json(tmp_path, monkeypatch):
    import labreport.report.render as render

    def broken(record):
        return {}["no such fact"]

    monkeypatch.setattr(render, "build_facts", broken)
    (tmp_path / "run.json").write_bytes(RUNS[0].read_bytes())
    with pytest.raises(LabreportBug) as caught:
        render.prepare_report(tmp_path, out_dir=tmp_path / "out")
    assert caught.value.exit_code == 1 and "bug in labreport" in str(caught.value)
    assert "corrupt" not in str(caught.value) and not isinstance(caught.value, RunRecordError)
    assert isinstance(caught.value.__cause__, KeyError)  # --debug prints it
    result = CliRunner().invoke(app, ["render", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "This is a bug in labreport" in result.output and "--debug" in result.output
