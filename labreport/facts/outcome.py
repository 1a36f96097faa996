"""Verdicts about what the run achieved: learned, at chance, diverged; and the baseline comparison.

"Chance" is the better of guessing uniformly (1/K) and always answering the
test set's most frequent class: a model has learned something only if it
beats both by more than the test set's sampling error.
"""

from __future__ import annotations

import math

from ..record import baseline_runs, main_run
from .curves import finite

# A test accuracy within max(CHANCE_MARGIN, 2 standard errors) of chance is "at chance".
CHANCE_MARGIN = 0.02
# "Learned": the model closed at least this share of the distance from chance to 100 %.
LEARNED_SHARE = 0.7
# Two test accuracies closer than max(SAME_MARGIN, 2 standard errors of the difference) are a tie.
SAME_MARGIN = 0.02


def _standard_error(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 0.0) / n) if n > 0 else 0.0


def chance_levels(dataset: dict) -> dict:
    classes = dataset.get("class_names") or []
    counts = (dataset.get("class_counts") or {}).get("test") or {}
    total = sum(counts.values())
    uniform = 1.0 / len(classes) if classes else None
    majority_class, majority = (max(counts.items(), key=lambda kv: kv[1]) if counts else (None, 0))
    majority_share = majority / total if total else None
    floor = max(v for v in (uniform, majority_share) if v is not None) if (uniform or majority_share) else None
    return {"uniform": uniform, "majority_class": majority_class, "majority_share": majority_share,
            "floor": floor, "n_test": total or (dataset.get("sizes") or {}).get("test")}


def outcome(record: dict) -> dict:
    """learned | partly_learned | chance | diverged, with the numbers: the main model's."""
    return model_outcome(main_run(record), record["dataset"])


def model_outcome(run: dict, dataset: dict) -> dict:
    """One model's (``run``: an entry of the record's models) outcome on the test set."""
    stopped = run.get("stopped") or {}
    levels = chance_levels(dataset)
    test = run.get("test") or {}
    accuracy = test.get("accuracy")
    floor, n = levels["floor"], levels["n_test"] or 0
    # The chance margin needs no test result: a diverged run's validation accuracy is judged against it too.
    margin = max(CHANCE_MARGIN, 2 * _standard_error(floor, n)) if floor is not None else CHANCE_MARGIN
    evidence = {**levels, "margin": margin, "test_accuracy": accuracy if finite(accuracy) else None,
                "test_loss": test.get("loss") if finite(test.get("loss")) else None}
    if stopped.get("reason") == "nan_loss" or not finite(accuracy):
        return {"verdict": "diverged", "stopped": stopped or None, **evidence}
    share = (accuracy - floor) / (1 - floor) if floor is not None and floor < 1 else None
    evidence.update({"share_of_way_to_perfect": share,
                     "above_floor": accuracy - floor if floor is not None else None})
    if floor is not None and accuracy <= floor + margin:
        verdict = "chance"
    elif share is not None and share >= LEARNED_SHARE:
        verdict = "learned"
    else:
        verdict = "partly_learned"
    return {"verdict": verdict, **evidence}


def left_chance_epoch(history: dict, floor: float | None, margin: float) -> int | None:
    """The first epoch whose validation accuracy was clearly above chance."""
    if floor is None:
        return None
    for index, value in enumerate(history.get("val_accuracy") or []):
        if finite(value) and value > floor + margin:
            return index + 1
    return None


