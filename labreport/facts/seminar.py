"""Facts the seminar write-up needs beyond the shared ones, as plain data.

Where each activation function works in this run's models, the dictionary,
one-hot and embedding sizes, the trained LSTM's gates along the first test
sequence, the limitations this run's numbers show and the references as
entries.  Numbers and named values only: templates/formats/seminar words them.
"""

from __future__ import annotations

from ..record import baseline_runs, main_run
from .curves import finite
from .describe import CELL_TITLES, recurrent_formula, parameter_rows
from .diagnosis import WEIGHTS_PER_SEQUENCE_HIGH

# An embedding is "much smaller" than one-hot from this factor V / n on, and "larger" from 1 / this.
MUCH_SMALLER_FROM = 2.0
# Two epoch times within this factor of each other are "similar".
SIMILAR_SPEED = 1.1
OPTIMIZER_REFERENCES = ("adam", "rmsprop")


def _mean(values) -> float | None:
    values = [v for v in values or [] if finite(v)]
    return sum(values) / len(values) if values else None


def _recurrent_layers(record: dict) -> list[dict]:
    """The recurrent layers of the main model, then those of each baseline (same sizes, another cell)."""
    spec_layers = ((record.get("spec") or {}).get("model") or {}).get("recurrent") or []
    layers = []
    for role, cell_of in [("main", None)] + [("baseline", b["cell"]) for b in baseline_runs(record)]:
        for index, layer in enumerate(spec_layers):
            layers.append({"role": role, "cell": cell_of or layer["cell"], "layer": index + 1,
                           "units": layer["units"], "directions": 2 if layer.get("bidirectional") else 1,
                           "stacked": len(spec_layers) > 1})
    return layers


def activations(record: dict) -> dict:
    """Per activation function, the places it works in this run's models (an empty list: not used)."""
    data = record.get("dataset") or {}
    classes = data.get("class_names") or []
    uses: dict = {name: [] for name in ("linear", "sigmoid", "tanh", "softmax", "relu", "leaky_relu", "softplus")}
    blocks = {"lstm": 4, "gru": 3, "simple_rnn": 1}
    for layer in _recurrent_layers(record):
        m = layer["units"] * layer["directions"]
        base = {"cell": layer["cell"], "title": CELL_TITLES.get(layer["cell"], layer["cell"]), "role": layer["role"],
                "layer": layer["layer"], "stacked": layer["stacked"], "units": layer["units"],
                "directions": layer["directions"], "bidirectional": layer["directions"] == 2}
        uses["linear"].append({"use": "pre_activation", **base, "blocks": blocks.get(layer["cell"], 1),
                               "per_step": blocks.get(layer["cell"], 1) * m})
        if layer["cell"] == "lstm":
            uses["sigmoid"].append({"use": "lstm_gates", **base, "gates": 3, "per_step": 3 * m})
            uses["tanh"].append({"use": "lstm_candidate_and_output", **base, "per_step": 2 * m})
        elif layer["cell"] == "gru":
            uses["sigmoid"].append({"use": "gru_gates", **base, "gates": 2, "per_step": 2 * m})
            uses["tanh"].append({"use": "gru_candidate", **base, "per_step": m})
        else:
            uses["tanh"].append({"use": "rnn_state", **base, "per_step": m})
    if len(classes) == 2:
        uses["sigmoid"].append({"use": "binary_output", "class_names": classes})
    elif classes:
        uses["softmax"].append({"use": "output", "classes": len(classes), "class_names": classes})
    gates = (record.get("diagnostics") or {}).get("gates") or {}
    per_unit = gates.get("first_sequence_per_unit") or {}
    values = [v for name in ("input_gate", "forget_gate") for row in per_unit.get(name) or [] for v in row
              if finite(v)]
    first = (gates.get("sequences") or [{}])[0]
    gate_range = ({"min": min(values), "max": max(values), "units": gates.get("units"),
                   "test_index": first.get("test_index"), "label": first.get("label"),
                   "steps": max((len(row) for row in per_unit.get("forget_gate") or []), default=None)}
                  if values else None)
    return {"steps": data.get("sequence_length"), "uses": uses, "gate_range": gate_range}


