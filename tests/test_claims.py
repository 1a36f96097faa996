"""Every claim sentence of every format's report, checked against the raw run record (tests/claim_check.py).

The records: the real default experiment (tests/fixtures/runs/default_experiment.json), every other
run record in tests/fixtures/runs/, and three variants edited here from the default one: a run at
chance, a run whose loss became NaN, and a run that overfits.  Each is rendered to report.html with
``render_report(..., pdf=False)`` (no PDF: the claims are in the HTML, and WeasyPrint would
take most of the time), and every sentence the checker recognises is checked; the checker also fails
on a sentence that names an epoch or a curve with a number in a form it does not know.

Golden texts: tests/golden/*.txt hold the exp13 report's sections 7d, 8b and the conclusion for the
default record and two failed variants.  After an intended change of wording, rewrite them with

    LABREPORT_UPDATE_GOLDEN=1 pytest tests/test_claims.py -k golden

and read the diff before committing it.  No test here trains or imports TensorFlow.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import sys
from pathlib import Path

import pytest

from claim_check import check_report, check_text, report_text, section_text

TESTS = Path(__file__).resolve().parent
RUNS = TESTS / "fixtures" / "runs"
FORECAST_RUNS = TESTS / "fixtures" / "forecast_runs"  # the forecast part of the corpus (make_forecast_runs.py)
GOLDEN = TESTS / "golden"
DEFAULT_RUN = RUNS / "default_experiment.json"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- variants of the default record


def _keep_epochs(record: dict, n: int) -> None:
    for name in list(record["history"]):
        record["history"][name] = record["history"][name][:n]
    timing = record.get("timing") or {}
    if timing.get("seconds_per_epoch"):
        timing["seconds_per_epoch"] = timing["seconds_per_epoch"][:n]
        timing["train_seconds"] = round(sum(timing["seconds_per_epoch"]), 3)
        timing["epochs"] = n
    batches = record.get("batch_history") or {}
    if batches.get("epoch"):
        keep = [i for i, e in enumerate(batches["epoch"]) if e <= n]
        for key in ("epoch", "batch", "loss", "accuracy"):
            if key in batches:
                batches[key] = [batches[key][i] for i in keep]


def chance_variant(record: dict) -> dict:
    """The main model given the SimpleRNN baseline's own (real) history and test result: it stays at chance."""
    r = copy.deepcopy(record)
    baseline = r["baselines"][0]
    r["history"] = copy.deepcopy(baseline["history"])
    r["test"] = copy.deepcopy(baseline["test"])
    return r


def diverged_variant(record: dict) -> dict:
    """The loss became NaN at epoch 3, batch 17: as the recorder writes it (two finished epochs, then a
    NaN row; batches up to the one that diverged), no test result."""
    r = copy.deepcopy(record)
    _keep_epochs(r, 3)
    for name in r["history"]:
        r["history"][name][2] = math.nan
    batches = r["batch_history"]
    keep = [i for i, (e, b) in enumerate(zip(batches["epoch"], batches["batch"])) if (e, b) <= (3, 17)]
    for key in ("epoch", "batch", "loss", "accuracy"):
        batches[key] = [batches[key][i] for i in keep]
    batches["loss"][-1] = math.nan
    batches["accuracy"][-1] = math.nan
    r["stopped"] = {"reason": "nan_loss", "epoch": 3, "batch": 17, "value": "NaN"}
    r["test"] = None
    for baseline in r.get("baselines") or []:
        baseline["stopped"] = {"reason": "completed", "epoch": len(baseline["history"]["loss"])}
    return r


def overfitting_variant(record: dict) -> dict:
    """12 epochs: the training loss falls all the way, the validation loss is lowest at epoch 3 and rises after,
    and the validation accuracy, highest at epoch 3, falls with it (so the best epoch's weights are the better model)."""
    r = copy.deepcopy(record)
    n = 12
    _keep_epochs(r, n)
    r["spec"]["training"]["epochs"] = n
    loss = [1.30 * 0.78 ** i for i in range(n)]
    val_loss = [1.25, 0.98, 0.86] + [0.86 + 0.045 * k * k for k in range(1, n - 2)]
    accuracy = [min(0.30 + 0.065 * i, 0.995) for i in range(n)]
    val_accuracy = [0.33, 0.52, 0.64, 0.60, 0.58, 0.56, 0.54, 0.53, 0.52, 0.51, 0.50, 0.49]
    r["history"] = {"loss": loss, "accuracy": accuracy, "val_loss": val_loss, "val_accuracy": val_accuracy}
    r["test"] = {"loss": val_loss[-1] * 1.02, "accuracy": 0.497}
    return r


