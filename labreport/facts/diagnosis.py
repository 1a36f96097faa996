"""What went wrong, what in this run's settings and data likely caused it, and what to change next.

Each problem, cause and next step is a named value with the numbers from
run.json that back it; the templates word them.  A cause is listed only
where the run's own settings or data show it, and a next step only where it
is a change this spec can make with this data.  A run that reached its goal
with no problem in its numbers gets no advice to change it.
"""

from __future__ import annotations

import math

from ..record import main_run
from .curves import finite
from .outcome import training_chance
# The learning-rate and clipping arithmetic lives below the facts, so that the CLI's NaN-loss hint (errors.py) words
# the same advice.
from ..step_sizes import (
    HIGH_LEARNING_RATE,
    SUGGESTED_CLIPNORM,
    USUAL_LEARNING_RATE,
    clipped_step,
    suggested_learning_rate,
)

# Retention of the initial forget gate over the lag, σ(b)^lag, below which the error signal
# from the first important task hardly reaches it at the start of training.
WEAK_FORGET_RETENTION = 0.01
# The initial forget bias suggested for such a run (σ(3) ≈ 0.95); never suggested to a run that already has it.
SUGGESTED_FORGET_BIAS = 3.0
# Padding after the text: flagged when the typical text fills less than this share of the sequence.
PADDING_FILL_BELOW = 0.9
# More weights than this per training sequence: a small training set for the model.
WEIGHTS_PER_SEQUENCE_HIGH = 10.0
# Batch-to-batch noise: the per-batch training losses of the last epoch vary by more than this
# share of their mean (coefficient of variation).
BATCH_NOISE_CV = 0.25
BATCH_FACTOR = 4
# A larger batch is only advised while it leaves at least this many batches per epoch.
MIN_BATCHES_AFTER = 8
# The patience suggested with early stopping (training.early_stopping's default).
EARLY_STOPPING_PATIENCE = 2
# Few updates: Adam and RMSprop move each weight by at most about the learning rate per update, so
# updates × learning rate bounds how far any weight can travel from its initial value.  The initial
# weights of these models are of order 0.1-1 (Glorot's uniform range for an embedding of 8-32 and
# tens of units is ±0.2-0.5), so a run whose bound is under MIN_TRAVEL has stayed near its start.  The
# bound alone is no verdict (the corpus' baseline_wins learned 10-step sequences with a bound of 0.18,
# clean_success and late_success the 50-60-step task with 2.4 and 1.8): the cause is named only where the
# training loss also never left the uniform guess's ln C, i.e. the run did not even fit its training data.
# For SGD, whose step scales with the gradient, the count alone: fewer than MIN_SGD_UPDATES updates.
MIN_TRAVEL = 0.5
MIN_SGD_UPDATES = 500
# More epochs suggested to such a run: enough for a bound of TARGET_TRAVEL at the suggested rate,
# at least twice and at most MAX_EPOCH_FACTOR times the spec's epochs.
TARGET_TRAVEL = 1.0
MAX_EPOCH_FACTOR = 10


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _main_layer(record) -> dict:
    return ((record.get("spec") or {}).get("model") or {}).get("recurrent", [{}])[0]


def initial_forget(record) -> dict | None:
    """The main LSTM layer's initial forget gate, and what it keeps over the lag."""
    layer = _main_layer(record)
    if layer.get("cell") != "lstm":
        return None
    bias = layer.get("forget_bias", 1.0)
    lag = (record.get("dataset") or {}).get("min_lag")
    if bias == "chrono":
        # Chrono initialisation: forget biases log(u), u ~ U(1, T - 1): per-step keeps from σ(0) = 0.5 up to
        # σ(log(T - 2)) = (T - 2)/(T - 1) for the longest-memory units.
        t_max = (record.get("dataset") or {}).get("sequence_length") or 3
        longest = (t_max - 2) / (t_max - 1) if t_max > 2 else 0.5
        return {"scheme": "chrono", "bias": None, "t_max": t_max, "gate": None, "lowest_gate": 0.5,
                "highest_gate": longest, "lag": lag, "retained": None,
                "retained_longest": longest ** lag if lag else None}
    if not isinstance(bias, (int, float)):
        return {"scheme": str(bias), "bias": None, "gate": None, "lag": lag, "retained": None}
    gate = _sigmoid(float(bias))
    return {"scheme": "constant", "bias": float(bias), "gate": gate, "lag": lag,
            "retained": gate ** lag if lag else None}