def encoding(record: dict) -> dict:
    """How tokens become numbers: the dictionary, one-hot, the embedding table and padding."""
    data = record.get("dataset") or {}
    vocabulary = data.get("vocabulary_size")
    length = data.get("sequence_length")
    layers = (main_run(record).get("model") or {}).get("layers") or []
    embedding_layer = next((layer for layer in layers if layer["type"] == "Embedding"), None)
    one_hot_layer = any(layer["type"] == "CategoryEncoding" for layer in layers)
    source = data.get("source")
    if not vocabulary:
        dictionary = {"kind": "none"}
    elif source == "generated" and data.get("symbols"):
        important = set(data.get("important_symbols") or [])
        symbols = [{"index": i, "symbol": str(s),
                    "role": "padding" if i == 0 else "important" if s in important else "unimportant"}
                   for i, s in enumerate(data["symbols"])]
        dictionary = {"kind": "symbols", "size": vocabulary, "symbols": symbols,
                      "n_unimportant": sum(1 for s in symbols if s["role"] == "unimportant"),
                      "n_important": sum(1 for s in symbols if s["role"] == "important")}
    elif source == "keras-imdb":
        dictionary = {"kind": "keras_imdb", "size": vocabulary, "num_words": data.get("num_words"),
                      "num_words_effective": data.get("num_words_effective") or vocabulary,
                      "index_from": data.get("index_from"), "start_char": data.get("start_char"),
                      "oov_char": data.get("oov_char"), "skip_top": data.get("skip_top") or None,
                      "oov_share": data.get("oov_share")}
    else:
        dictionary = {"kind": "frequency", "size": vocabulary, "oov_share": data.get("oov_share")}
    one_hot = ({"V": vocabulary, "steps": length, "numbers": length * vocabulary, "nonzero": length,
                "in_model": one_hot_layer} if vocabulary and length else None)
    embedding = None
    if embedding_layer:
        n = embedding_layer.get("units") or 1
        rows = embedding_layer["params"] // n
        ratio = vocabulary / n if vocabulary else None
        embedding = {"V": rows, "n": n, "table": embedding_layer["params"], "numbers": (length or 0) * n,
                     "one_hot_over_embedding": ratio,
                     "size": ("unavailable" if ratio is None else "much_smaller" if ratio >= MUCH_SMALLER_FROM else
                              "larger" if ratio <= 1 / MUCH_SMALLER_FROM else "similar")}
    lengths = data.get("lengths") or {}
    fixed = bool(lengths) and lengths.get("min") == lengths.get("max")
    truncated = lengths.get("truncated_share")
    padding = {"fixed": fixed, "length": length, "side": data.get("padding") or "pre",
               "truncating": data.get("truncating") or "pre",
               "truncated_share": truncated, "truncates": bool(finite(truncated) and truncated > 0)}
    return {"dictionary": dictionary, "one_hot": one_hot, "embedding": embedding, "padding": padding}


def gate_trace(record: dict, learned: bool) -> dict:
    """Means over the units of the trained LSTM along the first recorded test sequence, named by its index in the
    test set (``test_index``, counted from 0; the probe records one sequence per class, so the first recorded need
    not be test sequence 0).  No before-training value is set beside them: σ(forget bias) is not the gate before
    training (W·[h, x] moves it too), and the gates before training are recorded only where the data marks
    important steps (diagnostics.gates.initial_summary; mechanisms.gates words that comparison)."""
    gates = (record.get("diagnostics") or {}).get("gates") or {}
    sequences = gates.get("sequences") or []
    if not sequences:
        return {"verdict": "unavailable"}
    first = sequences[0]
    forget, output = first.get("forget_gate_mean") or [], first.get("output_gate_mean") or []
    norms = [v for v in first.get("cell_state_norm") or [] if finite(v)]
    trace = {"label": first.get("label"), "test_index": first.get("test_index"), "units": gates.get("units"),
             "steps": len(first.get("forget_gate_mean") or []) or None,
             "forget_mean": _mean(forget), "input_mean": _mean(first.get("input_gate_mean")),
             "output_mean": _mean(output)}
    trace["initial_measured"] = bool((gates.get("initial_summary") or {}).get("available"))
    if output and finite(output[0]) and finite(output[-1]):
        trace["output"] = {"first": output[0], "last": output[-1]}
    else:
        trace["output"] = None
    if norms:
        peak = max(range(len(norms)), key=lambda i: norms[i])
        trace["cell_norm"] = {"first": norms[0], "last": norms[-1], "steps": len(norms), "peak": norms[peak],
                              "peak_step": peak + 1, "peak_is_last": peak == len(norms) - 1}
    else:
        trace["cell_norm"] = None
    return {"verdict": "trained" if learned else "not_learned", **trace}


def parameter_check(record: dict, facts: dict) -> dict:
    """Do the formulas give Keras' count for every layer, and together the model's total?"""
    rows = facts["model"]["parameter_rows"]
    total = facts["model"]["total_params"]
    formula_total = facts["model"]["formula_total"]
    return {"formula_total": formula_total, "keras_total": total,
            "differing": [row["layer"] for row in rows if not row["matches"]],
            "verdict": ("unavailable" if not rows else
                        "all_match" if all(row["matches"] for row in rows) and formula_total == total else
                        "rows_match_total_differs" if all(row["matches"] for row in rows) else "some_differ")}


def rnn_parameters(record: dict, facts: dict) -> dict | None:
    """A SimpleRNN of the main layer's size: m² + mn + m, beside Keras' count for the SimpleRNN baseline."""
    recurrent = next((row for row in facts["model"]["parameter_rows"] if "m" in row), None)
    if recurrent is None:
        return None
    m, n = recurrent["m"], recurrent["n"]
    baseline = next((b for b in baseline_runs(record) if b["cell"] == "simple_rnn"), None)
    keras = None
    if baseline is not None:
        rows = [row for row in parameter_rows(record, baseline["model"], cell="simple_rnn")
                if row["type"] == "SimpleRNN"]
        keras = rows[0]["keras"] if rows else None
    formula = recurrent_formula("simple_rnn", m, n)
    value = formula["value"]
    return {"m": m, "n": n, "formula": formula["formula"], "value": value, "baseline_keras": keras,
            "baseline": ("none" if keras is None else "matches" if keras == value else "differs")}


