"""Bad specs, bad data and bad options, each fed through `labreport run`.

Every case checks the exit code (2 for the user's mistakes, 1 for an output
folder that cannot be written), the message's key parts (file, key path,
row, column, allowed values), that there is no traceback, and that nothing
was written: a run that fails before training leaves no output folder behind.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from cli_checks import assert_clean_failure, invoke, nothing_written, without
from conftest import tiny_spec_text
from labreport.resources import shipped_experiments

# --------------------------------------------------------------------------- helpers


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """tmp_path as the current folder, so that a stray relative write would be seen."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_spec(workdir: Path, text: str, *extra: str):
    """`labreport run spec.yaml --out out` on ``text``; asserts nothing is written; returns the result."""
    spec = workdir / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    with nothing_written(workdir):
        return invoke("run", "spec.yaml", "--out", "out", *extra)


def spec_problems(output: str) -> list[str]:
    """The problems listed in a SpecError's paragraph."""
    first, *rest = output.strip().splitlines()
    if rest and first.endswith("problems:"):
        return [line.removeprefix("  - ") for line in rest]
    return [first.split(": ", 2)[2]]


# A spec whose data is a file: a tiny model, so a case that wrongly passes fails fast.
def data_spec(source: str, path: str, extra: str = "") -> str:
    return f"""name: data_case
dataset:
  source: {source}
  path: {path}
{extra}model: {{embedding: {{output_dim: 4}}, recurrent: [{{units: 4}}], compare: []}}
training: {{epochs: 1}}
"""