def _padding(record) -> dict | None:
    data = record.get("dataset") or {}
    lengths = data.get("lengths") or {}
    length = data.get("sequence_length")
    if data.get("padding") != "post" or not lengths.get("median") or not length:
        return None
    fill = min(lengths["median"], length) / length
    if fill >= PADDING_FILL_BELOW:
        return None
    return {"median_length": lengths["median"], "sequence_length": length,
            "padding_steps_after_median_text": length - min(lengths["median"], length), "fill": fill}


def batch_noise(record) -> dict | None:
    """How much the per-batch training loss varies within the last finished epoch."""
    batches = main_run(record).get("batch_history") or {}
    epochs, losses = batches.get("epoch") or [], batches.get("loss") or []
    if not epochs or len(epochs) != len(losses):
        return None
    last = max(epochs)
    values = [v for e, v in zip(epochs, losses) if e == last and finite(v)]
    if len(values) < 4:
        return None
    mean = sum(values) / len(values)
    if mean <= 0:
        return None
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return {"epoch": last, "batches": len(values), "mean": mean, "std": std, "cv": std / mean,
            "noisy": std / mean > BATCH_NOISE_CV}


def diagnose(record: dict, verdicts: dict) -> dict:
    """Problems with their likely causes and next steps; an empty list for a clean run."""
    spec = record.get("spec") or {}
    training = spec.get("training") or {}
    data = record.get("dataset") or {}
    sizes = data.get("sizes") or {}
    main = main_run(record)
    epochs = len((main.get("history") or {}).get("loss") or [])
    # A next step names the setting to change and its value now: the spec's, not what the run got to.
    set_epochs = training.get("epochs") if isinstance(training.get("epochs"), int) else epochs
    set_n_train = ((spec.get("dataset") or {}).get("n_train")
                   or (sizes.get("train") or 0) + (sizes.get("validation") or 0))
    outcome = verdicts["outcome"]
    forget = initial_forget(record)
    padding = _padding(record)
    lr = training.get("learning_rate")
    optimizer = training.get("optimizer", "adam")
    high_lr = finite(lr) and lr >= HIGH_LEARNING_RATE.get(optimizer, 0.01)
    # Clipping is advised only where a clipped step is of a sane size (MAX_CLIPPED_STEP); a learning rate beyond
    # that is named as one that even a clipped gradient cannot tame.
    clipping = clipped_step(lr, optimizer, training.get("clipnorm"))
    clipping_helps = clipping is None or clipping["helps"]
    unclipped = not training.get("clipnorm") and clipping_helps

    def high_rate():
        return cause("high_learning_rate", learning_rate=lr, optimizer=optimizer,
                     beyond_clipping=not clipping_helps, clipped=clipping)
    weights_per_sequence = (main.get("model") or {}).get("total_params", 0) / max(sizes.get("train") or 1, 1)

    def cause(cause_id, **evidence):
        return {"id": cause_id, **evidence}

    def step(step_id, **evidence):
        return {"id": step_id, **evidence}

    def chrono_step():
        # Any constant bias keeps little over a long lag; chrono initialisation gives some units
        # time scales as long as the sequence (Tallec & Ollivier 2018), measured on the default experiment.
        t_max = data.get("sequence_length") or 3
        return step("chrono_init", current=forget["bias"], t_max=t_max,
                    longest_gate=(t_max - 2) / (t_max - 1) if t_max > 2 else 0.5)

    problems = []
    # A model whose training accuracy the binomial test tells from the training split's chance level, and whose
    # validation loss turned up while its training loss fell, fitted its training sequences without generalising:
    # whatever held it back, it was not a learning rate too high to fit or a signal too weak to fit with.
    train_accuracy = [v for v in ((main.get("history") or {}).get("accuracy") or []) if finite(v)]
    training_critical = training_chance(outcome)["critical"]
    fitted = bool(train_accuracy) and training_critical is not None and train_accuracy[-1] >= training_critical
    memorised = fitted and verdicts["overfitting"]["verdict"] == "onset"
    # The measured gradient at the initial weights overrules the estimate: where the first step's
    # gradient held or grew against the last step's, the signal did reach the early steps.
    lstm_gradient = ((verdicts.get("gradients") or {}).get("by_cell") or {}).get("lstm") or {}
    signal_reaches = lstm_gradient.get("verdict") in ("holds", "grows")
    weak_forget = (forget is not None and forget.get("retained") is not None
                   and forget["retained"] < WEAK_FORGET_RETENTION and not signal_reaches)

    if outcome["verdict"] == "diverged":
        causes, steps = [], []
        if high_lr:
            causes.append(high_rate())
        if unclipped:
            causes.append(cause("no_clipping"))
        steps.append(step("lower_learning_rate", current=lr, suggested=suggested_learning_rate(lr, optimizer)))
        if unclipped:
            steps.append(step("set_clipnorm", suggested=SUGGESTED_CLIPNORM))
        problems.append({"id": "diverged", "stopped": main.get("stopped"), "causes": causes, "next": steps})

    if outcome["verdict"] in ("chance", "partly_learned"):
        causes, steps = [], []
        if memorised:
            over = verdicts["overfitting"]
            causes.append(cause("memorised", train_accuracy=train_accuracy[-1], training_critical=training_critical,
                                onset_epoch=over["onset_epoch"], train_loss=over["train_loss_at_last"]))
        if padding:
            causes.append(cause("padding_at_end", **padding))
            steps.append(step("pad_at_front"))
        if weak_forget:
            causes.append(cause("weak_forget_bias", **forget))
            steps.append(chrono_step())
        end = verdicts["end_state"]["verdict"]
        updates = few_updates(record, verdicts, epochs)
        if end in ("still_improving", "single_epoch"):
            causes.append(cause("too_few_epochs", epochs=epochs, single=end == "single_epoch"))
            if not updates:
                steps.append(step("more_epochs", current=set_epochs, suggested=set_epochs * 2))
        if updates:
            # Few updates, and the training loss never left the uniform guess: more (or larger) steps, with
            # the number of epochs that gives them (one more-epochs step, not two).
            causes.append(cause("few_updates", **updates))
            if updates["suggested_learning_rate"] is not None:
                steps.append(step("raise_learning_rate", current=lr, suggested=updates["suggested_learning_rate"]))
            steps.append(step("more_epochs", current=set_epochs, suggested=updates["suggested_epochs"],
                              updates_after=updates["suggested_epochs"] * updates["batches_per_epoch"]))
        if high_lr and not fitted:  # a rate that let the model fit its training data was not too high to learn
            causes.append(high_rate())
            steps.append(step("lower_learning_rate", current=lr, suggested=suggested_learning_rate(lr, optimizer)))
        if unclipped and verdicts["spikes"]["verdict"] == "spikes":
            causes.append(cause("no_clipping", spikes=verdicts["spikes"]["count"]))
            steps.append(step("set_clipnorm", suggested=SUGGESTED_CLIPNORM))
        over = verdicts["overfitting"]
        if over["verdict"] == "onset" and main.get("restored_best_weights") and outcome["verdict"] == "partly_learned":
            # The validation loss turned up after an early best epoch and the best epoch's weights were tested: what
            # was learnt is what those few epochs gave; dropout lets a model train longer before it overfits.
            causes.append(cause("early_turn", best_epoch=over["best_epoch"], last_epoch=over["last_epoch"],
                                val_best=over["val_loss_at_best"], val_last=over["val_loss_at_last"],
                                train_best=over["train_loss_at_best"], train_last=over["train_loss_at_last"]))
            layer = _main_layer(record)
            if not layer.get("dropout"):
                steps.append(step("add_dropout", suggested=0.2))
        if outcome["verdict"] == "chance" and verdicts.get("left_chance_epoch") is None and data.get("source") == "generated":
            # dataset.n_train counts the validation split too (sizes.train is what is left after it).
            steps.append(step("more_sequences", current=set_n_train, suggested=set_n_train * 2))
        problems.append({"id": outcome["verdict"], "causes": causes, "next": steps})

    for row in verdicts["comparison"]:
        if row["verdict"] == "baseline_ahead":
            causes, steps = [], []
            # A main model still improving at the last epoch may have been stopped before it caught up.
            if outcome["verdict"] == "learned" and verdicts["end_state"]["verdict"] == "still_improving":
                causes.append(cause("too_few_epochs", epochs=epochs))
                steps.append(step("more_epochs", current=epochs, suggested=epochs * 2))
            if weak_forget and row.get("cell") != "lstm":
                # Only the LSTM has gates: a forget bias that keeps little over the lag handicaps it alone.
                causes.append(cause("weak_forget_bias", **forget))
                steps.append(chrono_step())
            problems.append({"id": "baseline_ahead", "cell": row["cell"], "difference": -row["difference"],
                             "main_outcome": outcome["verdict"], "causes": causes, "next": steps})

    over = verdicts["overfitting"]
    # A run that restored its best epoch's weights did not hand in the overfitted model: nothing to fix.
    if over["verdict"] == "onset" and not main.get("restored_best_weights"):
        # Which epoch's weights the test used is not a cause of overfitting; the model's size against its data is.
        causes, steps = [], []
        small = weights_per_sequence > WEIGHTS_PER_SEQUENCE_HIGH
        if small:
            causes.append(cause("small_training_set", weights_per_sequence=weights_per_sequence,
                                train=sizes.get("train")))
        stopping = early_stopping_check(record, verdicts)
        if stopping["helps"]:
            steps.append(early_stopping_step(training, over, epochs))
        already = any(s["id"] == "more_sequences" for problem in problems for s in problem["next"])
        if small and data.get("source") == "generated" and not already:
            steps.append(step("more_sequences", current=set_n_train, suggested=set_n_train * 2))
        problems.append({"id": "overfitting", "onset_epoch": over["onset_epoch"], "causes": causes, "next": steps,
                         "early_stopping": stopping})

    if verdicts["end_state"]["verdict"] == "still_improving" and outcome["verdict"] != "learned" \
            and not any(p["id"] in ("chance", "partly_learned") for p in problems):
        problems.append({"id": "still_improving", "causes": [cause("too_few_epochs", epochs=epochs)],
                         "next": [step("more_epochs", current=set_epochs, suggested=set_epochs * 2)]})

    spikes = verdicts["spikes"]
    # A jump in the loss is a problem worth a change only where the settings leave room for it
    # (no clipping, a high learning rate) or the model did not learn; otherwise the report
    # mentions it under "during training" and leaves a run that reached its goal alone.
    if spikes["verdict"] == "spikes" and outcome["verdict"] != "diverged" and (
            not training.get("clipnorm") or high_lr or outcome["verdict"] != "learned"):
        causes, steps = [], []
        if unclipped:
            causes.append(cause("no_clipping"))
            steps.append(step("set_clipnorm", suggested=SUGGESTED_CLIPNORM))
        if high_lr:
            causes.append(high_rate())
            steps.append(step("lower_learning_rate", current=lr, suggested=suggested_learning_rate(lr, optimizer)))
        problems.append({"id": "loss_spike", "largest": spikes["largest"], "count": spikes["count"],
                         "causes": causes, "next": steps})

    return {"verdict": "problems" if problems else "clean", "problems": problems}


