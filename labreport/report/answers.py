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
    stopped = record.get("stopped") or {}
    if stopped.get("reason") == "nan_loss":
        return (f"The {_title(_cell(record))} model's loss became {stopped.get('value', 'NaN')} at epoch "
                f"{stopped.get('epoch')}, batch {stopped.get('batch')}; training stopped there and the model "
                f"was not evaluated on the {_n(sizes['test'])} test sequences.")
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
                def reached(epoch, title):
                    return (f"at epoch {epoch} for the {title}" if epoch else
                            f"never within the {len(record['history']['loss'])} epochs for the {title}")
                verdict += (f" The validation accuracy first reached 0.9 {reached(ours_epoch, _title(main))} and "
                            f"{reached(their_epoch, _title(cell))}.")
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
            "This run trained no baseline, so it gives no direct evidence; add `compare: [simple_rnn]` under "
            "`model` in the spec to measure one."
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
    if "unit_input_gate_at_important" not in summary:
        # run.json from before per-unit gates were recorded: report the means only.
        return text + (f" The input gate, averaged over units, was {_f(summary['input_gate_at_important'], 3)} at the "
                       f"important tasks and {_f(summary['input_gate_elsewhere'], 3)} elsewhere; after the first "
                       f"important task the forget gate averaged {_f(summary['forget_gate_after_first_important'], 3)}.")
    at, elsewhere = summary["unit_input_gate_at_important"], summary["unit_input_gate_elsewhere"]
    hold = summary["unit_forget_gate_after_first_important"]
    if "unit_cell_change_at_important" in summary:
        written, ignored = summary["unit_cell_change_at_important"], summary["unit_cell_change_elsewhere"]
        ratio = written / ignored if ignored > 0 else float("inf")
        text += (f" Unit {unit}'s cell state reacts most to the important tasks: it changes by {_f(written, 3)} on "
                 f"average at an important task and by {_f(ignored, 3)} at an unimportant one"
                 + (f" ({ratio:.0f} times less): it remembers the important tasks and lets the others pass."
                    if ratio >= 3 else ": it does not single out the important tasks clearly in this run."))
    text += (f" Its input gate averages {_f(at, 3)} at the important tasks and "
             f"{_f(elsewhere, 3)} at the unimportant ones, so the gate "
             + ("opens to write the important tasks and stays nearly shut for the rest" if at - elsewhere > 0.2 else
                "is not what singles them out: the candidate value written through it is what differs")
             + f"; {summary['units_opening_at_important']} of the {gates['units']} units open their input gate by more "
             f"than 0.2 at the important tasks. After the first important task unit {unit}'s forget gate averages "
             f"{_f(hold, 3)}"
             + (", close to 1: the cell state keeps what was written across the long gap (the grey line stays level "
                "between the marks)." if hold >= 0.9 else
                ", well below 1: the stored value decays across the gap." if hold < 0.7 else
                ": the stored value is kept, but leaks a little at each step.")
             + f" Averaged over all units the input gate is {_f(summary['input_gate_at_important'], 3)} at important "
             f"tasks against {_f(summary['input_gate_elsewhere'], 3)} elsewhere"
             + (": the writing is done by a few units, not all." if
                0 < summary["units_opening_at_important"] <= gates["units"] / 4 else "."))
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
            + (f"Stopping at epoch {overfitting['best_epoch']}, the lowest validation loss "
               f"({_f(overfitting['val_loss_at_best'])}), would have kept the better model."
               if overfitting["sustained"] and overfitting["best_epoch"] != overfitting["last_epoch"] else
               f"The rise did not last: the validation loss came back down to {_f(overfitting['val_loss_at_last'])} "
               f"by the last epoch (its lowest, {_f(overfitting['val_loss_at_best'])}, at epoch "
               f"{overfitting['best_epoch']}).")
        )
    elif overfitting.get("available"):
        if overfitting.get("not_detected_because") == "val_loss_never_rose_for_patience_epochs":
            reason = (f"the validation loss never rose for {overfitting['patience']} epochs in a row by "
                      f"{overfitting.get('min_relative_rise', 0):.0%} or more of its level (its longest rise of any "
                      f"size lasted {overfitting['longest_val_loss_rise']} epoch(s))")
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


# --------------------------------------------------------------------------- other worksheet formats
# lab-record, project-report and seminar.  Same rule as above: every sentence
# is built from this run's record and findings.

ACTIVATION_OF_OUTPUT = {True: "sigmoid", False: "softmax"}  # keyed by "two classes?"
KERAS_LOSS = {True: "binary cross-entropy", False: "sparse categorical cross-entropy"}
OPTIMIZER_TITLES = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}
# A forget gate below this keeps too little of the cell state across a long lag.
FORGET_GATE_LOW = 0.8
# More parameters per training sequence than this is a small data set for the model.
PARAMS_PER_SAMPLE_HIGH = 10

BIBLIOGRAPHY = {
    "lstm": "Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory. Neural Computation, 9(8), 1735-1780.",
    "forget_gate": ("Gers, F. A., Schmidhuber, J. and Cummins, F. (2000). Learning to forget: continual prediction "
                    "with LSTM. Neural Computation, 12(10), 2451-2471."),
    "vanishing": ("Bengio, Y., Simard, P. and Frasconi, P. (1994). Learning long-term dependencies with gradient "
                  "descent is difficult. IEEE Transactions on Neural Networks, 5(2), 157-166."),
    "imdb": ("Maas, A. L., Daly, R. E., Pham, P. T., Huang, D., Ng, A. Y. and Potts, C. (2011). Learning word "
             "vectors for sentiment analysis. Proceedings of ACL 2011, 142-150."),
    "adam": "Kingma, D. P. and Ba, J. (2015). Adam: a method for stochastic optimization. ICLR 2015.",
    "rmsprop": "Tieleman, T. and Hinton, G. (2012). Lecture 6.5, RMSprop. Coursera: Neural Networks for Machine Learning.",
}


def _two_classes(record) -> bool:
    return len(record["dataset"]["class_names"]) == 2


def _moved(first, last, *, digits: int = 4, percent: bool = False) -> str:
    show = (lambda v: _pct(v, 2)) if percent else (lambda v: _f(v, digits))
    if first is None or last is None or not (math.isfinite(first) and math.isfinite(last)):
        return f"went from {show(first)} to {show(last)}"
    if last > first:
        return f"rose from {show(first)} to {show(last)}"
    if last < first:
        return f"fell from {show(first)} to {show(last)}"
    return f"stayed at {show(first)}"


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(base: float, exponent: int) -> str:
    """'0.753¹⁵ = 0.014': a per-step factor compounded over a lag."""
    return f"{base:.3f}{str(exponent).translate(_SUPERSCRIPT)} = {base ** exponent:.2g}"


