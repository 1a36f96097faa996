"""The CLI's contract: exact messages, exit codes, and no TensorFlow on the fast paths."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from labreport.cli import app
from labreport.resources import shipped_experiments

runner = CliRunner()


def test_list_shows_each_shipped_experiment_with_its_description():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(shipped_experiments())
    default = next(line for line in lines if line.startswith("remember_important_tasks"))
    assert default.split(None, 1)[1] == (
        "Temporal order task: remember two important tasks among 300 (LSTM vs SimpleRNN), offline.")


def test_validate_reports_a_valid_spec(tiny_spec):
    result = runner.invoke(app, ["validate", str(tiny_spec)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{tiny_spec}: valid (tiny: generated data, lstm, 2 epochs)"


def test_validate_bad_spec_exit_2_with_key_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntraining:\n  epochs: 0\n")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {bad}: training.epochs: input should be greater than or equal to 1 (got 0)\n")


def test_run_unknown_spec_names_the_shipped_ones(tmp_path):
    result = runner.invoke(app, ["run", "no_such_experiment", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: no_such_experiment: no such file, and not the name of a shipped experiment\n")
    assert "remember_important_tasks" in result.output
    assert "Traceback" not in result.output


def test_run_bad_epochs_option_is_exit_2(tiny_spec, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(tiny_spec), "--epochs", "0", "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == "Error: --epochs must be at least 1 (got 0).\n"
    assert not out.exists()  # nothing written


def test_data_override_on_generated_data_is_refused(tiny_spec, tmp_path):
    result = runner.invoke(app, ["run", str(tiny_spec), "--data", "x.npz", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "uses generated data" in result.output


def test_render_without_a_run_record_is_exit_2(tmp_path):
    result = runner.invoke(app, ["render", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tmp_path / 'run.json'}: no run record here.\n")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_help_does_not_import_tensorflow():
    modules = _modules_after(
        "from typer.testing import CliRunner\nfrom labreport.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output")
    assert "tensorflow" not in modules and "keras" not in modules
    # Nor the other heavy imports: --help and validate answer in well under a second (BENCHMARKS.md).
    assert not {"jax", "matplotlib", "weasyprint", "pydantic"} & modules


def test_validate_does_not_import_tensorflow(tiny_spec):
    modules = _modules_after(
        "from typer.testing import CliRunner\nfrom labreport.cli import app\n"
        f"r = CliRunner().invoke(app, ['validate', {str(tiny_spec)!r}])\nassert r.exit_code == 0, r.output")
    assert "tensorflow" not in modules and "keras" not in modules
    assert not {"jax", "matplotlib", "weasyprint"} & modules


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "labreport", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("labreport ")
