"""Draw the gallery's pictures: the first page of each worksheet format, rendered from a fixture run.

    python docs/gallery.py            # writes docs/gallery/<format>.png
    python docs/gallery.py --check    # exits 1 if a format has no picture, or one is too large

Each format is rendered with `render_report` from a real run record of the test fixtures
(tests/fixtures/runs/), then its first page is drawn as a PNG by poppler's pdftoppm at a modest
resolution; docs/gallery.md shows them.  Run it again after a change to a format's template or to
report.css.  Needs pdftoppm (Debian: poppler-utils; `.ci/run` installs it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FOLDER = REPO / "docs" / "gallery"
RUNS = REPO / "tests" / "fixtures" / "runs"
# The run each format is shown with: the real default run, and for the seminar write-up (about a text
# classifier, as the seminar on IMDB reviews is) the fixture run of a binary review classifier.
RUN_OF_FORMAT = {"exp13": "shipped_default.json", "lab-record": "shipped_default.json",
                 "lab-summary": "shipped_default.json", "project-report": "shipped_default.json",
                 "seminar": "binary_text.json"}
RESOLUTION = 60          # dots per inch: an A4 page becomes about 496 x 702 pixels
MAX_BYTES = 150 * 1024   # each picture; the site stays small


def formats() -> list[str]:
    from labreport.worksheets import worksheet_names

    return list(worksheet_names())


def draw(name: str, scratch: Path) -> Path:
    """docs/gallery/<name>.png: the first page of the ``name`` format's report of its fixture run."""
    from labreport import render_report

    run_dir = scratch / name / "run"
    run_dir.mkdir(parents=True)
    shutil.copy(RUNS / RUN_OF_FORMAT[name], run_dir / "run.json")
    rendered = render_report(run_dir, worksheet=name, out_dir=scratch / name / "out", html_name=None)
    FOLDER.mkdir(exist_ok=True)
    target = FOLDER / f"{name}.png"
    subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), "-f", "1", "-l", "1", "-singlefile",
                    str(rendered.pdf_path), str(target.with_suffix(""))], check=True)
    return target


def problems() -> list[str]:
    """What is wrong with the pictures in docs/gallery/ (empty: nothing)."""
    found = []
    for name in formats():
        picture = FOLDER / f"{name}.png"
        shown = f"docs/gallery/{name}.png"
        if name not in RUN_OF_FORMAT:
            found.append(f"{name}: no fixture run chosen for it in docs/gallery.py")
        elif not picture.is_file():
            found.append(f"{shown} is missing: run python docs/gallery.py")
        elif picture.stat().st_size > MAX_BYTES:
            found.append(f"{shown} is {picture.stat().st_size:,} bytes (at most {MAX_BYTES:,})")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="check the pictures instead of drawing them")
    args = parser.parse_args(argv)
    if not args.check:
        if shutil.which("pdftoppm") is None:
            print("pdftoppm is needed (Debian: apt-get install poppler-utils)", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="labreport-gallery-") as scratch:
            for name in formats():
                picture = draw(name, Path(scratch))
                print(f"{picture.relative_to(REPO)}: {picture.stat().st_size:,} bytes")
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
