"""The documentation says what the code does: generated pages current, README a landing page that holds.

The reference pages under docs/reference/ are written by docs/generate.py from the code; the test
regenerates them in memory and fails, naming them, when a committed page differs.  The README's quick
start, its links, its list of commands and its list of the files a run writes are read against the code
and a real run.  `mkdocs build --strict` (in .ci/run) checks the site's own links.
"""

from __future__ import annotations

import importlib.util
import re

import yaml

from conftest import REPO  # noqa: E402 - tests/ is on sys.path under pytest

README = REPO / "README.md"
DOCS = REPO / "docs"
QUICK_START = "pip install . && labreport run\npip install '.[test]' && pytest\n"


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _readme_section(heading: str) -> str:
    return README.read_text(encoding="utf-8").split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_generated_reference_pages_are_current():
    generator = _generator()
    pages = generator.pages()
    assert set(pages) == {f"reference/{p.name}" for p in (DOCS / "reference").glob("*.md")}, \
        "a page under docs/reference/ that docs/generate.py does not write (or the other way round)"
    stale = [path for path, text in pages.items() if (DOCS / path).read_text(encoding="utf-8") != text]
    assert not stale, f"stale generated pages: {stale}; run `python docs/generate.py`"


def test_the_generator_notices_a_stale_page(tmp_path, monkeypatch):
    generator = _generator()
    for path, text in generator.pages().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    monkeypatch.setattr(generator, "DOCS", tmp_path)
    assert generator.stale() == []
    page = tmp_path / "reference" / "spec.md"
    page.write_text(page.read_text(encoding="utf-8").replace("`training.epochs`", "`training.epoch`"), encoding="utf-8")
    assert generator.stale() == ["reference/spec.md"]
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0 and generator.stale() == []


def test_the_readme_quick_start_is_the_two_commands():
    block = _readme_section("Quick start").split("```bash\n", 1)[1].split("```", 1)[0]
    assert block == QUICK_START
    # CI runs the second command exactly as the README gives it.
    assert "pip install '.[test]' && pytest ||" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_is_a_landing_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail to docs/"


def test_the_readme_links_lead_somewhere():
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        path, _, anchor = link.partition("#")
        target = REPO / path
        assert target.is_file(), f"README links to {link}, which is not there"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), flags=re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).strip().replace(" ", "-") for h in headings}
            assert anchor in slugs, f"README links to {link}: no heading for #{anchor}"


def test_the_readme_names_every_command():
    import typer.main

    from labreport.cli import app

    text = README.read_text(encoding="utf-8")
    commands = typer.main.get_command(app).commands
    missing = [name for name in commands if f"`labreport {name}" not in text]
    assert not missing, f"README.md does not name: {missing}"


