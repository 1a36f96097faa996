"""render_report checks its worksheet and smoothing itself: a notebook gets the error the CLI shows."""

from __future__ import annotations

import pytest

from cli_checks import assert_clean_failure, invoke
from labreport.errors import OptionError
from labreport.pipeline import render_saved_run
from labreport.report import render_report
from labreport.worksheets import worksheet_names


@pytest.mark.parametrize("option,value,message", [
    ("smoothing", 5, "--smoothing must be a number between 0 and 1 (got 5)."),
    ("smoothing", -0.1, "--smoothing must be a number between 0 and 1 (got -0.1)."),
    ("smoothing", float("nan"), "--smoothing must be a number between 0 and 1 (got nan)."),
    ("smoothing", "0.5x", "--smoothing must be a number between 0 and 1 (got '0.5x')."),
    ("worksheet", "exp99", None),
])
def test_render_report_refuses_what_the_cli_refuses(tmp_path, option, value, message):
    # Checked before run.json is read: the folder need not hold a run.
    with pytest.raises(OptionError) as refused:
        render_report(tmp_path, **{option: value})
    if message is None:
        message = f"--worksheet 'exp99' is unknown; allowed values: {', '.join(worksheet_names())}."
    assert str(refused.value) == message
    with pytest.raises(OptionError) as refused_for_spec:
        render_saved_run("no_such_spec.yaml", out_dir=tmp_path, **{option: value})
    assert str(refused_for_spec.value) == message


@pytest.mark.parametrize("args,message", [
    (["--smoothing", "5"], "--smoothing must be a number between 0 and 1 (got 5.0)."),
    (["--worksheet", "exp99"], None),
])
def test_the_cli_shows_the_librarys_error(tmp_path, args, message):
    if message is None:
        message = f"--worksheet 'exp99' is unknown; allowed values: {', '.join(worksheet_names())}."
    result = invoke("render", tmp_path, *args)
    assert assert_clean_failure(result, 2) == f"Error: {message}\n"
    with pytest.raises(OptionError) as refused:
        render_report(tmp_path, **{args[0].lstrip("-"): float(args[1]) if args[0] == "--smoothing" else args[1]})
    assert str(refused.value) == message


def test_pdf_false_writes_the_html_and_figures_only(tmp_path, monkeypatch):
    """render_report(..., pdf=False): the public seam for callers that read only the HTML (tests)."""
    import json

    import labreport.report.render as render_module
    from records import default_record

    def no_weasyprint(*args, **kwargs):
        raise AssertionError("pdf=False called WeasyPrint")

    monkeypatch.setattr(render_module, "html_to_pdf", no_weasyprint)
    (tmp_path / "run.json").write_text(json.dumps(default_record()), encoding="utf-8")
    before = (tmp_path / "run.json").read_bytes()
    rendered = render_report(tmp_path, header={"student_name": "Someone Else"}, pdf=False)
    assert rendered.pdf_path is None and not (tmp_path / "report.pdf").exists()
    assert "Someone Else" in rendered.html_path.read_text(encoding="utf-8")
    assert rendered.figures and all(path.is_file() for path in rendered.figures.values())
    assert (tmp_path / "run.json").read_bytes() == before  # run.json describes report.pdf, not rewritten
    with pytest.raises(ValueError, match="needs an html_name"):
        render_report(tmp_path, pdf=False, html_name=None)


def test_pdf_false_gives_the_html_a_full_render_gives(tmp_path):
    import json

    from records import default_record

    (tmp_path / "run.json").write_text(json.dumps(default_record()), encoding="utf-8")
    full = render_report(tmp_path, out_dir=tmp_path / "full")
    html_only = render_report(tmp_path, out_dir=tmp_path / "html", pdf=False)
    assert full.pdf_path.is_file()
    assert html_only.html_path.read_text(encoding="utf-8") == full.html_path.read_text(encoding="utf-8")


@pytest.mark.pdf  # `invoke("render", ...)` with a variable: the collector cannot see it renders
def test_rendering_another_format_in_place_says_which_report_it_replaced(tmp_path):
    """A run folder holds one report.pdf: `render RUN_DIR --worksheet F` replaces it, and says so."""
    import shutil
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "runs" / "clean_success.json"
    shutil.copy(fixture, tmp_path / "run.json")
    first = invoke("render", tmp_path)
    assert first.exit_code == 0, first.output
    assert "replaced" not in first.output
    other = invoke("render", tmp_path, "--worksheet", "lab-record")
    assert other.exit_code == 0, other.output
    assert other.output.splitlines()[1] == (
        "  It replaced the exp13 report there (a run folder holds one report.pdf); `--out DIR` writes another "
        "format beside it, and `labreport run` writes the spec's format back.")
    again = invoke("render", tmp_path, "--worksheet", "lab-record")
    assert "replaced" not in again.output  # the same format again replaces nothing new