def _with_early_stopping(record: dict, *, stop: int | None, best: int, patience: int, restore: bool) -> dict:
    """The overfitting run with training.early_stopping on val_loss: stopped after epoch ``stop`` (None: ran all)."""
    r = overfitting_variant(record)
    if stop is not None:
        _keep_epochs(r, stop)
    n = len(r["history"]["loss"])
    r["spec"]["training"]["early_stopping"] = {"monitor": "val_loss", "patience": patience, "min_delta": 0.0,
                                               "restore_best_weights": restore}
    r["stopped"] = {"reason": "early_stopping" if stop is not None else "completed", "epoch": n, "best_epoch": best,
                    "monitor": "val_loss", "best_value": r["history"]["val_loss"][best - 1], "patience": patience,
                    "min_delta": 0.0}
    r["restored_best_weights"] = restore
    r["evaluated_epoch"] = best if restore else n
    r["test"] = {"loss": r["history"]["val_loss"][r["evaluated_epoch"] - 1] * 1.02, "accuracy": 0.61}
    return r


def early_stopped_variant(record: dict) -> dict:
    """Lowest validation loss at epoch 3, stopped after epoch 5 (patience 2), epoch 3's weights evaluated."""
    return _with_early_stopping(record, stop=5, best=3, patience=2, restore=True)


def early_stopped_last_weights_variant(record: dict) -> dict:
    """The same stop, without restore_best_weights: epoch 5's weights evaluated."""
    return _with_early_stopping(record, stop=5, best=3, patience=2, restore=False)


def best_weights_no_stop_variant(record: dict) -> dict:
    """Patience 10 never reached in 12 epochs: all trained, epoch 3's weights evaluated."""
    return _with_early_stopping(record, stop=None, best=3, patience=10, restore=True)


def no_validation_variant(record: dict) -> dict:
    """training.validation_split: 0: every training sequence trained on, no validation curve."""
    r = copy.deepcopy(record)
    sizes = r["dataset"]["sizes"]
    sizes["train"], sizes["validation"] = sizes["train"] + sizes["validation"], 0
    r["spec"]["training"]["validation_split"] = 0.0
    for name in ("val_loss", "val_accuracy"):
        r["history"][name] = [None] * len(r["history"][name])
    return r


def single_epoch_variant(record: dict) -> dict:
    """The default run cut to its first epoch (`labreport run --epochs 1`): one point, no curve."""
    r = copy.deepcopy(record)
    _keep_epochs(r, 1)
    r["spec"]["training"]["epochs"] = 1
    r["stopped"] = {"reason": "completed", "epoch": 1}
    return r


def reference_variant(record: dict) -> dict:
    """The default run with a reference accuracy in its report fields (report.reference, as Assignment 7 has)."""
    r = copy.deepcopy(record)
    r["spec"].setdefault("report", {})["reference"] = {"accuracy": 0.998, "source": "a reference run of this spec"}
    return r


VARIANTS = {"reference": reference_variant, "single_epoch": single_epoch_variant, "chance": chance_variant, "diverged": diverged_variant, "overfitting": overfitting_variant,
            "early_stopped": early_stopped_variant, "early_stopped_last_weights": early_stopped_last_weights_variant,
            "best_weights_no_stop": best_weights_no_stop_variant, "no_validation": no_validation_variant}


def records() -> dict[str, dict]:
    """Every record the claims are checked on, by name (loaded lazily: name -> loader)."""
    found = {path.stem: (lambda path=path: load(path))
             for path in sorted(RUNS.glob("*.json")) + sorted(FORECAST_RUNS.glob("*.json"))}
    for name, make in VARIANTS.items():
        found[f"default_{name}"] = lambda make=make: make(load(DEFAULT_RUN))
    return found


RECORDS = records()


def worksheet_names() -> tuple[str, ...]:
    from labreport.worksheets import worksheet_names as names
    return names()


# --------------------------------------------------------------------------- rendering


@pytest.fixture(scope="module")
def render(html_report):
    """render(record_name, worksheet) -> (report.html text, record): each rendered once per session
    (``html_report`` in conftest.py, shared with test_no_repeats.py), without a PDF."""
    def rendered(name: str, worksheet: str):
        tensorflow_before = "tensorflow" in sys.modules
        text = html_report(name, worksheet, RECORDS[name])
        if not tensorflow_before:
            assert "tensorflow" not in sys.modules, "rendering a report imported TensorFlow"
        return text, RECORDS[name]()

    return rendered


