"""Verdicts about what the run achieved: learned, at chance, diverged; and the baseline comparison.

"Chance" is the better of guessing uniformly (1/K) and always answering the
training split's most frequent class (what a model that learned only the class
shares would answer), scored on the test set: a model has learned something
only if a one-sided binomial test tells its test accuracy from that level
(facts/statistics.py).  Two models are told apart by McNemar's test on their
per-example test predictions, or by the unpaired two-proportion test where a
record has none.
"""

from __future__ import annotations

from ..record import baseline_runs, main_run, variant_runs
from ..spec import EarlyStoppingSpec, RecurrentLayerSpec
from . import statistics
from .curves import finite

# "Learned": the model closed at least this share of the distance from chance to 100 %.
LEARNED_SHARE = 0.7


def chance_levels(dataset: dict) -> dict:
    classes = dataset.get("class_names") or []
    counts = dataset.get("class_counts") or {}
    test_counts, train_counts = counts.get("test") or {}, counts.get("train") or {}
    total = sum(test_counts.values())
    uniform = 1.0 / len(classes) if classes else None
    # The majority guess is made from the training labels (the test labels are unknown to a guesser);
    # classes tied there are all named, and the guess is scored by the best of them on the test set.
    most = max(train_counts.values()) if train_counts else None
    majority_classes = [name for name, count in train_counts.items() if count == most] if most else []
    shares = [test_counts.get(name, 0) / total for name in majority_classes] if total else []
    majority_share = max(shares) if shares else None
    floor = max(v for v in (uniform, majority_share) if v is not None) if (uniform or majority_share) else None
    n_train = sum(train_counts.values())
    return {"uniform": uniform, "majority_class": majority_classes[0] if len(majority_classes) == 1 else None,
            "majority_classes": majority_classes, "majority_tie": len(majority_classes) > 1,
            "majority_share": majority_share, "n_train": n_train or None,
            "train_majority_share": most / n_train if most else None,
            "floor": floor, "n_test": total or (dataset.get("sizes") or {}).get("test")}


def chance_threshold(floor: float | None, n: int | None) -> dict:
    """The lowest accuracy on ``n`` examples that the binomial test calls above ``floor``."""
    critical = statistics.critical_accuracy(n, floor) if floor is not None and n else None
    return {"critical": critical, "margin": critical - floor if critical is not None else None,
            "alpha": statistics.ALPHA}


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
    # The threshold needs no test result: a diverged run's validation accuracy is judged against chance too.
    evidence = {**levels, **chance_threshold(floor, n), "test_accuracy": accuracy if finite(accuracy) else None,
                "test_loss": test.get("loss") if finite(test.get("loss")) else None,
                "p_value": None, "interval": None}
    if stopped.get("reason") == "nan_loss" or not finite(accuracy):
        return {"verdict": "diverged", "stopped": stopped or None, **evidence}
    share = (accuracy - floor) / (1 - floor) if floor is not None and floor < 1 else None
    p_value = statistics.above_chance_p(accuracy, n, floor) if floor is not None and n else None
    evidence.update({"share_of_way_to_perfect": share,
                     "above_floor": accuracy - floor if floor is not None else None,
                     "p_value": p_value, "interval": statistics.wilson_interval(accuracy, n) if n else None})
    if p_value is not None and p_value >= statistics.ALPHA:
        verdict = "chance"
    elif share is not None and share >= LEARNED_SHARE:
        verdict = "learned"
    else:
        verdict = "partly_learned"
    return {"verdict": verdict, **evidence}


def training_chance(levels: dict) -> dict:
    """The training split's own chance level (1/K or its most frequent class's share) and the binomial test's
    threshold on its size: what a training accuracy must reach to show the model fitted something.
    ``levels``: chance_levels' (a model outcome carries them)."""
    shares = [v for v in (levels.get("uniform"), levels.get("train_majority_share")) if v is not None]
    floor = max(shares) if shares else None
    return {"floor": floor, "n": levels.get("n_train"), **chance_threshold(floor, levels.get("n_train"))}


