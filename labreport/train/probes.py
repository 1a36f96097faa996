"""Measurements that answer "why LSTM over RNN" and show remembering and forgetting.

Run at training time (they need the Keras models); what they return is plain
data for run.json, so the report draws its figures without TensorFlow.

- Vanishing gradients: for one batch, the norm of d(loss)/d(input at step t)
  for every step t, for the LSTM and a SimpleRNN of the same size, at their
  initial weights (the same seed) and after training.
- Gate activations: the trained LSTM cell's own weights run over a few test
  sequences step by step in NumPy, giving the input and forget gates; the
  recomputed hidden state is checked against Keras' output.
"""

from __future__ import annotations

import time

import numpy as np

GRADIENT_BATCH = 64
GATE_SEQUENCES_PER_CLASS = 2  # recorded test sequences per class: every class shows, and the final
# cell states of two sequences per first important task tell whether a unit separates them


def compute_diagnostics(spec, dataset, main, baselines, *, seconds: dict | None = None) -> dict:
    """Gradient norms and gate traces; ``seconds``, if given, receives each part's wall time.

    A model whose loss diverged contributes only what does not need its
    weights: the initial gradient norms, not the trained ones, and no gates.
    """
    seconds = {} if seconds is None else seconds
    diagnostics: dict = {}
    started = time.perf_counter()
    diagnostics["gradient_norms"] = gradient_norms(spec, dataset, main, baselines)
    seconds["gradient_norms"] = round(time.perf_counter() - started, 3)
    if main.keras_model is None:
        return diagnostics  # the main model diverged: its NaN weights have no gates worth showing
    started = time.perf_counter()
    gates = gate_activations(main.keras_model, dataset, initial_model=_initial_model(spec, dataset))
    seconds["gates"] = round(time.perf_counter() - started, 3)
    if gates is not None:
        diagnostics["gates"] = gates
    return diagnostics


def _initial_model(spec, dataset):
    """The main model at the weights its training started from (the same seed, built the same way)."""
    import keras

    from ..model import build_model, input_shape

    keras.utils.set_random_seed(spec.training.seed)
    return build_model(spec.model, spec.training, input_shape(dataset))


# --------------------------------------------------------------------------- gradients


def _split_input_layer(model):
    """(layer that turns tokens into vectors or None, the layers after it)."""
    layers = list(model.layers)
    if layers and type(layers[0]).__name__ in ("Embedding", "CategoryEncoding"):
        return layers[0], layers[1:]
    return None, layers


def step_gradient_norms(model, x, y) -> list[float]:
    """Mean over the batch of ||d loss / d input_t|| for each time step t."""
    import keras

    first, rest = _split_input_layer(model)
    inputs = keras.ops.convert_to_tensor(x)
    vectors = first(inputs) if first is not None else keras.ops.cast(inputs, "float32")
    vectors = keras.ops.cast(vectors, "float32")
    loss_fn = keras.losses.get(model.loss)
    targets = keras.ops.convert_to_tensor(y)
    if model.output_shape[-1] == 1:
        # A sigmoid head outputs (batch, 1); the binary loss wants targets of the same rank.
        targets = keras.ops.reshape(keras.ops.cast(targets, "float32"), (-1, 1))

    def loss_of(v):
        out = v
        for layer in rest:
            out = layer(out, training=False)
        return keras.ops.mean(loss_fn(targets, out))

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        # As a graph, not eagerly: the recurrent loop then runs in TensorFlow's
        # executor instead of one Python round trip per op per step.  Tracing
        # included, that halved this call on Assignment 7 (0.48 s -> 0.24 s for
        # the LSTM on 2 cores); the values agree to float32 rounding.
        @tf.function
        def input_gradient(v):
            with tf.GradientTape() as tape:
                tape.watch(v)
                loss = loss_of(v)
            return tape.gradient(loss, v)

        grads = input_gradient(vectors).numpy()
    elif backend == "jax":
        import jax
        grads = np.asarray(jax.jit(jax.grad(loss_of))(vectors))
    elif backend == "torch":
        import torch

        # Keras' torch tensors are torch.Tensor: autograd takes the gradient by the input vectors.
        leaf = vectors.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_of(leaf), leaf)
        grads = grad.detach().cpu().numpy()
    else:  # pragma: no cover - labreport offers tensorflow, jax and torch only
        raise RuntimeError(f"gradient norms are not implemented for the {backend} backend")
    per_step = np.linalg.norm(grads, axis=-1).mean(axis=0)
    return [float(v) for v in per_step]


