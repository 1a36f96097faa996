"""What a spec will do, worked out without TensorFlow: data sizes, layers, parameters, time.

`labreport validate` prints this in well under a second.  The parameter
counts use the same formulas Keras does (a test builds the Keras models and
compares); the time is an estimate, and says how it was made.
"""

from __future__ import annotations

import math
from pathlib import Path
from dataclasses import dataclass, field

from .cells import CELL_TITLES
from .sources import registry

# Seconds per (batch × time step) on a 2-core x86-64 CPU with TensorFlow 2.21:
# a fixed cost per step (op dispatch), a cost per sequence in the batch, and
# the recurrent arithmetic at an effective rate.  The three constants solve
# three measured runs exactly (seconds per epoch, validation included):
# Assignment 7 (LSTM 10, batch 128, 157 batches × 300 steps, 7.7 s), the
# default experiment (LSTM 32, batch 32, 100 batches × 150 steps, 1.37 s) and
# the seminar model (LSTM 100, batch 64, 313 batches × 600 steps, 41 s).  An
# earlier fit to the first two alone put the seminar at 3.9 minutes an epoch:
# the effective rate grows with the size of the matrix products.
STEP_OVERHEAD_SECONDS = 62e-6
PER_SEQUENCE_SECONDS = 0.76e-6
EFFECTIVE_FLOPS_PER_SECOND = 188e9
# Forward and backward pass together cost about three forward passes.
TRAINING_PASS_FACTOR = 3
GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}
# `validate` warns about padding at the end (padding: post) from this many
# steps on: a recurrent layer without a mask reads the padding after the text
# and must carry what it read across it (the IMDB reviews as Kaggle's CSV at
# length 200: test accuracy 0.55 with post, 0.85 with pre; BENCHMARKS.md).
LONG_SEQUENCE_STEPS = 50


@dataclass
class LayerPlan:
    name: str
    type: str
    output_shape: str
    params: int


@dataclass
class ModelPlan:
    layers: list[LayerPlan] = field(default_factory=list)
    sequence_length: int | None = None
    vocabulary_size: int | None = None
    vocabulary_known: bool = True
    n_train: int | None = None  # after the validation split, when known without reading the data
    n_validation: int | None = None
    n_test: int | None = None
    seconds_per_epoch: float | None = None
    flops_per_step: int = 0

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)


def recurrent_params(cell: str, units: int, inputs: int) -> int:
    """Keras' count for one recurrent layer (GRU with reset_after=True, Keras' default)."""
    if cell == "gru":
        return 3 * (units * inputs + units * units + 2 * units)
    return GATES[cell] * (units * inputs + units * units + units)


def plan_model(spec) -> ModelPlan:
    sizes = registry.get(spec.dataset.source).sizes(spec.dataset)
    length, vocabulary, n_total, n_test, exact = sizes[:5]
    plan = ModelPlan(sequence_length=length, vocabulary_size=vocabulary, vocabulary_known=exact, n_test=n_test)
    if n_total is not None and sizes.n_validation is not None:
        plan.n_train, plan.n_validation = n_total, sizes.n_validation  # the source's own split
    elif n_total is not None:
        plan.n_train = int(n_total * (1.0 - spec.training.validation_split))
        plan.n_validation = n_total - plan.n_train
    model = spec.model
    if sizes.features is not None:
        width = sizes.features  # numeric inputs, read as they are: no embedding
    elif model.embedding is not None:
        input_dim = model.embedding.input_dim or vocabulary
        width = model.embedding.output_dim
        plan.layers.append(LayerPlan("embedding", "Embedding", f"(None, {length}, {width})", input_dim * width))
    else:
        width = vocabulary
        plan.layers.append(LayerPlan("one_hot", "CategoryEncoding", f"(None, {length}, {width})", 0))
    flops = 0
    for index, layer in enumerate(model.recurrent):
        last = index == len(model.recurrent) - 1
        params = recurrent_params(layer.cell, layer.units, width)
        flops += 2 * GATES[layer.cell] * (layer.units * width + layer.units * layer.units) * (2 if layer.bidirectional else 1)
        name = layer.cell if len(model.recurrent) == 1 else f"{layer.cell}_{index + 1}"
        kind = CELL_TITLES[layer.cell]
        out = layer.units
        if layer.bidirectional:
            params *= 2
            out *= 2
            name, kind = f"bidirectional_{name}", "Bidirectional"
        shape = f"(None, {out})" if last else f"(None, {length}, {out})"
        plan.layers.append(LayerPlan(name, kind, shape, params))
        width = out
    n_classes = _n_classes(spec.dataset)
    outputs = sizes.outputs or (1 if n_classes == 2 else n_classes)
    plan.layers.append(LayerPlan("dense", "Dense", f"(None, {outputs})", (width + 1) * outputs))
    plan.flops_per_step = flops
    if plan.n_train:
        batches = math.ceil(plan.n_train / spec.training.batch_size)
        per_batch_step = (STEP_OVERHEAD_SECONDS + PER_SEQUENCE_SECONDS * spec.training.batch_size
                          + TRAINING_PASS_FACTOR * flops * spec.training.batch_size / EFFECTIVE_FLOPS_PER_SECOND)
        plan.seconds_per_epoch = batches * length * per_batch_step
    return plan


