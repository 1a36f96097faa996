"""Facts stage: a run record in, plain data out — numbers and named verdicts with their evidence.

The report's words live in templates (templates/phrases.html.j2 and one
folder per worksheet format); they choose a sentence by a verdict's name and
format the numbers beside it.  Nothing here writes a sentence, and nothing in
the templates compares numbers.  Every verdict is computed on the raw
per-epoch and per-batch values of run.json; smoothing only draws figures.

The definitions and thresholds are module constants in curves.py,
outcome.py, mechanisms.py and diagnosis.py; docs/explanation/judging.md says how
the report judges a run, and docs/reference/verdicts.md (generated) lists them.
"""

from __future__ import annotations

from ..record import baseline_runs, main_run
from . import curves, describe, diagnosis, forecast, mechanisms, outcome, seminar

# Part of the report fingerprint: bump when a verdict's definition changes, so saved
# reports are rendered again (`batch --check` reports them out of date).
FACTS_VERSION = "27"

CURVES = {"loss": False, "val_loss": False, "accuracy": True, "val_accuracy": True}  # name -> higher is better


def build_facts(record: dict) -> dict:
    """Everything the templates may say about this run, as JSON-able data (``record``: RunRecord.plain())."""
    if (record.get("task") or {}).get("kind") == "forecast":
        return {"version": FACTS_VERSION, **forecast.forecast_facts(record)}  # facts/forecast.py
    main = main_run(record)
    history = main.get("history") or {}
    result = outcome.outcome(record)
    verdicts: dict = {"outcome": result}
    sizes = ((record.get("dataset") or {}).get("sizes") or {})
    shares_of = {"accuracy": sizes.get("train"), "val_accuracy": sizes.get("validation")}  # sequences per share
    verdicts["trends"] = {name: curves.trend(history.get(name), higher_is_better=higher, n=shares_of.get(name))
                          for name, higher in CURVES.items() if history.get(name)}
    verdicts["overfitting"] = curves.overfitting(history.get("loss"), history.get("val_loss"))
    # The baselines' overfitting, judged the same way and said where the main model's is.
    verdicts["baseline_overfitting"] = [
        {"cell": run["cell"], **curves.overfitting((run.get("history") or {}).get("loss"),
                                                   (run.get("history") or {}).get("val_loss"))}
        for run in baseline_runs(record)]
    dataset = record.get("dataset") or {}
    verdicts["uniform_loss"] = curves.uniform_guess(history, len(dataset.get("class_names") or []) or None,
                                                    (dataset.get("class_counts") or {}).get("train"))
    verdicts["curve_noise"] = curves.curve_noise(history, (dataset.get("sizes") or {}).get("validation"),
                                                 verdicts["trends"].get("val_loss"))
    verdicts["predictor"] = outcome.predictor(main, dataset)
    verdicts["reference"] = outcome.reference(record, result)
    verdicts["gap"] = curves.generalisation_gap(history, at_chance=result["verdict"] == "chance",
                                                training_critical=outcome.training_chance(result)["critical"])
    verdicts["end_state"] = curves.end_state(history.get("loss"), history.get("val_loss"))
    verdicts["end_state"]["repeats_overfitting"] = curves.end_repeats_overfitting(verdicts["end_state"],
                                                                                  verdicts["overfitting"])
    verdicts["spikes"] = curves.loss_spikes(history.get("loss"), main.get("batch_history"))
    verdicts["validation_chance"] = outcome.validation_chance(record, result.get("floor"))
    verdicts["left_chance_epoch"] = outcome.left_chance_epoch(history, verdicts["validation_chance"])
    # The epochs before it, for the sentence that names them (a template computes no number).
    verdicts["below_chance_until"] = (verdicts["left_chance_epoch"] - 1) if verdicts["left_chance_epoch"] else None
    verdicts["comparison"] = outcome.comparison(record, result)
    verdicts["variants"] = outcome.variants(record, result)
    verdicts["evaluation"] = outcome.evaluation(record, result)
    learned = result["verdict"] == "learned"
    verdicts["gradients"] = mechanisms.gradients(record)
    verdicts["gates"] = mechanisms.gates(record, learned)
    verdicts["diagnosis"] = diagnosis.diagnose(record, verdicts)
    verdicts["advice"] = diagnosis.smoothing_advice(record, verdicts)
    verdicts["batch_noise"] = diagnosis.batch_noise(record)
    verdicts["initial_forget"] = diagnosis.initial_forget(record)
    verdicts["aim"] = _aim(result, verdicts["comparison"])
    n_epochs = len(history.get("loss") or [])
    late = verdicts["left_chance_epoch"]
    verdicts["learning_start"] = ("never" if late is None else
                                  "first_epoch" if late == 1 else "later")
    has_validation = ((record.get("dataset") or {}).get("sizes") or {}).get("validation", 1) > 0
    if not has_validation:
        # training.validation_split: 0 (all the data for training): no validation curve to judge.
        verdicts["learning_start"] = "no_validation"
        for name in ("val_loss", "val_accuracy"):
            if name in verdicts["trends"]:
                verdicts["trends"][name] = {**verdicts["trends"][name], "reason": "no_validation"}
        verdicts["overfitting"] = {**verdicts["overfitting"], "reason": "no_validation"}
        verdicts["baseline_overfitting"] = []
    timing = main.get("timing") or {}
    seconds = [s for s in (timing.get("seconds_per_epoch") or []) if curves.finite(s)]
    facts = {
        "version": FACTS_VERSION,
        "experiment": record.get("experiment"),
        "dataset": describe.dataset_facts(record),
        "model": describe.model_facts(record),
        "comparison_rows": describe.comparison_rows(record),
        "variant_rows": describe.variant_rows(record),
        "epochs": curves.epoch_rows(history, timing.get("seconds_per_epoch") or []),
        "n_epochs": n_epochs,
        # The epoch whose weights the test set saw: the restored best one, or the last (evaluation).
        "evaluated_epoch": verdicts["evaluation"]["epoch"],
        "restored_best_weights": bool(main.get("restored_best_weights")),
        "has_validation": has_validation,
        "stopped": main.get("stopped") or {"reason": "completed", "epoch": n_epochs},
        # Where a diverged run's loss exploded (curves.EXPLOSION_FACTOR), which may be epochs before it stopped.
        "explosion": curves.explosion(main.get("batch_history"), main.get("stopped")),
        "timing": {"total_seconds": (record.get("timing") or {}).get("total_seconds"),  # the run's, not a model's
                   "train_seconds": timing.get("train_seconds"),
                   "seconds_per_epoch": sum(seconds) / len(seconds) if seconds else None,
                   # the first epoch apart where it carries one-time setup; "in all" the epochs' own sum
                   "epoch_seconds": describe.epoch_seconds(seconds, timing.get("train_seconds")),
                   # An epoch of a model that diverged ran on exploded values, perhaps only part of its batches:
                   # not a measure of what an epoch costs (describe.timing_comparable).
                   "fastest_epoch": (min(seconds) if seconds and describe.timing_comparable(main)["verdict"] == "comparable"
                                     else None)},
        "test": main.get("test"),
        "backend": record.get("backend"),
        "versions": record.get("versions") or {},
        **verdicts,
    }
    # The seminar write-up's extra facts: activations, encoding, gate traces, limitations, references.
    facts["speed"] = describe.speed_basis(facts["comparison_rows"], facts["variant_rows"])
    facts["seminar"] = seminar.seminar_facts(record, facts)
    return facts


def _aim(result: dict, comparison: list[dict]) -> dict:
    """Does this run show the worksheet's aim: the LSTM learns what the plain RNN cannot?"""
    main = result["verdict"]
    if main == "diverged":
        verdict = "diverged"
    elif main != "learned":
        verdict = "not_shown"
    elif not comparison:
        verdict = "learned_no_baseline"
    elif all(row["verdict"] == "main_ahead" for row in comparison):
        # Ahead of every baseline; the aim (the plain RNN cannot remember this) needs them short of learning too.
        learned_too = any(row["baseline_outcome"] == "learned" for row in comparison)
        verdict = "ahead_both_learned" if learned_too else "shown"
    elif any(row["verdict"] == "baseline_ahead" for row in comparison):
        verdict = "not_shown"
    else:
        verdict = "learned_no_contrast"
    return {"verdict": verdict, "main": main}