def gradient_norms(spec, dataset, main, baselines) -> dict:
    """Per-step input-gradient norms for the main cell and SimpleRNN, initial and trained."""
    import keras

    from ..model import build_model, input_shape

    x = dataset.x_test[:GRADIENT_BATCH]
    y = dataset.y_test[:GRADIENT_BATCH]
    models = {main.cell: main.keras_model, **{b.cell: b.keras_model for b in baselines}}
    cells = list(dict.fromkeys([main.cell, "simple_rnn", *models]))
    # A model whose loss diverged (keras_model None) has no trained norms: its weights are NaN.
    trained = {cell: model for cell, model in models.items() if model is not None}
    result = {"batch_size": int(len(y)), "sequence_length": int(dataset.sequence_length),
              "initial": {}, "trained": {}}
    for cell in cells:
        # The same seed as training: these are exactly the weights training started from.
        keras.utils.set_random_seed(spec.training.seed)
        fresh = build_model(spec.model, spec.training, input_shape(dataset), cell=cell)
        result["initial"][cell] = step_gradient_norms(fresh, x, y)
        if cell in trained:
            result["trained"][cell] = step_gradient_norms(trained[cell], x, y)
    return result


# --------------------------------------------------------------------------- gates


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_gates_numpy(vectors, kernel, recurrent_kernel, bias):
    """Run an LSTM cell over (n, T, d) inputs; Keras' gate order is i, f, c, o.

    Returns dict of (n, T, units) arrays: input, forget, output gates, cell state, hidden state.
    """
    n, steps, _ = vectors.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    out = {k: np.zeros((n, steps, units)) for k in ("input", "forget", "output", "cell", "hidden")}
    for t in range(steps):
        z = vectors[:, t, :] @ kernel + h @ recurrent_kernel + bias
        i = _sigmoid(z[:, :units])
        f = _sigmoid(z[:, units:2 * units])
        g = np.tanh(z[:, 2 * units:3 * units])
        o = _sigmoid(z[:, 3 * units:])
        c = f * c + i * g
        h = o * np.tanh(c)
        for key, value in (("input", i), ("forget", f), ("output", o), ("cell", c), ("hidden", h)):
            out[key][:, t, :] = value
    return out


def _first_lstm(model):
    """(the layer before the LSTM or None, the first LSTM layer) when its gates can be recomputed, else None."""
    import keras

    first, rest = _split_input_layer(model)
    lstm = rest[0] if rest else None
    if lstm is None or type(lstm).__name__ != "LSTM":
        return None  # bidirectional or another cell: no single gate trace to show
    cell = lstm.cell
    if cell.activation is not keras.activations.tanh or cell.recurrent_activation is not keras.activations.sigmoid:
        return None
    return first, lstm


def _lstm_traces(first, lstm, x):
    """(the vectors the LSTM reads, its gates and states recomputed in NumPy) for token ids ``x``."""
    import keras

    vectors = first(keras.ops.convert_to_tensor(x)) if first is not None else x
    vectors = np.asarray(keras.ops.convert_to_numpy(vectors), dtype=np.float64)
    kernel, recurrent_kernel, bias = (np.asarray(w, dtype=np.float64) for w in lstm.get_weights())
    return vectors, lstm_gates_numpy(vectors, kernel, recurrent_kernel, bias)