def write_csv(path: Path, rows, header=("review", "sentiment"), encoding="utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def reviews(n: int = 20) -> list[list[str]]:
    return [[f"a {'great' if i % 2 else 'awful'} film, number {i}", "positive" if i % 2 else "negative"]
            for i in range(n)]


def write_npz(path: Path, n: int = 20) -> Path:
    def objects(rows):
        array = np.empty(len(rows), dtype=object)
        for i, row in enumerate(rows):
            array[i] = list(row)
        return array

    rng = np.random.default_rng(0)
    x = [rng.integers(1, 30, size=8).tolist() for _ in range(n)]
    np.savez(path, x_train=objects(x), y_train=np.arange(n) % 2, x_test=objects(x[:10]), y_test=np.arange(10) % 2)
    return path


# --------------------------------------------------------------------------- specs


def test_yaml_syntax_error_names_file_line_and_column(workdir):
    result = run_spec(workdir, "name: x\ntraining:\n  epochs: [1, 2\n")
    assert assert_clean_failure(result, 2) == (
        "Error: spec.yaml: YAML error at line 4, column 1: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence started at line 3, column 11)\n")


def test_unknown_keys_suggest_the_closest(workdir):
    result = run_spec(workdir, "name: x\ntraining:\n  epoch: 3\n  batch_sise: 8\nmodel: {recurent: []}\n")
    assert_clean_failure(result, 2)
    assert spec_problems(result.output) == [
        "model.recurent: unknown key; did you mean 'recurrent'?",
        "training.epoch: unknown key; did you mean 'epochs'?",
        "training.batch_sise: unknown key; did you mean 'batch_size'?",
    ]


def test_unknown_key_with_no_close_match_lists_the_known_ones(workdir):
    result = run_spec(workdir, "name: x\nreport: {colour: blue}\n")
    assert assert_clean_failure(result, 2) == (
        "Error: spec.yaml: report.colour: unknown key (known keys: worksheet, template, template_dir, smoothing, notes, reference)\n")


def test_missing_required_key(workdir):
    result = run_spec(workdir, "name: x\ndataset: {source: csv}\n")
    assert assert_clean_failure(result, 2) == "Error: spec.yaml: dataset.path: required key is missing\n"


def test_missing_dataset_source_lists_the_sources(workdir):
    result = run_spec(workdir, "name: x\ndataset: {path: reviews.csv}\n")
    assert assert_clean_failure(result, 2) == (
        "Error: spec.yaml: dataset.source: required key is missing; "
        "allowed values: generated, keras-imdb, csv, text-folder, timeseries-csv\n")


@pytest.mark.parametrize("fragment,problem", [
    ("training: {epochs: many}",
     "training.epochs: input should be a valid integer, unable to parse string as an integer (got 'many')"),
    ("training: {batch_size: 1.5}",
     "training.batch_size: input should be a valid integer, got a number with a fractional part (got 1.5)"),
    ("training: {epochs: yes}", "training.epochs: must be a number, not a yes/no value (got True)"),
    ("model: {recurrent: [{bidirectional: maybe}]}",
     "model.recurrent[0].bidirectional: input should be a valid boolean, unable to interpret input (got 'maybe')"),
    ("header: {student_name: [A, B]}", "header.student_name: input should be a valid string"),
], ids=["int-word", "int-fraction", "yes-as-number", "bool-word", "list-as-text"])
def test_wrong_types_name_the_key_and_the_value(workdir, fragment, problem):
    result = run_spec(workdir, f"name: x\n{fragment}\n")
    assert assert_clean_failure(result, 2) == f"Error: spec.yaml: {problem}\n"


@pytest.mark.parametrize("fragment,problem", [
    ("training: {epochs: 0}", "training.epochs: input should be greater than or equal to 1 (got 0)"),
    ("training: {batch_size: 0}", "training.batch_size: input should be greater than or equal to 1 (got 0)"),
    ("training: {validation_split: -0.1}",
     "training.validation_split: input should be greater than or equal to 0 (got -0.1)"),
    ("training: {validation_split: 1}", "training.validation_split: input should be less than 1 (got 1)"),
    ("training: {validation_split: 1.5}",
     "training.validation_split: input should be less than 1 (got 1.5); it is a fraction: 0.015 holds out 1.5%"),
    ("model: {recurrent: [{units: 0}]}",
     "model.recurrent[0].units: input should be greater than or equal to 1 (got 0)"),
    ("dataset: {source: csv, path: r.csv, sequence_length: 0}",
     "dataset.sequence_length: input should be greater than or equal to 1 (got 0)"),
    ("dataset: {source: generated, sequence_length: 5}",
     "dataset.sequence_length: input should be greater than or equal to 10 (got 5)"),
    ("training: {learning_rate: 0}", "training.learning_rate: input should be greater than 0 (got 0)"),
    ("training: {learning_rate: -0.01}", "training.learning_rate: input should be greater than 0 (got -0.01)"),
    ("report: {smoothing: -0.1}", "report.smoothing: input should be greater than or equal to 0 (got -0.1)"),
    ("report: {smoothing: 1.5}", "report.smoothing: input should be less than or equal to 1 (got 1.5)"),
], ids=["epochs", "batch-size", "split-negative", "split-1", "split-1.5", "units", "csv-length", "generated-length",
        "lr-0", "lr-negative", "smoothing-negative", "smoothing-above-1"])
def test_out_of_range_values_name_the_key_and_the_bound(workdir, fragment, problem):
    result = run_spec(workdir, f"name: x\n{fragment}\n")
    assert assert_clean_failure(result, 2) == f"Error: spec.yaml: {problem}\n"


def test_unknown_worksheet_lists_the_allowed_values(workdir):
    result = run_spec(workdir, "name: x\nreport: {worksheet: essay}\n")
    assert assert_clean_failure(result, 2) == (
        "Error: spec.yaml: report.worksheet: 'essay' is not allowed; "
        "allowed values: 'exp13', 'lab-record', 'lab-summary', 'project-report' or 'seminar'\n")


def test_unknown_data_source_lists_the_allowed_values(workdir):
    result = run_spec(workdir, "name: x\ndataset: {source: kaggle, path: r.csv}\n")
    assert assert_clean_failure(result, 2) == (
        "Error: spec.yaml: dataset.source: 'kaggle' is not allowed; "
        "allowed values: 'generated', 'keras-imdb', 'csv', 'text-folder', 'timeseries-csv'\n")


def test_every_problem_of_a_spec_is_reported_at_once(workdir):
    result = run_spec(workdir, """name: x
training: {epochs: 0, batch_size: 0, validation_split: 1, learning_rate: 0, epoch: 3}
model: {recurrent: [{units: 0, cell: LSTM}]}
report: {smoothing: 1.5, worksheet: foo}
""")
    output = assert_clean_failure(result, 2)
    assert output.splitlines()[0] == "Error: spec.yaml: 9 problems:"
    assert sorted(spec_problems(output)) == sorted([
        "model.recurrent[0].cell: 'LSTM' is not allowed; allowed values: 'lstm', 'gru' or 'simple_rnn'; "
        "did you mean 'lstm'?",
        "model.recurrent[0].units: input should be greater than or equal to 1 (got 0)",
        "training.learning_rate: input should be greater than 0 (got 0)",
        "training.batch_size: input should be greater than or equal to 1 (got 0)",
        "training.epochs: input should be greater than or equal to 1 (got 0)",
        "training.validation_split: input should be less than 1 (got 1)",
        "training.epoch: unknown key; did you mean 'epochs'?",
        "report.worksheet: 'foo' is not allowed; allowed values: 'exp13', 'lab-record', 'lab-summary', 'project-report' or 'seminar'",
        "report.smoothing: input should be less than or equal to 1 (got 1.5)",
    ])


def test_validate_reports_every_file_and_exits_2(workdir):
    (workdir / "good.yaml").write_text(tiny_spec_text())
    (workdir / "bad.yaml").write_text("name: x\ntraining: {epochs: 0}\n")
    with nothing_written(workdir):
        result = invoke("validate", "good.yaml", "bad.yaml", "missing.yaml")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    # Between the first and the last two lines: the valid spec's plan.
    assert lines[0] == "good.yaml: valid (tiny: generated data, lstm, 2 epochs)"
    assert lines[-3:] == [
        "Error: bad.yaml: training.epochs: input should be greater than or equal to 1 (got 0)",
        "Error: missing.yaml: no such file, and not the name of a shipped experiment",
        "Shipped experiments: imdb_assignment7, imdb_csv, imdb_seminar, imdb_text_folder, "
        "remember_important_tasks, sensor_activity, sunspots_forecast. `labreport list` describes them.",
    ]


def test_every_command_that_takes_a_spec_takes_a_shipped_name(workdir):
    """`run`, `render`, `export` and `validate` all accept what `labreport list` names."""
    result = invoke("validate", "remember_important_tasks")
    assert result.exit_code == 0, result.output
    assert "experiments/remember_important_tasks.yaml: valid (remember_important_tasks:" in result.output
    assert result.output.splitlines()[-1] == "Next: labreport run remember_important_tasks"
    result = invoke("export", "remember_important_tasks", "--out", "exported")
    assert result.exit_code == 0, result.output
    result = invoke("render", "remember_important_tasks")  # no saved run: the message says so, by name
    assert result.exit_code == 2
    assert "remember_important_tasks.yaml: no saved run to render" in result.output


def test_render_of_a_report_pdf_says_what_render_reads(workdir):
    (workdir / "report.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n")
    with nothing_written(workdir):
        result = invoke("render", "report.pdf")
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: report.pdf: `labreport render` reads a run folder (the folder holding run.json), its run.json, "
        "or an experiment spec (.yaml) or shipped experiment's name, not a .pdf file.")
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(workdir):
    (workdir / "bad.yaml").write_text("name: x\ntraining: {epochs: 0}\n")
    result = invoke("--debug", "run", "bad.yaml", "--out", "out")
    assert result.exit_code == 2
    assert "Traceback" in result.output and "SpecError" in result.output


