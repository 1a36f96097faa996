"""The lab-record, project-report and lab-summary formats read correctly for a run that worked and for runs that failed.

Rendered from a saved run record (tests/fixtures/formats_words/default_run.json: the default
experiment, LSTM at 100 %, SimpleRNN at chance; floats rounded to 7 digits, the gate figure's
per-unit traces left out) and from two failed variants made from it: a run at chance level, and a
run whose loss became NaN (test: null) on text-like data read from a local CSV path.  No training:
TensorFlow is never imported.
"""

from __future__ import annotations

import copy
import json
import random
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from labreport.facts import build_facts
from labreport.record import migrate
from records import main_of
from labreport.facts.curves import loss_spikes
from labreport.report import render_report
from labreport.report.formats import load_format
from labreport.worksheets import worksheet_names
from labreport.resources import templates_dir

DEFAULT_RUN = Path(__file__).parent / "fixtures" / "formats_words" / "default_run.json"
FORMATS = ("lab-record", "project-report", "lab-summary")
LOCAL_PATH = "/home/student/private/reviews.csv"


def default_record() -> dict:
    """formats_words/default_run.json (run.json format 1), in the current format as labreport migrates it."""
    return migrate(json.loads(DEFAULT_RUN.read_text(encoding="utf-8")))


def chance_record() -> dict:
    """The LSTM never leaves chance: flat curves around ln 4, test accuracy 25 %."""
    record = copy.deepcopy(default_record())
    rnd = random.Random(1)
    history = main_of(record)["history"]
    n = len(history["loss"])
    history["loss"] = [1.3863 + rnd.uniform(-0.002, 0.002) for _ in range(n)]
    history["val_loss"] = [1.3866 + rnd.uniform(-0.002, 0.002) for _ in range(n)]
    history["accuracy"] = [0.25 + rnd.uniform(-0.01, 0.01) for _ in range(n)]
    history["val_accuracy"] = [0.255 + rnd.uniform(-0.01, 0.01) for _ in range(n)]
    batches = main_of(record)["batch_history"]
    batches["loss"] = [1.3863 + rnd.uniform(-0.05, 0.05) for _ in batches["loss"]]
    main_of(record)["test"] = {"accuracy": 0.25, "loss": 1.3864}
    return record


def diverged_text_record() -> dict:
    """NaN in epoch 3, batch 17 (Keras logs that epoch as NaN), test: null, on texts read from a local CSV."""
    record = copy.deepcopy(default_record())
    main_of(record)["stopped"] = {"reason": "nan_loss", "epoch": 3, "batch": 17, "value": "NaN"}
    main_of(record)["test"] = None
    for key in main_of(record)["history"]:
        main_of(record)["history"][key] = main_of(record)["history"][key][:2] + [None]
    batches = main_of(record)["batch_history"]
    keep = [i for i, e in enumerate(batches["epoch"]) if e <= 2 or (e == 3 and batches["batch"][i] <= 17)]
    for key in ("epoch", "batch", "loss", "accuracy"):
        batches[key] = [batches[key][i] for i in keep]
    batches["loss"][-1] = None
    main_of(record)["timing"]["seconds_per_epoch"] = main_of(record)["timing"]["seconds_per_epoch"][:3]
    record["diagnostics"].pop("gates", None)
    data = record["dataset"]
    for key in ("important_symbols", "important_windows", "min_lag", "symbols", "task", "seed", "example"):
        data.pop(key, None)
    data.update({"source": "csv", "name": "reviews.csv", "path": LOCAL_PATH,
                 "summary": "5,000 labelled texts from reviews.csv, padded or cut at the end to 150 words.",
                 "lengths": {"mean": 120.5, "median": 101.0, "p90": 260.0, "p99": 602.3, "min": 3, "max": 1210,
                             "truncated_share": 0.21},
                 "padding": "post", "truncating": "post", "vocabulary_size": 9})
    record["spec"]["dataset"] = {"source": "csv", "path": LOCAL_PATH, "sequence_length": 150}
    record["description"] = record["spec"]["description"] = "Reviews from a CSV file: LSTM against SimpleRNN."
    return record


RECORDS = {"default": default_record, "chance": chance_record, "diverged": diverged_text_record}


class _Paragraphs(HTMLParser):
    """The text of every paragraph and list item of a report's HTML."""

    def __init__(self):
        super().__init__()
        self.blocks, self._depth, self._text = [], 0, []

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li"):
            self._depth += 1
            self._text = [] if self._depth == 1 else self._text

    def handle_endtag(self, tag):
        if tag in ("p", "li") and self._depth:
            self._depth -= 1
            if not self._depth:
                self.blocks.append(re.sub(r"\s+", " ", "".join(self._text)).strip())

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)