def gate_activations(model, dataset, initial_model=None) -> dict | None:
    """Input and forget gates of the first LSTM layer over a few test sequences.

    With ``initial_model`` (the same model at the weights training started from), the same
    summary is also made of its gates on the same sequences (``initial_summary``): what the
    initialisation already set, to tell apart from what training changed.
    """
    import keras

    found = _first_lstm(model)
    if found is None:
        return None
    first, lstm = found
    chosen = gate_sequence_indices(dataset.y_test, len(dataset.class_names))
    x = dataset.x_test[chosen]
    vectors, traces = _lstm_traces(first, lstm, x)
    recurrent_kernel = lstm.get_weights()[1]
    keras_out = np.asarray(keras.ops.convert_to_numpy(lstm(keras.ops.convert_to_tensor(vectors, "float32"))))
    ours = traces["hidden"] if lstm.return_sequences else traces["hidden"][:, -1, :]
    max_abs_difference = float(np.max(np.abs(ours - keras_out)))

    important_steps = ([dataset.important_steps_test[i] for i in chosen] if dataset.important_steps_test else None)
    unit = most_responsive_unit(traces["cell"], important_steps)
    sequences = _gate_sequences(dataset, chosen, x, traces, unit, important_steps)
    first_sequence = {
        "input_gate": traces["input"][0].T.round(4).tolist(),   # (units, T) for a heat map
        "forget_gate": traces["forget"][0].T.round(4).tolist(),
    }
    return {
        "layer": lstm.name,
        "unit": unit,
        "units": int(recurrent_kernel.shape[0]),
        "recomputed_vs_keras_max_abs_difference": max_abs_difference,
        "sequences": sequences,
        "first_sequence_per_unit": first_sequence,
        "summary": {**summarise_gates(sequences, traces["input"]),
                    **summarise_cell_changes(traces["cell"][:, :, unit], important_steps)},
        # The same numbers at the initial weights (same sequences, same unit), or None.
        "initial_summary": _initial_gate_summary(initial_model, x, sequences, unit, important_steps),
        # One sequence per class for the figure (the first of each), in class order.
        "figure_sequences": list(range(min(len(dataset.class_names), len(chosen), 4))),
    }


def _gate_sequences(dataset, chosen, x, traces: dict, unit: int, important_steps) -> list[dict]:
    """run.json's gate traces: per chosen test sequence, the gates' means and the followed unit's values."""
    symbols = dataset.description.get("symbols")
    sequences = []
    for index, test_index in enumerate(chosen):
        important = important_steps[index] if important_steps else []
        tokens = x[index].tolist()
        sequences.append({
            "tokens": [symbols[t] for t in tokens] if symbols else tokens,
            "label": dataset.class_names[int(dataset.y_test[test_index])],
            "test_index": int(test_index),
            "important_steps": [int(s) for s in important],
            "input_gate_mean": traces["input"][index].mean(axis=1).round(5).tolist(),
            "forget_gate_mean": traces["forget"][index].mean(axis=1).round(5).tolist(),
            "output_gate_mean": traces["output"][index].mean(axis=1).round(5).tolist(),
            "cell_state_norm": np.linalg.norm(traces["cell"][index], axis=1).round(5).tolist(),
            # The one unit that reacts most to the important tasks: averages over
            # all units hide it among units that do other work.
            "unit_input_gate": traces["input"][index, :, unit].round(5).tolist(),
            "unit_forget_gate": traces["forget"][index, :, unit].round(5).tolist(),
            "unit_cell_state": traces["cell"][index, :, unit].round(5).tolist(),
        })
    return sequences


def _initial_gate_summary(initial_model, x, sequences: list[dict], unit: int, important_steps) -> dict | None:
    """The gate summary at the initial weights, on the same sequences and unit (None without the model)."""
    found_initial = _first_lstm(initial_model) if initial_model is not None else None
    if found_initial is None:
        return None
    _, before = _lstm_traces(*found_initial, x)
    before_sequences = [{
        "important_steps": sequence["important_steps"],
        "input_gate_mean": before["input"][index].mean(axis=1),
        "forget_gate_mean": before["forget"][index].mean(axis=1),
        "unit_input_gate": before["input"][index, :, unit],
        "unit_forget_gate": before["forget"][index, :, unit],
    } for index, sequence in enumerate(sequences)]
    return {**summarise_gates(before_sequences, before["input"]),
            **summarise_cell_changes(before["cell"][:, :, unit], important_steps)}


def gate_sequence_indices(y_test, n_classes: int, per_class: int = GATE_SEQUENCES_PER_CLASS) -> list[int]:
    """Test indices: the first sequence of each class, then the second of each, and so on."""
    labels = np.asarray(y_test).reshape(-1)
    if labels.size == 0:
        return []
    chosen = []
    for rank in range(per_class):
        for label in range(max(n_classes, 1)):
            where = np.flatnonzero(labels == label)
            if len(where) > rank:
                chosen.append(int(where[rank]))
    return chosen or list(range(min(3, labels.size)))