def _finite(values) -> list:
    return [v for v in values or [] if v is not None and math.isfinite(v)]


def _mean(values):
    values = _finite(values)
    return sum(values) / len(values) if values else None


def _batches_per_epoch(record) -> int:
    batches = (record.get("batch_history") or {}).get("batches_per_epoch")
    if batches:
        return int(batches)
    return max(1, math.ceil(record["dataset"]["sizes"]["train"] / record["spec"]["training"]["batch_size"]))


def _recurrent_size(cell: str, m: int, n: int) -> tuple[str, str, int]:
    """(formula, formula with the numbers, value) for one direction of a recurrent layer."""
    if cell == "lstm":
        return "4(m² + mn + m)", f"4({m}² + {m}·{n} + {m})", 4 * (m * m + m * n + m)
    if cell == "gru":  # Keras' GRU (reset_after=True) keeps two bias vectors per gate
        return "3(m² + mn + 2m)", f"3({m}² + {m}·{n} + 2·{m})", 3 * (m * m + m * n + 2 * m)
    return "m² + mn + m", f"{m}² + {m}·{n} + {m}", m * m + m * n + m


def parameter_rows(record, model: dict | None = None, cell: str | None = None) -> list[dict]:
    """Each layer's parameter count from its formula with this run's sizes, beside Keras' count."""
    model = model or record["model"]
    spec_layers = record["spec"]["model"]["recurrent"]
    vocabulary = record["dataset"].get("vocabulary_size")
    rows, n, recurrent_index = [], None, 0
    for layer in model["layers"]:
        kind = layer["type"]
        if kind == "Embedding":
            v, width = layer["params"] // max(layer["units"] or 1, 1), layer["units"]
            rows.append({"layer": layer["name"], "type": kind, "symbols": "V × n", "formula": f"{v:,} × {width}",
                         "value": v * width, "keras": layer["params"]})
            n = width
        elif kind in ("CategoryEncoding",):
            n = vocabulary
        elif kind in ("LSTM", "GRU", "SimpleRNN", "Bidirectional") and recurrent_index < len(spec_layers):
            layer_spec = spec_layers[recurrent_index]
            recurrent_index += 1
            this_cell = cell or layer_spec["cell"]
            m = layer_spec["units"]
            n_in = n if n is not None else (vocabulary or 1)
            symbols, formula, value = _recurrent_size(this_cell, m, n_in)
            if layer_spec.get("bidirectional"):
                symbols, formula, value = f"2 × {symbols}", f"2 × {formula}", 2 * value
            rows.append({"layer": layer["name"], "type": kind, "symbols": symbols, "formula": formula,
                         "value": value, "keras": layer["params"], "m": m, "n": n_in})
            n = m * (2 if layer_spec.get("bidirectional") else 1)
        elif kind == "Dense" and n is not None:
            k = layer["units"] or 1
            rows.append({"layer": layer["name"], "type": kind, "symbols": "(m + 1) × K",
                         "formula": f"({n} + 1) × {k}", "value": (n + 1) * k, "keras": layer["params"]})
            n = k
    return rows


def _layer_phrases(record) -> list[tuple[str, int]]:
    """The model's layers as (phrase, Keras parameter count), first to last."""
    spec_layers = record["spec"]["model"]["recurrent"]
    phrases, recurrent_index = [], 0
    for layer in record["model"]["layers"]:
        kind = layer["type"]
        if kind == "Embedding":
            units = layer["units"] or 1
            text = f"Embedding({_n(layer['params'] // units)} symbols → vectors of {units})"
        elif kind == "CategoryEncoding":
            text = f"one-hot encoding({_n(record['dataset'].get('vocabulary_size') or 0)} symbols)"
        elif kind in ("LSTM", "GRU", "SimpleRNN", "Bidirectional") and recurrent_index < len(spec_layers):
            layer_spec = spec_layers[recurrent_index]
            recurrent_index += 1
            options = []
            if layer_spec.get("dropout"):
                options.append(f"dropout {layer_spec['dropout']:g} on its inputs")
            if layer_spec.get("recurrent_dropout"):
                options.append(f"dropout {layer_spec['recurrent_dropout']:g} on h(t−1)")
            options.append("returns the whole sequence" if recurrent_index < len(spec_layers)
                           else "returns its last hidden state")
            text = f"{_title(layer_spec['cell'])}({layer_spec['units']} units; {', '.join(options)})"
            if layer_spec.get("bidirectional"):
                text = f"Bidirectional({text}, read forwards and backwards)"
        elif kind == "Dense":
            text = f"Dense({layer['units']}, {ACTIVATION_OF_OUTPUT[_two_classes(record)]})"
        else:
            text = kind
        phrases.append((text, layer["params"]))
    return phrases


def model_chain(record) -> str:
    return " → ".join(phrase for phrase, _ in _layer_phrases(record))


def pseudocode(record, figures, curves_key: str = "curves") -> list[str]:
    """The training program this run executed, as indented pseudocode lines."""
    spec = record["spec"]
    training = spec["training"]
    data = record["dataset"]
    sizes = data["sizes"]
    versions = record["versions"]
    two = _two_classes(record)
    main = _title(_cell(record))
    lines = [
        f"import keras {versions.get('keras', 'n/a')} ({record['backend']} backend), numpy; seed ← {record['seed']}",
        f"load {data.get('name', data.get('source'))}: {_n(sizes['train'] + sizes['validation'])} labelled "
        f"training sequences of {data['sequence_length']} steps, {_n(sizes['test'])} test sequences",
        f"hold out the {'last' if not training.get('validation_shuffle') else 'random'} "
        f"{_pct(training['validation_split'], 0)} for validation → {_n(sizes['train'])} train, "
        f"{_n(sizes['validation'])} validation",
        "model ← Sequential(",
    ]
    phrases = _layer_phrases(record)
    width = max(len(phrase) for phrase, _ in phrases)
    for phrase, params in phrases:
        lines.append(f"    {phrase.ljust(width)}   # {_n(params)} weights")
    lines.append(f")   # {_n(record['model']['total_params'])} weights in all")
    optimizer = OPTIMIZER_TITLES.get(training["optimizer"], training["optimizer"])
    lines += [
        f"compile(loss ← {KERAS_LOSS[two]}, optimiser ← {optimizer}(learning rate {training['learning_rate']:g}), "
        f"metric ← accuracy)",
        f"for epoch ← 1 to {len(record['history']['loss'])}:",
        f"    for each of {_batches_per_epoch(record)} batches of up to {training['batch_size']} training sequences:",
        f"        ŷ ← model(batch)                  # forward pass over {data['sequence_length']} steps",
        f"        L ← {KERAS_LOSS[two]}(ŷ, labels)",
        "        g ← ∂L/∂weights                   # backpropagation through time",
    ]
    if training.get("clipnorm"):
        lines.append(f"        if ‖g‖ > {training['clipnorm']:g}: g ← g · {training['clipnorm']:g}/‖g‖")
    lines += [
        f"        weights ← {optimizer} step(weights, g)",
        "        track the batch's loss and accuracy",
        f"    loss, accuracy ← on the {_n(sizes['validation'])} validation sequences; append both to history",
        "plot training and validation loss and accuracy against epoch"
        + (f"   # {_fig(figures, curves_key)}" if curves_key in figures else ""),
        f"test loss, test accuracy ← evaluate(model, {_n(sizes['test'])} test sequences)",
    ]
    baselines = [_title(b["cell"]) for b in record.get("baselines") or []]
    if baselines:
        lines.append(f"repeat with {' and '.join(baselines)} in place of {main}, all else equal   # the baseline")
    return lines