def validation_chance(record: dict, floor: float | None) -> dict:
    """The chance threshold for the validation split: its own chance level (1/K, or the validation share of
    the class a guess from the training labels names, as the test set's floor is built) on its own size.

    ``floor``: the test set's, used only where the record has no validation class counts (an older record).
    The test set's floor is not the validation split's: with 21 of 80 validation sequences in the majority
    class against 116 of 400 test sequences, it asked 38.8 % of the validation accuracy instead of 36.3 %.
    """
    dataset = record.get("dataset") or {}
    n = (dataset.get("sizes") or {}).get("validation")
    counts = (dataset.get("class_counts") or {}).get("validation") or {}
    if counts and sum(counts.values()):
        levels = chance_levels({**dataset, "class_counts": {**(dataset.get("class_counts") or {}), "test": counts}})
        floor = levels["floor"]
    return {"floor": floor, "n": n, **chance_threshold(floor, n)}


def left_chance_epoch(history: dict, threshold: dict) -> int | None:
    """The first epoch whose validation accuracy the binomial test calls above chance."""
    if threshold.get("critical") is None:
        return None
    for index, value in enumerate(history.get("val_accuracy") or []):
        if finite(value) and value >= threshold["critical"]:
            return index + 1
    return None


def _correct(test: dict | None, labels: list | None) -> list[bool] | None:
    predictions = (test or {}).get("predictions")
    if not predictions or not labels or len(predictions) != len(labels):
        return None
    return [p == y for p, y in zip(predictions, labels)]


def setting_differences(spec: dict, cell: str) -> list[dict]:
    """How a baseline built with ``cell`` differs from the main model, beyond the cell itself.

    Baselines swap every recurrent cell and keep every other setting; what the main model's cell
    had and the baseline's cannot (an LSTM's forget-gate initialisation) is a difference to state.
    """
    differences = []
    for index, layer in enumerate(((spec or {}).get("model") or {}).get("recurrent") or []):
        if layer.get("cell") != "lstm" or cell == "lstm":
            continue
        forget = layer.get("forget_bias", 1.0)
        if forget == "chrono":
            differences.append({"kind": "chrono", "layer": index + 1})
        elif forget != 1.0:  # 1.0 is Keras' own unit_forget_bias: the standard LSTM's start
            differences.append({"kind": "forget_bias", "layer": index + 1, "value": forget})
    return differences


def comparison(record: dict, main_outcome: dict) -> list[dict]:
    """The main model against each baseline, by test accuracy, with the test that tells them apart."""
    rows = []
    for baseline in baseline_runs(record):
        row = _against_main(record, main_outcome, baseline)
        row["differences"] = setting_differences(record.get("spec"), baseline["cell"])
        rows.append(row)
    return rows


def variant_changes(spec: dict, run: dict) -> list[dict]:
    """The settings a variant (``run``: a model of role variant) changed: ``key``, the main model's value
    (its first recurrent layer's, where every layer takes the variant's) and the variant's."""
    layers = ((spec or {}).get("model") or {}).get("recurrent") or [{}]
    changes = []
    for key, value in (run.get("variant") or {}).items():
        main = layers[0].get(key, RecurrentLayerSpec.model_fields[key].default)
        change = {"key": key, "main": main, "variant": value}
        if key == "forget_bias":
            # How each start is worded: chrono initialisation, Keras' default (1) or another constant.
            change.update({"main_kind": _forget_kind(main), "variant_kind": _forget_kind(value)})
        changes.append(change)
    return changes


def _forget_kind(value) -> str:
    return "chrono" if value == "chrono" else "keras_default" if value == 1.0 else "constant"


def variants(record: dict, main_outcome: dict) -> list[dict]:
    """The main model against each variant of itself (model.compare's mappings): what the changed settings
    contributed in this run, by test accuracy, with McNemar's test; and how fast each left chance on validation."""
    rows = []
    threshold = validation_chance(record, main_outcome.get("floor"))
    for run in variant_runs(record):
        row = _against_main(record, main_outcome, run)
        history = run.get("history") or {}
        row.update({"name": run.get("name") or run["cell"], "changes": variant_changes(record.get("spec"), run),
                    "variant_left_chance_epoch": left_chance_epoch(history, threshold),
                    "epochs": len(history.get("loss") or [])})
        rows.append(row)
    return rows


