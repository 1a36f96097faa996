"""A new user's path, as the tutorial (docs/tutorial.md) walks it: init → edit three fields → validate → run."""

from __future__ import annotations

import csv
import json
import random

from typer.testing import CliRunner

from labreport.cli import app
from labreport.spec import load_spec
from labreport.starter import SCHEMA_FILE, schema_text

from conftest import REPO  # noqa: E402 - tests/ is on sys.path under pytest

runner = CliRunner()


def test_schema_file_in_the_repo_is_current():
    assert (REPO / SCHEMA_FILE).read_text() == schema_text()


def test_schema_command_prints_the_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "labreport experiment spec"
    assert "training" in schema["properties"]


def test_shipped_specs_point_editors_at_the_schema():
    for path in (REPO / "experiments").glob("*.yaml"):
        assert path.read_text().startswith(f"# yaml-language-server: $schema=../{SCHEMA_FILE}\n"), path


def test_init_writes_a_spec_that_validates_as_it_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for dataset in ("generated", "keras-imdb", "csv", "text-folder"):
        for worksheet in ("exp13", "lab-record", "project-report", "seminar"):
            name = f"{dataset}_{worksheet}".replace("-", "_")
            result = runner.invoke(app, ["init", name, "--dataset", dataset, "--worksheet", worksheet])
            assert result.exit_code == 0, result.output
            spec = load_spec(tmp_path / f"{name}.yaml")
            assert spec.dataset.source == dataset and spec.report.worksheet == worksheet
    assert (tmp_path / SCHEMA_FILE).is_file()


def test_init_refuses_to_overwrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init", "mine"]).exit_code == 0
    result = runner.invoke(app, ["init", "mine"])
    assert result.exit_code == 2
    assert result.output == f"Error: {tmp_path / 'mine.yaml'} already exists; choose another NAME or pass --force to overwrite it.\n"


def _small_kaggle_csv(path, rows=240):
    rng = random.Random(7)
    good = ["a wonderful film", "great acting", "loved every minute", "brilliant and moving"]
    bad = ["a dreadful film", "terrible acting", "hated every minute", "boring and slow"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["review", "sentiment"])
        for i in range(rows):
            positive = i % 2 == 0
            words = rng.choice(good if positive else bad)
            writer.writerow([f"{words}<br /><br />seen in {rng.randint(1990, 2020)}", "positive" if positive else "negative"])


def test_new_user_path_with_a_small_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "my_exp", "--dataset", "csv"])
    assert result.exit_code == 0
    assert "then: labreport validate my_exp.yaml" in result.output

    _small_kaggle_csv(tmp_path / "reviews.csv")
    text = (tmp_path / "my_exp.yaml").read_text()
    text = text.replace("path: data.csv", "path: reviews.csv", 1)
    text = text.replace("student_name: ''", "student_name: 'Asha Patel'", 1)
    text = text.replace("epochs: 10", "epochs: 2", 1)
    (tmp_path / "my_exp.yaml").write_text(text)

    result = runner.invoke(app, ["validate", "my_exp.yaml"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Next: labreport run my_exp.yaml"

    result = runner.invoke(app, ["run", "my_exp.yaml", "--quiet"])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "output" / "my_exp" / "run.json").read_text())
    assert record["spec"]["header"]["student_name"] == "Asha Patel"
    assert record["dataset"]["sizes"]["test"] == 48
    assert (tmp_path / "output" / "my_exp" / "report.pdf").is_file()