def _baseline_sentences(record) -> list[str]:
    """One short, numbers-only comparison per baseline the run trained."""
    rows = comparison_rows(record)
    if not rows:
        return []
    ours, sentences = rows[0], []
    for row in rows[1:]:
        difference = ours["test_accuracy"] - row["test_accuracy"]
        if difference > SAME_ACCURACY:
            verdict = f"{100 * difference:.2f} percentage points better than"
        elif difference < -SAME_ACCURACY:
            verdict = f"{-100 * difference:.2f} percentage points worse than"
        else:
            verdict = "level with"
        sentences.append(
            f"With the same data, embedding, units, optimiser, epochs and seed, the {ours['title']} scored test "
            f"accuracy {_pct(ours['test_accuracy'], 2)} and the {row['title']} {_pct(row['test_accuracy'], 2)}: the "
            f"{ours['title']} was {verdict} the {row['title']}, with {_n(ours['params'])} parameters against "
            f"{_n(row['params'])}.")
    ratios = gradient_ratios(record)
    if "lstm" in ratios and "simple_rnn" in ratios:
        stronger = ratios["lstm"] / ratios["simple_rnn"] if ratios["simple_rnn"] else math.inf
        sentences.append(
            f"At the initial weights the gradient reaching the first of the {record['dataset']['sequence_length']} "
            f"steps, relative to the last, was {ratios['lstm']:.2e} in the LSTM and {ratios['simple_rnn']:.2e} in the "
            f"SimpleRNN"
            + (f": {stronger:.1e} times more of the error signal survives the trip back through the LSTM's cell "
               f"state." if stronger > 1 else ": in this run the SimpleRNN's gradient did not fade faster."))
    return sentences


def _memory(record) -> dict | None:
    """The gate numbers of the unit that does the remembering (or the mean over units, if not recorded).

    ``who`` names it for a sentence; ``input_at``/``input_else`` are its input gate at and away from the
    important steps, ``forget_after`` its forget gate after the first one.
    """
    gates = (record.get("diagnostics") or {}).get("gates") or {}
    summary = gates.get("summary") or {}
    if not summary.get("available"):
        return None
    if summary.get("unit_forget_gate_after_first_important") is not None and gates.get("unit") is not None:
        return {"who": f"unit {gates['unit']} (the one that reacts most to the important tasks)",
                "input_at": summary["unit_input_gate_at_important"],
                "input_else": summary["unit_input_gate_elsewhere"],
                "forget_after": summary["unit_forget_gate_after_first_important"]}
    return {"who": f"the mean over its {gates.get('units')} units",
            "input_at": summary["input_gate_at_important"], "input_else": summary["input_gate_elsewhere"],
            "forget_after": summary["forget_gate_after_first_important"]}


def _gate_sentence(record) -> str | None:
    memory = _memory(record)
    if memory is None:
        return None
    lag = record["dataset"].get("min_lag")
    after = memory["forget_after"]
    text = (f"In the trained LSTM, for {memory['who']}, the input gate was {_f(memory['input_at'], 3)} at the "
            f"important steps and {_f(memory['input_else'], 3)} elsewhere, and the forget gate averaged "
            f"{_f(after, 3)} after the first important step")
    if lag:
        text += (f"; a value written once and never refreshed would keep {_power(after, lag)} of its size "
                 f"over the {lag}-step lag")
    return text + "."


def lab_record(record, findings, figures) -> dict:
    history = record["history"]
    test = record["test"]
    epochs = len(history["loss"])
    sizes = record["dataset"]["sizes"]
    best = findings.get("best_epoch") or {}
    trend = (findings.get("trend") or {}).get("curves") or {}
    observation = [
        f"The network trained for {epochs} epochs of {_batches_per_epoch(record)} batches each. The training loss "
        f"{_moved(history['loss'][0], history['loss'][-1])} and the training accuracy "
        f"{_moved(history['accuracy'][0], history['accuracy'][-1], percent=True)}. On the {_n(sizes['test'])} test "
        f"sequences, never seen in training, the accuracy was {_pct(test['accuracy'], 2)} (loss {_f(test['loss'])})."
    ]
    curve_parts = []
    for key, label in (("loss", "training loss"), ("val_loss", "validation loss"),
                       ("val_accuracy", "validation accuracy")):
        if (trend.get(key) or {}).get("available"):
            curve_parts.append(f"the {label} was {trend[key]['description']}")
    text = f"{_fig(figures, 'curves')} plots both curves per epoch"
    if curve_parts:
        text += ": " + "; ".join(curve_parts)
    text += "."
    if best.get("available") and best.get("epoch"):
        text += (f" The validation loss was lowest at epoch {best['epoch']} ({_f(best['val_loss'])})"
                 + (", the last epoch." if best.get("is_last_epoch") else
                    f", {best['epochs_after_best']} epoch(s) before the end."))
    observation.append(text)
    overfitting = findings.get("overfitting") or {}
    underfitting = findings.get("underfitting") or {}
    if overfitting.get("detected"):
        observation.append(
            f"From epoch {overfitting['onset_epoch']} the validation loss rose while the training loss kept "
            f"falling: the network began to overfit its {_n(sizes['train'])} training sequences.")
    elif underfitting.get("detected"):
        observation.append(
            f"Both accuracies were still rising at the last epoch and below {_f(underfitting['threshold'], 3)}: "
            f"{epochs} epochs were not enough for this network.")
    observation += _baseline_sentences(record)
    gate = _gate_sentence(record)
    if gate:
        observation.append(gate)
    comparison = comparison_rows(record)
    result = (f"An {_title(_cell(record))} network ({model_chain(record)}; {_n(record['model']['total_params'])} "
              f"parameters) was built and trained for {epochs} epochs on {_n(sizes['train'])} sequences of "
              f"{record['dataset'].get('name', record['dataset'].get('source'))}. It classified the "
              f"{_n(sizes['test'])} test sequences with accuracy {_pct(test['accuracy'], 2)}")
    chance = record["dataset"].get("chance_accuracy")
    if chance:
        result += f", against {_pct(chance, 0)} by chance"
    if len(comparison) > 1:
        result += "; " + ", ".join(f"the {row['title']} scored {_pct(row['test_accuracy'], 2)}" for row in comparison[1:])
    result += "."
    return {"observation": observation, "pseudocode": pseudocode(record, figures), "result": result}


