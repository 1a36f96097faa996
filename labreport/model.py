"""Model stage: a model spec and a dataset's shape in, a compiled Keras model out.

Keras is imported inside the functions: importing this module is free, so
`labreport --help` and rendering never load TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cells import CELL_LAYERS

SUMMARY_WIDTH = 90  # fixed so the summary text in run.json is the same on every terminal


@dataclass(frozen=True)
class InputShape:
    """What the model needs to know about the data."""

    sequence_length: int
    vocabulary_size: int | None  # None: numeric features, no embedding
    n_features: int | None
    n_classes: int
    # A forecast: this many linear output units (the next values), a regression loss; None: classes.
    outputs: int | None = None


def output_head(n_classes: int) -> tuple[int, str, str]:
    """(units, activation, loss): sigmoid for two classes, softmax for more."""
    if n_classes == 2:
        return 1, "sigmoid", "binary_crossentropy"
    return n_classes, "softmax", "sparse_categorical_crossentropy"


def regression_head(horizon: int, loss: str | None = None) -> tuple[int, str, str]:
    """(units, activation, loss) of a forecast: one linear unit per step ahead, trained with the spec's
    ``training.loss`` (Keras' "mse", "mae" or "huber"; default mean squared error)."""
    return horizon, "linear", loss or "mse"


def build_model(model_spec, training_spec, shape: InputShape, *, cell: str | None = None):
    """Build and compile the spec's model; ``cell`` swaps every recurrent cell (baselines)."""
    import keras

    _register_initializers()

    layers = [keras.Input(shape=(shape.sequence_length,) if shape.vocabulary_size else
                          (shape.sequence_length, shape.n_features),
                          name="tokens" if shape.vocabulary_size else "sequence")]
    if shape.vocabulary_size:
        if model_spec.embedding is None:
            # Token ids without an embedding: one-hot them so the cell sees symbols, not magnitudes.
            layers.append(keras.layers.CategoryEncoding(num_tokens=shape.vocabulary_size,
                                                        output_mode="one_hot", name="one_hot"))
        else:
            input_dim = model_spec.embedding.input_dim or shape.vocabulary_size
            layers.append(keras.layers.Embedding(input_dim, model_spec.embedding.output_dim, name="embedding"))
    recurrent = model_spec.recurrent
    for index, layer_spec in enumerate(recurrent):
        cell_name = cell or layer_spec.cell
        layer_class = getattr(keras.layers, CELL_LAYERS[cell_name])
        last = index == len(recurrent) - 1
        options = {}
        if cell_name == "lstm" and layer_spec.forget_bias == "chrono":
            options = {"unit_forget_bias": False,
                       "bias_initializer": ChronoBiasInitializer(layer_spec.units, shape.sequence_length,
                                                                 seed=training_spec.seed + index)}
        elif cell_name == "lstm" and layer_spec.forget_bias != 1.0:
            options = {"unit_forget_bias": False,
                       "bias_initializer": ForgetBiasInitializer(layer_spec.units, layer_spec.forget_bias)}
        rnn = layer_class(
            layer_spec.units,
            return_sequences=not last,  # stacked layers pass the whole sequence on
            dropout=layer_spec.dropout,
            recurrent_dropout=layer_spec.recurrent_dropout,
            name=f"{cell_name}" if len(recurrent) == 1 else f"{cell_name}_{index + 1}",
            **options,
        )
        if layer_spec.bidirectional:
            rnn = keras.layers.Bidirectional(rnn, name=f"bidirectional_{rnn.name}")
        layers.append(rnn)
    units, activation, loss = output_head(shape.n_classes) if shape.outputs is None else regression_head(shape.outputs, getattr(training_spec, "loss", None))
    layers.append(keras.layers.Dense(units, activation=activation, name="dense"))
    model = keras.Sequential(layers, name=(cell or recurrent[0].cell) + "_model")

    optimizer_class = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
                       "sgd": keras.optimizers.SGD}[training_spec.optimizer]
    optimizer_args = {"learning_rate": training_spec.learning_rate}
    if training_spec.clipnorm:
        optimizer_args["clipnorm"] = training_spec.clipnorm
    model.compile(optimizer=optimizer_class(**optimizer_args), loss=loss,
                  metrics=["accuracy"] if shape.outputs is None else ["mae"],
                  jit_compile=_jit_compile(training_spec))
    return model


def _jit_compile(training_spec):
    """Keras' ``jit_compile`` for the spec: the spec's choice on TensorFlow, always XLA on JAX, never on torch.

    On the JAX backend ``jit_compile=False`` does not mean "without XLA" but
    "run eagerly, op by op": Assignment 7's first epoch had not finished after
    four minutes (about 3 s compiled).  JAX's only compiled path is XLA, so
    ``training.jit_compile`` applies to TensorFlow and JAX keeps Keras' "auto".
    """
    import keras

    if keras.backend.backend() == "jax":
        return "auto"
    if keras.backend.backend() == "torch":
        # Keras' torch backend has no XLA; its jit_compile=True means torch.compile (TorchDynamo),
        # which Keras documents as experimental and which compiles for minutes on a CPU.  The torch
        # backend runs eagerly, whatever training.jit_compile says.
        return False
    return training_spec.jit_compile




