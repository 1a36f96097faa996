"""`labreport validate`'s layer plan: the same parameter counts as the model Keras builds."""

from __future__ import annotations

import pytest

from labreport.model import InputShape, build_model, describe_model
from labreport.estimate import plan_model, recurrent_params
from labreport.resources import shipped_experiments
from labreport.spec import load_spec, validate_spec


def _spec(model: dict, **dataset):
    return validate_spec({"name": "plan", "dataset": {"source": "generated", "sequence_length": 12, **dataset},
                          "model": model})


@pytest.mark.parametrize("model", [
    {"recurrent": [{"cell": "lstm", "units": 5}]},
    {"recurrent": [{"cell": "gru", "units": 4}]},
    {"recurrent": [{"cell": "simple_rnn", "units": 3}]},
    {"recurrent": [{"cell": "lstm", "units": 4, "bidirectional": True}, {"cell": "gru", "units": 3}]},
    {"embedding": None, "recurrent": [{"cell": "lstm", "units": 4}]},
    {"embedding": {"input_dim": 20, "output_dim": 6}, "recurrent": [{"cell": "simple_rnn", "units": 2},
                                                                   {"cell": "lstm", "units": 3}]},
])
def test_planned_layers_match_keras(model):
    spec = _spec(model)
    plan = plan_model(spec)
    keras_model = build_model(spec.model, spec.training,
                              InputShape(spec.dataset.sequence_length, plan.vocabulary_size, None, 4))
    built = describe_model(keras_model)
    assert [layer.params for layer in plan.layers] == [layer["params"] for layer in built["layers"]]
    assert [layer.output_shape for layer in plan.layers] == [layer["output_shape"] for layer in built["layers"]]
    assert plan.total_params == built["total_params"]


def test_assignment7_plan_is_the_handouts_76051():
    plan = plan_model(load_spec(shipped_experiments()["imdb_assignment7"]))
    assert [layer.params for layer in plan.layers] == [75000, 1040, 11]
    assert plan.total_params == 76051
    assert (plan.n_train, plan.n_validation, plan.n_test) == (20000, 5000, 25000)


def test_seminar_formulas():
    plan = plan_model(load_spec(shipped_experiments()["imdb_seminar"]))
    assert plan.layers[0].params == 5000 * 32 == 160000
    assert plan.layers[1].params == 4 * (100 ** 2 + 100 * 32 + 100) == 53200
    assert recurrent_params("lstm", 100, 32) == 53200


def test_time_estimate_grows_with_sequence_length():
    short = plan_model(_spec({"recurrent": [{"cell": "lstm", "units": 8}]}, sequence_length=20))
    long = plan_model(_spec({"recurrent": [{"cell": "lstm", "units": 8}]}, sequence_length=200))
    assert long.seconds_per_epoch == pytest.approx(10 * short.seconds_per_epoch)


@pytest.mark.parametrize("dataset,warned", [
    ({"source": "csv", "path": "r.csv", "padding": "post"}, True),
    ({"source": "text-folder", "path": "r", "padding": "post", "sequence_length": 50}, True),
    ({"source": "keras-imdb", "padding": "post", "sequence_length": 300}, True),
    ({"source": "csv", "path": "r.csv"}, False),                                   # pre, the default
    ({"source": "csv", "path": "r.csv", "truncating": "post"}, False),           # cutting the end is harmless
    ({"source": "csv", "path": "r.csv", "padding": "post", "sequence_length": 20}, False),  # short
    ({"source": "generated"}, False),
])
def test_validate_warns_about_padding_at_the_end_of_long_sequences(dataset, warned):
    from labreport.estimate import describe_plan, plan_warnings

    spec = validate_spec({"name": "pad", "dataset": dataset})
    warnings = plan_warnings(spec)
    assert bool(warnings) == warned
    lines = describe_plan(spec, plan_model(spec))
    assert [line for line in lines if line.startswith("  warning:")] == [f"  warning: {w}" for w in warnings]
    if warned:
        assert "dataset.padding is post" in warnings[0] and "padding: pre" in warnings[0]


def test_validate_command_prints_the_padding_warning_and_exits_0(tmp_path):
    from typer.testing import CliRunner

    from labreport.cli import app

    path = tmp_path / "post.yaml"
    path.write_text("name: post\ndataset: {source: csv, path: r.csv, padding: post}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: dataset.padding is post" in result.output


@pytest.mark.parametrize("loss, said", [(None, ", loss mse"), ("huber", ", loss huber"), ("mae", ", loss mae")])
def test_validate_names_a_forecasts_loss_and_not_a_classifiers(loss, said):
    from labreport.estimate import describe_plan
    from labreport.resources import shipped_experiments
    from labreport.spec import load_spec

    data = load_spec(shipped_experiments()["sunspots_forecast"]).model_dump(mode="json")
    data["training"]["loss"] = loss
    spec = validate_spec(data)
    training = next(line for line in describe_plan(spec, plan_model(spec)) if line.startswith("  training:"))
    assert said in training
    classifier = validate_spec({"name": "c"})
    assert ", loss" not in next(line for line in describe_plan(classifier, plan_model(classifier))
                                if line.startswith("  training:"))