# ---- project report


def _task_sentence(record) -> str:
    data = record["dataset"]
    classes = data["class_names"]
    if data.get("source") == "generated":
        return (f"each sequence of {data['sequence_length']} tasks contains two important tasks, at least "
                f"{data.get('min_lag')} steps before the end, whose order ({', '.join(classes)}) is the label; every "
                f"other task is noise to be forgotten")
    lengths = data.get("lengths") or {}
    median = f" (median length {lengths['median']:g} tokens before padding)" if lengths.get("median") else ""
    return (f"each text{median} is read as {data['sequence_length']} token indices and labelled "
            f"{' or '.join(classes) if len(classes) == 2 else ', '.join(classes)}")


def introduction(record) -> list[str]:
    data = record["dataset"]
    sizes = data["sizes"]
    layer = record["spec"]["model"]["recurrent"][0]
    bias = layer.get("forget_bias", 1.0)
    start = 1 / (1 + math.exp(-bias))
    paragraphs = [
        f"This project trains an {_title(_cell(record))} network to classify the "
        f"{_n(sum(sizes.values()))} sequences of {data.get('name', data.get('source'))}: {_task_sentence(record)}. "
        f"The model, {model_chain(record)}, has {_n(record['model']['total_params'])} parameters.",
    ]
    text = (f"A plain RNN multiplies its error signal by the recurrent weight once per step, so over the "
            f"{data['sequence_length']} steps here it vanishes when that weight is below 1 and explodes when it is "
            f"above 1. The LSTM's cell state instead carries itself forward with the forget gate as its weight; with "
            f"this run's initial forget-gate bias of {bias:g}, that weight starts near σ({bias:g}) = {start:.3f}, "
            f"close to the weight of 1 that passes the signal on unchanged.")
    ratios = gradient_ratios(record)
    if "lstm" in ratios and "simple_rnn" in ratios:
        text += (f" Measured at the initial weights, the gradient at the first step relative to the last was "
                 f"{ratios['lstm']:.2e} for the LSTM and {ratios['simple_rnn']:.2e} for a SimpleRNN.")
    paragraphs.append(text)
    return paragraphs


def problem_statement(record) -> str:
    data = record["dataset"]
    sizes = data["sizes"]
    counts = data["class_counts"]["train"]
    majority = max(counts.values()) / max(sum(counts.values()), 1)
    return (f"Given a sequence of {data['sequence_length']} tokens from a vocabulary of "
            f"{_n(data.get('vocabulary_size') or 0)}, predict its class, one of {len(data['class_names'])} "
            f"({', '.join(data['class_names'])}). The model learns from {_n(sizes['train'])} sequences, is tuned "
            f"against {_n(sizes['validation'])} and is judged once on {_n(sizes['test'])} held-out ones. Always "
            f"answering the most frequent training class would score {_pct(majority, 1)}"
            + (f" and guessing {_pct(data['chance_accuracy'], 0)}" if data.get("chance_accuracy") else "")
            + ": the network must beat that by reading the sequence in order.")


def results_discussion(record, findings) -> list[str]:
    test = record["test"]
    history = record["history"]
    epochs = len(history["loss"])
    best = findings.get("best_epoch") or {}
    gap = ((findings.get("generalisation_gap") or {}).get("at_last") or {})
    paragraphs = [
        f"After {epochs} epochs ({record['timing']['train_seconds']:.1f} s of training) the {_title(_cell(record))} "
        f"reached test accuracy {_pct(test['accuracy'], 2)} with test loss {_f(test['loss'])}. Its training "
        f"accuracy {_moved(history['accuracy'][0], history['accuracy'][-1], percent=True)} and its validation "
        f"accuracy {_moved(history['val_accuracy'][0], history['val_accuracy'][-1], percent=True)}"
        + (f"; the validation loss was lowest at epoch {best['epoch']} ({_f(best['val_loss'])})."
           if best.get("available") and best.get("epoch") else ".")
    ]
    overfitting = findings.get("overfitting") or {}
    underfitting = findings.get("underfitting") or {}
    convergence = findings.get("convergence") or {}
    if overfitting.get("detected"):
        verdict = (f"The network overfitted from epoch {overfitting['onset_epoch']}: validation loss rose from "
                   f"{_f(overfitting['val_loss_before_onset'])} to {_f(overfitting['val_loss_at_rise_end'])} while "
                   f"the training loss kept falling.")
    elif underfitting.get("detected"):
        verdict = (f"The network underfitted: both accuracies were below {_f(underfitting['threshold'], 3)} and "
                   f"still rising at epoch {epochs}.")
    elif underfitting.get("stalled_below_threshold"):
        verdict = (f"Both accuracies stalled below {_f(underfitting['threshold'], 3)}: the network did not learn "
                   f"the task in this configuration.")
    else:
        verdict = "Neither overfitting nor underfitting was detected"
        if convergence.get("available"):
            verdict += (", and training " + ("had converged" if convergence.get("converged") else
                                            "was still improving") + " at the end")
        verdict += "."
    if gap.get("accuracy_gap") is not None:
        verdict += (f" At the last epoch training accuracy was {_f(gap['accuracy_gap'])} "
                    + ("above" if gap["accuracy_gap"] >= 0 else "below") + " validation accuracy.")
    paragraphs.append(verdict)
    paragraphs += _baseline_sentences(record)[:1]
    return paragraphs


def visualization(record, findings, figures) -> list[str]:
    trend = (findings.get("trend") or {}).get("curves") or {}
    noise = (findings.get("noise") or {}).get("curves") or {}
    weight = findings["settings"]["smoothing"]
    parts = [f"{_fig(figures, 'curves')} shows accuracy (left) and loss (right) after each epoch, faint dots for the "
             f"measured values and a bold line smoothed with TensorBoard's moving average (w = {weight:g})."]
    described = [f"the {label} was {trend[key]['description']}"
                 for key, label in (("accuracy", "training accuracy"), ("val_accuracy", "validation accuracy"),
                                    ("loss", "training loss"), ("val_loss", "validation loss"))
                 if (trend.get(key) or {}).get("available")]
    if described:
        parts.append("Read from the curves, " + "; ".join(described) + ".")
    if record.get("baselines"):
        parts.append("The dashed lines are the validation curves of "
                     + " and ".join(f"the {_title(b['cell'])}" for b in record["baselines"])
                     + ", trained the same way.")
    noisy = [f"{key.replace('_', ' ')} ({row['level']})" for key, row in noise.items()
             if row.get("available") and row.get("level") != "smooth" and not key.startswith("batch")]
    if noisy:
        parts.append("The curves that zig-zag are " + ", ".join(noisy) + "; the smoothed line shows their trend.")
    return [" ".join(parts)]