def training_lengths(record: dict, other: dict) -> dict:
    """How many epochs the main model and a compared one trained, under which rule.

    Every compared model gets the main model's epoch limit and early-stopping rule, but early stopping (or a NaN
    loss) ends each training at its own epoch, so "the same epochs" is true only when the counts agree.
    verdict: ``same_epochs`` (no early stopping, equal counts), ``early_stopping`` (the rule is on; ``same``
    says whether the counts agree) or ``cut_short`` (no early stopping, and one training ended before the other).
    """
    training = (record.get("spec") or {}).get("training") or {}
    main = main_run(record)
    counts = {name: len((run.get("history") or {}).get("loss") or []) for name, run in (("main", main), ("other", other))}
    facts = {"planned": training.get("epochs"), **counts, "same": counts["main"] == counts["other"],
             "main_evaluated": main.get("evaluated_epoch") or counts["main"],
             "other_evaluated": other.get("evaluated_epoch") or counts["other"]}
    stopping = training.get("early_stopping")
    facts["restored"] = bool(stopping and stopping.get("restore_best_weights"))
    if facts["planned"] == 1 and facts["same"]:
        # One planned epoch: no rule could end either training earlier, and the best epoch is the only one, so
        # neither an early-stopping rule nor restored weights tell the two trainings apart.
        return {"verdict": "same_epochs", **facts, "restored": False}
    # patience null: every epoch trained and the best one kept, no stopping rule to share.
    if stopping is not None and stopping.get("patience", EarlyStoppingSpec.model_fields["patience"].default) is not None:
        return {"verdict": "early_stopping", **facts}
    return {"verdict": "same_epochs" if facts["same"] else "cut_short", **facts}


def _against_main(record: dict, main_outcome: dict, other: dict) -> dict:
    """One compared model (baseline or variant) against the main model on the same test set."""
    main_accuracy = main_outcome.get("test_accuracy")
    n = main_outcome.get("n_test") or 0
    labels = (record.get("dataset") or {}).get("test_labels")
    other_outcome = model_outcome(other, record["dataset"])
    accuracy = other_outcome.get("test_accuracy")
    evidence = {"cell": other["cell"], "variant": other.get("variant"),
                "baseline_outcome": other_outcome["verdict"],
                "baseline_predictor": predictor(other, record["dataset"]),
                "baseline_accuracy": accuracy, "main_accuracy": main_accuracy, "n_test": n}
    evidence["lengths"] = training_lengths(record, other)
    if main_accuracy is None or accuracy is None:
        return {"verdict": "unavailable", **evidence}
    main_correct = _correct(main_run(record).get("test"), labels)
    other_correct = _correct(other.get("test"), labels)
    if main_correct is not None and other_correct is not None:
        test = statistics.mcnemar(main_correct, other_correct)
    else:
        test = statistics.two_proportions(main_accuracy, accuracy, n)
    difference = main_accuracy - accuracy
    evidence["favours"] = "main" if difference > 0 else "other" if difference < 0 else "neither"
    if test["p_value"] < statistics.ALPHA:
        verdict = "main_ahead" if difference > 0 else "baseline_ahead"
    else:
        verdict = "tie"
    return {"verdict": verdict, **test, "difference": difference, "baseline_lead": -difference, **evidence}


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


# A single-class predictor: at least this share of its test answers is one class.  Its test accuracy is
# then within 1 - SINGLE_CLASS_SHARE (5 points) of that class's share of the test set, so the accuracy
# measures the class shares, not the task; below it the answers are spread enough for the accuracy to
# say something of its own.
SINGLE_CLASS_SHARE = 0.95
# Accuracies this close to a class's share of a split (well under one example in 200) are that share.
SHARE_MATCH = 0.005


