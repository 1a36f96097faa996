"""The shipped default experiment is what the README says it is: its data, model and settings."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from labreport.data.generated import generate
from labreport.pipeline import resolve_spec

REPO = Path(__file__).resolve().parents[1]


def readme_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("## The default experiment", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def spec():
    return resolve_spec(None)[0]


def test_the_readme_describes_the_shipped_data(spec):
    text = readme_section()
    data = spec.dataset
    length = data.sequence_length
    lo1, hi1 = int(length * 0.1), int(length * 0.2)
    lo2, hi2 = int(length * 0.5), int(length * 0.6)
    assert f"Each sequence is {length} tasks drawn from {data.n_unimportant} unimportant kinds" in text
    assert f"one in steps {lo1 + 1}-{hi1 + 1}" in text and f"one in steps {lo2 + 1}-{hi2 + 1}" in text
    assert f"at least {length - 1 - hi1} steps separate the first from the end" in text
    n_val = int(data.n_train * spec.training.validation_split)
    assert f"{data.n_train:,} labelled sequences ({data.n_train - n_val:,} for training, {n_val:,} for" in text
    assert f"{data.n_test:,} for the test" in text


def test_the_readme_describes_the_shipped_model_and_training(spec):
    text = readme_section()
    layer = spec.model.recurrent[0]
    vocabulary = spec.dataset.n_unimportant + 3  # padding, the unimportant kinds, X and Y
    width = spec.model.embedding.output_dim
    lstm = 4 * (layer.units ** 2 + layer.units * width + layer.units)
    rnn = layer.units ** 2 + layer.units * width + layer.units
    total = vocabulary * width + lstm + (layer.units + 1) * 4
    assert (f"Embedding({vocabulary} → {width}) → LSTM({layer.units}) → Dense(4, softmax), {total:,}\nparameters"
            in text or f"{total:,} parameters" in text.replace("\n", " "))
    assert f"({vocabulary * width + rnn + (layer.units + 1) * 4:,} parameters)" in text
    training = spec.training
    # Keras' clipnorm clips each weight's gradient on its own, not one norm over all weights.
    assert f"learning rate {training.learning_rate:g}, each weight's gradient norm clipped at {training.clipnorm:g}" in text
    stopping = training.early_stopping
    assert (f"batch {training.batch_size}, up to {training.epochs}\nepochs, stopping once the validation accuracy has "
            f"not improved for {stopping.patience} epochs and testing the best epoch's weights") in text
    assert stopping.monitor == "val_accuracy" and stopping.restore_best_weights
    assert layer.forget_bias == "chrono" and "`forget_bias: chrono`" in text
    assert f"u ~ U(1, {spec.dataset.sequence_length - 1})" in text
    assert [(b.name, b.overrides) for b in spec.baselines()] == [("simple_rnn", {}),
                                                                  ("lstm_forget_bias_1_0", {"forget_bias": 1.0})]
    assert "`compare: [simple_rnn, {cell: lstm, forget_bias: 1.0}]`" in text


def test_the_important_tasks_fall_in_the_stated_windows(spec):
    rng = np.random.default_rng(spec.training.seed)
    data = spec.dataset
    tokens, labels, positions = generate(500, data.sequence_length, data.n_unimportant, rng)
    length = data.sequence_length
    assert positions[:, 0].min() >= int(length * 0.1) and positions[:, 0].max() <= int(length * 0.2)
    assert positions[:, 1].min() >= int(length * 0.5) and positions[:, 1].max() <= int(length * 0.6)
    important = tokens >= data.n_unimportant + 1
    assert (important.sum(axis=1) == 2).all()
    assert set(labels.tolist()) == {0, 1, 2, 3}


def test_chrono_initialisation_spreads_the_forget_biases_and_shuts_the_input_gates():
    from labreport.model import ChronoBiasInitializer
    init = ChronoBiasInitializer(32, 300, seed=42)
    forget = init.forget_biases()
    assert forget.shape == (32,)
    assert forget.min() >= 0 and forget.max() <= math.log(299)
    bias = np.asarray(init((128,)))
    assert np.allclose(bias[:32], -forget) and np.allclose(bias[32:64], forget) and not bias[64:].any()
    assert np.array_equal(init.forget_biases(), ChronoBiasInitializer(32, 300, seed=42).forget_biases())