# --------------------------------------------------------------------------- the claims


@pytest.mark.parametrize("worksheet", worksheet_names())
@pytest.mark.parametrize("name", sorted(RECORDS))
def test_every_claim_holds_in_the_run_record(render, name, worksheet):
    html, record = render(name, worksheet)
    counts = check_report(html, record)
    assert sum(counts.values()) > 0
    print(f"{name} / {worksheet}: {sum(counts.values())} claims: {dict(counts)}")


def test_exp13_checks_each_kind_of_verdict_on_the_default_run(render):
    html, record = render("default_experiment", "exp13")
    counts = check_report(html, record)
    for kind in ("trend segment", "trend summary", "direction changes", "lowest validation loss", "overfitting",
                 "end state", "test outcome", "baseline comparison", "left chance", "loss jumps", "aim", "epoch times",
                 "value at epoch"):
        assert counts[kind] > 0, f"no {kind!r} claim found: {dict(counts)}"


@pytest.mark.parametrize("name, worksheet, kinds", [
    ("default_experiment", "exp13", ("figure series", "figure model end", "figure marks", "uniform guess", "smoothing",
                                     "figure batches", "figure gradients", "figure gates", "figure dataset",
                                     "figure caption")),
    ("single_class", "exp13", ("figure confusion", "figure caption")),
    ("default_experiment", "lab-summary", ("figure series", "figure model end", "figure caption", "smoothing")),
    # A forecast's residual figure (exp13, lab-record and project-report list it) and the loss every format names.
    ("forecast_learned", "exp13", ("forecast residual figure", "forecast loss")),
    ("forecast_learned", "project-report", ("forecast residual figure", "forecast loss")),
    ("forecast_three_steps", "lab-record", ("forecast residual figure", "forecast horizon figure", "forecast loss")),
])
def test_the_figures_alt_text_and_captions_are_checked(render, name, worksheet, kinds):
    """Each figure's alternative text (read from its <img>) and caption is checked against run.json."""
    html, record = render(name, worksheet)
    counts = check_report(html, record)
    for kind in kinds:
        assert counts[kind] > 0, f"no {kind!r} claim found in {name} / {worksheet}: {dict(counts)}"


def test_alt_text_is_read_as_prose():
    html = '<p>Intro.</p><figure><img src="a.png" alt="Training loss goes from 1.0000 at epoch 1"><figcaption>Cap</figcaption></figure>'
    assert report_text(html) == "Intro.\nTraining loss goes from 1.0000 at epoch 1\nCap"


@pytest.mark.parametrize("name, kinds", [
    ("default_chance", ("trend summary", "direction changes", "test outcome", "baseline comparison", "aim", "setting")),
    ("default_diverged", ("diverged", "trend segment", "trend unavailable", "epochs", "aim")),
    ("default_overfitting", ("trend segment", "overfitting", "end state", "test outcome", "lowest validation loss",
                             "evaluated epoch")),
    ("default_early_stopped", ("early stopping", "evaluated epoch", "test outcome")),
    ("initialisation_variant", ("variant settings", "variant comparison", "variant left chance", "baseline comparison")),
    ("default_early_stopped_last_weights", ("early stopping", "evaluated epoch", "lowest validation loss")),
    ("default_best_weights_no_stop", ("early stopping", "evaluated epoch")),
    ("default_no_validation", ("no validation", "trend segment", "test outcome")),
])
def test_exp13_checks_the_failed_runs_verdicts(render, name, kinds):
    html, record = render(name, "exp13")
    counts = check_report(html, record)
    for kind in kinds:
        assert counts[kind] > 0, f"no {kind!r} claim found in {name}: {dict(counts)}"