def predictor(run: dict, dataset: dict) -> dict:
    """What one model answered on the test set, from its confusion matrix (rows: true class).

    ``single_class``: one class takes at least SINGLE_CLASS_SHARE of the answers; ``varied``: the
    answers are spread; ``unavailable``: a record without a confusion matrix (or no test).
    """
    confusion = (run.get("test") or {}).get("confusion")
    names = dataset.get("class_names") or []
    if not confusion or len(confusion) != len(names):
        return {"verdict": "unavailable"}
    n = sum(sum(row) for row in confusion)
    if not n:
        return {"verdict": "unavailable"}
    answered = [sum(row[j] for row in confusion) for j in range(len(names))]
    top = max(range(len(names)), key=lambda j: (answered[j], -j))
    correct = sum(confusion[i][i] for i in range(len(names)))
    mistakes = [{"true": names[i], "predicted": names[j], "count": confusion[i][j]}
                for i in range(len(names)) for j in range(len(names)) if i != j and confusion[i][j]]
    mistakes.sort(key=lambda m: -m["count"])
    counts = dataset.get("class_counts") or {}
    levels = chance_levels(dataset)

    def share(split):
        split_counts = counts.get(split) or {}
        total = sum(split_counts.values())
        return split_counts.get(names[top], 0) / total if total else None

    history = run.get("history") or {}

    def last(key):
        values = history.get(key) or []
        return values[-1] if values and finite(values[-1]) else None

    shares = {"train": share("train"), "validation": share("validation"), "test": share("test")}
    accuracies = {"train": last("accuracy"), "validation": last("val_accuracy")}
    # At the last epoch the training and validation accuracies are the answered class's shares of those
    # splits: the model answered that class there too (every split where both numbers exist).
    pairs = [(accuracies[k], shares[k]) for k in ("train", "validation")
             if accuracies[k] is not None and shares[k] is not None]
    accuracies_are_shares = bool(pairs) and all(abs(a - b) <= SHARE_MATCH for a, b in pairs)
    most_mistaken = mistakes[0] if mistakes and (len(mistakes) == 1 or mistakes[0]["count"] > mistakes[1]["count"]) \
        else None
    return {"verdict": "single_class" if answered[top] / n >= SINGLE_CLASS_SHARE else "varied",
            "class": names[top], "answered": answered[top], "n": n, "answered_share": answered[top] / n,
            "all": answered[top] == n, "threshold": SINGLE_CLASS_SHARE, "other_share": 1 - SINGLE_CLASS_SHARE,
            "is_majority": names[top] in levels["majority_classes"],
            "majority_tie": levels["majority_tie"],
            "shares": shares, "accuracies": accuracies, "accuracies_are_shares": accuracies_are_shares,
            "correct": correct, "n_classes": len(names),
            "most_mistaken": most_mistaken, "mistakes": sum(m["count"] for m in mistakes)}


def reference(record: dict, main_outcome: dict) -> dict | None:
    """The test accuracy against a published one (report.reference): the difference and its interval.

    The reference is a fixed number (its own sampling error is not known here), so the difference's
    95 % interval is the run's Wilson interval shifted by it; ``within`` when that interval holds 0.
    """
    ref = (((record.get("spec") or {}).get("report") or {}).get("reference"))
    if not ref or not finite(ref.get("accuracy")):
        return None
    accuracy, interval = main_outcome.get("test_accuracy"), main_outcome.get("interval")
    facts = {"accuracy": ref["accuracy"], "source": ref.get("source") or "", "test_accuracy": accuracy}
    if accuracy is None or not interval:
        return {"verdict": "unavailable", **facts}
    low, high = interval[0] - ref["accuracy"], interval[1] - ref["accuracy"]
    verdict = "within" if low <= 0 <= high else ("above" if low > 0 else "below")
    difference = accuracy - ref["accuracy"]
    direction = "higher" if difference > 0 else ("lower" if difference < 0 else "equal")
    return {"verdict": verdict, "difference": difference, "direction": direction, "interval": [low, high], **facts}