def conclusion(record, findings) -> str:
    test = record["test"]
    data = record["dataset"]
    chance = data.get("chance_accuracy")
    text = (f"The {_title(_cell(record))} with {_n(record['model']['total_params'])} parameters reached "
            f"{_pct(test['accuracy'], 2)} test accuracy on this task in {len(record['history']['loss'])} epochs")
    if chance:
        text += (f", {abs(100 * (test['accuracy'] - chance)):.2f} percentage points "
                 + ("above" if test["accuracy"] >= chance else "below") + f" the {_pct(chance, 0)} of chance")
    rows = comparison_rows(record)
    if len(rows) > 1:
        best_row = max(rows, key=lambda row: row["test_accuracy"] if math.isfinite(row["test_accuracy"]) else -1)
        text += (f"; of the models compared, the {best_row['title']} scored highest "
                 f"({_pct(best_row['test_accuracy'], 2)})")
    return text + "."


def future_directions(record, findings, advice) -> list[str]:
    """What to try next, each item grounded in a finding of this run; at least one."""
    spec = record["spec"]
    layer = spec["model"]["recurrent"][0]
    history = record["history"]
    epochs = len(history["loss"])
    items = []
    overfitting = findings.get("overfitting") or {}
    underfitting = findings.get("underfitting") or {}
    convergence = findings.get("convergence") or {}
    best = findings.get("best_epoch") or {}
    if overfitting.get("detected"):
        items.append(
            f"Regularise and stop early: the validation loss was lowest at epoch {overfitting['best_epoch']} "
            f"({_f(overfitting['val_loss_at_best'])}) and rose from epoch {overfitting['onset_epoch']}, so "
            f"EarlyStopping(patience={overfitting['patience']}, restore_best_weights=True) would keep epoch "
            f"{overfitting['best_epoch']}'s weights; dropout (now {layer.get('dropout', 0):g}) would slow the "
            f"memorising of the {_n(record['dataset']['sizes']['train'])} training sequences.")
    if underfitting.get("detected"):
        items.append(
            f"Train longer: both accuracies were still rising at epoch {epochs} (by "
            f"{_f(underfitting['accuracy']['slope_per_epoch'])} and {_f(underfitting['val_accuracy']['slope_per_epoch'])} "
            f"per epoch), so more than {epochs} epochs should help.")
    elif underfitting.get("stalled_below_threshold"):
        items.append(
            f"Change the model, not the epochs: the accuracies stalled at {_f(underfitting['accuracy']['final_value'])} "
            f"(training) and {_f(underfitting['val_accuracy']['final_value'])} (validation); more units than "
            f"{layer['units']} or a learning rate other than {spec['training']['learning_rate']:g} are the levers.")
    elif (convergence.get("available") and not convergence.get("converged") and not overfitting.get("detected")
          and best.get("is_last_epoch")):
        loss = convergence.get("loss") or {}
        items.append(
            f"Train for more than {epochs} epochs: the validation loss was still at its lowest at the last epoch and "
            f"the training loss moved {_pct(loss.get('relative_range'))} over the last {loss.get('epochs_used')} "
            f"epochs, above the {_pct(convergence['tolerance'])} that counts as converged.")
    for item in advice:
        if item["id"] in ("larger_batch", "lower_learning_rate", "more_validation_samples"):
            items.append(f"{item['change']}: {item['applies'].split(';')[0]}.")
    memory = _memory(record)
    if memory is not None and memory["forget_after"] < FORGET_GATE_LOW:
        items.append(
            f"Raise the initial forget bias (now {layer.get('forget_bias', 1.0):g}): for {memory['who']}, the forget "
            f"gate averaged {_f(memory['forget_after'], 3)} after the first important task, so the cell lets its "
            f"memory decay across the gap.")
    rows = comparison_rows(record)
    sequence_length = record["dataset"]["sequence_length"]
    if len(rows) > 1 and any(row["test_accuracy"] >= rows[0]["test_accuracy"] - SAME_ACCURACY for row in rows[1:]):
        items.append(
            f"Make the dependencies longer: at {sequence_length} steps a "
            + " and a ".join(row["title"] for row in rows[1:])
            + f" matched or beat the {rows[0]['title']} ({', '.join(_pct(r['test_accuracy'], 2) for r in rows[1:])} "
              f"against {_pct(rows[0]['test_accuracy'], 2)}); longer sequences would show where the plain RNN's "
              f"memory gives out.")
    if not items:
        items.append(
            f"Scale up: this run converged at {_pct(record['test']['accuracy'], 2)} test accuracy with no sign of "
            f"over- or underfitting, so sequences longer than {sequence_length} steps or more than "
            f"{_n(record['dataset']['sizes']['train'])} training sequences are the next test of the model.")
    return items


def references(record) -> list[str]:
    """The works this report's text relies on, and the exact software and data of this run."""
    spec = record["spec"]
    data = record["dataset"]
    versions = record["versions"]
    entries = [BIBLIOGRAPHY["lstm"], BIBLIOGRAPHY["forget_gate"], BIBLIOGRAPHY["vanishing"]]
    optimizer = spec["training"]["optimizer"]
    if optimizer in BIBLIOGRAPHY:
        entries.append(BIBLIOGRAPHY[optimizer])
    source = data.get("source")
    if source == "keras-imdb" or "imdb" in str(data.get("name", "")).lower():
        entries.append(BIBLIOGRAPHY["imdb"])
    elif source == "generated":
        entries.append(f"Data: the temporal-order task of Hochreiter and Schmidhuber (1997, experiment 6a), "
                       f"generated with seed {data.get('seed')}.")
    else:
        entries.append(f"Data: {data.get('name', source)}" + (f" ({data['path']})." if data.get("path") else "."))
    entries.append(f"Chollet, F. et al. Keras {versions.get('keras', '')}, {record['backend']} backend "
                   f"{versions.get(record['backend'], '')}. https://keras.io")
    entries.append(f"labreport {versions.get('labreport', '')}: run record run.json of experiment "
                   f"'{record['experiment']}', created {record.get('created', '')}.")
    return entries


def project_report(record, findings, figures, advice) -> dict:
    return {
        "introduction": introduction(record),
        "problem_statement": problem_statement(record),
        "results": results_discussion(record, findings),
        "visualization": visualization(record, findings, figures),
        "conclusion": conclusion(record, findings),
        "future": future_directions(record, findings, advice),
        "references": references(record),
    }


# ---- seminar