def limitations(record: dict, facts: dict) -> list[dict]:
    """The LSTM's limitations that this run's numbers show, each with its evidence."""
    items = []
    model = facts["model"]
    lstm = model.get("lstm")
    rows = facts["comparison_rows"]
    if lstm:
        same_size = model["simple_rnn_same_size"]
        item = {"id": "cost", "lstm": lstm["keras"], "simple_rnn_same_size": same_size,
                "ratio": lstm["keras"] / same_size if same_size else None, "speed": None}
        main_row = rows[0] if rows else None
        simple_row = next((row for row in rows[1:] if row["cell"] == "simple_rnn"), None)
        # The per-epoch times the comparison uses (describe.speed_basis: without the first epoch where it carries setup).
        if main_row and simple_row and any(row["timing_comparable"]["verdict"] != "comparable"
                                           for row in (main_row, simple_row)):
            # A model that diverged has no comparable time per epoch (describe.timing_comparable): no comparison.
            item.update({"speed": "not_comparable", "main": main_row, "simple_rnn": simple_row})
        elif main_row and simple_row and finite(main_row.get("seconds_compared")) and \
                finite(simple_row.get("seconds_compared")) and simple_row["seconds_compared"] > 0:
            ratio = main_row["seconds_compared"] / simple_row["seconds_compared"]
            item.update({"seconds": main_row["seconds_compared"], "simple_rnn_seconds": simple_row["seconds_compared"],
                         "time_ratio": ratio, "basis": facts["speed"]["basis"],
                         "speed": ("slower" if ratio >= SIMILAR_SPEED else "faster" if ratio <= 1 / SIMILAR_SPEED
                                   else "similar")})
        items.append(item)
    fastest = facts["timing"].get("fastest_epoch")
    items.append({"id": "sequential", "steps": facts["dataset"]["sequence_length"],
                  "fastest_epoch": fastest if finite(fastest) else None, "train": facts["dataset"]["sizes"]["train"]})
    gates = facts["gates"]
    if gates["verdict"] in ("stores_and_carries", "stores", "unclear") and finite(gates.get("retained_over_lag")):
        items.append({"id": "memory_fades", "unit": gates["unit"], "forget": gates["forget_gate_after_first"],
                      "lag": gates["lag"], "retained": gates["retained_over_lag"]})
    train = facts["dataset"]["sizes"]["train"] or 0
    total = model["total_params"] or 0
    over = facts["overfitting"]
    if over["verdict"] == "onset":
        items.append({"id": "overfitting", "onset_epoch": over["onset_epoch"], "best_epoch": over["best_epoch"],
                      "params": total, "train": train})
    elif train and total / train > WEIGHTS_PER_SEQUENCE_HIGH:
        items.append({"id": "data_hungry", "params": total, "train": train, "per_sequence": total / train})
    padding = encoding(record)["padding"]
    if padding["truncates"]:
        items.append({"id": "truncation", "length": padding["length"], "truncated_share": padding["truncated_share"],
                      "kept": "last" if padding["truncating"] == "pre" else "first"})
    return items


def references(record: dict, facts: dict) -> list[dict]:
    """The works the text relies on, then this run's data and software, as entries for the template."""
    data = facts["dataset"]
    versions = facts["versions"]
    entries = [{"id": "lstm"}, {"id": "forget_gate"}, {"id": "vanishing"}]
    optimizer = facts["model"].get("optimizer")
    if optimizer in OPTIMIZER_REFERENCES:
        entries.append({"id": optimizer})
    if data["source"] == "keras-imdb" or "imdb" in str(data.get("name") or "").lower():
        entries.append({"id": "imdb", "file_name": data.get("file_name")})
    elif data["source"] == "generated":
        entries.append({"id": "data_generated", "seed": data.get("seed")})
    else:
        entries.append({"id": "data_file", "name": data.get("name"), "file_name": data.get("file_name")})
    backend = facts.get("backend")
    entries.append({"id": "keras", "version": versions.get("keras"), "backend": backend,
                    "backend_version": versions.get(backend) if backend else None})
    created = str(record.get("created") or "")
    entries.append({"id": "labreport", "version": versions.get("labreport"), "experiment": record.get("experiment"),
                    "created": created[:10] or None})
    return entries


def seminar_facts(record: dict, facts: dict) -> dict:
    learned = facts["outcome"]["verdict"] == "learned"
    return {
        "activations": activations(record),
        "encoding": encoding(record),
        "gate_trace": gate_trace(record, learned),
        "parameters": parameter_check(record, facts),
        "rnn": rnn_parameters(record, facts),
        "limitations": limitations(record, facts),
        "references": references(record, facts),
    }
