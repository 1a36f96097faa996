"""Is the report text unchanged between two commits?  Renders every fixture run in every format to HTML (no
PDF) with the labreport found on PYTHONPATH, and compares the reports' visible text with another tree's.

    # this tree against a commit (extracted with `git archive` into a temporary folder):
    python benchmarks/render_text_diff.py --against 21e9180
    # or write this tree's texts only, to compare by hand:
    PYTHONPATH=/some/tree python benchmarks/render_text_diff.py --write /tmp/texts

For each fixture (tests/fixtures/runs/*.json, copied as run.json into a temporary run folder) and each format
(templates/formats/*), the report is prepared (facts, figures) and its HTML rendered by the same functions
``render_report`` uses before the PDF step (``prepare_report``, ``build_context``, ``render_html``).  The
visible text is the HTML's text outside <style>, <script> and <head>, plus every <img>'s alt text (what a
screen reader reads), one block per line.  Printed: how many of the texts are byte-identical; each one that is
not, with a unified diff.  Exit 1 when any differs.  The fixtures and formats are this tree's, for both sides.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "runs"
BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "table", "section",
          "br", "pre", "dt", "dd", "td", "th", "ul", "ol", "figure", "header", "footer", "blockquote"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self.hidden += 1
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag == "img":
            self.parts.append(f"[image: {dict(attrs).get('alt', '')}]")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self.hidden -= 1
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


def write_texts(out: Path) -> None:
    """This interpreter's labreport: one text per fixture and format under ``out``."""
    from labreport.report.render import build_context, prepare_report, render_html
    try:
        from labreport.worksheets import worksheet_names
    except ImportError:  # a tree from before the formats moved below the spec (6fb2d8a)
        from labreport.report.worksheets import worksheet_names

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for fixture in sorted(FIXTURES.glob("*.json")):
            run_dir = Path(scratch) / fixture.stem
            run_dir.mkdir()
            shutil.copyfile(fixture, run_dir / "run.json")
            for name in worksheet_names():
                prepared = prepare_report(run_dir, worksheet=name, out_dir=Path(scratch) / "out" / fixture.stem / name)
                context = build_context(prepared.record, worksheet=prepared.worksheet, header_overrides=None,
                                        smoothing=prepared.smoothing, figures=prepared.figures, facts=prepared.facts)
                html = render_html(prepared.template_path, prepared.worksheet.template, context,
                                   env=prepared.environment)
                (out / f"{fixture.stem}.{name}.txt").write_text(visible_text(html), encoding="utf-8")
                (out / f"{fixture.stem}.{name}.facts.json").write_text(
                    json.dumps(prepared.facts, sort_keys=True, indent=1, default=str), encoding="utf-8")


def texts_of(tree: Path, out: Path) -> None:
    """Run this script with ``tree``'s labreport (PYTHONPATH) into ``out``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, __file__, "--write", str(out)], env=env, check=True, cwd=tree)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="write this PYTHONPATH's texts into this folder, and stop")
    parser.add_argument("--against", help="a commit to compare this tree with (default HEAD)", default="HEAD")
    args = parser.parse_args()
    if args.write:
        write_texts(args.write)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.against], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        texts_of(base, Path(scratch) / "before")
        texts_of(REPO, Path(scratch) / "after")
        before, after = Path(scratch) / "before", Path(scratch) / "after"
        names = sorted(p.name for p in before.glob("*.txt"))
        differing = []
        for name in names:
            old = (before / name).read_text(encoding="utf-8")
            new = (after / name).read_text(encoding="utf-8") if (after / name).is_file() else ""
            if old != new:
                differing.append(name)
                sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                           f"{args.against}/{name}", f"worktree/{name}"))
        facts_differ = [p.name for p in before.glob("*.facts.json")
                        if p.read_bytes() != (after / p.name).read_bytes()]
        print(f"{len(names) - len(differing)} of {len(names)} report texts byte-identical "
              f"({len(list(FIXTURES.glob('*.json')))} fixture runs x formats) against {args.against}; "
              f"facts identical for {len(names) - len(facts_differ)} of {len(names)}.")
        for name in facts_differ:
            print(f"facts differ: {name}")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