def few_updates(record: dict, verdicts: dict, epochs: int) -> dict | None:
    """A run that made too few weight updates to move far from its start, and whose training loss shows it
    (still at the uniform guess's ln C): the numbers, and the learning rate and epochs to try, or None."""
    training = (record.get("spec") or {}).get("training") or {}
    sizes = (record.get("dataset") or {}).get("sizes") or {}
    lr, batch = training.get("learning_rate"), training.get("batch_size")
    optimizer = training.get("optimizer", "adam")
    if not (finite(lr) and batch and sizes.get("train") and epochs):
        return None
    if (verdicts.get("uniform_loss") or {}).get("train_side") != "at":
        return None  # the training loss left the uniform guess: the updates did move the model
    batches = math.ceil(sizes["train"] / batch)
    updates = epochs * batches
    bounded = optimizer in ("adam", "rmsprop")
    travel = updates * lr if bounded else None
    if (travel is not None and travel >= MIN_TRAVEL) or (travel is None and updates >= MIN_SGD_UPDATES):
        return None
    usual = USUAL_LEARNING_RATE.get(optimizer, 0.001)
    new_lr = usual if lr < usual else None
    set_epochs = training.get("epochs") if isinstance(training.get("epochs"), int) else epochs
    rate = new_lr or lr
    wanted = math.ceil(TARGET_TRAVEL / (rate * batches)) if bounded else math.ceil(MIN_SGD_UPDATES * 2 / batches)
    suggested = min(MAX_EPOCH_FACTOR * set_epochs, max(2 * set_epochs, wanted))
    return {"updates": updates, "epochs": epochs, "batches_per_epoch": batches, "learning_rate": lr,
            "optimizer": optimizer, "travel": travel, "min_travel": MIN_TRAVEL if bounded else None,
            "suggested_learning_rate": new_lr, "suggested_epochs": suggested,
            "travel_after": suggested * batches * rate if bounded else None}