def comparison(record: dict, main_outcome: dict) -> list[dict]:
    """The main model against each baseline, by test accuracy, with a margin for sampling error."""
    rows = []
    main_accuracy = main_outcome.get("test_accuracy")
    n = main_outcome.get("n_test") or 0
    for baseline in baseline_runs(record):
        base_outcome = model_outcome(baseline, record["dataset"])
        accuracy = base_outcome.get("test_accuracy")
        evidence = {"cell": baseline["cell"], "baseline_outcome": base_outcome["verdict"],
                    "baseline_accuracy": accuracy, "main_accuracy": main_accuracy}
        if main_accuracy is None or accuracy is None:
            rows.append({"verdict": "unavailable", **evidence})
            continue
        difference = main_accuracy - accuracy
        se = math.sqrt(_standard_error(main_accuracy, n) ** 2 + _standard_error(accuracy, n) ** 2)
        margin = max(SAME_MARGIN, 2 * se)
        verdict = "main_ahead" if difference > margin else ("baseline_ahead" if difference < -margin else "tie")
        rows.append({"verdict": verdict, "difference": difference, "margin": margin, **evidence})
    return rows


def evaluation(record: dict, main_outcome: dict) -> dict:
    """Which epoch's weights the test set saw, and why training ended.

    verdict: ``none`` (diverged: no test), ``last_epoch`` (the last epoch's weights, not
    restored), ``best_epoch`` (the best epoch's weights, restored, an earlier epoch than the
    last) or ``best_is_last`` (restored, and the best epoch was the last).  ``stop``:
    ``completed``, ``early_stopping`` or ``nan_loss``.  ``tracking``: ``off`` (no
    training.early_stopping), ``early_stopping`` (with a patience) or ``best_only``
    (patience null: every epoch trained, the best one kept).  A record from before these
    fields existed reads as the last epoch, completed, tracking off.
    """
    main = main_run(record)
    n_epochs = len((main.get("history") or {}).get("loss") or [])
    stopped = main.get("stopped") or {"reason": "completed", "epoch": n_epochs}
    stop = stopped.get("reason", "completed")
    spec_stopping = ((record.get("spec") or {}).get("training") or {}).get("early_stopping")
    restored = bool(main.get("restored_best_weights"))
    # Every key always present (the templates' undefined is strict).
    facts = {"verdict": "none", "epoch": None, "last_epoch": n_epochs, "stop": stop,
             "planned_epochs": ((record.get("spec") or {}).get("training") or {}).get("epochs"),
             "tracking": "off", "monitor": None, "patience": None, "min_delta": None, "min_delta_set": False,
             "best_epoch": None, "best_value": None, "stop_epoch": None, "epochs_without_improvement": None,
             "restore_best_weights": False, "best_not_evaluated": False, "stop_apart": False,
             "monitor_is_loss": False}
    if main_outcome["verdict"] == "diverged":
        return facts
    epoch = main.get("evaluated_epoch") or n_epochs
    if not restored:
        verdict = "last_epoch"
    elif epoch == n_epochs:
        verdict = "best_is_last"
    else:
        verdict = "best_epoch"
    facts.update({"verdict": verdict, "epoch": epoch})
    if spec_stopping is None:
        return facts
    patience = stopped.get("patience", spec_stopping.get("patience"))
    min_delta = stopped.get("min_delta", spec_stopping.get("min_delta")) or 0.0
    best_epoch = stopped.get("best_epoch")
    facts.update({
        "tracking": "best_only" if patience is None else "early_stopping",
        "monitor": stopped.get("monitor", spec_stopping.get("monitor", "val_loss")),
        "patience": patience, "min_delta": min_delta, "min_delta_set": min_delta > 0,
        "best_epoch": best_epoch, "best_value": stopped.get("best_value"),
        "stop_epoch": stopped.get("epoch") if stop == "early_stopping" else None,
        "epochs_without_improvement": (stopped["epoch"] - best_epoch
                                       if stop == "early_stopping" and best_epoch else None),
        "restore_best_weights": bool(spec_stopping.get("restore_best_weights")),
        # The best epoch is not the one evaluated (early stopping without restore_best_weights).
        "best_not_evaluated": bool(best_epoch) and best_epoch != epoch,
        # The curves mark the stop apart from the evaluated epoch.
        "stop_apart": stop == "early_stopping" and stopped.get("epoch") != epoch,
        "monitor_is_loss": str(stopped.get("monitor", spec_stopping.get("monitor", "val_loss"))).endswith("loss"),
    })
    return facts
