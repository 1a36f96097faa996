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
GATE_SEQUENCES = 3


def compute_diagnostics(spec, dataset, main, baselines, *, seconds: dict | None = None) -> dict:
    """Gradient norms and gate traces; ``seconds``, if given, receives each part's wall time."""
    seconds = {} if seconds is None else seconds
    diagnostics: dict = {}
    started = time.perf_counter()
    diagnostics["gradient_norms"] = gradient_norms(spec, dataset, main, baselines)
    seconds["gradient_norms"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    gates = gate_activations(main.keras_model, dataset)
    seconds["gates"] = round(time.perf_counter() - started, 3)
    if gates is not None:
        diagnostics["gates"] = gates
    return diagnostics


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
        with tf.GradientTape() as tape:
            tape.watch(vectors)
            loss = loss_of(vectors)
        grads = tape.gradient(loss, vectors).numpy()
    elif backend == "jax":
        import jax
        grads = np.asarray(jax.grad(loss_of)(vectors))
    else:  # pragma: no cover - labreport offers tensorflow and jax only
        raise RuntimeError(f"gradient norms are not implemented for the {backend} backend")
    per_step = np.linalg.norm(grads, axis=-1).mean(axis=0)
    return [float(v) for v in per_step]


def gradient_norms(spec, dataset, main, baselines) -> dict:
    """Per-step input-gradient norms for the main cell and SimpleRNN, initial and trained."""
    import keras

    from .model import build_model
    from .training import input_shape

    x = dataset.x_test[:GRADIENT_BATCH]
    y = dataset.y_test[:GRADIENT_BATCH]
    trained = {main.cell: main.keras_model, **{b.cell: b.keras_model for b in baselines}}
    cells = list(dict.fromkeys([main.cell, "simple_rnn", *trained]))
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


def gate_activations(model, dataset) -> dict | None:
    """Input and forget gates of the first LSTM layer over a few test sequences."""
    import keras

    first, rest = _split_input_layer(model)
    lstm = rest[0] if rest else None
    if lstm is None or type(lstm).__name__ != "LSTM":
        return None  # bidirectional or another cell: no single gate trace to show
    cell = lstm.cell
    if cell.activation is not keras.activations.tanh or cell.recurrent_activation is not keras.activations.sigmoid:
        return None
    x = dataset.x_test[:GATE_SEQUENCES]
    vectors = first(keras.ops.convert_to_tensor(x)) if first is not None else x
    vectors = np.asarray(keras.ops.convert_to_numpy(vectors), dtype=np.float64)
    kernel, recurrent_kernel, bias = (np.asarray(w, dtype=np.float64) for w in lstm.get_weights())
    traces = lstm_gates_numpy(vectors, kernel, recurrent_kernel, bias)
    keras_out = np.asarray(keras.ops.convert_to_numpy(lstm(keras.ops.convert_to_tensor(vectors, "float32"))))
    ours = traces["hidden"] if lstm.return_sequences else traces["hidden"][:, -1, :]
    max_abs_difference = float(np.max(np.abs(ours - keras_out)))

    symbols = dataset.description.get("symbols")
    sequences = []
    for index in range(len(x)):
        important = (dataset.important_steps_test[index] if dataset.important_steps_test else [])
        tokens = x[index].tolist()
        sequences.append({
            "tokens": [symbols[t] for t in tokens] if symbols else tokens,
            "label": dataset.class_names[int(dataset.y_test[index])],
            "important_steps": [int(s) for s in important],
            "input_gate_mean": traces["input"][index].mean(axis=1).round(5).tolist(),
            "forget_gate_mean": traces["forget"][index].mean(axis=1).round(5).tolist(),
            "output_gate_mean": traces["output"][index].mean(axis=1).round(5).tolist(),
            "cell_state_norm": np.linalg.norm(traces["cell"][index], axis=1).round(5).tolist(),
        })
    first_sequence = {
        "input_gate": traces["input"][0].T.round(4).tolist(),   # (units, T) for a heat map
        "forget_gate": traces["forget"][0].T.round(4).tolist(),
    }
    return {
        "layer": lstm.name,
        "units": int(recurrent_kernel.shape[0]),
        "recomputed_vs_keras_max_abs_difference": max_abs_difference,
        "sequences": sequences,
        "first_sequence_per_unit": first_sequence,
        "summary": summarise_gates(sequences),
    }


def summarise_gates(sequences: list[dict]) -> dict:
    """Numbers for the observation: do the gates open at the important tasks and hold between them?"""
    at_important, elsewhere, forget_between, forget_elsewhere = [], [], [], []
    for seq in sequences:
        steps = seq["important_steps"]
        input_gate = np.asarray(seq["input_gate_mean"])
        forget_gate = np.asarray(seq["forget_gate_mean"])
        if not steps:
            continue
        mask = np.zeros(len(input_gate), dtype=bool)
        mask[steps] = True
        at_important.extend(input_gate[mask].tolist())
        elsewhere.extend(input_gate[~mask].tolist())
        between = np.zeros(len(forget_gate), dtype=bool)
        between[min(steps) + 1:] = True  # after the first important task: the span it must survive
        between[mask] = False
        forget_between.extend(forget_gate[between].tolist())
        forget_elsewhere.extend(forget_gate[:min(steps)].tolist())
    if not at_important:
        return {"available": False}
    return {
        "available": True,
        "input_gate_at_important": round(float(np.mean(at_important)), 4),
        "input_gate_elsewhere": round(float(np.mean(elsewhere)), 4),
        "forget_gate_after_first_important": round(float(np.mean(forget_between)), 4),
        "forget_gate_before_first_important": round(float(np.mean(forget_elsewhere)), 4) if forget_elsewhere else None,
    }