def _gate_traces(record) -> dict:
    """Means over units along the first recorded test sequence, when the run recomputed the gates."""
    gates = (record.get("diagnostics") or {}).get("gates") or {}
    sequences = gates.get("sequences") or []
    return sequences[0] if sequences else {}


def activations(record) -> dict:
    """Where each activation function the hand-out lists works in THIS model (None: not used)."""
    data = record["dataset"]
    length = data["sequence_length"]
    cells = [layer["cell"] for layer in record["spec"]["model"]["recurrent"]]
    cells += [b["cell"] for b in record.get("baselines") or []]
    m = record["spec"]["model"]["recurrent"][0]["units"]
    k = len(data["class_names"])
    two = k == 2
    per_unit = ((record.get("diagnostics") or {}).get("gates") or {}).get("first_sequence_per_unit") or {}
    used = {}
    sigmoid = []
    if "lstm" in cells:
        sigmoid.append(f"the LSTM's input, forget and output gates: 3 × {m} = {3 * m} sigmoids at each of the "
                       f"{length} steps")
    if "gru" in cells:
        sigmoid.append("the GRU's update and reset gates")
    if two:
        sigmoid.append("the single output unit, read as the probability of the second class")
    if per_unit.get("forget_gate") and per_unit.get("input_gate"):
        values = [v for row in per_unit["forget_gate"] + per_unit["input_gate"] for v in row]
        sigmoid.append(f"along the first test sequence the gate values ranged from {min(values):.3f} to "
                       f"{max(values):.3f}, inside (0, 1) as a gate needs")
    used["sigmoid"] = "; ".join(sigmoid) if sigmoid else None
    tanh = []
    if "lstm" in cells:
        tanh.append(f"the LSTM's candidate C̃ and its output tanh(C), {m} units each")
    if "simple_rnn" in cells:
        tanh.append("the SimpleRNN's hidden state, which it squashes into (−1, 1) at every step")
    used["tanh"] = "; ".join(tanh) if tanh else None
    used["softmax"] = (None if two else
                       f"the Dense output: {k} scores turned into probabilities that sum to 1 ({', '.join(data['class_names'])})")
    gate_blocks = {"lstm": 4, "gru": 3, "simple_rnn": 1}.get(cells[0], 1)
    used["linear"] = (f"not as an output, but every gate first forms the linear sum W·[h(t−1), x(t)] + b: "
                      f"{gate_blocks} × {m} = {gate_blocks * m} sums per step here")
    unbounded = (f"not used: unbounded above, it would let the hidden state grow without limit when fed back over "
                 f"{length} steps; gates need (0, 1)")
    used["relu"] = unbounded
    used["leaky_relu"] = unbounded
    used["softplus"] = unbounded
    return used


def _dictionary_paragraph(record) -> str:
    data = record["dataset"]
    vocabulary = data.get("vocabulary_size") or 0
    source = data.get("source")
    if source == "generated" and data.get("symbols"):
        listing = ", ".join(f"{i} = {symbol}" for i, symbol in enumerate(data["symbols"]))
        return (f"Dictionary: every symbol gets an integer index, {_n(vocabulary)} in all ({listing}); index 0 is "
                f"reserved for padding, so the network reads a sequence as {data['sequence_length']} integers.")
    if source == "keras-imdb":
        kept = (f"the {_n(data['num_words'])} most frequent words" if data.get("num_words")
                else f"all {_n(data.get('num_words_effective') or vocabulary)} indexed words")
        return (f"Dictionary: words are numbered by how often they occur in the training reviews (1 = most "
                f"frequent), shifted by {data.get('index_from')} to make room for padding (0), the start mark "
                f"({data.get('start_char')}) and the out-of-vocabulary mark ({data.get('oov_char')}). This run kept "
                f"{kept}" + (f" after skipping the top {_n(data['skip_top'])}" if data.get("skip_top") else "")
                + f"; {_pct(data.get('oov_share') or 0, 2)} of the training tokens fell outside and became the "
                  f"out-of-vocabulary mark. The vocabulary size V is {_n(vocabulary)}.")
    return (f"Dictionary: the {_n(vocabulary)} most frequent training words, sorted by frequency, get indices; "
            f"{_pct(data.get('oov_share') or 0, 2)} of the training tokens fell outside it.")


def embedding_paragraphs(record) -> list[str]:
    data = record["dataset"]
    length = data["sequence_length"]
    vocabulary = data.get("vocabulary_size") or 0
    numbers = theory_numbers(record)
    paragraphs = [_dictionary_paragraph(record)]
    if vocabulary:
        paragraphs.append(
            f"One-hot encoding writes a token as a vector of V = {_n(vocabulary)} numbers, all 0 but a 1 at its "
            f"index: one sequence becomes a {length} × {_n(vocabulary)} matrix, {_n(length * vocabulary)} numbers of "
            f"which only {length} are not zero.")
    if numbers.get("embedding_params"):
        n = numbers["embedding_output_dim"]
        paragraphs.append(
            f"The embedding layer replaces each index by a learnt vector of n = {n} numbers, the index's row of a "
            f"V × n = {_n(numbers['embedding_input_dim'])} × {n} table: the sequence becomes {length} × {n} = "
            f"{_n(length * n)} numbers"
            + (f", {length * vocabulary / (length * n):.1f} times fewer than one-hot" if vocabulary > n else "")
            + ", and tokens used alike end up with similar vectors.")
    lengths = data.get("lengths") or {}
    if lengths and lengths.get("min") != lengths.get("max"):
        padding = "start" if data.get("padding", "pre") == "pre" else "end"
        kept = "last" if data.get("truncating", "pre") == "pre" else "first"
        paragraphs.append(
            f"Padding: the texts had {lengths['mean']:g} tokens on average (median {lengths['median']:g}, longest "
            f"{_n(lengths['max'])}); each was padded with 0 at the {padding} to {length} tokens or cut to its {kept} "
            f"{length}, which shortened {_pct(lengths.get('truncated_share') or 0, 1)} of them.")
    else:
        paragraphs.append(f"Padding: every sequence here already has exactly {length} steps, so none was padded or "
                          f"cut; index 0 stays reserved for padding.")
    return paragraphs