# A planted lie: the rendered HTML edited after rendering; the checker must reject it.
LIES = [
    ("default_experiment", "0.0256 at epoch 9", "0.0256 at epoch 8"),
    ("default_experiment", "fell from 1.3924 at epoch 1", "rose from 1.3924 at epoch 1"),
    ("default_experiment", "to 0.0256 at epoch 9", "to 0.0265 at epoch 9"),
    ("default_experiment", "with 2 stretches of rising", "with 1 stretch of rising"),
    ("default_experiment", "The validation loss changed direction 4 times", "The validation loss changed direction 3 times"),
    ("single_class", "every answer of the LSTM is in the YY column", "every answer of the LSTM is in the XX column"),
    ("single_class", "It answered YY for all 400 test sequences", "It answered YY for all 399 test sequences"),
    ("single_class", "are YY's shares of those splits (30.3 % and 26.2 %)", "are YY's shares of those splits (31.3 % and 26.2 %)"),
    ("single_class", "the validation loss ended at 1.3849, at that level", "the validation loss ended at 1.3849, below it"),
    ("single_class", "it made only 60 weight updates", "it made only 600 weight updates"),
    ("single_class", "standard error of 4.9 percentage points", "standard error of 2.9 percentage points"),
    ("overfitting", "the validation accuracy was 36.67 %, not significantly", "the validation accuracy was 46.67 %, not significantly"),
    ("overfit_accuracy_holds", "a difference within two standard errors (4.6 percentage points)",
     "a difference within two standard errors (1.6 percentage points)"),
    ("overfit_accuracy_holds", "within twice its epoch-to-epoch scatter (0.0281)", "within twice its epoch-to-epoch scatter (0.0081)"),
    ("default_reference", "which includes 0, so this run matches", "entirely above 0: this run scored higher"),
    ("default_experiment", "lowest at the last epoch, 20 (0.0012)", "lowest at the last epoch, 20 (0.0013)"),
    ("default_experiment", "test accuracy 100 % (95 % interval", "test accuracy 99.0 % (95 % interval"),
    ("default_experiment", "interval 99.6–100.0 %", "interval 98.6–100.0 %"),
    ("default_experiment", "76.4 percentage points ahead", "66.4 percentage points ahead"),
    ("default_experiment", "first reached it at epoch 6", "first reached it at epoch 7"),
    ("default_experiment", "biases started at 3 (Keras", "biases started at 2 (Keras"),
    ("default_experiment", "The LSTM learned the task:", "The LSTM did not learn the task:"),
    # The followed unit and the gradient curves (issue 25, class 3).
    ("default_experiment", "at X by 0.276–0.393", "at X by 0.276–0.493"),
    ("default_experiment", "at X it is 0.497–0.665", "at X it is 0.397–0.665"),
    ("default_experiment", "in every one of the 3 sequences", "in 2 of the 3 sequences"),
    ("default_experiment", "None of the 32 units opens", "Only 1 of the 32 units opens"),
    ("default_experiment", "each moves it a little.",
     "each moves it a little; it is written when an important task arrives and barely touched by the rest."),
    ("default_experiment", "is with the trained weights 0.79× and 1.10× for the LSTM",
     "is with the trained weights 1.79× and 1.10× for the LSTM"),
    ("default_experiment", "with no overlap between the two groups.",
     "with no overlap between the two groups; the memory is spread over several units."),
    ("default_diverged", "with 3 epochs, fewer than the 20", "with 4 epochs, fewer than the 20"),
    ("default_experiment", "The run record does not hold the gates before training, so",
     "Before training, on the same sequences, this forget gate already averaged 0.7311, so"),
    ("default_chance", "The LSTM did not learn the task", "The LSTM learned the task"),
    # A validation loss within 1 % of its level that rose at every epoch while the training loss fell is not "flat".
    ("chance_level", "The SimpleRNN baseline's validation loss was lowest at epoch 1 (1.3901) and ended 0.3 % above that at "
     "epoch 6, rising at every epoch while its training loss fell (1.3903 to 1.3689): more than its epoch-to-epoch "
     "scatter, but too small a rise to call overfitting.",
     "The SimpleRNN baseline's validation loss was flat, between 1.3901 and 1.3936: no sign of overfitting."),
    ("chance_level", "while its training loss fell (1.3903 to 1.3689)", "while its training loss fell (1.3903 to 1.3789)"),
    # The training loss of a model that learned only the class shares: under ln 4, close to -Σ p ln p (1.3768).
    ("chance_level", "close to the 1.3768 of answering every sequence", "close to the 1.3718 of answering every sequence"),
    # model.fit's time against the epochs' sum: the two figures a report gives for the training, told apart.
    ("chance_level", "took 8.47 s, 0.98 s of it outside", "took 8.47 s, 0.48 s of it outside"),
    ("default_overfitting", "overfitted from epoch 4", "overfitted from epoch 5"),
    # A model that fitted its training data and overfitted: the cause of its chance result is memorising, stated with
    # the training split's own threshold.
    ("overfitting", "above the 40.8 % that tells it from the training split's chance level",
     "above the 30.8 % that tells it from the training split's chance level"),
    ("default_diverged", "at epoch 3, batch 17", "at epoch 2, batch 17"),
    ("default_early_stopped", "with the weights of epoch 3, the best", "with the weights of epoch 4, the best"),
    ("default_early_stopped", "for 2 epochs (early stopping with patience 2)", "for 3 epochs (early stopping with patience 2)"),
    ("default_early_stopped", "after epoch 5 of the 12 planned", "after epoch 5 of the 5 planned"),
    ("default_early_stopped", "the dashed line marks epoch 5", "the dashed line marks epoch 4"),
    ("default_early_stopped_last_weights", "the last epoch (5), not those of the best, epoch 3",
     "the last epoch (5), not those of the best, epoch 4"),
    ("default_early_stopped_last_weights", "would have been epoch 3's instead of epoch 5's",
     "would have been epoch 2's instead of epoch 5's"),
    ("default_best_weights_no_stop", "it ran all 12 epochs", "it ran all 11 epochs"),
    ("default_overfitting", "would have evaluated epoch 3 instead of epoch 12", "would have evaluated epoch 4 instead of epoch 12"),
    # A variant of the main model (model.compare's mappings): its settings, its accuracy, when it left chance.
    ("initialisation_variant", "Keras' default forget-gate biases of 1 instead of chrono",
     "Keras' default forget-gate biases of 2 instead of chrono"),
    ("initialisation_variant", "It reached test accuracy 47.0 %", "It reached test accuracy 57.0 %"),
    ("initialisation_variant", "was 53.0 percentage points ahead", "was 43.0 percentage points ahead"),
    ("initialisation_variant", "the variant from epoch 2", "the variant from epoch 3"),
    # Each model stops at its own epoch under one early-stopping rule: never "the same epochs" (the real default run).
    ("shipped_default", "the LSTM trained 6 epochs and the SimpleRNN 4", "the LSTM trained 6 epochs and the SimpleRNN 6"),
    ("shipped_default", "the LSTM trained 6 epochs and the variant 10", "the LSTM trained 6 epochs and the variant 12"),
    ("shipped_default", "units, optimiser, batch size and seed, and the same early-stopping rule",
     "units, optimiser, epochs, batch size and seed, and the same early-stopping rule"),
    ("shipped_default", "LSTM vs SimpleRNN vs LSTM variant (forget_bias 1.0): accuracy",
     "LSTM vs SimpleRNN: accuracy"),
    # A difference within the noise says whom it favours, and the interval is the main model's lead.
    ("overfitting", "the difference, 4.5 percentage points in the SimpleRNN's favour",
     "the difference, 4.5 percentage points in the LSTM's favour"),
    # The figures' alternative text (an <img> alt: what a screen reader reads from the tagged PDF) and captions.
    ("default_experiment", "Training accuracy goes from 25.22 % at epoch 1 to 100 % at epoch 20",
     "Training accuracy goes from 25.22 % at epoch 1 to 99.00 % at epoch 20"),
    ("default_experiment", "validation loss goes from 1.3883 at epoch 1 to 0.0012 at epoch 20",
     "validation loss goes from 1.3883 at epoch 1 to 0.0012 at epoch 21"),
    ("default_experiment", "validation accuracy ends at 22.62 %", "validation accuracy ends at 32.62 %"),
    ("default_experiment", "A dotted vertical line marks epoch 20", "A dotted vertical line marks epoch 19"),
    ("default_experiment", "a uniform guess over 4 classes, ln 4 = 1.3863.", "a uniform guess over 4 classes, ln 4 = 1.3683."),
    ("default_experiment", "for each of 2,000 batches", "for each of 2,100 batches"),
    ("default_experiment", "to 0.0011 at batch 2,000", "to 0.0021 at batch 2,000"),
    ("default_experiment", "gradient is 1.7 × 10⁻² at the first step", "gradient is 2.7 × 10⁻² at the first step"),
    ("default_experiment", "input gate averages 0.61 at the important tasks", "input gate averages 0.71 at the important tasks"),
    ("default_experiment", "(train: XX 772, XY 789,", "(train: XX 772, XY 798,"),
    ("default_experiment", "moving average, weight 0.6)", "moving average, weight 0.8)"),
    ("default_experiment", "LSTM gates and cell state of unit 25", "LSTM gates and cell state of unit 24"),
    ("default_experiment", "LSTM vs SimpleRNN: accuracy per epoch", "LSTM vs GRU: accuracy per epoch"),
    ("default_no_validation", "Training (no validation split) accuracy vs epochs", "Training and validation accuracy vs epochs"),
    ("default_early_stopped", "A dashed vertical line marks epoch 5", "A dashed vertical line marks epoch 4"),
    ("default_diverged", "to 1.3894 at epoch 2, its last finite value", "to 1.3894 at epoch 3, its last finite value"),
    # The diverged fixture: its loss exploded at epoch 1, batch 2 (1.3887 -> 1.82e35), stayed near 1e36 for 37 batches
    # and overflowed at epoch 4, batch 10; its SimpleRNN baseline exploded at batch 2 and stopped at batch 4 of 10.
    ("diverged", "Overfitting cannot be judged: training diverged in epoch 1.",
     "Overfitting cannot be judged: training diverged in epoch 4."),
    ("diverged", "the loss exploded at epoch 1, batch 2", "the loss exploded at epoch 2, batch 2"),
    ("diverged", "(median 1.02 × 10³⁶) over the next 37 batches", "(median 1.02 × 10³⁶) over the next 36 batches"),
    ("diverged", "the SimpleRNN diverged in epoch 1 and stopped after 4 of the 10 batches of epoch 1",
     "the SimpleRNN diverged in epoch 1 and stopped after 5 of the 10 batches of epoch 1"),
    ("diverged", "one step could move the weights by up to 1.18 × 10³⁶", "one step could move the weights by up to 1.18 × 10³⁵"),
    ("single_class", "LSTM: 116 of 400 test sequences on the diagonal", "LSTM: 400 of 400 test sequences on the diagonal"),
    ("single_class", "answers per class: XX 0, XY 0, YX 0, YY 400", "answers per class: XX 100, XY 100, YX 100, YY 100"),
    # The median of the step-by-step quotients, not the LSTM's median over the SimpleRNN's (5.8 × 10⁹).
    ("overfitting", "(median 1.1 × 10¹⁰×)", "(median 5.8 × 10⁹×)"),
    # 8a names both readings: the initial weights did not favour the LSTM, the trained ones did.
    ("overfitting", "the LSTM did not keep more of the error signal at the early steps than the SimpleRNN at the initial",
     "the LSTM kept more of the error signal at the early steps than the SimpleRNN only at the initial"),
    ("overfitting", "its first step receives 7.3 × 10¹⁵× as much, relative to its last step",
     "its first step receives 7.3 × 10¹³× as much, relative to its last step"),
    # A SimpleRNN whose first/last ratio is 0.63 did not fade; the LSTM grew.
    ("too_few_epochs", "in the LSTM as in the SimpleRNN, though the plain RNN's signal did not fade on its way back",
     "in the LSTM as in the SimpleRNN: the plain RNN's signal fades on its way back"),
    ("too_few_epochs", "LSTM kept more of the error signal at the early steps than the SimpleRNN only at the initial",
     "gradients measured by step (below) keep more of the error signal at the early steps, relative to the last step, in "
     "the LSTM than in the SimpleRNN, both at the initial"),
    ("too_few_epochs", "forget-gate biases started at 3 (Keras' default is 1), so the comparison before training",
     "forget-gate biases started at 2 (Keras' default is 1), so the comparison before training"),
    # The conclusion follows 7c: the unit is written at the important tasks but does not hold the first one.
    ("baseline_wins", "it is written at the important tasks and lets the others pass, but it does not hold the first one "
     "to the end (its cell state at the last step does not tell it apart",
     "it stores the important tasks and lets the others pass, and its final state still tells the first important task "
     "apart (its cell state at the last step does not tell it apart"),
    ("baseline_wins", "its forget gate keeps 1.34 % over the lag", "its forget gate keeps 13.4 % over the lag"),
]