def paragraphs(html: str) -> list[str]:
    parser = _Paragraphs()
    parser.feed(html)
    return [block for block in parser.blocks if block]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{(record, format): (pdf path, html text, pdf text)}, each rendered once."""
    out = {}
    for record_name, make in RECORDS.items():
        run_dir = tmp_path_factory.mktemp(record_name)
        (run_dir / "run.json").write_text(json.dumps(make()), encoding="utf-8")
        for name in FORMATS:
            report = render_report(run_dir, worksheet=name, out_dir=run_dir / name)
            text = "\n".join(page.extract_text() for page in PdfReader(report.pdf_path).pages)
            out[record_name, name] = (report.pdf_path, report.html_path.read_text(encoding="utf-8"),
                                      re.sub(r"\s+", " ", text))
    return out


def test_rendering_needs_no_tensorflow():
    """In a fresh interpreter (other tests in this session import TensorFlow): rendering every format never does.

    One format goes on to the PDF (the same modules for every format); the others stop at report.html."""
    import subprocess
    code = ("import sys, json, tempfile, pathlib; sys.path.insert(0, 'tests'); from records import default_record; "
            "from labreport.report import render_report; from labreport.worksheets import worksheet_names; "
            "d = pathlib.Path(tempfile.mkdtemp()); (d / 'run.json').write_text(json.dumps(default_record())); "
            "[render_report(d, worksheet=w, out_dir=d / w, pdf=w == 'exp13') for w in worksheet_names()]; "
            "sys.exit(1 if 'tensorflow' in sys.modules or 'keras' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_lab_summary_is_a_folder_only():
    assert "lab-summary" in worksheet_names()
    folder = templates_dir() / "formats" / "lab-summary"
    assert sorted(p.name for p in folder.iterdir()) == ["forecast.html.j2", "format.yaml", "report.html.j2"]
    worksheet = load_format("lab-summary")
    assert worksheet.max_pages == 1 and worksheet.figures == ["curves"]
    assert worksheet.forecast_figures == ["forecast_test"]


@pytest.mark.parametrize("name", FORMATS)
def test_templates_use_facts_not_answers(name):
    source = (templates_dir() / "formats" / name / "report.html.j2").read_text(encoding="utf-8")
    assert "answers." not in source


@pytest.mark.parametrize("record_name", list(RECORDS))
def test_page_limits(rendered, record_name):
    assert len(PdfReader(rendered[record_name, "project-report"][0]).pages) <= 2
    assert len(PdfReader(rendered[record_name, "lab-summary"][0]).pages) == 1


@pytest.mark.parametrize("record_name", list(RECORDS))
@pytest.mark.parametrize("name", FORMATS)
def test_words_are_clean(rendered, record_name, name):
    _, html, text = rendered[record_name, name]
    blocks = paragraphs(html)
    repeated = {block for block in blocks if blocks.count(block) > 1}
    assert not repeated, f"printed twice: {repeated}"
    assert not re.search(r"\w\(s\)", text), "an '(s)' plural"
    assert not re.search(r"(?<![\d,.])1 (epochs|batches|times|stretches|chances|reversals|units|weights|sequences|"
                         r"steps|parameters|classes)\b", text), "a plural after 1"
    assert not re.search(r"\d\.\d{5,}", text), "a number at silly precision"
    assert not re.search(r"\bnan\b|\bNone\b(?! of)|\binf\b", text), "a Python value in the words"
    assert "/home/" not in text and "/tmp/" not in text and "private" not in text, "a local path"
    assert "Conclusion" in text or "CONCLUSION" in text


@pytest.mark.parametrize("name", FORMATS)
def test_failed_runs_are_diagnosed_and_concluded(rendered, name):
    _, _, chance = rendered["chance", name]
    assert "did not learn the task" in chance
    assert "stayed at chance (25.0 % on the test set)" in chance          # the diagnosis
    assert "This run does not show the aim: the LSTM stayed at chance" in chance
    assert "learned the task:" not in chance
    _, chance_html, _ = rendered["chance", name]
    aim = next(block for block in paragraphs(chance_html) if block.startswith("This run does not show the aim"))
    assert "remember" not in aim and "stores" not in aim
    _, _, diverged = rendered["diverged", name]
    assert "The run diverged: the loss became NaN at epoch 3, batch 17." in diverged
    assert "training diverged before the model learned anything" in diverged
    assert "test accuracy n/a" not in diverged and "levelled off" not in diverged


@pytest.mark.parametrize("name", FORMATS)
def test_words_follow_the_data(rendered, name):
    """Generated-task wording only for the generated task; lengths before padding only where they vary."""
    _, _, default = rendered["default", name]
    _, _, text = rendered["diverged", name]
    assert "reviews.csv" in text
    for generated_only in ("temporal-order", "important task", "reading the sequence in order", "Hochreiter and Schmidhuber (1997, experiment"):
        assert generated_only not in text
    assert "Before padding" not in default and "before padding" not in default


def test_lab_record_title_follows_the_header(tmp_path):
    (tmp_path / "run.json").write_text(DEFAULT_RUN.read_text(encoding="utf-8"), encoding="utf-8")
    report = render_report(tmp_path, worksheet="lab-record", out_dir=tmp_path / "a", header={"experiment_no": "5"})
    html = report.html_path.read_text(encoding="utf-8")
    assert "<h1>LAB-5: Experiment using LSTM</h1>" in html and "LAB-8" not in html and "Experiment 13" not in html


def test_lab_record_pseudocode_is_this_run(rendered):
    _, html, _ = rendered["default", "lab-record"]
    code = re.search(r'<pre class="pseudocode">(.*?)</pre>', html, re.S).group(1)
    for expected in ("for epoch ← 1 to 20:", "for each of 100 batches of up to 32 training sequences",
                     "Adam(learning rate 0.001, clipnorm 1)", "sparse categorical cross-entropy",
                     # Keras' clipnorm: each weight's gradient on its own, not one global norm.
                     "for each weight tensor w: if ‖g_w‖ > 1: g_w ← g_w · 1/‖g_w‖",
                     "if L is NaN or infinite: stop training, untested",
                     "initial weights ← Keras' defaults: kernels Glorot-uniform, recurrent kernels orthogonal, "
                     "embedding U(−0.05, 0.05), biases 0", "except the LSTM's forget-gate biases: 3 (Keras' default is 1)",
                     "if the loss never became NaN or infinite: test loss, test accuracy ← evaluate",
                     "LSTM(32 units; returns its last hidden state)", "# 5,452 weights in all",
                     "3,200 train, 800 validation", "1,000 test sequences", "repeat with SimpleRNN",
                     "with one difference besides the cell: only the LSTM's forget-gate biases started at 3"):
        assert expected in code, expected
    assert "‖g‖" not in code and "all else equal" not in code


def test_project_report_future_direction(rendered):
    _, _, default = rendered["default", "project-report"]
    future = default.split("Conclusion and Future Direction")[1]
    assert "Nothing in this run's numbers calls for a change to it" in future
    assert "could test" in future and "longer than 150 steps" in future
    assert "To try next" not in future
    _, _, chance = rendered["chance", "project-report"]
    assert "To try next" in chance.split("Conclusion and Future Direction")[1]


# --------------------------------------------------------------------------- the verdicts added for these words


def test_one_spike_is_single():
    assert loss_spikes([1.0, 0.5, 0.7, 0.4])["single"] is True
    assert loss_spikes([1.0, 0.5, 0.7, 0.4, 0.6])["single"] is False
    assert loss_spikes([1.0, 0.5, 0.4])["single"] is False


def test_weak_forget_gate_is_no_cause_where_the_gradient_reaches():
    """The chance variant's LSTM gradient grew towards the first step at the initial weights."""
    facts = build_facts(chance_record())
    causes = [c["id"] for p in facts["diagnosis"]["problems"] for c in p["causes"]]
    assert facts["gradients"]["by_cell"]["lstm"]["verdict"] == "grows"
    assert "weak_forget_bias" not in causes


def test_baseline_ahead_of_a_still_improving_lstm_names_the_epochs():
    record = default_record()
    history = main_of(record)["history"]
    for key in history:
        history[key] = history[key][:8]
    main_of(record)["test"] = {"accuracy": 0.9, "loss": 0.3}
    record["models"][1]["test"] = {"accuracy": 0.99, "loss": 0.05}
    facts = build_facts(record)
    assert facts["end_state"]["verdict"] == "still_improving"
    problem = next(p for p in facts["diagnosis"]["problems"] if p["id"] == "baseline_ahead")
    assert [c["id"] for c in problem["causes"]] == ["too_few_epochs"]
    assert [s["id"] for s in problem["next"]] == ["more_epochs"]