# --------------------------------------------------------------------------- data


def test_missing_data_file(workdir):
    result = run_spec(workdir, data_spec("csv", "reviews.csv"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv: file not found.\n"
        "Check dataset.path (relative paths are from the spec's folder).\n")


def test_empty_data_file(workdir):
    (workdir / "reviews.csv").write_text("")
    result = run_spec(workdir, data_spec("csv", "reviews.csv"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv: the file is empty.\n"
        "It needs a header row with 'review' and 'sentiment', then one row per text.\n")


def test_missing_column_lists_the_columns_and_the_closest(workdir):
    write_csv(workdir / "reviews.csv", reviews(), header=("Review", "label"))
    result = run_spec(workdir, data_spec("csv", "reviews.csv"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv: row 1 (header) has no column 'review'; its columns are: 'Review', 'label'.\n"
        "Did you mean 'Review'? Set dataset.text_column to the column holding the text.\n")


def test_single_class(workdir):
    write_csv(workdir / "reviews.csv", [[f"good film {i}", "positive"] for i in range(20)])
    result = run_spec(workdir, data_spec("csv", "reviews.csv"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv: column 'sentiment' holds a single class ('positive') in 20 rows; "
        "a classifier needs at least two.\n"
        "Check dataset.label_column names the label column, and that the file holds every class.\n")


def test_unmappable_label_names_the_row(workdir):
    rows = reviews()
    rows[4][1] = "mixed"
    write_csv(workdir / "reviews.csv", rows)
    result = run_spec(workdir, data_spec("csv", "reviews.csv", "  labels: [negative, positive]\n"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv: row 6, column 'sentiment': label 'mixed' is not one of dataset.labels "
        "('negative', 'positive').\n"
        "Add it to dataset.labels, or fix or remove the row.\n")


def test_undecodable_bytes_name_row_and_column(workdir):
    write_csv(workdir / "reviews.csv", [["Un caf\u00e9 cr\u00e8me", "positive"], *reviews()], encoding="cp1252")
    result = run_spec(workdir, data_spec("csv", "reviews.csv"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv: row 2, column 'review': byte 24 (0xe9) is not valid utf-8.\n"
        "Save the file as UTF-8, or set dataset.encoding to the file's encoding "
        "(cp1252 or latin-1 for files saved by older Excel).\n")


def test_semicolon_separated_csv_is_named_as_such(workdir):
    (workdir / "reviews.csv").write_text("review;sentiment\ngood;positive\nbad;negative\n")
    result = run_spec(workdir, data_spec("csv", "reviews.csv"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv: row 1 (header) has no column 'review'; it is one column, 'review;sentiment', "
        "which looks separated by ';', not by commas.\n"
        "Save the file as comma-separated CSV (in Excel: CSV UTF-8 (Comma delimited)).\n")


def test_text_folder_with_no_class_folders(workdir):
    for split in ("train", "test"):
        (workdir / "reviews" / split).mkdir(parents=True)
    (workdir / "reviews" / "train" / "0.txt").write_text("a review outside any class folder")
    result = run_spec(workdir, data_spec("text-folder", "reviews"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews/train: holds no class folders.\n"
        "dataset.path must hold train/ and test/ folders, each with one folder per class holding one .txt "
        "file per text (the layout of aclImdb).\n")


def test_text_with_no_words_left(workdir):
    write_csv(workdir / "reviews.csv", [["!!! ... ???", "positive" if i % 2 else "negative"] for i in range(20)])
    result = run_spec(workdir, data_spec("csv", "reviews.csv"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: reviews.csv, column 'review': every training text is empty once HTML tags and punctuation "
        "are removed, so there are no words to learn from.\n"
        "Check that dataset.text_column (or the files) holds the review text.\n")


def test_a_vocabulary_that_keeps_no_word(workdir):
    write_npz(workdir / "imdb.npz")
    result = run_spec(workdir, data_spec("keras-imdb", "imdb.npz", "  num_words: 3\n  oov_char: null\n"))
    assert without(assert_clean_failure(result, 2), workdir) == (
        "Error: imdb.npz: no training review keeps a single word: with dataset.num_words 3, skip_top 0 and "
        "sequence_length 300, every token is padding, the start mark or oov_char.\n"
        "Raise dataset.num_words (word indices start at index_from + 1 = 4) or lower dataset.skip_top.\n")


def test_an_npz_that_is_not_one(workdir):
    (workdir / "imdb.npz").write_text("review,sentiment\n")
    result = run_spec(workdir, data_spec("keras-imdb", "imdb.npz"))
    output = without(assert_clean_failure(result, 2), workdir)
    assert output.startswith("Error: imdb.npz: not an .npz file (not a zip archive).\n")


# --------------------------------------------------------------------------- output folder


def test_out_under_a_regular_file(workdir):
    (workdir / "notes.txt").write_text("a file, not a folder")
    (workdir / "spec.yaml").write_text(tiny_spec_text())
    with nothing_written(workdir):
        result = invoke("run", "spec.yaml", "--out", "notes.txt/sub")
    assert assert_clean_failure(result, 1) == (
        "Error: Cannot write to the output folder notes.txt/sub/tiny (notes.txt is a file, not a folder).\n"
        "Choose a folder you can write to with --out.\n")


def test_out_where_no_folder_can_be_made(workdir):
    (workdir / "spec.yaml").write_text(tiny_spec_text())
    with nothing_written(workdir):
        result = invoke("run", "spec.yaml", "--out", "/proc/labreport-out")
    assert assert_clean_failure(result, 1).startswith(
        "Error: Cannot write to the output folder /proc/labreport-out/tiny (")


def test_run_folder_name_taken_by_a_file(workdir):
    (workdir / "out").mkdir()
    (workdir / "out" / "tiny").write_text("not a folder")
    (workdir / "spec.yaml").write_text(tiny_spec_text())
    with nothing_written(workdir):
        result = invoke("run", "spec.yaml", "--out", "out")
    assert assert_clean_failure(result, 1) == (
        "Error: Cannot write to the output folder out/tiny (out/tiny is a file, not a folder).\n"
        "Choose a folder you can write to with --out.\n")


# --------------------------------------------------------------------------- a new user's mistakes
#
# Each is listed, with this exact message, in docs/troubleshooting.md ("A new user's
# mistakes"); a change to a message must change both.

NEW_USER_MISTAKES = [
    ("typo-in-a-key", {"spec.yaml": "name: x\ntraining:\n  epoch: 5\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: training.epoch: unknown key; did you mean 'epochs'?\n"),
    ("lost-indentation", {"spec.yaml": "name: x\ntraining:\nepochs: 5\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: 2 problems:\n"
     "  - training: is empty; its keys must be indented under 'training:'\n"
     "  - epochs: unknown key at the top level; did you mean 'training.epochs'? (indent it under 'training:')\n"),
    ("tab-indentation", {"spec.yaml": "name: x\ntraining:\n\tepochs: 5\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: YAML error at line 3, column 1: a tab character; indent YAML with spaces, never tabs\n"),
    ("unquoted-colon", {"spec.yaml": "name: x\nheader:\n  student_name: Dr: A. Student\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: YAML error at line 3, column 19: mapping values are not allowed here; a value holding "
     "': ' must be quoted, e.g. \"Dr: A. Student\"; or a key is indented wrongly\n"),
    ("unclosed-quote", {"spec.yaml": 'name: x\ndescription: "LSTM run\ntraining:\n  epochs: 5\n'}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: YAML error at line 5, column 1: found unexpected end of stream (while scanning a quoted "
     "scalar started at line 2, column 14); a quoted value is missing its closing quote\n"),
    ("misaligned-list-item", {"spec.yaml": "name: x\nmodel:\n  recurrent:\n    - cell: lstm\n    units: 32\n"},
     ["run", "spec.yaml"], 2,
     "Error: spec.yaml: YAML error at line 5, column 5: expected <block end>, but found '?' (while parsing a "
     "block collection started at line 4, column 5); check the indentation: the keys of one mapping must start "
     "in the same column\n"),
    ("section-written-twice", {"spec.yaml": "name: x\ntraining:\n  epochs: 5\ntraining:\n  batch_size: 16\n"},
     ["run", "spec.yaml"], 2,
     "Error: spec.yaml: YAML error at line 4, column 1: duplicate key 'training' (first at line 2); write each "
     "key once, merging what is under both\n"),
    ("negative-dropout", {"spec.yaml": "name: x\nmodel:\n  recurrent:\n    - {cell: lstm, dropout: -0.2}\n"},
     ["run", "spec.yaml"], 2,
     "Error: spec.yaml: model.recurrent[0].dropout: input should be greater than or equal to 0 (got -0.2)\n"),
    ("split-as-a-percentage", {"spec.yaml": "name: x\ntraining:\n  validation_split: 20\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: training.validation_split: input should be less than 1 (got 20); it is a fraction: "
     "0.2 holds out 20%\n"),
    ("decimal-comma", {"spec.yaml": "name: x\ntraining:\n  learning_rate: 0,001\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: training.learning_rate: input should be a valid number, unable to parse string as a "
     "number (got '0,001'); write decimals with a dot (0.001)\n"),
    ("yes-for-a-number", {"spec.yaml": "name: x\ntraining:\n  epochs: yes\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: training.epochs: must be a number, not a yes/no value (got True)\n"),
    ("upper-case-cell", {"spec.yaml": "name: x\nmodel:\n  recurrent:\n    - cell: LSTM\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: model.recurrent[0].cell: 'LSTM' is not allowed; allowed values: 'lstm', 'gru' or "
     "'simple_rnn'; did you mean 'lstm'?\n"),
    ("worksheet-typo", {"spec.yaml": "name: x\nreport:\n  worksheet: exp-13\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: report.worksheet: 'exp-13' is not allowed; allowed values: 'exp13', 'lab-record', "
     "'lab-summary', 'project-report' or 'seminar'; did you mean 'exp13'?\n"),
    ("layer-not-in-a-list", {"spec.yaml": "name: x\nmodel:\n  recurrent:\n    cell: lstm\n    units: 32\n"},
     ["run", "spec.yaml"], 2,
     "Error: spec.yaml: model.recurrent: must be a list, written [a, b] or as one '- item' line each "
     "(got {'cell': 'lstm', 'units': 32})\n"),
    ("source-without-a-section", {"spec.yaml": "name: x\ndataset: csv\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: dataset: must be a mapping of keys indented under 'dataset:' (got 'csv')\n"),
    ("spaces-in-the-name", {"spec.yaml": "name: my first experiment\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: name: must be 1-80 letters, digits, '_', '-' or '.', starting with a letter or digit "
     "(got 'my first experiment')\n"),
    ("semicolon-csv", {"spec.yaml": "name: x\ndataset: {source: csv, path: reviews.csv}\n",
                       "reviews.csv": "review;sentiment\ngood;positive\nbad;negative\n"}, ["run", "spec.yaml"], 2,
     "Error: reviews.csv: row 1 (header) has no column 'review'; it is one column, 'review;sentiment', which "
     "looks separated by ';', not by commas.\n"
     "Save the file as comma-separated CSV (in Excel: CSV UTF-8 (Comma delimited)).\n"),
    ("data-path-from-the-wrong-folder", {"spec.yaml": "name: x\ndataset: {source: csv, path: data/reviews.csv}\n"},
     ["run", "spec.yaml"], 2,
     "Error: data/reviews.csv: file not found.\n"
     "Check dataset.path (relative paths are from the spec's folder).\n"),
    ("missing-template", {"spec.yaml": "name: x\nreport: {template: my_report.html.j2}\n"}, ["run", "spec.yaml"], 2,
     "Error: spec.yaml: report.template: my_report.html.j2: file not found\n"
     "Relative paths are from the spec's folder.\n"),
    ("spec-path-is-a-folder", {"experiments/": None}, ["run", "experiments"], 2,
     "Error: experiments: is a folder, not a YAML file\n"),
    ("misspelt-spec-file", {"spec.yaml": "name: x\n"}, ["run", "spec.yml"], 2,
     "Error: spec.yml: no such file, and not the name of a shipped experiment\n"
     "Shipped experiments: {shipped}. `labreport list` describes them.\n"),
    ("out-is-a-file", {"spec.yaml": "name: x\n", "results": "a file"}, ["run", "spec.yaml", "--out", "results"], 1,
     "Error: Cannot write to the output folder results/x (results is a file, not a folder).\n"
     "Choose a folder you can write to with --out.\n"),
    ("render-a-spec", {"spec.yaml": "name: x\n"}, ["render", "spec.yaml"], 2,
     "Error: spec.yaml: no saved run to render (not run yet: no run.json in output/x).\n"
     "Train it first with `labreport run spec.yaml`; `labreport render` then writes its report again "
     "without training.\n"),
]


@pytest.mark.parametrize("files,args,exit_code,message",
                         [case[1:] for case in NEW_USER_MISTAKES], ids=[case[0] for case in NEW_USER_MISTAKES])
def test_a_new_users_mistakes_get_a_clear_message(workdir, files, args, exit_code, message):
    for name, text in files.items():
        if text is None:
            (workdir / name).mkdir()
        else:
            (workdir / name).write_text(text)
    with nothing_written(workdir):
        result = invoke(*args)
    expected = message.replace("{shipped}", ", ".join(shipped_experiments()))
    assert without(assert_clean_failure(result, exit_code), workdir) == expected


def test_troubleshooting_lists_every_mistake_with_its_message():
    page = (Path(__file__).resolve().parents[1] / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    section = page.split("## A new user's mistakes", 1)[1]
    for name, _files, _args, _code, message in NEW_USER_MISTAKES:
        # The list of shipped experiments grows; the page shows it as it was written.
        for part in message.split("{shipped}"):
            assert part.strip() in section, name


def test_a_reference_accuracy_written_as_a_percentage_is_refused_by_key(workdir):
    # report.reference.accuracy is a share (0.859), as every accuracy in run.json; 85.9 is a mistake to name.
    result = run_spec(workdir, "name: x\nreport:\n  reference: {accuracy: 85.9, source: the hand-out}\n")
    message = assert_clean_failure(result, 2)
    assert "report.reference.accuracy" in message and "1" in message
