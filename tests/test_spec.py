"""The spec loader: defaults, every problem at once, key paths, safe YAML."""

from __future__ import annotations

import pytest

from labreport.errors import SpecError
from labreport.resources import shipped_experiments
from labreport.spec import load_spec, validate_spec


def write(tmp_path, text, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(tmp_path, text):
    with pytest.raises(SpecError) as caught:
        load_spec(write(tmp_path, text))
    return caught.value.problems, str(caught.value)


def test_minimal_spec_gets_documented_defaults(tmp_path):
    spec = load_spec(write(tmp_path, "name: mine\n"))
    assert spec.dataset.source == "generated"
    assert spec.model.recurrent[0].cell == "lstm"
    assert spec.training.epochs == 10
    assert spec.training.validation_split == 0.2
    assert spec.report.worksheet == "exp13"
    assert spec.report.smoothing == 0.6


def test_name_defaults_to_the_file_stem(tmp_path):
    spec = load_spec(write(tmp_path, "training: {epochs: 3}\n", name="my exp.yaml"))
    assert spec.name == "my_exp"


def test_every_problem_is_reported_at_once_with_key_paths(tmp_path):
    problems, message = problems_of(tmp_path, """
name: x
training:
  epochs: 0
  batch_size: 0
  validation_split: 1.5
  learning_rate: 0
model:
  recurrent: [{cell: lstm, units: 0}]
report:
  smoothing: 2
""")
    keys = [p.split(":")[0] for p in problems]
    assert sorted(keys) == sorted(["model.recurrent[0].units", "training.batch_size", "training.epochs",
                                   "training.learning_rate", "training.validation_split", "report.smoothing"])
    assert "spec.yaml: 6 problems" in message


def test_unknown_key_suggests_the_closest(tmp_path):
    problems, _ = problems_of(tmp_path, "name: x\ntraining:\n  epoch: 3\n")
    assert problems == ["training.epoch: unknown key; did you mean 'epochs'?"]


def test_unknown_dataset_source_lists_allowed_values(tmp_path):
    problems, _ = problems_of(tmp_path, "name: x\ndataset:\n  source: kaggle\n")
    assert len(problems) == 1
    assert problems[0].startswith("dataset.source: 'kaggle' is not allowed; allowed values:")
    assert "'keras-imdb'" in problems[0] and "'csv'" in problems[0]


def test_unknown_worksheet_lists_allowed_values(tmp_path):
    problems, _ = problems_of(tmp_path, "name: x\nreport: {worksheet: essay}\n")
    assert problems[0].startswith("report.worksheet: 'essay' is not allowed; allowed values:")
    assert "'lab-record'" in problems[0]


def test_wrong_type_names_the_key(tmp_path):
    problems, _ = problems_of(tmp_path, "name: x\ntraining: {epochs: many}\n")
    assert problems[0].startswith("training.epochs: ")
    assert "'many'" in problems[0]


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    problems, _ = problems_of(tmp_path, "name: x\ntraining:\n  epochs: [1, 2\n")
    assert "YAML error at line" in problems[0] and "column" in problems[0]


def test_python_object_tags_are_refused(tmp_path):
    problems, _ = problems_of(tmp_path, "name: !!python/object/apply:os.system ['echo hacked']\n")
    assert "tags that build Python objects are not allowed" in problems[0]


def test_duplicate_keys_are_refused(tmp_path):
    problems, _ = problems_of(tmp_path, "name: x\nname: y\n")
    assert "duplicate key 'name'" in problems[0]


@pytest.mark.parametrize("bad_name", ["../escape", "/abs", "a/b", "..", "", "x" * 81, "nul\x00"])
def test_experiment_name_cannot_escape_the_output_folder(bad_name):
    with pytest.raises(SpecError) as caught:
        validate_spec({"name": bad_name})
    assert caught.value.problems[0].startswith("name: ")


def test_top_level_must_be_a_mapping(tmp_path):
    problems, _ = problems_of(tmp_path, "- a\n- b\n")
    assert problems == ["the top level must be a mapping of keys, not list"]


def test_missing_file(tmp_path):
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "missing.yaml")
    assert str(caught.value) == f"{tmp_path / 'missing.yaml'}: file not found"


def test_relative_data_path_is_relative_to_the_spec(tmp_path):
    (tmp_path / "sub").mkdir()
    spec = load_spec(write(tmp_path / "sub", "name: x\ndataset: {source: csv, path: data.csv}\n"))
    assert spec.dataset.path == str((tmp_path / "sub" / "data.csv").resolve())


def test_header_scalars_become_text(tmp_path):
    spec = load_spec(write(tmp_path, "name: x\nheader: {experiment_no: 13, date: 2026-11-21}\n"))
    assert spec.header.experiment_no == "13"
    assert spec.header.date == "2026-11-21"


def test_shipped_experiments_validate():
    shipped = shipped_experiments()
    assert "remember_important_tasks" in shipped
    for path in shipped.values():
        load_spec(path)


@pytest.mark.parametrize("source", ["csv", "text-folder", "keras-imdb"])
def test_text_sources_pad_and_truncate_at_the_front_by_default(tmp_path, source):
    path = "" if source == "keras-imdb" else ", path: data"
    spec = load_spec(write(tmp_path, f"name: x\ndataset: {{source: {source}{path}}}\n"))
    assert (spec.dataset.padding, spec.dataset.truncating) == ("pre", "pre")
    spec = load_spec(write(tmp_path, f"name: x\ndataset: {{source: {source}{path}, padding: post, truncating: post}}\n"))
    assert (spec.dataset.padding, spec.dataset.truncating) == ("post", "post")