def _n_classes(dataset) -> int:
    return registry.get(dataset.source).classes(dataset.model_dump()) or 2  # not known before the data is read: assume two


def plan_warnings(spec) -> list[str]:
    """What `labreport validate` warns about: valid, but likely to train badly."""
    data = spec.dataset
    warnings = []
    length = getattr(data, "sequence_length", 0)
    if getattr(data, "padding", "pre") == "post" and length >= LONG_SEQUENCE_STEPS:
        # No recurrent layer here takes a mask, so every padding step is read.
        warnings.append(
            f"dataset.padding is post: a text shorter than {length} steps is followed by its padding zeros, "
            f"and the recurrent layer, which has no mask, reads up to {length - 1} of them after the text and "
            f"must carry what it read across them; learning is slower and accuracy lower "
            f"(IMDB as Kaggle's CSV at length 200: test accuracy 0.55 with post, 0.85 with pre). "
            f"Use padding: pre (the default, as keras.utils.pad_sequences)."
        )
    return warnings


def describe_plan(spec, plan: ModelPlan) -> list[str]:
    """The lines `labreport validate` prints for a valid spec."""
    data = spec.dataset
    lines = []
    where = f" from {data.path}" if getattr(data, "path", None) else ""
    sizes = (f"{plan.n_train:,} train, {plan.n_validation:,} validation, {plan.n_test:,} test"
             if plan.n_train is not None else "sizes known once the file is read")
    lines.append(f"  data: {data.source}{where}; {sizes}; sequences of {plan.sequence_length} steps")
    for attr in registry.get(data.source).file_keys:
        value = getattr(data, attr, None)
        if value and not Path(value).exists():
            lines.append(f"  note: dataset.{attr} {value} does not exist yet; `labreport run` will need it")
    lines += [f"  warning: {warning}" for warning in plan_warnings(spec)]
    for layer in plan.layers:
        lines.append(f"  {layer.name:<24} {layer.type:<16} {layer.output_shape:<18} {layer.params:>10,} params")
    approx = "" if plan.vocabulary_known else " (at most: the vocabulary is known once the data is read)"
    lines.append(f"  total: {plan.total_params:,} params{approx}")
    stopping = spec.training.early_stopping
    # With early stopping the epochs are a limit, and the estimate an upper bound.
    stops_early = stopping is not None and stopping.patience is not None
    epochs = f"up to {spec.training.epochs} epochs (early stopping)" if stops_early else f"{spec.training.epochs} epochs"
    line = f"  training: {epochs}, batch {spec.training.batch_size}, {spec.training.optimizer} lr {spec.training.learning_rate:g}"
    if spec.regression_loss() is not None:
        line += f", loss {spec.regression_loss()}"  # a forecast's training.loss (classification: cross-entropy)
    if plan.seconds_per_epoch is not None:
        total = plan.seconds_per_epoch * spec.training.epochs
        line += (f"; about {_duration(plan.seconds_per_epoch)} per epoch, {'at most ' if stops_early else ''}"
                 f"{_duration(total)} in all on a 2-core CPU")
    lines.append(line)
    compared = len(list(spec.baselines()))
    if compared:
        lines.append(f"  compared: {compared} more model{'s' if compared > 1 else ''} (model.compare), each trained "
                     f"the same way after the main one")
    if plan.seconds_per_epoch is not None:
        lines.append("  (estimate: batches × steps × (62 µs + 0.76 µs × batch + 3 × recurrent FLOPs ÷ 188 GFLOP/s), "
                     "fitted to three measured runs, TensorFlow without XLA; each baseline model adds its own "
                     "training time)")
    return lines


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"