def gate_notes(record) -> dict:
    """One sentence per gate, from the spec's initial bias and the recomputed gates of the trained LSTM."""
    layer = record["spec"]["model"]["recurrent"][0]
    m = layer["units"]
    bias = layer.get("forget_bias", 1.0)
    trace = _gate_traces(record)
    lag = record["dataset"].get("min_lag")
    notes = {
        "forget": (f"The forget gate's bias started at {bias:g}, so before training each of the {m} units "
                   f"kept σ({bias:g}) = {1 / (1 + math.exp(-bias)):.3f} of its cell per step."),
        "input": f"The input gate decides, for each of the {m} units, how much of the candidate to write.",
        "cell": f"The cell state is a vector of {m} numbers, updated by addition rather than by a matrix product.",
        "output": f"The output gate chooses which of the {m} cells to expose as the hidden state, the layer's output.",
    }
    if trace:
        mean_forget = _mean(trace.get("forget_gate_mean"))
        notes["forget"] += f" After training it averaged {mean_forget:.3f} along the first test sequence"
        notes["forget"] += "."
        memory = _memory(record)
        if memory is not None:
            notes["forget"] += (f" For {memory['who']} it averaged {memory['forget_after']:.3f} after the "
                                f"first important task")
            if lag:
                notes["forget"] += (f": over the {lag}-step lag that leaves {_power(memory['forget_after'], lag)} of "
                                    f"an unrefreshed value")
            notes["forget"] += "."
            wider = memory["input_at"] - memory["input_else"]
            notes["input"] += (f" In the trained model, for {memory['who']}, it was "
                               f"{memory['input_at']:.3f} at the important tasks and {memory['input_else']:.3f} "
                               f"elsewhere: "
                               + ("it opens wider for what must be remembered." if wider >= 0.05 else
                                  f"only {wider:.3f} wider, so in this run it barely singles them out."
                                  if wider > 0 else "in this run it did not open wider for the important tasks."))
        norms = _finite(trace.get("cell_state_norm"))
        if norms:
            peak = max(range(len(norms)), key=lambda i: norms[i])
            notes["cell"] += (f" Along the first test sequence its norm went from {norms[0]:.3f} at step 1 to "
                              f"{norms[-1]:.3f} at step {len(norms)}, peaking at {norms[peak]:.3f} at step {peak + 1}.")
        mean_output = _mean(trace.get("output_gate_mean"))
        if mean_output is not None:
            notes["output"] += f" Trained, it averaged {mean_output:.3f} over the units and steps of that sequence."
    return notes


def epoch_rows(record) -> list[dict]:
    history = record["history"]
    seconds = record["timing"].get("seconds_per_epoch") or []
    rows = []
    for index in range(len(history["loss"])):
        def value(key):
            values = history.get(key) or []
            return values[index] if index < len(values) else None
        rows.append({"epoch": index + 1, "loss": value("loss"), "accuracy": value("accuracy"),
                     "val_loss": value("val_loss"), "val_accuracy": value("val_accuracy"),
                     "seconds": seconds[index] if index < len(seconds) else None})
    return rows


def machine_learning(record) -> list[str]:
    spec = record["spec"]
    sizes = record["dataset"]["sizes"]
    epochs = len(record["history"]["loss"])
    batches = _batches_per_epoch(record)
    length = record["dataset"]["sequence_length"]
    optimizer = OPTIMIZER_TITLES.get(spec["training"]["optimizer"], spec["training"]["optimizer"])
    return [
        f"Machine learning fits a model to examples instead of writing its rules by hand. Here "
        f"{_n(record['model']['total_params'])} weights were fitted to {_n(sizes['train'])} labelled sequences by "
        f"minimising the {KERAS_LOSS[_two_classes(record)]} with {optimizer}; {_n(sizes['validation'])} further "
        f"sequences were held out to watch for overfitting, and {_n(sizes['test'])} were used once, at the end.",
        "A neural network is a stack of layers, each a weighted sum of its inputs followed by an activation "
        "function. This one is " + "; ".join(f"{phrase} with {_n(params)} weights"
                                             for phrase, params in _layer_phrases(record)) + ".",
        f"Deep learning trains many such layers together by backpropagation. A recurrent layer is deep in time: "
        f"unrolled over the {length} steps it is {length} copies of one layer sharing the same weights, and each of "
        f"the {epochs} × {batches} = {_n(epochs * batches)} weight updates of this run sent its gradient back through "
        f"all of them.",
    ]


def rnn_paragraphs(record) -> list[str]:
    baselines = {b["cell"]: b for b in record.get("baselines") or []}
    layer = record["spec"]["model"]["recurrent"][0]
    numbers = theory_numbers(record)
    m, n = layer["units"], numbers.get("lstm_inputs") or (parameter_rows(record) or [{}])[0].get("n") or 1
    simple = m * m + m * n + m
    text = (f"A SimpleRNN of m = {m} units reading n = {n} inputs per step has one weight matrix for the input "
            f"(m·n), one for the previous state (m·m) and a bias (m): m² + mn + m = {_n(simple)} parameters.")
    paragraphs = [text]
    if "simple_rnn" in baselines:
        baseline = baselines["simple_rnn"]
        rows = [r for r in parameter_rows(record, baseline["model"], cell="simple_rnn") if r["type"] == "SimpleRNN"]
        if rows:
            paragraphs[0] += f" Keras counted {_n(rows[0]['keras'])} for this run's SimpleRNN baseline."
        paragraphs[0] += (f" Trained the same way, it scored test accuracy {_pct(baseline['test']['accuracy'], 2)} "
                          f"against the {_title(_cell(record))}'s {_pct(record['test']['accuracy'], 2)}.")
    ratios = gradient_ratios(record)
    if ratios:
        paragraphs.append(
            f"The trouble is the gradient through time. At the initial weights, the gradient of the loss with "
            f"respect to the input at the first of {record['dataset']['sequence_length']} steps, divided by that at "
            f"the last step, was " + "; ".join(f"{ratio:.2e} for the {_title(cell)}" for cell, ratio in ratios.items())
            + ". A ratio far below 1 means the early steps barely influence learning: the vanishing gradient."
            + _rnn_gradient_verdict(ratios, record["dataset"]["sequence_length"]))
    return paragraphs


def _rnn_gradient_verdict(ratios: dict, length: int) -> str:
    lstm, rnn = ratios.get("lstm"), ratios.get("simple_rnn")
    if lstm is None or rnn is None:
        return ""
    if rnn < lstm:
        return (f" Here the SimpleRNN's ratio is {lstm / rnn:.1e} times smaller than the LSTM's: its gradient fades "
                f"faster over the {length} steps.")
    return (f" Here the LSTM's ratio is the smaller, so over {length} steps and at these initial weights the "
            f"vanishing gradient does not favour the LSTM.")


