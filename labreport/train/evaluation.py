"""After training: which epoch's weights were evaluated, why training ended, and the test result."""

from __future__ import annotations

import time

from .predictions import test_predictions


def evaluate(model, dataset, batch_size: int) -> tuple[dict, float]:
    """(the test result: loss, accuracy and each example's prediction; the seconds it took)."""
    started = time.perf_counter()
    # The validation batch size: validation already compiled the step for that
    # shape, so only the last, partial batch needs compiling (XLA compiles per shape).
    test_loss, test_accuracy = model.evaluate(dataset.x_test, dataset.y_test, batch_size=batch_size, verbose=0)
    # Each test example's predicted class, for the paired comparison of models and the confusion matrix.
    outputs = model.predict(dataset.x_test, batch_size=batch_size, verbose=0)
    per_example = test_predictions(outputs, dataset.y_test, dataset.n_classes)
    test = {"loss": float(test_loss), "accuracy": float(test_accuracy), **per_example}
    return test, time.perf_counter() - started


def evaluation_outcome(stopper, stopping_spec, epochs_run: int) -> tuple[int, bool, dict]:
    """(the epoch whose weights were evaluated, whether they were the restored best, run.json's ``stopped``)."""
    if stopper is None:
        return epochs_run, False, {"reason": "completed", "epoch": epochs_run}
    restored = bool(stopper.restored and stopper.best_epoch)
    tracked = {"best_epoch": stopper.best_epoch or None, "monitor": stopper.monitor,
               "best_value": stopper.best, "patience": stopping_spec.patience,
               "min_delta": stopping_spec.min_delta}
    if stopper.stopped_epoch:
        stopped = {"reason": "early_stopping", "epoch": stopper.stopped_epoch, **tracked}
    else:
        stopped = {"reason": "completed", "epoch": epochs_run, **tracked}
    return (stopper.best_epoch if restored else epochs_run), restored, stopped


def log_stopping(stopper, evaluated_epoch: int, restored: bool, log) -> None:
    """Say in the terminal when early stopping ended training and which weights were evaluated."""
    if stopper is not None and stopper.stopped_epoch:
        log(f"  Early stopping after epoch {stopper.stopped_epoch}: the {_monitor_words(stopper.monitor)} had not "
            f"improved for {_plural(stopper.stopped_epoch - stopper.best_epoch, 'epoch')}, since epoch "
            f"{stopper.best_epoch}.")
    if restored:
        log(f"  Evaluated with the weights of epoch {evaluated_epoch}, the best by the "
            f"{_monitor_words(stopper.monitor)}.")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _monitor_words(monitor: str) -> str:
    return {"val_loss": "validation loss", "val_accuracy": "validation accuracy",
            "loss": "training loss", "accuracy": "training accuracy"}.get(monitor, monitor)
