"""The model stage: the spec's layers, with the forget-gate bias it asks for, in every wrapping."""

from __future__ import annotations

import numpy as np
import pytest

from labreport.model import ChronoBiasInitializer, InputShape, build_model
from labreport.spec import validate_spec

UNITS, LENGTH = 8, 20


def _forget_biases(forget_bias, bidirectional: bool) -> list[np.ndarray]:
    spec = validate_spec({
        "name": "model_test",
        "dataset": {"source": "generated", "n_train": 100, "n_test": 50, "sequence_length": LENGTH},
        "model": {"embedding": {"output_dim": 4},
                  "recurrent": [{"cell": "lstm", "units": UNITS, "bidirectional": bidirectional,
                                 "forget_bias": forget_bias}]},
    })
    model = build_model(spec.model, spec.training, InputShape(LENGTH, 8, None, 4))
    biases = [w for w in model.weights if w.path.endswith("lstm_cell/bias")]
    assert len(biases) == (2 if bidirectional else 1)
    return [np.asarray(b)[UNITS:2 * UNITS] for b in biases]  # Keras' gate order i, f, c, o


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("forget_bias", [1.0, 2.5, "chrono"])
def test_every_direction_gets_the_forget_bias_the_spec_asks_for(forget_bias, bidirectional):
    # Bidirectional rebuilds its layer from the layer's config: an initializer Keras cannot
    # deserialise used to fail there ("Could not interpret initializer identifier").
    expected = (ChronoBiasInitializer(UNITS, LENGTH, seed=42).forget_biases() if forget_bias == "chrono"
                else np.full(UNITS, float(forget_bias)))
    for forget in _forget_biases(forget_bias, bidirectional):
        np.testing.assert_allclose(forget, expected, rtol=1e-6)