def limitations(record, findings) -> list[str]:
    items = []
    rows = comparison_rows(record)
    parameter = {row["type"]: row for row in parameter_rows(record)}
    main = _cell(record)
    if main == "lstm" and "LSTM" in parameter:
        lstm = parameter["LSTM"]
        simple = lstm["m"] * lstm["m"] + lstm["m"] * lstm["n"] + lstm["m"]
        text = (f"Cost: the LSTM layer needs {_n(lstm['keras'])} weights where a SimpleRNN of the same size needs "
                f"{_n(simple)}, four times as many")
        simple_row = next((row for row in rows if row["cell"] == "simple_rnn"), None)
        if simple_row and rows and math.isfinite(rows[0]["seconds_per_epoch"]):
            text += (f"; an epoch took {rows[0]['seconds_per_epoch']:.2f} s against "
                     f"{simple_row['seconds_per_epoch']:.2f} s for the SimpleRNN")
        items.append(text + ".")
    seconds = record["timing"].get("seconds_per_epoch") or []
    if seconds:
        items.append(
            f"Sequential: step t needs the hidden state of step t − 1, so the {record['dataset']['sequence_length']} steps of a sequence "
            f"cannot run in parallel; the fastest epoch here took {min(seconds):.2f} s for "
            f"{_n(record['dataset']['sizes']['train'])} sequences.")
    memory = _memory(record)
    lag = record["dataset"].get("min_lag")
    if memory is not None and lag:
        after = memory["forget_after"]
        items.append(f"Memory still fades: a forget gate of {after:.3f} (for {memory['who']}) keeps {_power(after, lag)} of an "
                     f"unrefreshed value over {lag} steps; the cell carries information only as long as the forget "
                     f"gate stays near 1.")
    overfitting = findings.get("overfitting") or {}
    per_sample = record["model"]["total_params"] / max(record["dataset"]["sizes"]["train"], 1)
    if overfitting.get("detected"):
        items.append(f"Overfitting: from epoch {overfitting['onset_epoch']} the validation loss rose while the "
                     f"training loss fell; {_n(record['model']['total_params'])} weights can memorise "
                     f"{_n(record['dataset']['sizes']['train'])} sequences.")
    elif per_sample > PARAMS_PER_SAMPLE_HIGH:
        items.append(f"Data hungry: {_n(record['model']['total_params'])} weights for "
                     f"{_n(record['dataset']['sizes']['train'])} training sequences, {per_sample:.0f} per sequence.")
    lengths = record["dataset"].get("lengths") or {}
    if lengths.get("truncated_share"):
        items.append(f"Fixed length: cutting every sequence to {record['dataset']['sequence_length']} tokens "
                     f"shortened {_pct(lengths['truncated_share'], 1)} of them, and whatever was cut never reached "
                     f"the network.")
    return items


def _lag_sentence(record) -> str:
    """How far back the evidence for the label can lie in this run's data."""
    data = record["dataset"]
    length = data["sequence_length"]
    if data.get("min_lag"):
        return (f"That gap is the test: the first important task lies at least {data['min_lag']} steps before the "
                f"end of the sequence, so the network must carry it through {data['min_lag']} updates of its state "
                f"while {record['spec']['dataset'].get('n_unimportant') or 'the'} kinds of unimportant task pass "
                f"by.")
    lengths = data.get("lengths") or {}
    text = (f"A text here is read as {length} tokens, so a word near its start sits up to {length} steps before "
            f"the state the classifier sees")
    if lengths.get("truncated_share"):
        kept = "last" if data.get("truncating", "pre") == "pre" else "first"
        text += (f"; {_pct(lengths['truncated_share'], 1)} of the texts were longer and only their {kept} {length} "
                 f"tokens were kept")
    return text + "."


def seminar(record, findings, figures) -> dict:
    numbers = theory_numbers(record)
    test = record["test"]
    epochs = len(record["history"]["loss"])
    rows = comparison_rows(record)
    data = record["dataset"]
    abstract = (f"This report explains the Long Short-Term Memory network and measures one on "
                f"{data.get('name', data.get('source'))}. An {_title(_cell(record))} of "
                f"{record['spec']['model']['recurrent'][0]['units']} units ({_n(record['model']['total_params'])} "
                f"parameters in the whole model) was trained for {epochs} epochs on {_n(data['sizes']['train'])} "
                f"sequences and scored test accuracy {_pct(test['accuracy'], 2)}")
    if len(rows) > 1:
        abstract += "; " + ", ".join(f"a {row['title']} trained the same way scored {_pct(row['test_accuracy'], 2)}"
                                     for row in rows[1:])
    abstract += "."
    if numbers.get("lstm_formula_params"):
        abstract += (f" The formula 4(m² + mn + m) gives {_n(numbers['lstm_formula_params'])} LSTM parameters, "
                     + ("the same as" if numbers["lstm_formula_params"] == numbers["lstm_keras_params"] else "against")
                     + f" Keras' count of {_n(numbers['lstm_keras_params'])}.")
    introduction_text = [
        f"In a sequence the order carries the meaning. In this run's data {_task_sentence(record)}, so "
        + (f"a model that forgets what it read {data['min_lag']} steps ago cannot find the label."
           if data.get("min_lag") else
           f"the words that decide the label may lie anywhere in the {data['sequence_length']} steps."),
        _lag_sentence(record),
    ]
    best = findings.get("best_epoch") or {}
    results = [test_result(record)]
    if best.get("available") and best.get("epoch"):
        results.append(f"The validation loss was lowest at epoch {best['epoch']} ({_f(best['val_loss'])}), where the "
                       f"validation accuracy was {_f(best['val_accuracy'])}.")
    results += _baseline_sentences(record)
    conclusion_text = conclusion(record, findings)
    if numbers.get("lstm_formula_params"):
        conclusion_text += (f" The parameter formulas, checked against Keras, account for "
                            f"{_n(sum(r['value'] for r in parameter_rows(record)))} of the model's "
                            f"{_n(record['model']['total_params'])} weights.")
    return {
        "abstract": abstract,
        "introduction": introduction_text,
        "machine_learning": machine_learning(record),
        "activations": activations(record),
        "rnn": rnn_paragraphs(record),
        "embedding": embedding_paragraphs(record),
        "gates": gate_notes(record),
        "parameters": parameter_rows(record),
        "epochs": epoch_rows(record),
        "results": results,
        "limitations": limitations(record, findings),
        "conclusion": conclusion_text,
        "references": references(record),
    }


def _unevaluated_as_nan(record) -> dict:
    """A model whose loss diverged has ``test: null``; the prose reads it as NaN (printed "n/a")."""
    unevaluated = {"accuracy": math.nan, "loss": math.nan}
    if record.get("test") is not None and all(b.get("test") is not None for b in record.get("baselines") or []):
        return record
    return {**record, "test": record.get("test") or unevaluated,
            "baselines": [{**b, "test": b.get("test") or unevaluated} for b in record.get("baselines") or []]}


def compose(record, findings, figures, worksheet) -> dict:
    """Every answer the templates print, keyed by section."""
    from ..analysis import smoothing_advice

    record = _unevaluated_as_nan(record)
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
        "lab_record": lab_record(record, findings, figures),
        "project_report": project_report(record, findings, figures, advice),
        "seminar": seminar(record, findings, figures),
    }
