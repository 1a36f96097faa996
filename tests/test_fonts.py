"""Names in other scripts print as letters, not empty boxes (issue 15, section 2, class 6).

WeasyPrint (Pango) falls back, character by character, to any installed font
that covers a character; labreport ships no fonts, so the machine needs fonts
for the scripts its students write (README, Fonts: Debian's fonts-noto-core,
fonts-noto-cjk and fonts-noto-color-emoji; .ci/run installs them when it can).
The test renders a fixture run with such a name and checks that, for each
script, a font fontconfig says covers it was embedded in the PDF.  Where no
installed font covers a script the test skips, naming the packages to install.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from cli_checks import invoke

FIXTURE_RUN = Path(__file__).parent / "fixtures" / "runs" / "too_few_epochs.json"
SAMPLES = {"Han (Chinese)": "中文", "Devanagari": "देवनागरी", "Hangul": "한국어", "Emoji": "😀"}
PACKAGES = "fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji"


def _squeeze(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def covering_families(character: str) -> set[str]:
    """The font families fontconfig says cover ``character`` (squeezed: 'Noto Sans CJK JP' -> 'notosanscjkjp')."""
    result = subprocess.run(["fc-list", f":charset={ord(character):x}", "family"], capture_output=True, text=True,
                            timeout=30)
    return {_squeeze(family) for line in result.stdout.splitlines() for family in line.split(",") if family.strip()}


def embedded_fonts(pdf: Path) -> set[str]:
    names = set()
    for page in PdfReader(pdf).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            base = str(font.get_object().get("/BaseFont", ""))
            names.add(_squeeze(base.split("+", 1)[-1]))  # drop the subset tag, ABCDEF+
    return names


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig's fc-list is not installed")
def test_names_in_other_scripts_use_fonts_that_cover_them(tmp_path):
    missing = [script for script, text in SAMPLES.items() if not covering_families(text[0])]
    if missing:
        pytest.skip(f"no installed font covers {', '.join(missing)}; install {PACKAGES} (README, Fonts)")
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(FIXTURE_RUN.read_text(encoding="utf-8"), encoding="utf-8")
    name = " ".join(SAMPLES.values())
    result = invoke("render", run, "--student", name)
    assert result.exit_code == 0, result.output
    embedded = embedded_fonts(run / "report.pdf")
    for script, text in SAMPLES.items():
        families = covering_families(text[0])
        assert any(font.startswith(family) or family.startswith(font) for font in embedded for family in families), (
            f"{script}: none of the embedded fonts {sorted(embedded)} covers {text!r} (covered by {sorted(families)})")
    html = (run / "report.html").read_text(encoding="utf-8")
    assert name in html and json.loads((run / "run.json").read_text())["spec"]["header"]["student_name"] == name
