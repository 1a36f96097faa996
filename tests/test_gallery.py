"""The docs' gallery (docs/gallery.md): a picture of every worksheet format's first page, each shown on the page.

Fast: it reads the committed pictures; `python docs/gallery.py` draws them again (poppler's pdftoppm).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import yaml

from labreport.worksheets import worksheet_names

REPO = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _gallery():
    # Loaded from its file, as tests/test_docs.py loads docs/generate.py: docs/ is not a package.
    spec = importlib.util.spec_from_file_location("docs_gallery", REPO / "docs" / "gallery.py")
    gallery = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gallery  # a dataclass in it looks its module up by name
    spec.loader.exec_module(gallery)
    return gallery


def test_every_format_has_its_picture_and_a_run_to_draw_it_from():
    gallery = _gallery()
    assert set(gallery.RUN_OF_FORMAT) == set(worksheet_names())
    for run in gallery.RUN_OF_FORMAT.values():
        assert (gallery.RUNS / run).is_file(), run
    assert gallery.problems() == []
    for name in worksheet_names():
        data = (REPO / "docs" / "gallery" / f"{name}.png").read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert abs(width - 496) <= 1 and abs(height - 702) <= 1, (name, width, height)  # one A4 page at 60 dpi


def test_the_gallery_page_shows_each_picture_with_its_words():
    page = (REPO / "docs" / "gallery.md").read_text(encoding="utf-8")
    shown = re.findall(r"!\[([^\]]+)\]\(gallery/([a-z0-9-]+)\.png\)", page)
    assert sorted(name for _, name in shown) == sorted(worksheet_names())
    for alt, name in shown:
        assert len(alt.split()) >= 8 and name in alt, (name, alt)  # alternative text that describes the page
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "gallery.md" in yaml.safe_dump(config["nav"])
    assert "gallery.py" in config["exclude_docs"].split()


def test_the_gallery_script_names_a_missing_picture(tmp_path, monkeypatch):
    gallery = _gallery()
    monkeypatch.setattr(gallery, "FOLDER", tmp_path)
    assert len(gallery.problems()) == len(worksheet_names())
    assert all("python docs/gallery.py" in problem for problem in gallery.problems())
