"""The seminar write-up's facts (labreport/facts/seminar.py), on the default run's record and hand-edited variants.

The record is the fixture corpus's real default run (tests/records.py); no TensorFlow, no training.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from records import default_record, main_of

from labreport.facts import build_facts, seminar

def _default_record() -> dict:
    return default_record()


@pytest.fixture
def record() -> dict:
    return copy.deepcopy(_default_record())


def _at_chance(record: dict) -> dict:
    n = len(main_of(record)["history"]["loss"])
    main_of(record)["history"] = {"loss": [1.3863] * n, "accuracy": [0.25] * n, "val_loss": [1.3865] * n,
                         "val_accuracy": [0.2625] * n}
    main_of(record)["test"] = {"loss": 1.3864, "accuracy": 0.25}
    return record


def test_no_tensorflow_needed():
    """In a fresh interpreter (other tests in this session import TensorFlow): the facts stage never does."""
    import subprocess
    code = ("import sys; sys.path.insert(0, 'tests'); from records import default_record; "
            "from labreport.facts import build_facts; build_facts(default_record()); "
            "sys.exit(1 if 'tensorflow' in sys.modules or 'keras' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_activations_name_the_cells_that_use_each_function(record):
    a = build_facts(record)["seminar"]["activations"]
    units = record["spec"]["model"]["recurrent"][0]["units"]
    lstm_gates = [u for u in a["uses"]["sigmoid"] if u["use"] == "lstm_gates"]
    assert lstm_gates and lstm_gates[0]["per_step"] == 3 * units and lstm_gates[0]["role"] == "main"
    assert {(u["use"], u["role"]) for u in a["uses"]["tanh"]} == {("lstm_candidate_and_output", "main"),
                                                                  ("rnn_state", "baseline")}
    assert [u["blocks"] for u in a["uses"]["linear"]] == [4, 1]
    assert a["uses"]["softmax"][0]["classes"] == len(record["dataset"]["class_names"])
    assert a["uses"]["relu"] == a["uses"]["leaky_relu"] == a["uses"]["softplus"] == []
    assert 0 < a["gate_range"]["min"] < a["gate_range"]["max"] < 1


def test_two_classes_use_a_sigmoid_output_and_no_softmax(record):
    record["dataset"]["class_names"] = ["neg", "pos"]
    a = seminar.activations(record)
    assert a["uses"]["softmax"] == []
    assert a["uses"]["sigmoid"][-1] == {"use": "binary_output", "class_names": ["neg", "pos"]}


def test_a_gru_uses_two_gate_sigmoids_and_a_bidirectional_layer_doubles_them(record):
    record["spec"]["model"]["recurrent"][0].update(cell="gru", bidirectional=True)
    record["models"] = record["models"][:1]
    a = seminar.activations(record)
    units = record["spec"]["model"]["recurrent"][0]["units"]
    assert [(u["use"], u["per_step"]) for u in a["uses"]["sigmoid"] if "per_step" in u] == [("gru_gates", 4 * units)]
    assert a["uses"]["linear"][0]["blocks"] == 3 and a["uses"]["linear"][0]["bidirectional"]


def test_dictionary_one_hot_and_embedding_of_the_generated_task(record):
    enc = build_facts(record)["seminar"]["encoding"]
    data = record["dataset"]
    assert enc["dictionary"]["kind"] == "symbols"
    assert [s["symbol"] for s in enc["dictionary"]["symbols"]] == data["symbols"]
    assert enc["dictionary"]["symbols"][0]["role"] == "padding"
    assert enc["dictionary"]["n_important"] == len(data["important_symbols"])
    assert enc["dictionary"]["n_unimportant"] == len(data["symbols"]) - 1 - len(data["important_symbols"])
    assert enc["one_hot"]["numbers"] == data["sequence_length"] * data["vocabulary_size"]
    assert enc["one_hot"]["in_model"] is False
    n = record["spec"]["model"]["embedding"]["output_dim"]
    assert enc["embedding"]["numbers"] == data["sequence_length"] * n
    assert enc["padding"]["fixed"] and not enc["padding"]["truncates"]


@pytest.mark.parametrize("vocabulary, width, size", [(9, 8, "similar"), (10_000, 32, "much_smaller"),
                                                      (9, 64, "larger")])
def test_embedding_against_one_hot(record, vocabulary, width, size):
    record["dataset"]["vocabulary_size"] = vocabulary
    layer = main_of(record)["model"]["layers"][0]
    layer.update(units=width, params=vocabulary * width)
    assert seminar.encoding(record)["embedding"]["size"] == size


def test_imdb_dictionary_and_truncation(record):
    record["dataset"].update(source="keras-imdb", vocabulary_size=10_000, num_words=10_000, index_from=3,
                             start_char=1, oov_char=2, skip_top=0, oov_share=0.0231, padding="pre",
                             truncating="pre", lengths={"mean": 230.0, "median": 174.0, "min": 10, "max": 2494,
                                                        "p90": 450.0, "p99": 1000.0, "truncated_share": 0.42})
    enc = seminar.encoding(record)
    assert enc["dictionary"]["kind"] == "keras_imdb" and enc["dictionary"]["skip_top"] is None
    assert enc["padding"] == {"fixed": False, "length": record["dataset"]["sequence_length"], "side": "pre",
                              "truncating": "pre", "truncated_share": 0.42, "truncates": True}


def test_no_vocabulary_no_dictionary(record):
    record["dataset"]["vocabulary_size"] = None
    enc = seminar.encoding(record)
    assert enc["dictionary"] == {"kind": "none"} and enc["one_hot"] is None


def test_gate_trace_of_the_trained_lstm(record):
    f = build_facts(record)
    trace = f["seminar"]["gate_trace"]
    first = record["diagnostics"]["gates"]["sequences"][0]
    assert trace["verdict"] == "trained"
    assert trace["forget_mean"] == pytest.approx(sum(first["forget_gate_mean"]) / len(first["forget_gate_mean"]))
    assert trace["cell_norm"]["first"] == first["cell_state_norm"][0]
    assert trace["cell_norm"]["peak"] == max(first["cell_state_norm"])
    assert trace["test_index"] == first.get("test_index") and "forget_vs_initial" not in trace


def test_gate_trace_not_told_for_a_model_at_chance_nor_without_gates(record):
    assert build_facts(_at_chance(copy.deepcopy(record)))["seminar"]["gate_trace"]["verdict"] == "not_learned"
    del record["diagnostics"]["gates"]
    assert build_facts(record)["seminar"]["gate_trace"] == {"verdict": "unavailable"}


def test_forget_gate_is_not_compared_with_sigma_of_its_bias(record):
    """σ(bias) is not the gate before training (W·[h, x] moves it too): the trace says whether the gates were
    measured before training and sets no start beside the trained mean (the sensor run, 2026-12-07)."""
    trace = seminar.gate_trace(record, True)
    assert "forget_vs_initial" not in trace
    assert trace["initial_measured"] == bool(record["diagnostics"]["gates"].get("initial_summary", {}).get("available"))
    record["diagnostics"]["gates"]["initial_summary"] = {"available": False}
    assert seminar.gate_trace(record, True)["initial_measured"] is False


def test_limitations_of_the_default_run(record):
    f = build_facts(record)
    items = {item["id"]: item for item in f["seminar"]["limitations"]}
    assert items["cost"]["ratio"] == pytest.approx(4.0)
    assert items["cost"]["speed"] in ("slower", "similar", "faster")
    assert items["sequential"]["fastest_epoch"] == min(main_of(record)["timing"]["seconds_per_epoch"])
    if f["gates"]["verdict"] in ("stores_and_carries", "stores", "unclear"):
        lag = record["dataset"]["min_lag"]
        forget = record["diagnostics"]["gates"]["summary"]["unit_forget_gate_after_first_important"]
        assert items["memory_fades"]["retained"] == pytest.approx(forget ** lag)
    assert "truncation" not in items


def test_no_memory_claim_for_a_model_that_did_not_learn(record):
    items = {item["id"] for item in build_facts(_at_chance(record))["seminar"]["limitations"]}
    assert "memory_fades" not in items


def test_overfitting_and_small_data_limitations(record):
    history = main_of(record)["history"]
    history["val_loss"] = history["val_loss"][:10] + [history["val_loss"][9] * (1.5 + i) for i in range(10)]
    items = {item["id"]: item for item in build_facts(record)["seminar"]["limitations"]}
    assert items["overfitting"]["onset_epoch"] == 10  # the validation loss was lowest at epoch 9
    record = copy.deepcopy(_default_record())
    record["dataset"]["sizes"]["train"] = 100
    items = {item["id"]: item for item in build_facts(record)["seminar"]["limitations"]}
    assert items["data_hungry"]["per_sequence"] == pytest.approx(main_of(record)["model"]["total_params"] / 100)


def test_parameter_check_and_the_simple_rnn_formula(record):
    f = build_facts(record)
    assert f["seminar"]["parameters"]["verdict"] == "all_match"
    rnn = f["seminar"]["rnn"]
    m, n = rnn["m"], rnn["n"]
    assert rnn["value"] == m * m + m * n + m and rnn["baseline"] == "matches"
    main_of(record)["model"]["layers"][1]["params"] += 1
    main_of(record)["model"]["total_params"] += 1
    assert build_facts(record)["seminar"]["parameters"]["differing"] == [main_of(record)["model"]["layers"][1]["name"]]


def test_references_are_entries_without_local_paths(record):
    refs = build_facts(record)["seminar"]["references"]
    assert [r["id"] for r in refs] == ["lstm", "forget_gate", "vanishing", "adam", "data_generated", "keras",
                                       "labreport"]
    assert refs[4]["seed"] == record["dataset"]["seed"]
    record["dataset"].update(source="csv", name="Film reviews", path="/home/student/Downloads/reviews.csv")
    refs = build_facts(record)["seminar"]["references"]
    data = next(r for r in refs if r["id"] == "data_file")
    assert data == {"id": "data_file", "name": "Film reviews", "file_name": "reviews.csv"}
    assert "/home" not in json.dumps(refs)


def test_diagnosis_suggests_chrono_for_a_weak_constant_forget_bias_and_nothing_for_chrono(record):
    record = _at_chance(record)
    record["spec"]["model"]["recurrent"][0]["forget_bias"] = 1.0
    record.setdefault("diagnostics", {}).pop("gradient_norms", None)
    steps = [s["id"] for p in build_facts(record)["diagnosis"]["problems"] for s in p["next"]]
    assert "chrono_init" in steps and "raise_forget_bias" not in steps
    record["spec"]["model"]["recurrent"][0]["forget_bias"] = "chrono"
    steps = [s["id"] for p in build_facts(record)["diagnosis"]["problems"] for s in p["next"]]
    assert "chrono_init" not in steps