"""Every fixture run fits every format's page limit (format.yaml's max_pages).

A format with a limit (the two-page project report, the one-page lab summary) is a promise to the
student: a report one page over is handed back.  The fixture corpus holds the runs that make reports
long (single-class predictors, overfitting with 30 epochs, two problems diagnosed at once), so each is
rendered to PDF in each limited format.  Slow tier: about two dozen PDFs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from labreport.report import render_report
from labreport.report.formats import load_format
from labreport.worksheets import worksheet_names

FIXTURES = (sorted((Path(__file__).parent / "fixtures" / "runs").glob("*.json"))
            + sorted((Path(__file__).parent / "fixtures" / "forecast_runs").glob("*.json")))  # forecasts too
LIMITED = [name for name in worksheet_names() if load_format(name).max_pages]


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("worksheet", LIMITED)
def test_every_fixture_fits_the_formats_page_limit(tmp_path, worksheet):
    limit = load_format(worksheet).max_pages
    over = []
    for fixture in FIXTURES:
        run_dir = tmp_path / fixture.stem
        run_dir.mkdir()
        shutil.copy(fixture, run_dir / "run.json")
        pdf = render_report(run_dir, worksheet=worksheet).pdf_path
        pages = len(PdfReader(str(pdf)).pages)
        if pages > limit:
            over.append(f"{fixture.stem}: {pages} pages")
    assert not over, f"{worksheet} allows {limit} page(s): {over}"