def early_stopping_check(record: dict, verdicts: dict) -> dict:
    """Would the best validation epoch's model be meaningfully better than the last one's?

    Only where its validation accuracy is significantly above chance (the binomial test's threshold
    for the validation split) and above the last epoch's by more than two standard errors of one
    epoch's validation accuracy: otherwise early stopping would hand in a chance-level guesser, or a
    model no better than the one evaluated.
    """
    history = main_run(record).get("history") or {}
    over = verdicts["overfitting"]
    val_accuracy = history.get("val_accuracy") or []
    best, last = over.get("best_epoch"), over.get("last_epoch")
    threshold = (verdicts.get("validation_chance") or {}).get("critical")
    n = ((record.get("dataset") or {}).get("sizes") or {}).get("validation")
    if not (best and last and len(val_accuracy) >= last and finite(val_accuracy[best - 1])
            and finite(val_accuracy[last - 1]) and n):
        return {"helps": False, "reason": "unavailable"}
    at_best, at_last = val_accuracy[best - 1], val_accuracy[last - 1]
    se = math.sqrt(max(at_best * (1 - at_best), 1.0 / n) / n)
    facts = {"best_epoch": best, "last_epoch": last, "val_accuracy_at_best": at_best,
             "val_accuracy_at_last": at_last, "critical": threshold, "n_validation": n, "se": se, "two_se": 2 * se}
    if threshold is not None and at_best < threshold:
        return {"helps": False, "reason": "best_at_chance", **facts}
    if at_best - at_last <= 2 * se:
        return {"helps": False, "reason": "no_better", **facts}
    return {"helps": True, "reason": "better", **facts}