def test_every_page_is_in_the_nav():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))

    def listed(items):
        for item in items:
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                for value in item.values():
                    yield from (listed(value) if isinstance(value, list) else [value])

    in_nav = set(listed(config["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages - in_nav == set(), f"pages left out of mkdocs.yml's nav: {sorted(pages - in_nav)}"
    assert in_nav - pages == set(), f"nav entries with no page: {sorted(in_nav - pages)}"


def test_the_readme_lists_every_file_a_run_writes(tiny_run):
    """The README's table of what a run writes holds every file and folder a real run leaves."""
    section = _readme_section("What a run writes")
    listed = set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.M))
    written = {p.name + ("/" if p.is_dir() else "") for p in tiny_run["run_dir"].iterdir()
               if not p.name.startswith(".")}
    assert "history_simple_rnn.csv" in written  # the tiny run has a baseline, as the default does
    assert written <= listed, f"README's 'What a run writes' leaves out {sorted(written - listed)}"


def test_the_verdict_definitions_state_the_thresholds_the_code_applies():
    """docs/explanation/judging.md words each verdict's threshold; each phrase is made from the constant."""
    from labreport import step_sizes
    from labreport.facts import curves, diagnosis, mechanisms, outcome, statistics

    def pct(share):
        return f"{share * 100:g} %"

    page = " ".join((DOCS / "explanation" / "judging.md").read_text(encoding="utf-8").split())
    phrases = [
        f"precision ({curves.TABLE_DECIMALS} decimals)",
        f"up to {curves.LISTED_SEGMENTS} segments are listed in full",
        f"at least {curves.NOISY_MIN_REVERSALS} changes in at least {pct(curves.NOISY_REVERSAL_SHARE)}",
        f"with its largest turn (the smaller of the two moves around a change) at least {pct(curves.VISIBLE_TURN_SHARE)}",
        f"one-sided exact binomial test at {pct(statistics.ALPHA)}",
        f"at least {pct(outcome.LEARNED_SHARE)} of the way from chance",
        f"rose by at least {pct(curves.OVERFITTING_MIN_RISE)}",
        f"within {curves.GAP_ACCURACY * 100:g} points and the validation loss within "
        f"{pct(curves.GAP_LOSS_RELATIVE)} + {curves.GAP_LOSS_ABSOLUTE:g}",
        f"at least {pct(curves.STILL_IMPROVING_MIN_FALL)} over the last {curves.CONVERGENCE_EPOCHS} epochs",
        f"within {pct(curves.CONVERGENCE_RELATIVE)} of its level or within {pct(curves.CONVERGENCE_SHARE_OF_FALL)}",
        f"more than {pct(curves.SPIKE_RELATIVE)} above the epoch before",
        f"({curves.SPIKE_MIN_BATCHES} or more each), more than {curves.SPIKE_STANDARD_ERRORS:g} standard errors of the "
        "difference",
        f"below {mechanisms.VANISHES_BELOW:g} vanishes, below {mechanisms.FADES_BELOW:g} fades, up to "
        f"{mechanisms.GROWS_ABOVE:g} holds",
        f"at least {mechanisms.MUCH_MORE:g}× the other's",
        f"at least {mechanisms.WRITES_SELECTIVELY_FROM:g}× as much",
        f"at least {mechanisms.INPUT_GATE_OPENS_FROM:g} higher",
        f"holds ≥ {mechanisms.RETAINS_FROM:g}, decays < {mechanisms.DECAYS_BELOW:g}",
        f"shorter than {pct(diagnosis.PADDING_FILL_BELOW)} of the sequence",
        f"keeps under {pct(diagnosis.WEAK_FORGET_RETENTION)} over the lag",
        f"≥ {step_sizes.HIGH_LEARNING_RATE['adam']:g} for Adam/RMSprop, ≥ {step_sizes.HIGH_LEARNING_RATE['sgd']:g} for SGD",
        f"more than {diagnosis.WEIGHTS_PER_SEQUENCE_HIGH:g} weights per training sequence",
        f"non-finite or more than {curves.EXPLOSION_FACTOR:g} times the first batch's",
        f"only where a clipped step is at most {step_sizes.MAX_CLIPPED_STEP:g}, the initial weights' order (learning rate "
        f"× clipnorm {step_sizes.SUGGESTED_CLIPNORM:g} for SGD",
        f"more than {pct(diagnosis.BATCH_NOISE_CV)} of their mean and {diagnosis.BATCH_FACTOR}× the batch still "
        f"leaves {diagnosis.MIN_BATCHES_AFTER} batches",
    ]
    from labreport.facts import forecast
    phrases += ["lag horizon − 1 + ⌊n^(1/3)⌋", f"the shift back, 0 to {forecast.MAX_SHIFT} steps",
                f"by more than {pct(forecast.EXTRAPOLATION_SHARE)} of its width",
                f"(at least {forecast.MIN_RESIDUALS} errors)", f"at least {pct(forecast.HORIZON_GROWTH)} above",
                f"two-sided at {pct(forecast.ALPHA)}"]
    missing = [phrase for phrase in phrases if phrase not in page]
    assert not missing, f"docs/explanation/judging.md does not say: {missing}"
    assert step_sizes.HIGH_LEARNING_RATE["rmsprop"] == step_sizes.HIGH_LEARNING_RATE["adam"]
    assert mechanisms.UNDERFLOW_BELOW == 1e-30 and "below 10⁻³⁰ underflow" in page
