"""The worksheet's answers, written from this run's numbers.

Every sentence here is assembled from the run record and the learning-curve
findings: a different run gives different sentences.  Nothing is a fixed
paragraph; where a fact is general (what an LSTM gate does) it lives in the
template's theory section, and even there the numbers are this run's.

All functions return plain text (the templates escape it).
"""

from __future__ import annotations

import math

import yaml

CELL_TITLES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}
# Two test accuracies closer than this are "about the same" in the prose.
SAME_ACCURACY = 0.02


def _f(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _pct(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{100 * value:.{digits}f}%"


def _n(value) -> str:
    return f"{int(value):,}"


def _cell(record) -> str:
    return record["spec"]["model"]["recurrent"][0]["cell"]


def _title(cell: str) -> str:
    return CELL_TITLES.get(cell, cell)


def _fig(figures, key) -> str:
    figure = figures.get(key)
    return f"Figure {figure.number}" if figure is not None and getattr(figure, "number", None) else "the figure"


# --------------------------------------------------------------------------- theory and program


def theory_numbers(record) -> dict:
    """m, n and the LSTM parameter formula 4(m² + mn + m) against Keras' count."""
    layers = record["model"]["layers"]
    numbers: dict = {"lag": (record["dataset"] or {}).get("min_lag")}
    lstm_index = next((i for i, layer in enumerate(layers) if layer["type"] == "LSTM"), None)
    if lstm_index is not None:
        m = layers[lstm_index]["units"]
        previous = layers[lstm_index - 1] if lstm_index > 0 else None
        if previous is not None and previous.get("units"):
            n = previous["units"]  # Embedding output_dim, or the previous recurrent layer's units
        else:
            n = record["dataset"].get("vocabulary_size") or 1
        numbers.update({
            "lstm_units": m, "lstm_inputs": n,
            "lstm_formula_params": 4 * (m * m + m * n + m),
            "lstm_keras_params": layers[lstm_index]["params"],
        })
    embedding = next((layer for layer in layers if layer["type"] == "Embedding"), None)
    if embedding is not None:
        output_dim = embedding["units"]
        numbers.update({"embedding_params": embedding["params"], "embedding_output_dim": output_dim,
                        "embedding_input_dim": embedding["params"] // output_dim if output_dim else 0})
    return numbers


def spec_yaml(record) -> str:
    return yaml.safe_dump(record["spec"], sort_keys=False, allow_unicode=True, width=100).rstrip()


def ide(record) -> str:
    v = record["versions"]
    timing = record["timing"]
    return (
        f"The program ran as labreport {v['labreport']} on Python {v['python']} with Keras {v.get('keras', 'n/a')} "
        f"on the {record['backend']} backend; data loading, training, evaluation and the diagnostics "
        f"took {timing['total_seconds']:.1f} s in all, of which {timing['train_seconds']:.1f} s was the main "
        f"model's training. Every number below is read from this run's run.json."
    )


# --------------------------------------------------------------------------- methodology


def methodology(record, findings, figures) -> list[dict]:
    spec = record["spec"]
    data = record["dataset"]
    sizes = data["sizes"]
    training = spec["training"]
    model = record["model"]
    history = record["history"]
    layer_text = " → ".join(f"{layer['type']}{'(' + str(layer['units']) + ')' if layer.get('units') else ''}"
                            for layer in model["layers"])
    batches = record.get("batch_history", {}).get("batches_per_epoch")
    best = findings["best_epoch"]
    return [
        {"title": "Load the libraries and packages",
         "text": f"Keras {record['versions'].get('keras', 'n/a')} on the {record['backend']} backend, "
                 f"NumPy {record['versions'].get('numpy', 'n/a')}; the random seed was {record['seed']}."},
        {"title": "Load the dataset",
         "text": f"{data.get('name', data.get('source'))}: {_n(sizes['train'])} training, "
                 f"{_n(sizes['validation'])} validation and {_n(sizes['test'])} test sequences of length "
                 f"{data['sequence_length']}."},
        {"title": "Analyse the dataset",
         "text": f"Counted the classes of each split and the sequence lengths before padding "
                 f"(section 7a, {_fig(figures, 'dataset')})."},
        {"title": "Apply the LSTM model",
         "text": f"{layer_text}, {_n(model['total_params'])} parameters, loss "
                 f"{_loss_name(record)}."},
        {"title": "Train over the dataset to minimise the loss",
         "text": f"{training['optimizer'].capitalize()} with learning rate {training['learning_rate']:g}, batch size "
                 f"{training['batch_size']}{f' ({batches} batches per epoch)' if batches else ''}, "
                 f"{len(history['loss'])} epochs: the training loss went from {_f(history['loss'][0])} to "
                 f"{_f(history['loss'][-1])}."},
        {"title": "Observe the learning curve",
         "text": f"{_fig(figures, 'accuracy')} and {_fig(figures, 'loss')}: the validation loss was lowest at epoch "
                 f"{best['epoch']} ({_f(best['val_loss'])})." if best.get("available", True) and best.get("epoch")
                 else f"{_fig(figures, 'accuracy')} and {_fig(figures, 'loss')}."},
    ]


def _loss_name(record) -> str:
    n_classes = len(record["dataset"]["class_names"])
    return "binary cross-entropy (sigmoid output)" if n_classes == 2 else \
        f"categorical cross-entropy ({n_classes}-way softmax output)"


# --------------------------------------------------------------------------- observations


def nature_of_dataset(record) -> list[str]:
    data = record["dataset"]
    sizes = data["sizes"]
    total = sum(sizes.values())
    counts = data["class_counts"]["train"]
    majority_class, majority = max(counts.items(), key=lambda kv: kv[1])
    minority = min(counts.values())
    train_total = sum(counts.values()) or 1
    balance = ("balanced" if minority and majority / minority <= 1.25 else
               f"imbalanced (the largest class is {majority / max(minority, 1):.1f} times the smallest)")
    paragraphs = [
        f"{data.get('summary') or data.get('name', '')} The run used {_n(total)} sequences: "
        f"{_n(sizes['train'])} for training, {_n(sizes['validation'])} for validation and {_n(sizes['test'])} "
        f"for testing, in {len(data['class_names'])} classes ({', '.join(data['class_names'])}). The training "
        f"split is {balance}: the most frequent class, {majority_class}, is {_pct(majority / train_total)} "
        f"of it, so always guessing it would score {_f(majority / train_total, 3)}."
    ]
    lengths = data.get("lengths") or {}
    if lengths and lengths.get("min") != lengths.get("max"):
        paragraphs.append(
            f"Before padding, sequences had {lengths['mean']:g} tokens on average (median {lengths['median']:g}, "
            f"90th percentile {lengths['p90']:g}, 99th {lengths['p99']:g}, longest {_n(lengths['max'])}); padding "
            f"and truncating to {data['sequence_length']} cut {_pct(lengths['truncated_share'])} of them."
        )
    elif data.get("source") == "generated":
        windows = data.get("important_windows") or []
        example = data.get("example") or {}
        tokens = example.get("tokens") or []
        important = example.get("important_steps") or []
        shown = " ".join(f"[{t}]" if i in important else str(t) for i, t in enumerate(tokens[:important[-1] + 3] if important else tokens[:30]))
        paragraphs.append(
            f"Every sequence has exactly {data['sequence_length']} steps; the vocabulary has "
            f"{data['vocabulary_size']} symbols including padding. Only two steps carry the label: one in steps "
            f"{windows[0][0] + 1}-{windows[0][1] + 1} and one in steps {windows[1][0] + 1}-{windows[1][1] + 1}, so at "
            f"least {data.get('min_lag')} steps separate the first important task from the end of the sequence, "
            f"and chance accuracy is {_f(data.get('chance_accuracy'), 2)}. The first test sequence (class "
            f"{example.get('label')}) begins: {shown} ..."
        )
    vocabulary = data.get("vocabulary_size")
    if data.get("source") != "generated" and vocabulary:
        oov = data.get("oov_share")
        oov_text = f"; {_pct(oov, 2)} of the training tokens fell outside it" if oov is not None else ""
        paragraphs.append(f"The vocabulary had {_n(vocabulary)} entries{oov_text}.")
    example = data.get("example") or {}
    if data.get("source") != "generated" and example.get("text"):
        paragraphs.append(f"An example ({example.get('label')}): “{example['text']}”")
    return paragraphs


def test_result(record) -> str:
    test = record["test"]
    sizes = record["dataset"]["sizes"]
    return (f"On the {_n(sizes['test'])} held-out test sequences the trained {_title(_cell(record))} model scored "
            f"accuracy {_f(test['accuracy'])} and loss {_f(test['loss'])}.")


# --------------------------------------------------------------------------- LSTM over RNN


def comparison_rows(record) -> list[dict]:
    rows = []
    entries = [{"cell": _cell(record), "model": record["model"], "history": record["history"],
                "test": record["test"], "timing": record["timing"]}, *(record.get("baselines") or [])]
    if len(entries) < 2:
        return []
    for entry in entries:
        val_acc = [v for v in entry["history"].get("val_accuracy", []) if v is not None and math.isfinite(v)]
        seconds = entry["timing"].get("seconds_per_epoch") or []
        rows.append({
            "cell": entry["cell"], "title": _title(entry["cell"]),
            "test_accuracy": entry["test"]["accuracy"], "test_loss": entry["test"]["loss"],
            "best_val_accuracy": max(val_acc) if val_acc else math.nan,
            "params": entry["model"]["total_params"],
            "seconds_per_epoch": sum(seconds) / len(seconds) if seconds else math.nan,
        })
    return rows


def gradient_ratios(record) -> dict:
    """Per cell: gradient norm at the first step divided by that at the last step (initial weights)."""
    norms = ((record.get("diagnostics") or {}).get("gradient_norms") or {}).get("initial") or {}
    ratios = {}
    for cell, values in norms.items():
        if values and values[-1] > 0:
            ratios[cell] = values[0] / values[-1]
    return ratios


def lstm_over_rnn(record, figures) -> list[str]:
    main = _cell(record)
    rows = {row["cell"]: row for row in comparison_rows(record)}
    paragraphs = []
    sequence_length = record["dataset"]["sequence_length"]
    if main in rows and len(rows) > 1:
        ours = rows[main]
        for cell, row in rows.items():
            if cell == main:
                continue
            difference = ours["test_accuracy"] - row["test_accuracy"]
            if difference > SAME_ACCURACY:
                verdict = (f"The {_title(main)} reached test accuracy {_f(ours['test_accuracy'])} against the "
                           f"{_title(cell)}'s {_f(row['test_accuracy'])}, {_f(difference, 3)} higher, with the same "
                           f"data, embedding, units, optimiser, epochs, batch size and seed; only the cell differed.")
            elif difference < -SAME_ACCURACY:
                verdict = (f"In this run the {_title(cell)} did better: test accuracy {_f(row['test_accuracy'])} "
                           f"against the {_title(main)}'s {_f(ours['test_accuracy'])}. With sequences of "
                           f"{sequence_length} steps the dependencies this data needs are evidently within the "
                           f"{_title(cell)}'s reach, so the LSTM's extra gates bought nothing here.")
            else:
                verdict = (f"The {_title(cell)} did about as well as the {_title(main)} here (test accuracy "
                           f"{_f(row['test_accuracy'])} against {_f(ours['test_accuracy'])}, within "
                           f"{SAME_ACCURACY}). The labels of this data can be read from short-range patterns in "
                           f"sequences of {sequence_length} steps, which an RNN's short-term memory can hold; the "
                           f"LSTM's advantage shows when the lag between cause and label is long.")
            verdict += (f" The {_title(cell)} has {_n(row['params'])} parameters against {_n(ours['params'])} and "
                        f"took {_f(row['seconds_per_epoch'], 2)} s per epoch against {_f(ours['seconds_per_epoch'], 2)} s.")
            paragraphs.append(verdict)
    ratios = gradient_ratios(record)
    if ratios:
        parts = [f"{_title(cell)} {ratio:.2e}" for cell, ratio in ratios.items()]
        paragraphs.append(
            f"Why: {_fig(figures, 'gradients')} measures, for one batch at the initial weights, how strongly the loss "
            f"depends on the input at each step. The ratio of the gradient norm at the first step to that at the last "
            f"step is: {'; '.join(parts)}."
            + _gradient_verdict(ratios)
        )
    if not paragraphs:
        paragraphs.append(
            f"This run trained no baseline, so it gives no direct evidence; add `compare: [simple_rnn]` under "
            f"`model` in the spec to measure one."
        )
    return paragraphs


def _gradient_verdict(ratios: dict) -> str:
    lstm, rnn = ratios.get("lstm"), ratios.get("simple_rnn")
    if lstm is None or rnn is None:
        return ""
    if rnn < lstm:
        return (f" The error signal that reaches the first step is {lstm / rnn:.1e} times stronger (relative to "
                f"the last step) in the LSTM than in the SimpleRNN: the SimpleRNN's gradient vanishes over the "
                f"sequence, the LSTM's cell state carries it back.")
    return (" In this run the SimpleRNN's gradient did not decay faster than the LSTM's, so vanishing gradients do "
            "not explain the difference here.")