@pytest.mark.parametrize("name, truth, lie", LIES)
def test_the_checker_catches_a_planted_lie(render, name, truth, lie):
    html, record = render(name, "exp13")
    text = html.replace("\u00a0", " ").replace("&nbsp;", " ")
    assert truth in text, f"the report no longer says {truth!r}: update this test's lie"
    check_report(text, record)  # the truth passes
    with pytest.raises(AssertionError) as caught:
        check_report(text.replace(truth, lie, 1), record)
    assert lie in str(caught.value), str(caught.value)


# Sentence forms of other formats, checked as text: (record, a true sentence, the same sentence made false).
SENTENCES = [
    # lab-record's pseudocode repeats the main model as each variant, saying how long each trained.
    ("shipped_default",
     "repeat with Keras' default forget-gate biases of 1 instead of chrono initialisation, everything else as above: the same early-stopping rule within 12 epochs, under which the LSTM trained 6 epochs and the variant 10, each tested with the weights of its own best epoch (epochs 3 and 7)",
     "repeat with Keras' default forget-gate biases of 1 instead of chrono initialisation, everything else as above: the same early-stopping rule within 12 epochs, under which the LSTM trained 6 epochs and the variant 12, each tested with the weights of its own best epoch (epochs 3 and 7)"),
    ("default_experiment",
     "In epochs 1-5 the validation accuracy stayed below 29.0 %, the lowest that a one-sided binomial test on 800 validation sequences tells from their chance level (26.3 %); it first reached it at epoch 6.",
     "In epochs 1-5 the validation accuracy stayed below 27.6 %, the lowest that a one-sided binomial test on 800 validation sequences tells from their chance level (25.0 %); it first reached it at epoch 6."),
    ("default_experiment", "The training loss jumped up once, at epoch 10, from 0.0256 to 0.0406.",
     "The training loss jumped up once, at epoch 11, from 0.0406 to 0.0083."),
    # Epoch times: the first epoch apart where it carries one-time setup, "in all" the epochs' own sum (the sensor run's
    # LSTM: 3.29 s, then 0.236 s on average; the SimpleRNN 1.56 s, then 0.142 s).
    ("shipped_sensor_activity", "Training ran 15 epochs of 9 batches, 6.60 s in all: the first epoch took 3.29 s, as it "
     "carries one-time setup, and the other 14 took 0.24 s each on average.",
     "Training ran 15 epochs of 9 batches, 7.70 s in all: the first epoch took 3.29 s, as it "
     "carries one-time setup, and the other 14 took 0.24 s each on average."),
    ("shipped_sensor_activity", "The SimpleRNN has 388 parameters against the LSTM's 1,348 and took 0.14 s per epoch "
     "against 0.24 s over the epochs after the first (the first, which carries one-time setup, took 1.56 s and 3.29 s).",
     "The SimpleRNN has 388 parameters against the LSTM's 1,348 and took 0.24 s per epoch "
     "against 0.44 s over the epochs after the first (the first, which carries one-time setup, took 1.56 s and 3.29 s)."),
    # The batch losses' spread is named as the standard deviation it is (population SD, as facts.batch_noise).
    ("shipped_sensor_activity", "In the last epoch the per-batch losses had a standard deviation of 0.0758, 24.7 % of "
     "their mean (0.3074).", "In the last epoch the per-batch losses had a standard deviation of 0.0900, 24.7 % of "
     "their mean (0.3074)."),
    # The bias alone gives σ(b) only with the weighted input at zero: worded as what it would be, and checked.
    ("overfitting", "the forget-gate bias starts at 0: with Wf·[ht−1, xt] at zero the gate would be σ(0) = 0.500 per "
     "step, which keeps 7.1 × 10⁻¹⁵ of the signal over the 47-step lag",
     "the forget-gate bias starts at 0: with Wf·[ht−1, xt] at zero the gate would be σ(0) = 0.731 per "
     "step, which keeps 7.1 × 10⁻¹⁵ of the signal over the 47-step lag"),
    ("default_experiment", "The validation loss fell from 1.3883 at epoch 1 to 1.3845 at epoch 2.",
     "The validation loss fell from 1.3883 at epoch 1 to 1.3845 at epoch 3."),
    ("default_experiment", "The SimpleRNN stayed at chance.", "The SimpleRNN learned the task."),
    ("default_diverged", "Training was planned for 20 epochs of 100 batches each; it stopped in epoch 3, at batch 17.",
     "Training was planned for 20 epochs of 100 batches each; it stopped in epoch 3, at batch 18."),
    ("default_diverged", "The loss became NaN in epoch 3, so the curves stop there.",
     "The loss became NaN in epoch 2, so the curves stop there."),
    # A model that diverged has no time per epoch to compare (the SimpleRNN ran 4 of its 10 first batches), and
    # clipping to norm 1 at learning rate 1.18e+36 still steps by 1.18e+36: no clipping advice there.
    ("diverged", "The SimpleRNN has 540 parameters against the LSTM's 1,740; their times per epoch are not comparable: "
     "the SimpleRNN diverged in epoch 1 and stopped after 4 of the 10 batches of epoch 1, and the LSTM diverged in "
     "epoch 1 and ran on with exploded weights until epoch 4.",
     "The SimpleRNN has 540 parameters against the LSTM's 1,740 and took 1.73 s per epoch against 1.25 s."),
    ("diverged", "The run diverged: the loss exploded at epoch 1, batch 2 and overflowed to infinity at epoch 4, batch 10.",
     "The run diverged: the loss exploded at epoch 1, batch 2 and overflowed to infinity at epoch 4, batch 9."),
    ("diverged", "To try next: lower the learning rate (training.learning_rate: 0.01 instead of 1.18e+36).",
     "To try next: lower the learning rate (training.learning_rate: 0.01 instead of 1.18e+36); clip the gradient norm "
     "(training.clipnorm: 1)."),
    ("diverged", "The loss exploded in epoch 1 and became infinite in epoch 4, so the curves stop there and show a "
     "diverged model from epoch 1 on; overfitting and convergence are not judged for this run.",
     "The loss exploded in epoch 4 and became infinite in epoch 4, so the curves stop there and show a "
     "diverged model from epoch 4 on; overfitting and convergence are not judged for this run."),
    ("default_overfitting", "From epoch 4 the validation loss rose while the training loss kept falling: 5,452 weights "
     "can memorise 3,200 training sequences.", "From epoch 3 the validation loss rose while the training loss kept "
     "falling: 5,452 weights can memorise 3,200 training sequences."),
    ("default_overfitting", "To try next: stop at the best epoch (training.epochs: 3 instead of 12).",
     "To try next: stop at the best epoch (training.epochs: 3 instead of 20)."),
]


