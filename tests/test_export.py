"""`labreport export` and the program.py / program.ipynb every run writes.

The fast tests check what the program says and that writing it needs no
TensorFlow; the slow ones run the exported programs in a fresh Python and
compare their numbers with the run's run.json.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cli_checks import invoke
from conftest import REPO, tiny_spec_text
from labreport.export import program_cells, program_notebook, program_py, program_source
from labreport.resources import shipped_experiments
from labreport.spec import load_spec
from records import main_of

# Runs an exported program as a student would (its own process, no labreport on the path) and
# prints what it computed as JSON on its last line.
_RUNNER = """
import json, os, runpy, sys
os.environ["MPLBACKEND"] = "Agg"
found = runpy.run_path(sys.argv[1], run_name="__main__")
print(json.dumps({"history": found["history"].history,
                  "test": {"loss": found["test_loss"], "accuracy": found["test_accuracy"]},
                  "baselines": {name: {"history": entry[1].history, "test": {"loss": entry[2], "accuracy": entry[3]},
                                       "params": entry[0].count_params()}
                                for name, entry in list(found.get("results", {}).items())[1:]}}))
"""


def _spec(path) -> dict:
    return load_spec(path).model_dump(mode="json")


def _exportable() -> list[str]:
    """The shipped experiments whose source has an exported program (a source may declare none: its
    Source.program_refusal then says why).  The time-series programs: tests/test_export_timeseries.py."""
    from labreport.sources import registry
    return sorted(name for name, path in shipped_experiments().items()
                  if not registry.program_refusal(load_spec(path).dataset.source))


@pytest.mark.parametrize("name", _exportable())
def test_every_shipped_experiment_exports_a_program_that_parses(name):
    spec = _spec(shipped_experiments()[name])
    text = program_py(spec)
    ast.parse(text)  # a SyntaxError fails the test
    assert "import labreport" not in text and "from labreport" not in text
    assert "fill in" not in text
    assert f"EPOCHS = {spec['training']['epochs']}" in text
    assert f"SEED = {spec['training']['seed']}" in text
    assert "model.fit(" in text and "model.evaluate(" in text and "plt.plot(" in text


def test_the_notebook_holds_the_same_code_and_follows_the_methodology(tmp_path):
    spec_path = tmp_path / "tiny.yaml"
    spec_path.write_text(tiny_spec_text())
    spec = _spec(spec_path)
    notebook = nbformat.reads(program_notebook(spec), as_version=4)
    nbformat.validate(notebook)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    headings = [line for cell in notebook.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    assert headings == ["## 1. Load the libraries and packages", "## 2. Load the dataset",
                        "## 3. Analyse the dataset", "## 4. Apply the LSTM model",
                        "## 5. Train the model to minimise the loss", "## 6. Observe the learning curves",
                        "## 7. Compare with the baseline"]  # the default experiment compares a SimpleRNN
    # program.py is the same cells: every code cell appears in it, in order.
    script = program_py(spec)
    positions = [script.index(cell) for cell in code]
    assert positions == sorted(positions)
    assert [c.text for c in program_cells(program_source(spec)) if c.kind == "code"] == code


def test_the_spec_values_reach_the_program(tmp_path):
    spec_path = tmp_path / "tiny.yaml"
    spec_path.write_text(tiny_spec_text(extra="  validation_shuffle: true\n  clipnorm: 0.5\n"
                                              "  early_stopping: {monitor: val_accuracy, patience: null}\n"))
    text = program_py(_spec(spec_path))
    assert "keras.optimizers.Adam(learning_rate=0.01, clipnorm=0.5)" in text
    assert "np.random.default_rng(SEED).permutation(len(y))" in text
    assert 'BestEpochStopping(monitor="val_accuracy", patience=None' in text
    assert "train_and_test(model, [stopping])" in text and "callbacks=[StopOnNaN(), *callbacks]" in text
    assert "keras.layers.LSTM(8, name=\"lstm\")" in text


def test_a_jax_run_exports_a_jax_program(tmp_path):
    spec_path = tmp_path / "tiny.yaml"
    spec_path.write_text(tiny_spec_text(extra="  backend: jax\n"))
    text = program_py(_spec(spec_path))
    assert 'os.environ["KERAS_BACKEND"] = "jax"' in text
    assert 'jit_compile="auto"' in text  # as the run: JAX's jit_compile=False would run op by op


def test_the_report_version_names_the_data_file_only():
    spec = _spec(shipped_experiments()["imdb_csv"])
    full, named = program_py(spec), program_py(spec, data_path="name")
    path = spec["dataset"]["path"]
    assert f"DATA_PATH = {json.dumps(path)}" in full
    assert f"DATA_PATH = {json.dumps(Path(path).name)}" in named
    assert str(Path(path).parent) not in named


def test_exporting_a_spec_imports_no_tensorflow(tmp_path):
    spec_path = tmp_path / "tiny.yaml"
    spec_path.write_text(tiny_spec_text())
    out = tmp_path / "exported.ipynb"
    code = ("import sys\n"
            "from labreport.cli import main\n"
            f"sys.argv = ['labreport', 'export', {str(spec_path)!r}, '--to', 'ipynb', '--out', {str(out)!r}]\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
            "print(' '.join(sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    modules = set(result.stdout.split())
    assert "tensorflow" not in modules and "keras" not in modules and "jax" not in modules
    nbformat.validate(nbformat.read(out, as_version=4))


def test_export_cli_defaults_and_mistakes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(tiny_spec_text())
    result = invoke("export", "tiny.yaml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tiny.py").is_file()
    result = invoke("export", "tiny.yaml", "--to", "pdf")
    assert result.exit_code == 2 and "--to 'pdf' is unknown" in result.output
    assert "Traceback" not in result.output
    result = invoke("export", str(tmp_path))  # a folder without run.json
    assert result.exit_code == 2 and "holds no run.json" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.py", "tiny.yaml"]


def test_export_of_a_saved_run_fills_in_keys_an_older_record_lacks(tmp_path):
    record = json.loads((REPO / "tests" / "fixtures" / "runs" / "default_experiment.json").read_text())
    record["spec"]["training"].pop("early_stopping", None)  # keys added after some runs were saved
    record["spec"]["training"].pop("jit_compile", None)
    (tmp_path / "run.json").write_text(json.dumps(record))
    result = invoke("export", tmp_path, "--to", "ipynb")
    assert result.exit_code == 0, result.output
    notebook = nbformat.read(tmp_path / "program.ipynb", as_version=4)
    assert any("ForgetBiasInitializer(32, 3.0)" in cell.source for cell in notebook.cells)

    record["spec"]["training"]["epochs"] = "many"
    (tmp_path / "run.json").write_text(json.dumps(record))
    result = invoke("export", tmp_path)
    # run.json is checked on read: the message names the file and the key.
    assert result.exit_code == 2 and "run.json: spec.training.epochs" in result.output, result.output
    assert not (tmp_path / "program.py").exists()


# --------------------------------------------------------------------------- exactness (slow)


def _run_program(program: Path, cwd: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    result = subprocess.run([sys.executable, "-c", _RUNNER, str(program)], capture_output=True, text=True,
                            cwd=cwd, env=env, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _differences(record: dict, computed: dict) -> dict:
    """The largest absolute difference per metric, and in test loss and accuracy."""
    found = {}
    for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
        ours, theirs = main_of(record)["history"][metric], computed["history"].get(metric, [])
        assert len(ours) == len(theirs), (metric, ours, theirs)
        found[metric] = max((abs(a - b) for a, b in zip(ours, theirs)), default=0.0)
    for key in ("loss", "accuracy"):
        found[f"test_{key}"] = abs(main_of(record)["test"][key] - computed["test"][key])
    return found


def _check_exact(run_dir: Path, tmp_path: Path) -> dict:
    record = json.loads((run_dir / "run.json").read_text())
    program = run_dir / "program.py"
    assert program.read_text() == program_py(record["spec"])
    computed = _run_program(program, tmp_path)
    differences = _differences(record, computed)
    print(f"{record['experiment']}: largest differences {differences}")
    assert max(differences.values()) <= 1e-4, differences
    return differences


@pytest.mark.slow
def test_the_generated_runs_program_repeats_the_run(tmp_path):
    spec_path = tmp_path / "tiny.yaml"
    spec_path.write_text(tiny_spec_text(extra="  early_stopping: {monitor: val_loss, patience: 1}\n")
                         .replace("compare: [simple_rnn]", "compare: []")
                         .replace("recurrent: [{cell: lstm, units: 8}]",
                                  "recurrent: [{cell: lstm, units: 8, forget_bias: chrono}]"))
    result = invoke("run", spec_path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "out" / "tiny"
    nbformat.validate(nbformat.read(run_dir / "program.ipynb", as_version=4))
    _check_exact(run_dir, tmp_path)


@pytest.mark.slow
def test_the_assignment7_programs_repeats_the_run(shared_imdb, tmp_path):
    spec = (REPO / "experiments" / "imdb_assignment7.yaml").read_text()
    # The hand-out's data, model and training; 2,000 training and 1,000 test reviews, 2 epochs, to fit a test.
    spec = spec.replace("  num_words: 5000\n", "  num_words: 5000\n  limit_train: 2000\n  limit_test: 1000\n")
    spec_path = tmp_path / "a7.yaml"
    spec_path.write_text(spec)
    result = invoke("run", spec_path, "--data", shared_imdb, "--epochs", "2", "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    _check_exact(tmp_path / "out" / "imdb_assignment7", tmp_path)


def _write_texts(tmp_path: Path) -> None:
    """A tiny CSV and a tiny aclImdb-style folder: made-up reviews whose last word gives the class."""
    import csv
    import random

    rng = random.Random(0)
    words = "good bad great awful fine movie film plot actor <br /> don't Ünïcode, wow! terrible lovely".split()

    def review(positive: bool) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) + (" great" if positive else " awful")

    with open(tmp_path / "reviews.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review", "sentiment"])
        for _ in range(300):
            positive = rng.random() < 0.5
            writer.writerow([review(positive), "positive" if positive else "negative"])
    for part, count in (("train", 200), ("test", 60)):
        for i in range(count):
            positive = rng.random() < 0.5
            folder = tmp_path / "reviews" / part / ("pos" if positive else "neg")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{i}.txt").write_text(review(positive), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("source", ["csv", "text-folder"])
def test_the_text_runs_programs_repeat_the_run(source, tmp_path):
    _write_texts(tmp_path)
    data = "path: reviews.csv" if source == "csv" else "path: reviews\n  padding: post"
    (tmp_path / "texts.yaml").write_text(f"""
