"""Mechanism verdicts (facts/mechanisms.py) on hand-built gate and gradient records.

A claim about the followed unit must hold for every sequence and every important symbol it
summarises (issue 25, class 3): a unit that opens for X and stays shut for Y is described per
symbol; a cell that drifts more over the many unimportant steps than it moves at the important
ones is not "barely touched by the rest"; what the initialisation already set is told apart from
what training changed; the gradient curves' rise at the important windows is measured locally.
"""

from __future__ import annotations

import json

import pytest

from labreport.facts import build_facts, mechanisms
from labreport.record import migrate
from records import DEFAULT_RUN

LENGTH = 40
STEPS = [5, 20]


def sequence(symbols, *, gate_at, gate_else=0.02, write=0.5, drift=0.002, label=None):
    """One recorded sequence: the unit's input gate, forget gate and cell state along LENGTH steps.

    ``gate_at``/``write``: per important symbol, the input gate and the cell's change there;
    ``drift``: the cell's change at every unimportant step (alternating sign).
    """
    tokens = ["a"] * LENGTH
    gate = [gate_else] * LENGTH
    cell, value = [], 0.0
    for t in range(LENGTH):
        if t in STEPS:
            symbol = symbols[STEPS.index(t)]
            tokens[t] = symbol
            gate[t] = gate_at[symbol]
            value += write[symbol] if isinstance(write, dict) else write
        else:
            value += drift if t % 2 else -drift
        cell.append(round(value, 6))
    return {"tokens": tokens, "label": label or "".join(symbols), "important_steps": list(STEPS),
            "unit_input_gate": gate, "unit_forget_gate": [0.99] * LENGTH, "unit_cell_state": cell,
            "input_gate_mean": gate, "forget_gate_mean": [0.99] * LENGTH, "cell_state_norm": cell}


def gate_record(sequences, *, initial=None):
    summary = {"available": True, "unit_cell_change_at_important": 0.5, "unit_cell_change_elsewhere": 0.01,
               "unit_input_gate_at_important": 0.3, "unit_input_gate_elsewhere": 0.02,
               "unit_forget_gate_after_first_important": 0.995, "forget_gate_after_first_important": 0.99,
               "units_opening_at_important": 1}
    gates = {"units": 8, "unit": 3, "recomputed_vs_keras_max_abs_difference": 1e-7, "summary": summary,
             "sequences": sequences}
    if initial is not None:
        gates["initial_summary"] = {"available": True, "unit_forget_gate_after_first_important": initial,
                                    "forget_gate_after_first_important": 0.989}
    return {"diagnostics": {"gates": gates}, "dataset": {"min_lag": 30}, "models": [{"cell": "lstm"}]}


FOUR = [("X", "X"), ("X", "Y"), ("Y", "X"), ("Y", "Y")]


def test_a_unit_that_opens_for_x_and_stays_shut_for_y_is_described_per_symbol():
    record = gate_record([sequence(s, gate_at={"X": 0.6, "Y": 0.004}, write={"X": 0.5, "Y": 0.003})
                          for s in FOUR])
    g = mechanisms.gates(record, learned=True)
    rows = {row["symbol"]: row for row in g["by_symbol"]}
    assert g["input_gate"] == "by_symbol"
    assert rows["X"]["input"] == "opens" and rows["Y"]["input"] == "same"  # 0.004 against 0.02: within 0.05
    assert rows["Y"]["input_gate"]["min"] == rows["Y"]["input_gate"]["max"] == 0.004
    assert rows["X"]["writes"] == "writes" and rows["Y"]["writes"] == "not"
    assert g["writes"] == "by_symbol" and g["verdict"] == "unclear"  # never "stores" on a pooled mean


def test_drift_over_the_unimportant_steps_is_not_barely_touched():
    # 0.05 per unimportant step is 10 times less than a write, but over 38 steps it adds up to 1.9 > 1.0.
    drifting = gate_record([sequence(s, gate_at={"X": 0.6, "Y": 0.6}, drift=0.05) for s in FOUR])
    g = mechanisms.gates(drifting, learned=True)
    assert g["writes"] == "per_step_only" and g["drift_everywhere"] and g["sequences_drifting_more"] == 4
    assert g["summed_change_elsewhere"]["min"] == pytest.approx(1.9)
    quiet = gate_record([sequence(s, gate_at={"X": 0.6, "Y": 0.6}, drift=0.001) for s in FOUR])
    assert mechanisms.gates(quiet, learned=True)["writes"] == "selective"


def test_what_the_initialisation_set_is_told_apart_from_what_training_changed():
    seqs = [sequence(s, gate_at={"X": 0.6, "Y": 0.6}) for s in FOUR]
    unknown = mechanisms.gates(gate_record(seqs), learned=True)["initialisation"]
    assert unknown == {"verdict": "unknown"}  # an older record: the report says it is not known
    same = mechanisms.gates(gate_record(seqs, initial=0.994), learned=True)["initialisation"]
    assert same["verdict"] == "initialisation"  # 0.994**30 = 0.835 against 0.995**30 = 0.860
    raised = mechanisms.gates(gate_record(seqs, initial=0.95), learned=True)["initialisation"]
    assert raised["verdict"] == "training" and raised["direction"] == "up"
    assert raised["retained_before"] == pytest.approx(0.95 ** 30)


def test_units_opening_is_counted_in_words():
    g = mechanisms.gates(gate_record([sequence(s, gate_at={"X": 0.6, "Y": 0.6}) for s in FOUR]), learned=True)
    assert g["units_opening_verdict"] == "one" and g["opening_threshold"] == 0.2


