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
            "epoch_reaching_0_9": _first_epoch_reaching(entry["history"].get("val_accuracy") or [], 0.9),
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
                           f"{SAME_ACCURACY}).")
                lag = record["dataset"].get("min_lag")
                if lag:
                    verdict += (f" Even the lag of at least {lag} steps in this data was within its reach in this "
                                f"run, so the final accuracy does not separate the two cells.")
                else:
                    verdict += (f" With sequences of {sequence_length} steps the labels of this data can evidently "
                                f"be read from patterns an RNN's short-term memory holds; the LSTM's advantage "
                                f"shows when the lag between cause and label is long.")
            ours_epoch, their_epoch = ours["epoch_reaching_0_9"], row["epoch_reaching_0_9"]
            if ours_epoch != their_epoch:
                def reached(epoch):
                    return f"epoch {epoch}" if epoch else "never, within the run"
                verdict += (f" The validation accuracy first reached 0.9 at {reached(ours_epoch)} for the "
                            f"{_title(main)} and at {reached(their_epoch)} for the {_title(cell)}.")
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


# --------------------------------------------------------------------------- training observations


def _first_epoch_reaching(values, threshold):
    for index, value in enumerate(values):
        if value is not None and math.isfinite(value) and value >= threshold:
            return index + 1
    return None


def during_training(record, findings, figures) -> list[str]:
    history = record["history"]
    timing = record["timing"]
    seconds = timing.get("seconds_per_epoch") or []
    epochs = len(history["loss"])
    chance = (record["dataset"] or {}).get("chance_accuracy")
    paragraphs = [
        f"Training ran {epochs} epochs at {_f(sum(seconds) / len(seconds), 2) if seconds else 'n/a'} s per epoch "
        f"({timing['train_seconds']:.1f} s in all). The training loss went from {_f(history['loss'][0])} after "
        f"epoch 1 to {_f(history['loss'][-1])} after epoch {epochs}, and the training accuracy from "
        f"{_f(history['accuracy'][0])} to {_f(history['accuracy'][-1])}."
    ]
    val_acc = history.get("val_accuracy") or []
    if chance is not None and val_acc:
        stuck = 0
        for value in val_acc:
            if value is not None and math.isfinite(value) and value < chance + 0.1:
                stuck += 1
            else:
                break
        if stuck and stuck < epochs:
            paragraphs.append(
                f"For the first {stuck} epoch(s) the validation accuracy stayed within 0.1 of chance "
                f"({_f(chance, 2)}): the model had not yet found the important tasks. At epoch {stuck + 1} it rose to "
                f"{_f(val_acc[stuck])}, and it reached {_f(max(v for v in val_acc if math.isfinite(v)))} at best."
            )
        elif stuck == epochs:
            paragraphs.append(
                f"The validation accuracy never rose more than 0.1 above chance ({_f(chance, 2)}) in {epochs} "
                f"epochs: the model did not find the important tasks in this run."
            )
    batch_noise = ((findings.get("noise") or {}).get("curves") or {}).get("batch_loss") or {}
    if batch_noise.get("available"):
        paragraphs.append(
            f"Within epochs the loss moved from batch to batch ({_fig(figures, 'batches')}): its deviation from the "
            f"smoothed curve was {_pct(batch_noise['relative_residual'])} of its range, which the analysis rates "
            f"{batch_noise['level']}."
        )
    nan_epochs = (findings.get("nan") or {}).get("epochs") or []
    if nan_epochs:
        paragraphs.append(f"Some metrics were not finite at epoch(s) {', '.join(map(str, nan_epochs))}; "
                          f"those values are left out of the analysis.")
    return paragraphs


def after_training(record, findings, figures) -> list[str]:
    test = record["test"]
    history = record["history"]
    best = findings["best_epoch"]
    gap = findings.get("generalisation_gap") or {}
    paragraphs = [
        f"After training, the model was evaluated once on the test set: accuracy {_f(test['accuracy'])}, loss "
        f"{_f(test['loss'])}. On the validation set it ended at accuracy {_f(history['val_accuracy'][-1])} "
        f"(loss {_f(history['val_loss'][-1])})"
        + (f", and its best validation loss was at epoch {best['epoch']}." if best.get("epoch") else ".")
    ]
    last_gap = gap.get("at_last") or {}
    if gap.get("available") and last_gap.get("accuracy_gap") is not None:
        accuracy_gap, loss_gap = last_gap["accuracy_gap"], last_gap["loss_gap"]
        paragraphs.append(
            f"At the last epoch the training accuracy minus the validation accuracy was {accuracy_gap:+.4f}, and the "
            f"validation loss minus the training loss {loss_gap:+.4f}"
            + (": the model fits the training data better than it generalises." if accuracy_gap > 0.05
               else ": the model generalises about as well as it fits.")
        )
    gates = (record.get("diagnostics") or {}).get("gates")
    if gates:
        paragraphs.append(gate_observation(gates, figures))
    return paragraphs