@pytest.mark.parametrize("name, truth, lie", SENTENCES)
def test_the_checker_reads_other_sentence_forms(name, truth, lie):
    record = RECORDS[name]()
    assert sum(check_text(truth, record).values()) > 0
    with pytest.raises(AssertionError):
        check_text(lie, record)


def test_a_report_with_no_claim_fails():
    with pytest.raises(AssertionError, match="no claim"):
        check_report("<html><body><p>A report with no numbers.</p></body></html>", load(DEFAULT_RUN))


def test_text_extraction_unescapes_and_normalises_spaces():
    html = ("<html><head><style>p {}</style></head><body><p>accuracy 25.22&nbsp;% and 15\u00a0×\n"
            "  &amp; <b>bold</b></p><p>next</p></body></html>")
    assert report_text(html) == "accuracy 25.22 % and 15 × & bold\nnext"


# --------------------------------------------------------------------------- golden texts

GOLDEN_CASES = ["default_experiment", "default_chance", "default_diverged"]
GOLDEN_SECTIONS = [("7c", "c. After the training process"), ("7d", "d. Observation over the learning curve"),
                   ("8a", "a. What is the requirement of LSTM over RNN?"),
                   ("8b", "b. Interpretation of the accuracy graph"), ("8c", "c. Interpretation of the loss graph"),
                   ("conclusion", "Conclusion")]