def gradient_record(trained, initial):
    return {"diagnostics": {"gradient_norms": {"initial": {"lstm": initial, "simple_rnn": initial},
                                               "trained": {"lstm": trained, "simple_rnn": trained}}},
            "dataset": {"important_windows": [[10, 14], [30, 34]]}, "models": [{"cell": "lstm"}]}


def test_a_gradient_bump_at_an_important_window_is_measured_against_its_neighbours():
    flat = [1.0] * 50
    # Rising towards the end (as gradients do) with a bump at the first window only.
    bumped = [1.0 + t / 10 + (2.0 if 10 <= t <= 14 else 0.0) for t in range(50)]
    g = mechanisms.gradients(gradient_record(bumped, flat))
    lstm = g["main_peak"]
    assert lstm["verdict"] == "some" and lstm["peak_windows"] == [[11, 15]]
    assert lstm["ratios"][0] == pytest.approx(4.2 / 2.2) and lstm["ratios"][1] == pytest.approx(1.0)
    assert lstm["learned"] and g["peaks_verdict"] == "main_rises"
    # The same curve before and after training: no rise was learned.
    assert not mechanisms.gradients(gradient_record(bumped, bumped))["main_peak"]["learned"]


def test_curves_far_apart_at_every_step_are_said_to_be_far_apart():
    r = {"diagnostics": {"gradient_norms": {"initial": {"lstm": [0.055, 0.5, 1.0], "simple_rnn": [6.6, 40.0, 120.0]}}},
         "models": [{"cell": "lstm"}]}
    g = mechanisms.gradients(r)
    assert g["verdict"] == "similar"  # first/last ratios 0.055 and 0.055: they fade alike
    assert g["levels"]["initial"]["verdict"] == "baseline_higher"
    assert g["levels"]["initial"]["min"] == pytest.approx(80.0) and g["levels"]["initial"]["max"] == pytest.approx(120)


def test_the_default_fixture_reads_as_a_reader_reads_it():
    facts = build_facts(migrate(json.loads(DEFAULT_RUN.read_text(encoding="utf-8"))))
    g = facts["gates"]
    # Unit 25 moves 5.6x as much per important step, yet drifts 8.0-12.6 over its 148 other steps.
    assert g["writes"] == "per_step_only" and g["verdict"] == "unclear"
    assert g["input_gate"] == "by_symbol" and g["initialisation"]["verdict"] == "unknown"
    assert facts["gradients"]["main_peak"]["verdict"] == "no_peak"


def test_each_median_is_the_median_of_its_own_step_by_step_quotients():
    # Four steps: SimpleRNN/LSTM quotients 1, 2, 8, 10 (median 5); LSTM/SimpleRNN 1, 0.5, 0.125, 0.1 (median
    # 0.3125, not 1/5).
    r = {"diagnostics": {"gradient_norms": {"initial": {"lstm": [1.0, 1.0, 1.0, 1.0],
                                                        "simple_rnn": [1.0, 2.0, 8.0, 10.0]}}},
         "models": [{"cell": "lstm"}]}
    levels = mechanisms.gradients(r)["levels"]["initial"]
    assert levels["median"] == pytest.approx(5.0) and levels["main_median"] == pytest.approx(0.3125)
    assert levels["higher"] == "neither"  # equal at the first step


def _two_phases(initial_lstm, initial_rnn, trained_lstm, trained_rnn, forget_bias=1.0):
    return {"diagnostics": {"gradient_norms": {"initial": {"lstm": initial_lstm, "simple_rnn": initial_rnn},
                                               "trained": {"lstm": trained_lstm, "simple_rnn": trained_rnn}}},
            "models": [{"cell": "lstm"}],
            "spec": {"model": {"recurrent": [{"cell": "lstm", "forget_bias": forget_bias}]}}}


@pytest.mark.parametrize("initial_lstm, trained_lstm, reading", [
    ([1.0, 1.0], [1.0, 1.0], "both"),           # LSTM 1 against the SimpleRNN's 0.01 in both phases
    ([1.0, 1.0], [0.01, 1.0], "initial_only"),  # the trained LSTM fades as much as the SimpleRNN
    ([0.01, 1.0], [1.0, 1.0], "trained_only"),
    ([0.01, 1.0], [0.01, 1.0], "neither"),
])
def test_the_initial_and_the_trained_weights_are_read_together(initial_lstm, trained_lstm, reading):
    g = mechanisms.gradients(_two_phases(initial_lstm, [0.01, 1.0], trained_lstm, [0.01, 1.0]))
    assert g["reading"] == reading


def test_a_plain_rnn_that_holds_its_signal_does_not_fade_though_the_lstm_keeps_more():
    # LSTM 7x (grows), SimpleRNN 0.63x (holds): the LSTM keeps 11x as much, but nothing faded.
    g = mechanisms.gradients(_two_phases([7.0, 1.0], [0.63, 1.0], [7.0, 1.0], [0.63, 1.0]))
    assert g["verdict"] == "main_keeps_more" and g["contrast"] == "main_grows"
    g = mechanisms.gradients(_two_phases([1.0, 1.0], [0.05, 1.0], [1.0, 1.0], [0.05, 1.0]))
    assert g["contrast"] == "baseline_fades"


def test_a_non_default_forget_bias_is_named_as_part_of_the_initial_comparison():
    assert mechanisms.gradients(_two_phases([1.0, 1.0], [0.01, 1.0], [1.0, 1.0], [0.01, 1.0]))["confounds"] == []
    confounds = mechanisms.gradients(_two_phases([1.0, 1.0], [0.01, 1.0], [1.0, 1.0], [0.01, 1.0], 3.0))["confounds"]
    assert confounds == [{"kind": "forget_bias", "layer": 1, "value": 3.0}]