def cell_state_steps(cell_states: np.ndarray) -> np.ndarray:
    """|C_t - C_{t-1}| per sequence, step and unit (C_0 = 0): how much each step writes into the cell."""
    previous = np.concatenate([np.zeros_like(cell_states[:, :1]), cell_states[:, :-1]], axis=1)
    return np.abs(cell_states - previous)


def most_responsive_unit(cell_states: np.ndarray, important_steps) -> int:
    """The unit whose cell state moves most at the important steps compared with elsewhere.

    That is remembering made measurable: the cell is written when an important
    task arrives and left alone by the unimportant ones.  Without marked steps
    (real data), the unit whose cell state moves most over the sequence.
    """
    change = cell_state_steps(cell_states)
    if not important_steps:
        return int(np.argmax(change.mean(axis=(0, 1))))
    mask = np.zeros(change.shape[:2], dtype=bool)
    for row, steps in enumerate(important_steps):
        mask[row, steps] = True
    ratio = change[mask].mean(axis=0) / (change[~mask].mean(axis=0) + 1e-9)
    return int(np.argmax(ratio))


def summarise_gates(sequences: list[dict], input_gates: np.ndarray | None = None) -> dict:
    """Numbers for the observation: do the gates open at the important tasks and hold between them?

    Reported for the mean over units and for the most responsive unit.
    """
    pools = {key: [] for key in ("mean_in_imp", "mean_in_else", "mean_f_after", "mean_f_before",
                                 "unit_in_imp", "unit_in_else", "unit_f_after")}
    opening_units = None
    masks = []
    for seq in sequences:
        steps = seq["important_steps"]
        if not steps:
            continue
        length = len(seq["input_gate_mean"])
        important = np.zeros(length, dtype=bool)
        important[steps] = True
        after_first = np.zeros(length, dtype=bool)
        after_first[min(steps) + 1:] = True  # the span the first important task must survive
        after_first[important] = False
        masks.append(important)
        for prefix, in_key, f_key in (("mean", "input_gate_mean", "forget_gate_mean"),
                                      ("unit", "unit_input_gate", "unit_forget_gate")):
            input_gate, forget_gate = np.asarray(seq[in_key]), np.asarray(seq[f_key])
            pools[f"{prefix}_in_imp"].extend(input_gate[important])
            pools[f"{prefix}_in_else"].extend(input_gate[~important])
            pools[f"{prefix}_f_after"].extend(forget_gate[after_first])
            if prefix == "mean":
                pools["mean_f_before"].extend(forget_gate[:min(steps)])
    if not masks:
        return {"available": False}
    if input_gates is not None:
        mask = np.stack(masks)
        difference = input_gates[:len(masks)][mask].mean(axis=0) - input_gates[:len(masks)][~mask].mean(axis=0)
        opening_units = int((difference > 0.2).sum())

    def mean(key):
        return round(float(np.mean(pools[key])), 4) if pools[key] else None

    return {
        "available": True,
        "input_gate_at_important": mean("mean_in_imp"),
        "input_gate_elsewhere": mean("mean_in_else"),
        "forget_gate_after_first_important": mean("mean_f_after"),
        "forget_gate_before_first_important": mean("mean_f_before"),
        "unit_input_gate_at_important": mean("unit_in_imp"),
        "unit_input_gate_elsewhere": mean("unit_in_else"),
        "unit_forget_gate_after_first_important": mean("unit_f_after"),
        "units_opening_at_important": opening_units,
    }


def summarise_cell_changes(unit_cell_states: np.ndarray, important_steps) -> dict:
    """How much the chosen unit's cell state changes at important steps and elsewhere."""
    if not important_steps:
        return {}
    change = cell_state_steps(unit_cell_states[:, :, None])[:, :, 0]
    mask = np.zeros(change.shape, dtype=bool)
    for row, steps in enumerate(important_steps):
        mask[row, steps] = True
    return {
        "unit_cell_change_at_important": round(float(change[mask].mean()), 4),
        "unit_cell_change_elsewhere": round(float(change[~mask].mean()), 4),
    }