def gate_observation(gates: dict, figures) -> str:
    """What the recomputed gates show: does the cell store the important tasks and hold them?"""
    summary = gates.get("summary") or {}
    unit = gates.get("unit")
    text = (f"{_fig(figures, 'gates')} looks inside the trained LSTM: the gates of its {gates['units']} units were "
            f"recomputed step by step from the layer's own weights (the recomputed hidden state matches Keras' to "
            f"{gates['recomputed_vs_keras_max_abs_difference']:.1e}).")
    if not summary.get("available"):
        return text + (f" This data marks no important steps, so the figure shows unit {unit}, the one whose input "
                       f"gate varies most along the sequence.")
    at, elsewhere = summary["unit_input_gate_at_important"], summary["unit_input_gate_elsewhere"]
    hold = summary["unit_forget_gate_after_first_important"]
    text += (f" Unit {unit} reacts most to the important tasks: its input gate averages {_f(at, 3)} at them and "
             f"{_f(elsewhere, 3)} at the unimportant ones, so it "
             + ("writes the important tasks into its cell and mostly ignores the rest" if at - elsewhere > 0.2 else
                "opens only slightly more at the important tasks")
             + f"; {summary['units_opening_at_important']} of the {gates['units']} units open their input gate by more "
             f"than 0.2 at the important tasks. After the first important task unit {unit}'s forget gate averages "
             f"{_f(hold, 3)}"
             + (", close to 1: the cell state keeps what was written across the long gap (the grey line stays level "
                "between the marks)." if hold >= 0.9 else
                ", well below 1: the stored value decays across the gap." if hold < 0.7 else
                ": the stored value is kept, but leaks a little at each step.")
             + f" Averaged over all units the input gate is {_f(summary['input_gate_at_important'], 3)} at important "
             f"tasks against {_f(summary['input_gate_elsewhere'], 3)} elsewhere"
             + (": the remembering is done by a few units, not all." if
                summary["units_opening_at_important"] <= gates["units"] / 4 else "."))
    return text


# --------------------------------------------------------------------------- learning curve and graphs


def learning_curve(record, findings, figures) -> list[str]:
    paragraphs = []
    trend = (findings.get("trend") or {}).get("curves") or {}
    for curve, label in (("loss", "training loss"), ("val_loss", "validation loss")):
        if (trend.get(curve) or {}).get("available"):
            paragraphs.append(f"The {label} (cost function) per epoch was {trend[curve]['description']}.")
    overfitting = findings.get("overfitting") or {}
    if overfitting.get("detected"):
        paragraphs.append(
            f"Overfitting began at epoch {overfitting['onset_epoch']}: from there the validation loss rose for "
            f"{overfitting['consecutive_rises']} epochs in a row (from {_f(overfitting['val_loss_before_onset'])} at "
            f"epoch {overfitting['epoch_before_onset']} to {_f(overfitting['val_loss_at_rise_end'])} at epoch "
            f"{overfitting['rise_end_epoch']}) while the training loss kept falling "
            f"({_f(overfitting['train_loss_change_over_span'])} over the first {overfitting['patience']} of them). "
            f"Stopping at epoch {overfitting['best_epoch']}, the lowest validation loss "
            f"({_f(overfitting['val_loss_at_best'])}), would have kept the better model."
        )
    elif overfitting.get("available"):
        if overfitting.get("not_detected_because") == "val_loss_never_rose_for_patience_epochs":
            reason = (f"the validation loss never rose for {overfitting['patience']} epochs in a row (its longest "
                      f"rise lasted {overfitting['longest_val_loss_rise']} epoch(s))")
        else:
            reason = (f"where the validation loss rose (from epoch {overfitting['first_rise_without_falling_train_loss_epoch']}), "
                      f"the training loss did not keep falling")
        paragraphs.append(f"No overfitting was detected: {reason}. The validation loss was "
                          f"{_f(overfitting['val_loss_at_best'])} at its best (epoch {overfitting['best_epoch']}) and "
                          f"{_f(overfitting['val_loss_at_last'])} at the last epoch.")
    else:
        paragraphs.append(f"Overfitting could not be judged: {overfitting.get('reason', 'too few epochs')}")
    underfitting = findings.get("underfitting") or {}
    if underfitting.get("detected"):
        paragraphs.append(
            f"The model is underfitting: both accuracies are still below {_f(underfitting['threshold'], 3)} "
            f"({_f(underfitting['accuracy']['final_value'])} training, {_f(underfitting['val_accuracy']['final_value'])} "
            f"validation) and still rising at the end (by {_f(underfitting['accuracy']['slope_per_epoch'])} and "
            f"{_f(underfitting['val_accuracy']['slope_per_epoch'])} per epoch), so more epochs would help."
        )
    elif underfitting.get("stalled_below_threshold"):
        paragraphs.append(
            f"Both accuracies stalled below {_f(underfitting['threshold'], 3)} "
            f"({_f(underfitting['accuracy']['final_value'])} training, {_f(underfitting['val_accuracy']['final_value'])} "
            f"validation) and were no longer rising: more epochs alone would not help; the model or the learning "
            f"rate must change."
        )
    convergence = findings.get("convergence") or {}
    if convergence.get("available"):
        loss, val_loss = convergence.get("loss") or {}, convergence.get("val_loss") or {}
        span = loss.get("epochs_used") or convergence["final_epochs"]
        def moved(row):
            return (f"{_pct(row.get('relative_range'))} of its level ({_pct(row.get('share_of_total_range'))} of "
                    f"its whole fall or rise)")
        paragraphs.append(
            f"Over the last {span} epochs the training loss moved within {moved(loss)}"
            + (f" and the validation loss within {moved(val_loss)}" if val_loss.get("available") else "")
            + ": training " + ("had converged" if convergence.get("converged") else "had not yet converged")
            + f" (threshold {_pct(convergence['tolerance'])} of either)."
        )
    return paragraphs