def early_stopping_step(training: dict, over: dict, epochs: int) -> dict:
    """Next step for a run that overfitted and evaluated its last epoch: early stopping with the best weights.

    ``configured``: the run had training.early_stopping without restore_best_weights, so only
    that key needs to change.
    """
    configured = training.get("early_stopping") is not None
    return {"id": "early_stopping", "configured": configured, "best_epoch": over["best_epoch"], "current": epochs,
            "monitor": "val_loss", "patience": EARLY_STOPPING_PATIENCE}


def smoothing_advice(record: dict, verdicts: dict) -> list[dict]:
    """How the graphs can be made smoother: the display always; training changes only where they apply."""
    training = (record.get("spec") or {}).get("training") or {}
    sizes = (record.get("dataset") or {}).get("sizes") or {}
    items = []
    noise = batch_noise(record)
    batch_size = training.get("batch_size") or 0
    if noise and noise["noisy"] and batch_size:
        larger = batch_size * BATCH_FACTOR
        batches_after = math.ceil((sizes.get("train") or 0) / larger)
        if batches_after >= MIN_BATCHES_AFTER:
            items.append({"id": "larger_batch", "current": batch_size, "suggested": larger, "factor": BATCH_FACTOR,
                          "batches_after": batches_after, **noise})
    val_trend = verdicts["trends"].get("val_loss") or {}
    # A zig-zag worth a smaller step; turns of a few per cent of the curve's range are "small_turns"
    # (curves.VISIBLE_TURN_SHARE), upticks on a steady course that a smaller step would not be needed for.
    if val_trend.get("noise") == "zigzag" and finite(training.get("learning_rate")):
        items.append({"id": "lower_learning_rate", "current": training["learning_rate"],
                      "suggested": training["learning_rate"] / 2, "reversals": val_trend["reversals"],
                      "chances": val_trend["reversal_chances"]})
    main = main_run(record)
    if (verdicts["overfitting"]["verdict"] == "onset" and not main.get("restored_best_weights")
            and early_stopping_check(record, verdicts)["helps"]):
        epochs = len((main.get("history") or {}).get("loss") or [])
        items.append(early_stopping_step(training, verdicts["overfitting"], epochs))
    return items