def golden_text(html: str) -> str:
    parts = []
    for label, heading in GOLDEN_SECTIONS:
        parts.append(f"## {label}\n{section_text(html, heading)}")
    return "\n".join(parts)


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden_text_of_exp13(render, name):
    html, _ = render(name, "exp13")
    text = golden_text(html)
    path = GOLDEN / f"exp13_{name}.txt"
    if os.environ.get("LABREPORT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with LABREPORT_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8"), (
        f"the exp13 text of {name} changed; if intended, rewrite {path.name} with LABREPORT_UPDATE_GOLDEN=1")


@pytest.mark.parametrize("worksheet", worksheet_names())
def test_a_run_without_validation_shows_no_validation_columns_or_curves(render, worksheet):
    """validation_split 0: no empty validation columns, no figure titled as if it had a validation curve."""
    html, _ = render("default_no_validation", worksheet)
    text = report_text(html)
    assert "Validation loss</th>" not in html and "Best val. accuracy" not in html
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html, flags=re.DOTALL)
    curve_captions = [c for c in captions if "per epoch" in c or "vs epochs" in c]
    assert curve_captions, captions
    for caption in curve_captions:
        if "SimpleRNN" not in caption:
            assert "validation" not in caption.replace("no validation split", ""), caption
    assert text.count("training.validation_split: 0") <= 3, worksheet


def test_the_checker_reads_a_format_2_record_as_its_format_1_original():
    """run.json is written in format 2 now: the checker's numbers are the same from either shape."""
    from claim_check import Record
    from labreport.record import migrate

    old = load(DEFAULT_RUN)
    before, after = Record(copy.deepcopy(old)), Record(migrate(copy.deepcopy(old)))
    for name in ("history", "n_epochs", "main_cell", "test_accuracy", "test_loss", "stopped", "n_test", "floor"):
        assert getattr(after, name) == getattr(before, name), name
    assert {cell: {k: v for k, v in entry.items() if k != "role"} for cell, entry in after.baselines.items()} \
        == before.baselines
    assert after.raw["timing"] == before.raw["timing"]
