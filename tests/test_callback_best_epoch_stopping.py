"""BestEpochStopping: keras.callbacks.EarlyStopping's rule, with a state that survives a checkpoint."""

from __future__ import annotations

import json

import numpy as np
import pytest

CASES = [
    ([1.0, 0.9, 0.95, 0.85, 0.86, 0.87, 0.88, 0.7], "val_loss", 2, 0.0),
    ([1.0, 0.9, 0.95, 0.85, 0.86, 0.87, 0.88, 0.7], "val_loss", 0, 0.0),
    ([1.0, 0.9, 0.89, 0.88, 0.87, 0.86], "val_loss", 2, 0.05),
    ([0.5, 0.6, 0.7, 0.69, 0.71, 0.68, 0.67, 0.66], "val_accuracy", 2, 0.0),
    ([0.5, 0.6, 0.7, 0.69, 0.71, 0.68, 0.67, 0.66], "accuracy", 3, 0.015),
]


class FakeModel:
    """What the callbacks touch of a Model; its 'weights' are the epoch they were taken at."""

    def __init__(self):
        self.epoch, self.stop_training, self.set_to = 0, False, None

    def get_weights(self):
        return [np.array([self.epoch])]

    def set_weights(self, weights):
        self.set_to = int(weights[0][0])


def ours(values, monitor, patience, min_delta, resume_at=None):
    from labreport.train.callbacks import BestEpochStopping

    model, stopper = FakeModel(), BestEpochStopping(monitor, patience, min_delta, True)
    stopper.set_model(model)
    for epoch, value in enumerate(values):
        if epoch == resume_at:  # a resumed run: a new callback from the state a checkpoint saved
            state = json.loads(json.dumps(stopper.get_state()))
            stopper = BestEpochStopping(monitor, patience, min_delta, True)
            stopper.set_state(state, [np.array([state["best_epoch"] - 1])] if state["best_epoch"] else None)
            stopper.set_model(model)
        model.epoch = epoch
        stopper.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            break
    stopper.on_train_end()
    return {"stopped": stopper.stopped_epoch, "best": stopper.best_epoch,
            "restored": None if model.set_to is None else model.set_to + 1}


def keras_rule(values, monitor, patience, min_delta):
    import keras

    model = FakeModel()
    early = keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, min_delta=min_delta,
                                          restore_best_weights=True, mode="max" if "accuracy" in monitor else "min")
    early.set_model(model)
    early.on_train_begin()
    for epoch, value in enumerate(values):
        model.epoch = epoch
        early.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            break
    early.on_train_end()
    return {"stopped": early.stopped_epoch + 1 if early.stopped_epoch else 0, "best": early.best_epoch + 1,
            "restored": None if model.set_to is None else model.set_to + 1}


@pytest.mark.parametrize("values,monitor,patience,min_delta", CASES)
def test_it_stops_and_restores_where_keras_early_stopping_does(values, monitor, patience, min_delta):
    assert ours(values, monitor, patience, min_delta) == keras_rule(values, monitor, patience, min_delta)


@pytest.mark.parametrize("values,monitor,patience,min_delta", CASES)
def test_a_resume_at_any_epoch_changes_nothing(values, monitor, patience, min_delta):
    uninterrupted = ours(values, monitor, patience, min_delta)
    for resume_at in range(1, len(values)):
        assert ours(values, monitor, patience, min_delta, resume_at=resume_at) == uninterrupted, resume_at


def test_without_patience_it_never_stops_but_still_restores_the_best():
    assert ours([1.0, 2.0, 3.0, 4.0, 5.0], "val_loss", None, 0.0) == {"stopped": 0, "best": 1, "restored": 1}


def test_a_nan_value_never_counts_as_the_best():
    # Unlike Keras' EarlyStopping, which takes a first NaN as its best, the best is the first finite value.
    assert ours([float("nan"), 1.0, 1.2, 1.3], "loss", 1, 0.0) == {"stopped": 3, "best": 2, "restored": 2}
