"""Using labreport from a notebook: the library API without Typer, and the inline display."""

from __future__ import annotations

import subprocess
import sys

from labreport.pipeline import RunResult
from labreport.record import read_run_record


def test_result_shows_figures_and_link_inline(tiny_run):
    run_dir = tiny_run["run_dir"]
    record = read_run_record(run_dir)
    result = RunResult(run_dir=run_dir, pdf_path=run_dir / "report.pdf", html_path=run_dir / "report.html",
                       run_record=record, figures={"accuracy": run_dir / "figures" / "accuracy.png",
                                                   "loss": run_dir / "figures" / "loss.png"})
    html = result._repr_html_()
    assert html.count('src="data:image/png;base64,') == 2
    assert f'href="{run_dir / "report.pdf"}"' in html
    assert f"test accuracy {record['models'][0]['test']['accuracy']:.4f}" in html


def test_library_imports_without_typer_or_tensorflow():
    code = ("import sys, labreport\n"
            "from labreport import run_experiment, render_report, load_spec, LabreportError\n"
            "print(' '.join(sys.modules))")
    modules = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout.split())
    assert "typer" not in modules
    assert "tensorflow" not in modules and "keras" not in modules