name: texts
dataset:
  source: {source}
  {data}
  vocabulary_size: 30
  sequence_length: 25
model:
  embedding: {{output_dim: 4}}
  recurrent: [{{cell: lstm, units: 8, forget_bias: 2.0}}, {{cell: gru, units: 4, dropout: 0.1, bidirectional: true}}]
  compare: []
training:
  batch_size: 32
  epochs: 2
  learning_rate: 0.01
  validation_shuffle: true
  early_stopping: {{monitor: val_accuracy, patience: null}}
""")
    result = invoke("run", tmp_path / "texts.yaml", "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    _check_exact(tmp_path / "out" / "texts", tmp_path)


@pytest.mark.slow
def test_the_program_repeats_the_baselines_and_prints_the_comparison_table(tmp_path):
    """The report's comparison can be reproduced from the program alone: it trains and tests each baseline."""
    spec_path = tmp_path / "tiny.yaml"
    spec_path.write_text(tiny_spec_text().replace("recurrent: [{cell: lstm, units: 8}]",
                                                  "recurrent: [{cell: lstm, units: 8, forget_bias: chrono}]")
                         .replace("compare: [simple_rnn]",
                                  "compare: [simple_rnn, gru, {cell: lstm, forget_bias: 1.0}]"))
    result = invoke("run", spec_path, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "out" / "tiny"
    record = json.loads((run_dir / "run.json").read_text())
    computed = _run_program(run_dir / "program.py", tmp_path)
    baselines = {entry.get("name") or entry["cell"]: entry for entry in record["models"][1:]}
    titles = {"simple_rnn": "SimpleRNN", "gru": "GRU", "lstm_forget_bias_1_0": "LSTM (lstm_forget_bias_1_0)"}
    assert record["models"][3]["role"] == "variant" and record["models"][3]["variant"] == {"forget_bias": 1.0}
    assert sorted(computed["baselines"]) == sorted(titles[cell] for cell in baselines)
    for cell, entry in baselines.items():
        theirs = computed["baselines"][titles[cell]]
        assert theirs["params"] == entry["model"]["total_params"]
        for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert max(abs(a - b) for a, b in zip(entry["history"][metric], theirs["history"][metric])) <= 1e-4, (cell, metric)
        assert abs(entry["test"]["accuracy"] - theirs["test"]["accuracy"]) <= 1e-4
        assert abs(entry["test"]["loss"] - theirs["test"]["loss"]) <= 1e-4
    assert "# - SimpleRNN: Besides the cell, one setting differs: the LSTM has chrono initialisation" in \
        (run_dir / "program.py").read_text()


def test_the_comparison_comments_say_how_each_model_differs(tmp_path):
    """Every difference between the main model and a compared one is stated where the comparison is made
    (templates/program/phrases.py.j2 words what labreport/export passes), in both programs."""
    spec_path = tmp_path / "stacked.yaml"
    spec_path.write_text(tiny_spec_text("stacked").replace(
        "recurrent: [{cell: lstm, units: 8}]", "recurrent: [{cell: lstm, units: 8, forget_bias: chrono}, {cell: gru, units: 4}]")
        .replace("compare: [simple_rnn]", "compare: [simple_rnn, {cell: lstm, forget_bias: 1.0}, {cell: gru, units: 6}]"))
    for framework in ("keras", "torch"):
        text = program_py(_spec(spec_path), framework=framework)
        assert ("# - SimpleRNN: Besides the cell, one setting differs: LSTM layer 1 has chrono initialisation of its "
                "biases, which the SimpleRNN has no forget gate for.") in text
        assert ("# - LSTM (lstm_forget_bias_1_0): The main model with every recurrent layer changed: cell LSTM instead "
                "of LSTM in layer 1, GRU in layer 2; forget_bias 1 instead of chrono in layer 1, none in layer 2.") in text
        assert ("# - GRU (gru_units_6): The main model with every recurrent layer changed: cell GRU instead of LSTM in "
                "layer 1, GRU in layer 2; units 6 instead of 8 in layer 1, 4 in layer 2. LSTM layer 1 has chrono "
                "initialisation of its biases, which the GRU has no forget gate for.") in text
    one = tmp_path / "one.yaml"
    one.write_text(tiny_spec_text("one", extra="  early_stopping: {monitor: val_accuracy, patience: 1}\n")
                   .replace("compare: [simple_rnn]", "compare: [gru, {cell: lstm, units: 4, bidirectional: true}]"))
    for framework in ("keras", "torch"):
        text = program_py(_spec(one), framework=framework)
        assert "# - GRU: Only the recurrent cell differs." in text
        assert ("# - LSTM (lstm_units_4_bidirectional_true): The main model with every recurrent layer changed: "
                "units 4 instead of 8; bidirectional True instead of False.") in text
        assert ("# Early stopping watches the validation accuracy: training stops after 1 epoch in a row without "
                "improvement, and the best epoch's weights are evaluated.") in text
        assert "up to 2 epochs" in text
