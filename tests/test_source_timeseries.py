"""The timeseries-csv source as the stages see it: spec keys, `validate`, `init`, `export` (no training)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from labreport.cli import app
from labreport.errors import SpecError
from labreport.resources import experiments_dir
from labreport.sources import registry
from labreport.spec import validate_spec

SUNSPOTS = experiments_dir() / "data" / "sunspots_yearly.csv"


def _spec(tmp_path: Path, dataset: str, name: str = "series") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\ndataset:\n{dataset}", encoding="utf-8")
    return path


def _sunspots(tmp_path: Path, extra: str = "") -> Path:
    return _spec(tmp_path, f"  source: timeseries-csv\n  path: {SUNSPOTS}\n  time_column: year\n"
                           f"  columns: [sunspots]\n  lookback: 22\n{extra}")


def test_registered_as_a_numeric_series_source():
    source = registry.get("timeseries-csv")
    assert source.kind == registry.SERIES
    assert "timeseries-csv" in registry.names()
    assert source.file_keys == ("path",)


def test_keys_of_the_other_task_kind_are_refused():
    with pytest.raises(SpecError) as caught:
        validate_spec({"name": "x", "dataset": {"source": "timeseries-csv", "path": "a.csv", "columns": ["v"],
                                                "label_column": "y"}}, "x.yaml")
    assert "label_column belong(s) to task classify, not to task forecast" in str(caught.value)
    with pytest.raises(SpecError) as caught:
        validate_spec({"name": "x", "dataset": {"source": "timeseries-csv", "path": "a.csv", "columns": ["v"],
                                                "task": "classify"}}, "x.yaml")
    assert "task classify needs label_column" in str(caught.value)


def test_validate_shows_windows_per_split_and_numeric_layers(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(_sunspots(tmp_path, "  horizon: 2\n"))])
    assert result.exit_code == 0, result.output
    # 309 rows: train rows 0-215 (216), validation 216-262, test 263-308; a window belongs to the part of
    # its targets, so 216 - 22 - 2 + 1 = 193 training windows.
    assert "193 train, 46 validation, 45 test; sequences of 22 steps" in result.output
    assert "Embedding" not in result.output
    assert "lstm                     LSTM             (None, 32)" in result.output
    assert "dense                    Dense            (None, 2)" in result.output


def test_validate_names_the_file_row_and_column_of_a_bad_cell(tmp_path):
    data = tmp_path / "series.csv"
    data.write_text("t,value\n1,1.0\n2,abc\n3,2.0\n", encoding="utf-8")
    spec = _spec(tmp_path, f"  source: timeseries-csv\n  path: {data}\n  time_column: t\n  columns: [value]\n")
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 2
    assert f"{data}: row 3, column 'value': 'abc' is not a number." in result.output


def test_validate_refuses_a_lookback_longer_than_the_training_part(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(_sunspots(tmp_path).with_suffix(".yaml"))])
    assert result.exit_code == 0
    spec = _spec(tmp_path, f"  source: timeseries-csv\n  path: {SUNSPOTS}\n  columns: [sunspots]\n"
                           f"  lookback: 250\n", name="long")
    result = CliRunner().invoke(app, ["validate", str(spec)])
    assert result.exit_code == 2
    assert "lookback 250 + horizon 1 does not fit in it" in result.output


def test_export_writes_the_keras_program_and_the_torch_export_refuses_with_the_reason(tmp_path):
    result = CliRunner().invoke(app, ["export", str(_sunspots(tmp_path)), "--out", str(tmp_path / "p.py")])
    assert result.exit_code == 0, result.output
    assert "LOOKBACK = " in (tmp_path / "p.py").read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["export", str(_sunspots(tmp_path)), "--framework", "torch",
                                      "--out", str(tmp_path / "t.py")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "dataset.source timeseries-csv: the PyTorch program reads token sequences only" in result.output
    assert not (tmp_path / "t.py").exists()


def test_init_writes_a_starter_that_names_the_task_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "ts", "--dataset", "timeseries-csv"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "ts.yaml").read_text(encoding="utf-8")
    for key in ("source: timeseries-csv", "columns: [value]", "task: forecast", "lookback:", "horizon:",
                "season:", "splits: [0.7, 0.15, 0.15]"):
        assert key in text


def test_the_shipped_sensor_csv_is_the_generator_s_output(tmp_path):
    """experiments/data/README.md says how sensor_activity.csv was made: the same call writes the same bytes."""
    from labreport.data.sensor_windows import write_sensor_csv

    made = write_sensor_csv(tmp_path / "sensor.csv", seed=0, windows_per_activity=8)
    assert Path(made).read_bytes() == (experiments_dir() / "data" / "sensor_activity.csv").read_bytes()


def test_the_shipped_sensor_experiment_validates_with_whole_windows_per_split(tmp_path):
    result = CliRunner().invoke(app, ["validate", "sensor_activity"])
    assert result.exit_code == 0, result.output
    assert "134 train, 29 validation, 29 test; sequences of 64 steps" in result.output
    assert "dense                    Dense            (None, 4)" in result.output


def test_a_forecast_refuses_to_stop_early_on_accuracy():
    from labreport.data.timeseries_csv import load
    from labreport.errors import DataError
    from labreport.spec import ExperimentSpec

    spec = ExperimentSpec.model_validate({
        "name": "x", "dataset": {"source": "timeseries-csv", "path": str(SUNSPOTS), "columns": ["sunspots"]},
        "training": {"early_stopping": {"monitor": "val_accuracy", "patience": 2}}})
    with pytest.raises(DataError) as caught:
        load(spec.dataset, spec.training)
    assert "training.early_stopping.monitor is val_accuracy, but a forecast has no accuracy" in str(caught.value)