def test_padding_side_must_be_pre_or_post(tmp_path):
    problems, _ = problems_of(tmp_path, "name: x\ndataset: {source: csv, path: d.csv, padding: end}\n")
    assert problems == ["dataset.padding: 'end' is not allowed; allowed values: 'pre' or 'post'"]


# --------------------------------------------------------------------------- model.compare's variants


def _model(compare, recurrent=None) -> dict:
    return {"name": "x", "model": {"recurrent": recurrent or [{"cell": "lstm", "forget_bias": "chrono"}],
                                   "compare": compare}}


def test_compare_takes_cells_and_variants_in_order():
    spec = validate_spec(_model(["simple_rnn", {"cell": "lstm", "forget_bias": 1.0}, "simple_rnn", "lstm",
                                 {"cell": "gru", "units": 8, "name": "small_gru"}]))
    found = [(b.name, b.kind, b.cell, b.overrides) for b in spec.baselines()]
    assert found == [("simple_rnn", "cell", "simple_rnn", {}),
                     ("lstm_forget_bias_1_0", "variant", "lstm", {"forget_bias": 1.0}),
                     ("small_gru", "variant", "gru", {"units": 8})]
    variant = spec.baselines()[1].model
    assert variant.recurrent[0].forget_bias == 1.0 and variant.recurrent[0].units == 32 and variant.compare == []
    # The spec's own model is untouched.
    assert spec.model.recurrent[0].forget_bias == "chrono"


@pytest.mark.parametrize("compare, message", [
    ([{"cell": "gru", "forget_bias": 2.0}], "model.compare[0]: forget_bias is an LSTM setting; a gru has no forget gate"),
    ([{"cell": "lstm", "forget_bias": "chrono"}], "model: compare[0] is the main model itself"),
    ([{"cell": "lstm", "units": 8}, {"cell": "lstm", "units": 8}], "compare[1] has the name 'lstm_units_8' of compare[0]"),
    # A mapping may not take a bare cell's name: the two would share history_<name>.csv and their checkpoints.
    (["simple_rnn", {"cell": "gru", "units": 8, "name": "simple_rnn"}], "compare[1] has the name 'simple_rnn' of compare[0]"),
    ([{"cell": "gru", "units": 8, "name": "simple_rnn"}, "simple_rnn"], "compare[1] has the name 'simple_rnn' of compare[0]"),
    (["simple_rnn", {"cell": "simple_rnn"}], "compare[1] has the name 'simple_rnn' of compare[0]"),
    ([{"cell": "lstm", "forget_bais": 1.0}], "model.compare[0].forget_bais: unknown key; did you mean 'forget_bias'?"),
    ([{"cell": "lstm", "units": 4, "name": "../up"}], "model.compare[0].name: must be 1-40 lowercase letters"),
    (["lsmt"], "model.compare[0]: 'lsmt' is not allowed; allowed values: 'lstm', 'gru' or 'simple_rnn'; did you mean 'lstm'?"),
    ([3], "model.compare[0]: must be a cell name ('lstm', 'gru' or 'simple_rnn') or a mapping"),
    ([{"units": 4}], "model.compare[0].cell: required key is missing"),
])
def test_a_bad_compared_model_is_named_by_its_key_path(compare, message):
    with pytest.raises(SpecError) as caught:
        validate_spec(_model(compare))
    assert message in str(caught.value)


# --------------------------------------------------------------------------- a forecast's loss (training.loss)

FORECAST_SPEC = """
name: f
dataset:
  source: timeseries-csv
  path: series.csv
  columns: [value]
  {task}
training:
  loss: {loss}
"""


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_a_forecast_takes_a_regression_loss(tmp_path, loss):
    spec = load_spec(write(tmp_path, FORECAST_SPEC.format(task="task: forecast", loss=loss)))
    assert spec.training.loss == loss and spec.regression_loss() == loss


def test_an_unset_loss_is_the_tasks_own():
    assert validate_spec({"name": "f", "dataset": {"source": "timeseries-csv", "path": "s.csv", "columns": ["v"]}},
                         "s.yaml").regression_loss() == "mse"
    assert validate_spec({"name": "c"}, "s.yaml").regression_loss() is None


def test_an_unknown_loss_names_the_key_and_suggests_the_closest(tmp_path):
    problems, _ = problems_of(tmp_path, FORECAST_SPEC.format(task="task: forecast", loss="hubber"))
    assert problems == ["training.loss: 'hubber' is not allowed; allowed values: 'mse', 'mae' or 'huber'; "
                        "did you mean 'huber'?"]


@pytest.mark.parametrize("text, said", [
    (FORECAST_SPEC.format(task="task: classify\n  label_column: label", loss="mae"), "dataset.task: classify"),
    ("name: c\ntraining:\n  loss: huber\n", "dataset.task: temporal_order"),
    ("name: c\ndataset:\n  source: csv\n  path: data.csv\ntraining:\n  loss: mse\n", "dataset.source: csv"),
])
def test_a_classification_spec_with_a_regression_loss_is_refused_by_key(tmp_path, text, said):
    problems, _ = problems_of(tmp_path, text)
    assert len(problems) == 1 and problems[0].startswith("training.loss: ")
    assert said in problems[0] and "cross-entropy" in problems[0] and "remove training.loss" in problems[0]