def _register_initializers() -> None:
    """Make the bias initialisers known to Keras' serialisation.

    ``keras.layers.Bidirectional`` rebuilds its wrapped layer from the layer's config, so an
    initialiser Keras cannot deserialise fails there ("Could not interpret initializer identifier").
    Registered here, not with a decorator, so that importing this module does not import Keras.
    """
    import keras

    for initializer in (ForgetBiasInitializer, ChronoBiasInitializer):
        if keras.saving.get_registered_object(f"labreport>{initializer.__name__}") is None:
            keras.saving.register_keras_serializable(package="labreport")(initializer)


class ForgetBiasInitializer:
    """LSTM bias: zeros, except ``value`` for the forget gate (Keras' gate order i, f, c, o)."""

    def __init__(self, units: int, value: float):
        self.units = units
        self.value = value

    def __call__(self, shape, dtype=None):
        import keras
        units = self.units
        return keras.ops.concatenate([
            keras.ops.zeros((units,), dtype=dtype),
            keras.ops.full((units,), self.value, dtype=dtype),
            keras.ops.zeros((2 * units,), dtype=dtype),
        ])

    def get_config(self):
        return {"units": self.units, "value": self.value}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ChronoBiasInitializer:
    """Chrono initialisation of an LSTM's biases (Tallec & Ollivier, 2018, "Can recurrent neural networks warp time?").

    Forget-gate biases b_f = log(u), u ~ U(1, T_max - 1), and input-gate biases -b_f; the cell and
    output biases are zero.  A unit with forget bias b starts with a memory time scale of about
    1 + e^b steps, so the units cover time scales from 1 to T_max steps, and the input gates of the
    long-memory units start nearly shut, so the unimportant inputs do not pile up in the cell.
    Drawn with NumPy from ``seed``: the same on every backend.
    """

    def __init__(self, units: int, t_max: int, seed: int = 0):
        self.units = units
        self.t_max = max(int(t_max), 3)
        self.seed = int(seed)

    def forget_biases(self):
        import numpy as np
        rng = np.random.default_rng(self.seed)
        return np.log(rng.uniform(1.0, self.t_max - 1, size=self.units))

    def __call__(self, shape, dtype=None):
        import keras
        import numpy as np
        forget = self.forget_biases()
        bias = np.concatenate([-forget, forget, np.zeros(2 * self.units)])  # Keras' gate order i, f, c, o
        return keras.ops.convert_to_tensor(bias.astype("float32"), dtype=dtype)

    def get_config(self):
        return {"units": self.units, "t_max": self.t_max, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def describe_model(model) -> dict:
    """The model as plain data: layers, parameter counts and Keras' own summary text."""
    lines: list[str] = []
    model.summary(line_length=SUMMARY_WIDTH, print_fn=lambda line, *a, **k: lines.append(line))
    layers = []
    for layer in model.layers:
        try:
            output_shape = tuple(layer.output.shape)
        except (AttributeError, ValueError):
            output_shape = None
        layers.append({
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": _shape_text(output_shape),
            "params": int(layer.count_params()),
            "units": _units(layer),
        })
    trainable = int(sum(_size(w) for w in model.trainable_weights))
    non_trainable = int(sum(_size(w) for w in model.non_trainable_weights))
    return {
        "name": model.name,
        "layers": layers,
        "total_params": trainable + non_trainable,
        "trainable_params": trainable,
        "non_trainable_params": non_trainable,
        "summary_text": _strip_markup("\n".join(lines)),
        # Whether Keras compiled the training and evaluation steps with XLA (training.jit_compile).
        "jit_compile": bool(getattr(model, "jit_compile", False)),
    }


def _units(layer):
    inner = getattr(layer, "forward_layer", layer)
    for attr in ("units", "output_dim"):
        if hasattr(inner, attr):
            return int(getattr(inner, attr))
    return None


def _size(weight) -> int:
    count = 1
    for dim in weight.shape:
        count *= int(dim)
    return count


def _shape_text(shape) -> str:
    if shape is None:
        return ""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _strip_markup(text: str) -> str:
    # Keras 3 prints its summary through rich; with print_fn it may carry
    # box-drawing characters, which are fine, but no ANSI escapes.
    import re
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def input_shape(dataset) -> InputShape:
    """What the model needs to know of a Dataset: its sequence length, vocabulary, features and classes
    (of forecast windows, data.timeseries.ForecastData: the steps ahead instead of classes)."""
    if getattr(dataset, "horizon", None) is not None:
        return InputShape(dataset.sequence_length, None, int(dataset.x_train.shape[2]), 0, outputs=dataset.horizon)
    features = None if dataset.vocabulary_size else int(dataset.x_train.shape[2])
    return InputShape(dataset.sequence_length, dataset.vocabulary_size, features, dataset.n_classes)
