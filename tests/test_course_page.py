"""The course page (OUT/index.html) and index.json version 2: a batch of fixture runs and failing specs
(tests/course_batch.py, no training), read as data, as HTML and in headless Chromium at 1280 and 390 px."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser import CHROMIUM, Browser
from course_batch import HOSTILE_DESCRIPTION, HOSTILE_NAME, build_course_batch
from labreport.batch import Outcome, write_index
from labreport.batch.page import CURVE_HEIGHT, CURVE_PAD, CURVE_WIDTH, INDEX_VERSION, curve, distribution, run_facts
from labreport.errors import RenderError

# What a careful reader of each run gives it (tests/fixtures/runs/EXPECTED.yaml agrees on the verdicts).
VERDICTS = {"clean_success": "learned", "late_success": "learned", "baseline_wins": "learned",
            "chance_level": "chance", "single_class": "chance", "overfitting": "chance",
            "noisy_small_batch": "partly_learned", "too_few_epochs": "partly_learned", "diverged": "diverged",
            "broken": "failed", "typo": "failed", "stale_spec": "failed", HOSTILE_NAME: "failed"}
ATTENTION = {"broken": ["failed"], "typo": ["failed"], HOSTILE_NAME: ["failed"], "stale_spec": ["failed", "stale"],
             "diverged": ["failed", "diverged"], "chance_level": ["chance"], "single_class": ["chance"],
             "overfitting": ["chance"]}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    out, result = build_course_batch(tmp_path_factory.mktemp("course"))
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    return {"out": out, "result": result, "index": index, "reports": {r["experiment"]: r for r in index["reports"]},
            "html": (out / "index.html").read_text(encoding="utf-8")}


# --------------------------------------------------------------------------- index.json: the page's facts


def test_every_spec_has_a_row_with_its_verdict(course):
    assert course["index"]["version"] == INDEX_VERSION == 2
    assert {name: r["verdict"] for name, r in course["reports"].items()} == VERDICTS
    # version 1's fields are kept, as they were
    clean = course["reports"]["clean_success"]
    assert {"experiment", "spec", "status", "reason", "seconds", "test_accuracy", "epochs", "params", "train_seconds",
            "pdfs"} <= set(clean)
    assert clean["status"] == "reused" and clean["epochs"] == 12 and clean["params"] == 5452
    assert clean["pdfs"] == [{"label": "report", "href": "clean_success/report.pdf"}]


def test_the_test_result_is_set_against_chance_and_the_baseline(course):
    test = course["reports"]["baseline_wins"]["test"]
    assert test["metric"] == "accuracy" and test["value"] == course["reports"]["baseline_wins"]["test_accuracy"]
    assert test["chance"] == pytest.approx(0.25)
    assert [(b["cell"], b["verdict"]) for b in test["baselines"]] == [("simple_rnn", "baseline_ahead")]
    assert course["reports"]["clean_success"]["test"]["baselines"][0]["verdict"] == "main_ahead"
    assert course["reports"]["broken"]["test"] is None


def test_the_flags_are_the_facts(course):
    flags = {name: [f["name"] for f in r["flags"]] for name, r in course["reports"].items()}
    assert flags["overfitting"] == ["overfitting", "reused"]
    assert course["reports"]["overfitting"]["flags"][0]["epoch"] == 3  # the facts' onset epoch
    assert "still_improving" in flags["too_few_epochs"]
    assert flags["stale_spec"] == ["stale"]  # the spec fails now; its folder holds an earlier run
    stale = course["reports"]["stale_spec"]
    assert stale["test"]["value"] == 1.0 and stale["test_accuracy"] is None and stale["epochs"] is None  # not its own
    assert flags["broken"] == [] and flags["diverged"] == []  # the diverged run is the spec's own, not stale
    assert all("reused" in flags[name] for name, r in course["reports"].items() if r["status"] == "reused")


def test_needs_attention_lists_failed_diverged_chance_and_stale(course):
    attention = course["index"]["summary"]["attention"]
    assert {item["experiment"]: item["why"] for item in attention} == ATTENTION
    assert next(i for i in attention if i["experiment"] == "typo")["reason"].endswith(
        "trainig: unknown key; did you mean 'training'?")


def test_identical_training_fingerprints_are_marked(course):
    reports = course["reports"]
    assert reports["chance_level"]["fingerprint"] == reports["single_class"]["fingerprint"]
    assert reports["chance_level"]["identical_to"] == ["single_class"]
    assert reports["single_class"]["identical_to"] == ["chance_level"]
    assert course["index"]["summary"]["identical"] == [["chance_level", "single_class"]]
    # The stale run shares clean_success's fingerprint, but is not what its spec describes now.
    assert reports["stale_spec"]["identical_to"] == [] and reports["clean_success"]["identical_to"] == []


def test_counts_and_distribution(course):
    summary = course["index"]["summary"]
    assert {c["verdict"]: c["count"] for c in summary["counts"]} == {
        "learned": 3, "partly_learned": 2, "chance": 3, "diverged": 1, "failed": 4}
    dist = summary["distribution"]
    accuracies = sorted(r["test"]["value"] for r in course["reports"].values()
                        if r["verdict"] not in ("failed", "diverged"))  # stale_spec's earlier run is not counted
    assert dist["n"] == len(accuracies) == 8 and sum(bar["count"] for bar in dist["bars"]) == 8
    assert dist["median"] == pytest.approx((accuracies[3] + accuracies[4]) / 2) and dist["low"] == accuracies[0] and dist["high"] == accuracies[-1]
    assert summary["not_in_distribution"] == 5  # four failures (one with a stale run) and the diverged run


def test_files_are_linked_only_where_they_exist(course):
    reports, out = course["reports"], course["out"]
    assert reports["clean_success"]["files"] == {
        "html": "clean_success/report.html", "program": "clean_success/program.py",
        "notebook": "clean_success/program.ipynb", "record": "clean_success/run.json"}
    assert reports["late_success"]["files"] == {"program": "late_success/program.py",
                                                "notebook": "late_success/program.ipynb",
                                                "record": "late_success/run.json"}
    assert reports["broken"]["files"] == {} and reports["broken"]["pdfs"] == []
    for report in reports.values():
        for href in [*report["files"].values(), *(pdf["href"] for pdf in report["pdfs"])]:
            assert (out / href).is_file(), href


# --------------------------------------------------------------------------- the curve and the distribution


def _record(val_loss, loss=None):
    return {"models": [{"role": "main", "cell": "lstm",
                        "history": {"loss": loss or [1.0] * len(val_loss), "val_loss": val_loss}}]}


def test_the_curve_is_coordinates_from_the_numbers():
    c = curve(_record([2.0, 1.0, 1.5]), evaluated_epoch=2)
    assert c["lines"] == [f"{CURVE_PAD:.1f},{CURVE_PAD:.1f} {CURVE_WIDTH / 2:.1f},{CURVE_HEIGHT - CURVE_PAD:.1f} "
                          f"{CURVE_WIDTH - CURVE_PAD:.1f},{(CURVE_HEIGHT) / 2:.1f}"]
    assert c["marker"] == {"x": CURVE_WIDTH / 2, "y": CURVE_HEIGHT - CURVE_PAD, "epoch": 2, "value": 1.0}
    assert (c["lowest"], c["lowest_epoch"], c["first"], c["last"]) == (1.0, 2, 2.0, 1.5)


def test_the_curve_leaves_out_what_is_not_finite():
    c = curve(_record([1.0, 0.5, float("nan"), 0.2, 0.1, None]))
    assert len(c["lines"]) == 2 and c["n_epochs"] == 6  # epochs 1-2, then 4-5: no line across the gap
    assert curve(_record([float("nan")])) is None
    single = curve(_record([0.7]))
    assert single["lines"] == [] and single["dots"] == [[f"{CURVE_WIDTH / 2:.1f}", f"{CURVE_HEIGHT / 2:.1f}"]]
    no_validation = curve({"models": [{"role": "main", "history": {"loss": [1.0, 0.5], "val_loss": []}}]})
    assert no_validation["series"] == "loss"


def test_the_distribution_bins_accuracies_from_zero_to_one():
    d = distribution([0.0, 0.05, 0.1, 0.95, 1.0])
    assert [bar["count"] for bar in d["bars"]] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert d["bars"][0]["height"] == d["height"] and d["bars"][1]["height"] == d["height"] / 2
    assert d["median"] == 0.1
    assert distribution([])["n"] == 0


def test_an_early_stopped_run_tested_with_its_best_epoch_is_flagged_and_worded(tmp_path):
    from labreport.record import migrate

    record = migrate(json.loads((Path(__file__).parent / "fixtures" / "runs" / "clean_success.json").read_text()))
    record["spec"]["training"]["epochs"] = 20
    main = record["models"][0]
    main.update({"stopped": {"reason": "early_stopping", "epoch": 12, "best_epoch": 10, "monitor": "val_loss",
                             "patience": 2, "min_delta": 0.0},
                 "restored_best_weights": True, "evaluated_epoch": 10})
    facts = run_facts(record, status="trained", plan_fingerprint=None)
    assert facts["flags"] == [{"name": "stopped_early", "epoch": 12, "of": 20},
                              {"name": "evaluated_not_last", "epoch": 10, "last": 12}]
    assert facts["curve"]["marker"]["epoch"] == 10
    outcome = Outcome("early", "early.yaml", "trained", **{key: facts[key] for key in (
        "verdict", "kind", "test", "flags", "curve", "fingerprint", "created", "cell", "description")})
    page = write_index(tmp_path, [outcome])[0].read_text(encoding="utf-8")
    assert "stopped early at epoch 12 of 20" in page
    assert "tested with epoch 10's weights, not the last (12)" in page
    assert "the dot marks epoch 10, whose weights were tested" in page


@pytest.mark.parametrize("seconds, expected", [(454.07, (7, 34)), (479.6, (8, 0)), (59.96, (0, 0)), (60.0, (1, 0))])
def test_training_time_in_minutes_and_seconds(seconds, expected):
    from labreport.batch.page import duration

    d = duration(seconds)
    assert (d["minutes"], d["seconds"] if d["minutes"] else 0) == expected and d["total"] == seconds
    assert duration(None) is None and duration(float("nan")) is None


def test_a_forecast_is_judged_against_the_naive_forecast():
    from forecast_records import forecast_record

    facts = run_facts(forecast_record("good"), status="trained", plan_fingerprint=None)
    assert facts["kind"] == "forecast" and facts["verdict"].startswith("forecast_")
    assert facts["test"]["metric"] == "mae" and facts["test"]["value"] > 0
    assert ("naive", "naive (last value)") in [(b["cell"], b["title"]) for b in facts["test"]["baselines"]]
    assert facts["curve"]["lines"]


# --------------------------------------------------------------------------- the HTML: words, escaping, script


def test_the_page_is_complete_html_without_network(course):
    page = course["html"]
    assert page.startswith("<!DOCTYPE html>") and '<meta name="viewport"' in page
    assert len(re.findall(r'<tbody class="run', page)) == len(VERDICTS)
    assert page.count('<svg class="curve"') == 10  # every run with a finite loss (the diverged one's first epochs)
    assert "http" not in page.replace('content="', "")
    assert '<a href="clean_success/report.pdf">report</a>' in page
    assert re.search(r'<div id="controls" hidden>', page)  # the script shows the controls; nothing needs it


def test_hostile_names_descriptions_and_messages_stay_escaped(course):
    page = course["html"]
    for raw in (HOSTILE_NAME, "<script>alert(", "onerror=alert(1)>"):
        assert raw not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the name and the failure message quoting it
    assert "&lt;script&gt;alert(&#34;description&#34;)&lt;/script&gt; {{ 7*7 }}" in page
    assert "49" not in re.sub(r"\d+\.\d+|\d{3,}|\d+(?=[,.% ])", "", page.split("<table", 1)[1])  # never evaluated
    assert course["reports"]["baseline_wins"]["description"] == HOSTILE_DESCRIPTION


def test_a_roster_adds_one_row_per_student(tmp_path):
    run = tmp_path / "out" / "exp"
    run.mkdir(parents=True)
    for name in ("report.pdf", "A-1.pdf", "x.pdf"):
        (run / name).write_bytes(b"%PDF-1.7\n")
    roster = [{"label": "A-1 (Asha)", "href": "exp/A-1.pdf"}, {"label": "<b>X</b>", "href": "exp/x.pdf"}]
    outcome = Outcome("exp", "exp.yaml", "rendered", pdfs=[{"label": "report", "href": "exp/report.pdf"}, *roster],
                      roster=roster, verdict="no_run")
    html_path, json_path = write_index(tmp_path / "out", [outcome])
    page = html_path.read_text(encoding="utf-8")
    students = re.findall(r'<tr class="student"><th scope="row">(.*?)</th><td colspan="7"><a href="(.*?)">', page)
    assert students == [("A-1 (Asha)", "exp/A-1.pdf"), ("&lt;b&gt;X&lt;/b&gt;", "exp/x.pdf")]
    assert json.loads(json_path.read_text())["reports"][0]["roster"] == roster


# --------------------------------------------------------------------------- a course's own page and words


def test_a_course_rewords_the_page(tmp_path):
    from labreport.resources import templates_dir

    course = tmp_path / "course_templates" / "course"
    course.mkdir(parents=True)
    words = (templates_dir() / "course" / "words.html.j2").read_text(encoding="utf-8")
    (course / "words.html.j2").write_text(words.replace('"chance": "at chance"', '"chance": "no better than guessing"'))
    out, result = build_course_batch(tmp_path, template_dir=tmp_path / "course_templates")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "no better than guessing: 3" in page and "at chance" not in page


def test_a_course_page_of_its_own_runs_in_the_sandbox(tmp_path):
    folder = tmp_path / "course_templates" / "course"
    folder.mkdir(parents=True)
    (folder / "index.html.j2").write_text("{% for row in rows %}{{ row.experiment }}={{ row.verdict }};{% endfor %}")
    outcome = Outcome("a", "a.yaml", "failed", "why", verdict="failed")
    html_path, _ = write_index(tmp_path, [outcome], template_dir=tmp_path / "course_templates")
    assert html_path.read_text() == "a=failed;"
    (folder / "index.html.j2").write_text("{{ rows.__class__.__mro__ }}")
    with pytest.raises(RenderError) as caught:
        write_index(tmp_path, [outcome], template_dir=tmp_path / "course_templates")
    assert "The course page (OUT/index.html) was not written" in caught.value.message
    assert "index.html.j2, line 1" in caught.value.message and "refused by the sandbox" in caught.value.message
    assert "--template-dir" in caught.value.hint


# --------------------------------------------------------------------------- in a real browser


SCREENSHOTS = os.environ.get("LABREPORT_SCREENSHOTS")  # a folder to keep the screenshots in (tmp_path otherwise)

_DOM = """JSON.stringify({
  runs: Array.from(document.querySelectorAll("tbody.run")).map(function (b) {
    return {id: b.id, name: b.dataset.name, hidden: b.hidden,
            visible: b.getBoundingClientRect().height > 0}; }),
  links: Array.from(document.querySelectorAll("a[href]")).map(function (a) { return a.getAttribute("href"); }),
  ids: Array.from(document.querySelectorAll("[id]")).map(function (e) { return e.id; }),
  scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  controls: !document.getElementById("controls").hidden,
  curves: document.querySelectorAll("svg.curve polyline").length,
  widest: Math.max.apply(null, Array.from(document.querySelectorAll("body *")).map(function (e) {
    return e.getBoundingClientRect().right; }))
})"""


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_the_page_in_headless_chromium(course, tmp_path, width, height):
    out = course["out"]
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    with Browser(tmp_path / "profile") as browser:
        page = browser.open(out / "index.html", width=width, height=height)
        dom = json.loads(page.evaluate(_DOM))
        png = page.screenshot(shots / f"course_page_{width}.png")
        assert page.errors == []

        # every row, visible; every link leads to a file that exists, or to a row of the page
        assert [run["name"] for run in dom["runs"]] == [unescape(name) for name in course["reports"]]
        assert all(run["visible"] and not run["hidden"] for run in dom["runs"])
        for href in dom["links"]:
            target = urlsplit(href)
            assert not target.scheme and not target.netloc, href
            if href.startswith("#"):
                assert href[1:] in dom["ids"], href
            else:
                assert (out / unquote(target.path)).is_file(), href
        pdfs = {href for href in dom["links"] if href.endswith(".pdf")}
        assert pdfs == {pdf["href"] for r in course["reports"].values() for pdf in r["pdfs"]}
        # no horizontal scroll of the page, at a phone's width too
        # (a phone's layout viewport widens to fit what overflows, so the page's width is checked against ours)
        assert dom["scrollWidth"] <= width and dom["innerWidth"] == width and dom["widest"] <= width + 0.5, dom
        assert dom["controls"] and dom["curves"] >= 10
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == width

        # the script's filter and sort
        page.evaluate('var s = document.getElementById("show"); s.value = "attention";'
                      's.dispatchEvent(new Event("change"))')
        shown = json.loads(page.evaluate(_DOM))["runs"]
        assert sorted(run["name"] for run in shown if not run["hidden"]) == sorted(ATTENTION)
        page.evaluate('var s = document.getElementById("show"); s.value = ""; s.dispatchEvent(new Event("change"));'
                      'var o = document.getElementById("sort-by"); o.value = "test-down";'
                      'o.dispatchEvent(new Event("change"))')
        order = [run["name"] for run in json.loads(page.evaluate(_DOM))["runs"]]
        values = [(course["reports"][name]["test"] or {}).get("value") for name in order]
        known = [value for value in values if value is not None]
        assert known == sorted(known, reverse=True) and values == known + [None] * (len(values) - len(known))
        assert page.errors == []

        # without script the page is whole: every row, no controls
        bare = browser.open(out / "index.html", width=width, height=height, script=False)
        dom = json.loads(bare.evaluate(_DOM))
        assert len(dom["runs"]) == len(VERDICTS) and not dom["controls"]
        assert dom["scrollWidth"] <= width and dom["widest"] <= width + 0.5

        # printed: the controls are left out
        browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session=page.session)
        assert page.evaluate('getComputedStyle(document.getElementById("controls")).display') == "none"
