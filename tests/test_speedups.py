"""The speed-ups in training and diagnostics change no number (BENCHMARKS.md has their timings)."""

from __future__ import annotations

import numpy as np
import pytest

import yaml

from labreport.spec import validate_spec
from labreport.training import INFERENCE_BATCH, inference_batch_size

from conftest import tiny_spec_text


def parse_spec_text(text: str):
    return validate_spec(yaml.safe_load(text))


def test_inference_batch_is_the_training_batch_or_1024():
    spec = parse_spec_text(tiny_spec_text())
    assert inference_batch_size(spec.training) == INFERENCE_BATCH == 1024
    big = parse_spec_text(tiny_spec_text().replace("batch_size: 32", "batch_size: 2048"))
    assert inference_batch_size(big.training) == 2048


@pytest.fixture(scope="module")
def tiny_model_and_data():
    import keras

    from labreport.model import InputShape, build_model

    spec = parse_spec_text(tiny_spec_text())
    keras.utils.set_random_seed(7)
    shape = InputShape(sequence_length=20, vocabulary_size=9, n_features=None, n_classes=4)
    model = build_model(spec.model, spec.training, shape)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 9, size=(1500, 20)).astype("int32")
    y = rng.integers(0, 4, size=1500)
    return model, x, y


def test_evaluating_in_large_batches_gives_the_same_loss_and_accuracy(tiny_model_and_data):
    model, x, y = tiny_model_and_data
    small = model.evaluate(x, y, batch_size=32, verbose=0)
    large = model.evaluate(x, y, batch_size=INFERENCE_BATCH, verbose=0)
    assert large == pytest.approx(small, rel=1e-5, abs=1e-6)


def test_graph_gradient_norms_equal_the_eager_ones(tiny_model_and_data):
    import keras
    import tensorflow as tf

    from labreport.train.probes import _split_input_layer, step_gradient_norms

    model, x, y = tiny_model_and_data
    x, y = x[:16], y[:16]
    graph = np.array(step_gradient_norms(model, x, y))

    # The same quantity computed eagerly, written out independently.
    embedding, rest = _split_input_layer(model)
    vectors = tf.cast(embedding(tf.convert_to_tensor(x)), "float32")
    with tf.GradientTape() as tape:
        tape.watch(vectors)
        out = vectors
        for layer in rest:
            out = layer(out, training=False)
        loss = tf.reduce_mean(keras.losses.get(model.loss)(tf.convert_to_tensor(y), out))
    eager = np.linalg.norm(tape.gradient(loss, vectors).numpy(), axis=-1).mean(axis=0)

    assert graph.shape == (20,)
    assert np.all(graph > 0)
    np.testing.assert_allclose(graph, eager, rtol=1e-4)