def _graph_meaning(record, findings, metric: str) -> str:
    trend = (findings.get("trend") or {}).get("curves") or {}
    history = record["history"]
    train, val = history.get(metric) or [], history.get(f"val_{metric}") or []
    name = "accuracy" if metric == "accuracy" else "loss"
    parts = [f"The graph plots the {name} on the training data and on the held-out validation data after each of "
             f"the {len(train)} epochs."]
    if (trend.get(metric) or {}).get("available"):
        parts.append(f"In this run the training {name} was {trend[metric]['description']}.")
    if (trend.get(f"val_{metric}") or {}).get("available"):
        parts.append(f"The validation {name} was {trend['val_' + metric]['description']}.")
    if train and val:
        parts.append(f"It ended at {_f(train[-1])} (training) and {_f(val[-1])} (validation).")
    noise = (findings.get("noise") or {}).get("curves") or {}
    levels = [f"{noise[key]['level']} ({noise[key]['reversals']} reversals of direction in "
              f"{noise[key]['reversal_opportunities']} chances)"
              for key in (metric, f"val_{metric}") if (noise.get(key) or {}).get("available")]
    if levels:
        parts.append("Measured against its smoothed curve, the training curve is " + levels[0]
                     + (f" and the validation curve {levels[1]}." if len(levels) > 1 else "."))
    return " ".join(parts)


def _smoothing_answer(record, findings, advice, figures, metric: str) -> list[str]:
    weight = findings["settings"]["smoothing"]
    fig_key = metric
    paragraphs = [
        f"For display, {_fig(figures, fig_key)} draws each raw curve faintly and a smoothed one in bold, using "
        f"TensorBoard's debiased exponential moving average with weight w = {weight:g}: for each value y, "
        f"last = w·last + (1 − w)·y, n = n + 1, smoothed = last / (1 − wⁿ). This changes only the picture, not "
        f"the model."
    ]
    if "batches" in figures:
        paragraphs.append(
            f"With only {len(record['history']['loss'])} points per curve, smoothing matters most for the "
            f"per-batch curve ({_fig(figures, 'batches')}), where the same formula turns "
            f"{len((record.get('batch_history') or {}).get('loss') or [])} noisy batch losses into a readable trend."
        )
    training_changes = [item for item in advice if item["id"] != "display_smoothing"]
    if training_changes:
        paragraphs.append(f"To make the curves themselves smoother, {len(training_changes)} change(s) to training "
                          f"apply to this run:")
        paragraphs.extend(f"{item['change']}: {item['applies'].rstrip('.')}." for item in training_changes)
    else:
        paragraphs.append("The measured curves are already smooth, so no change to training is needed for that.")
    return paragraphs


def compose(record, findings, figures, worksheet) -> dict:
    """Every answer the templates print, keyed by section."""
    from ..analysis import smoothing_advice

    spec = record["spec"]
    advice = smoothing_advice(findings, batch_size=spec["training"]["batch_size"],
                              n_validation=record["dataset"]["sizes"]["validation"],
                              learning_rate=spec["training"]["learning_rate"])
    return {
        "ide": ide(record),
        "theory": theory_numbers(record),
        "methodology": methodology(record, findings, figures),
        "spec_yaml": spec_yaml(record),
        "test_result": test_result(record),
        "nature_of_dataset": nature_of_dataset(record),
        "during_training": during_training(record, findings, figures),
        "after_training": after_training(record, findings, figures),
        "learning_curve": learning_curve(record, findings, figures),
        "comparison": comparison_rows(record),
        "lstm_over_rnn": lstm_over_rnn(record, figures),
        "accuracy_graph": [_graph_meaning(record, findings, "accuracy"),
                           *_smoothing_answer(record, findings, advice, figures, "accuracy")],
        "loss_graph": [_graph_meaning(record, findings, "loss"),
                       *_smoothing_answer(record, findings, advice, figures, "loss")],
        "advice": advice,
    }
