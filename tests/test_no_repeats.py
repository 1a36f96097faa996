"""No format prints the same paragraph twice, for a good run and for failed ones (no TensorFlow)."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from labreport.report import render_report
from labreport.report.worksheets import worksheet_names

RUNS = Path(__file__).parent / "fixtures" / "runs"
CASES = ["default_experiment", "chance_level", "diverged", "overfitting"]


def paragraphs(report_html: str) -> list[str]:
    found = re.findall(r"<(p|li)\b[^>]*>(.*?)</\1>", report_html, flags=re.S)
    texts = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip() for _, body in found]
    return [text for text in texts if len(text) > 60]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("worksheet", worksheet_names())
def test_no_paragraph_is_printed_twice(case, worksheet, tmp_path):
    (tmp_path / "run.json").write_bytes((RUNS / f"{case}.json").read_bytes())
    rendered = render_report(tmp_path, worksheet=worksheet, out_dir=tmp_path / "out", pdf=False)  # reads the HTML only
    repeated = [text for text, n in Counter(paragraphs(rendered.html_path.read_text(encoding="utf-8"))).items() if n > 1]
    assert not repeated, repeated
