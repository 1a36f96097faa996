"""A batch's outcomes: the end-of-batch table, OUT/index.json and OUT/index.html."""

from __future__ import annotations

import html
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

from .._version import __version__
from ..atomic import write_atomic



SUCCEEDED = ("trained", "reused", "rendered")


@dataclass
class Outcome:
    """One spec's line in the table and in index.json."""

    experiment: str
    spec: str
    status: str  # trained | reused | rendered | failed | skipped
    reason: str = ""
    seconds: float = 0.0
    test_accuracy: float | None = None
    epochs: int | None = None
    params: int | None = None
    train_seconds: float | None = None
    pdfs: list = field(default_factory=list)  # [{"label", "href"}], href relative to the output folder


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    index_html: Path
    index_json: Path

    @property
    def succeeded(self) -> bool:
        return all(outcome.status in SUCCEEDED for outcome in self.outcomes)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


# --------------------------------------------------------------------------- output


def format_table(outcomes: list[Outcome]) -> str:
    """The end-of-batch table: experiment, status (why, if failed), test accuracy, seconds."""
    def status(outcome: Outcome) -> str:
        if outcome.status in ("failed", "skipped"):
            reason = _first_line(outcome.reason)
            return f"{outcome.status}: {reason[:57] + '...' if len(reason) > 60 else reason}"
        return outcome.status

    lines = [("experiment", "status", "test accuracy", "seconds")]
    for outcome in outcomes:
        accuracy = f"{outcome.test_accuracy:.4f}" if isinstance(outcome.test_accuracy, (int, float)) else "-"
        lines.append((outcome.experiment, status(outcome), accuracy, f"{outcome.seconds:.1f}"))
    widths = [max(len(line[column]) for line in lines) for column in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d:>7}".rstrip()
                     for a, b, c, d in lines)


_SORT_SCRIPT = """
document.querySelectorAll("#reports th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var ascending = th.getAttribute("aria-sort") !== "ascending", numeric = th.dataset.type === "number";
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    function key(row) { var cell = row.cells[column]; return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent; }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), order;
      if (numeric) {  // blanks last either way
        if (x === "" || y === "") return (x === "") - (y === "");
        order = Number(x) - Number(y);
      } else { order = x.localeCompare(y); }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _cell(value, *, number: bool = False, text: str | None = None) -> str:
    shown = html.escape(text if text is not None else ("" if value is None else str(value)))
    if number:
        return f'<td class="number" data-sort="{html.escape("" if value is None else repr(value))}">{shown}</td>'
    return f"<td>{shown}</td>"


def write_index(out_dir: Path, outcomes: list[Outcome]) -> tuple[Path, Path]:
    """OUT/index.json and OUT/index.html (sortable by clicking a heading; no network, no server)."""
    generated = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    data = {"generated": generated, "labreport": __version__, "reports": [asdict(o) for o in outcomes]}
    index_json = write_atomic(out_dir / "index.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                              root=out_dir)

    body = []
    for outcome in outcomes:
        status = outcome.status + (f": {_first_line(outcome.reason)}" if outcome.reason else "")
        links = ", ".join(f'<a href="{html.escape(quote(pdf["href"]))}">{html.escape(pdf["label"])}</a>'
                          for pdf in outcome.pdfs)
        accuracy = outcome.test_accuracy
        body.append(
            "<tr>" + _cell(outcome.experiment) + f'<td class="{html.escape(outcome.status)}">{html.escape(status)}</td>'
            + _cell(accuracy, number=True, text=f"{accuracy:.4f}" if isinstance(accuracy, (int, float)) else "")
            + _cell(outcome.epochs, number=True) + _cell(outcome.params, number=True,
                                                         text=f"{outcome.params:,}" if outcome.params else "")
            + _cell(outcome.seconds, number=True, text=f"{outcome.seconds:.1f}") + f"<td>{links}</td></tr>")
    headings = [("experiment", "text"), ("status", "text"), ("test accuracy", "number"), ("epochs", "number"),
                ("params", "number"), ("seconds", "number"), ("PDFs", "text")]
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>labreport: {len(outcomes)} report(s)</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f2f2f2; cursor: pointer; user-select: none; }}
th[aria-sort=ascending]::after {{ content: " \\25B2"; }}
th[aria-sort=descending]::after {{ content: " \\25BC"; }}
td.number {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.failed, td.skipped {{ color: #a00; }}
</style>
</head>
<body>
<h1>Reports</h1>
<p>Written {html.escape(generated)} by labreport {html.escape(__version__)}. Click a column heading to sort.</p>
<table id="reports">
<thead><tr>{"".join(f'<th data-type="{kind}">{html.escape(name)}</th>' for name, kind in headings)}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
<script>{_SORT_SCRIPT}</script>
</body>
</html>
"""
    return write_atomic(out_dir / "index.html", page, root=out_dir), index_json
