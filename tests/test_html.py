"""report.html on screen: a complete page with nothing from the network, readable at phone and desktop widths."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_is_self_contained(tiny_run):
    html = (tiny_run["run_dir"] / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert '<meta name="viewport"' in html
    # No network: every src/href is a relative file inside the run folder.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^[a-z]+:", url), url
        assert not url.startswith(("/", "..")), url
        assert (tiny_run["run_dir"] / url).is_file(), url


def test_every_figure_has_alt_text_with_numbers(tiny_run):
    html = (tiny_run["run_dir"] / "report.html").read_text()
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) >= 5
    for tag in images:
        alt = re.search(r'alt="([^"]*)"', tag).group(1)
        assert len(alt) > 40 and re.search(r"\d", alt), tag


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_html_renders_in_headless_chromium(tiny_run, tmp_path, width, height):
    shot = tmp_path / f"report_{width}.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
         f"--window-size={width},{height}", f"--screenshot={shot}",
         (tiny_run["run_dir"] / "report.html").resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    png_width = int.from_bytes(data[16:20], "big")
    assert png_width == width
    assert len(data) > 20_000  # a rendered page, not a blank one
