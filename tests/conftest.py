"""Shared test helpers: tiny specs, the shared data folder, a CLI runner; the test tiers.

Tiers by cost, marked here at collection from what a test uses, so nobody has to remember a marker
(see ``pytest_collection_modifyitems`` below and the README's Development section):

- ``trains``: runs labreport's training (a tiered fixture such as ``tiny_run``, ``run_experiment(``,
  or a CLI ``run``/``batch`` that gets as far as training);
- ``pdf``: writes a PDF through WeasyPrint (``render_report`` without ``pdf=False``, a CLI render);
- ``subprocess``: starts a Python interpreter (``subprocess``, ``sys.executable``);
- ``slow``: the long reproduction tests, marked by hand as before; ``pytest`` alone leaves them out
  (pyproject's ``addopts``) and ``.ci/run`` runs them as a step of their own.

The inner loop is ``pytest -m "not slow and not trains and not pdf and not subprocess"``.  A guard
fails any test that trains, writes a PDF or starts an interpreter without carrying that tier's mark,
and says where to add it.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_IMDB = SHARED / "data" / "imdb" / "imdb.npz"

# Quiet TensorFlow's start-up logging in test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def tiny_spec_text(name: str = "tiny", *, epochs: int = 2, extra: str = "") -> str:
    """A few hundred generated sequences, 2 epochs: the default experiment in miniature."""
    return f"""
name: {name}
description: "A tiny temporal-order run for tests."
header:
  student_name: "Test Student"
  enrolment_no: "T-001"
dataset:
  source: generated
  n_train: 300
  n_test: 100
  sequence_length: 20
model:
  embedding: {{output_dim: 4}}
  recurrent: [{{cell: lstm, units: 8}}]
  compare: [simple_rnn]
training:
  batch_size: 32
  epochs: {epochs}
  learning_rate: 0.01
{extra}
"""


@pytest.fixture(autouse=True)
def _test_hash_cache(tmp_path_factory, monkeypatch):
    """A run in a test caches its data files' hashes in the test session's folder, not the user's ~/.cache."""
    import labreport.fingerprint

    cache_file = tmp_path_factory.getbasetemp() / "labreport-cache" / "hashes.json"
    monkeypatch.setattr(labreport.fingerprint, "cache_path", lambda: cache_file)
    # Worker processes (labreport batch) do not see the patch; the variable reaches them.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def tiny_spec(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(tiny_spec_text())
    return path


@pytest.fixture
def shared_imdb() -> Path:
    if not SHARED_IMDB.exists():
        pytest.skip(f"the shared IMDB copy is not at {SHARED_IMDB} (only on development machines and CI)")
    return SHARED_IMDB


# --------------------------------------------------------------------------- the shared tiny run

TINY_RUN_CACHE = "labreport-tiny-run"
_WORKDIR_MARK = "{TINY_RUN_WORKDIR}"


def tiny_run_key(spec_text: str) -> str:
    """What decides the cached tiny run: its training fingerprint, and labreport's code.

    The training fingerprint (labreport/fingerprint.py) knows the spec's training fields and the
    labreport and Keras versions, not labreport's code: an unreleased change to training, the CLI or
    the templates must not reuse a run made before it, so the source is hashed too.
    """
    from importlib.metadata import PackageNotFoundError, version

    import yaml

    from labreport.fingerprint import training_fingerprint
    from labreport.spec import validate_spec

    spec = validate_spec(yaml.safe_load(spec_text))
    digest = hashlib.sha256(training_fingerprint(spec).sha256.encode())
    try:
        digest.update(version("tensorflow").encode())
    except PackageNotFoundError:
        pass
    digest.update(spec_text.encode())
    for root in (REPO / "labreport", REPO / "templates"):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _cache_root(config) -> Path:
    cache = getattr(config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        return Path(cache.mkdir(TINY_RUN_CACHE))
    return Path(os.environ.get("LABREPORT_TEST_CACHE", REPO / ".pytest_cache" / "d" / TINY_RUN_CACHE))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, request):
    """One tiny end-to-end run through the CLI, shared by the tests that read its output.

    Trained once and kept in pytest's cache folder (.pytest_cache/d/labreport-tiny-run/), keyed by
    ``tiny_run_key``: a second local test run, or another xdist worker, copies it instead of training.
    The copy is the whole run folder and the CLI's output, exactly as the fresh run left them.
    ``LABREPORT_TEST_FRESH_RUN=1`` trains anyway (and refreshes the cache).
    """
    from typer.testing import CliRunner

    from labreport.cli import app

    text = tiny_spec_text()
    workdir = tmp_path_factory.mktemp("tiny_run")
    spec_path = workdir / "tiny.yaml"
    spec_path.write_text(text)
    run_dir = workdir / "out" / "tiny"

    root = _cache_root(request.config)
    root.mkdir(parents=True, exist_ok=True)
    key = tiny_run_key(text)
    cached = root / key
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one xdist worker trains; the others wait and copy
        if cached.is_dir() and not os.environ.get("LABREPORT_TEST_FRESH_RUN"):
            shutil.copytree(cached / "tiny", run_dir)
            output = (cached / "output.txt").read_text(encoding="utf-8").replace(_WORKDIR_MARK, str(workdir))
            return {"run_dir": run_dir, "output": output, "spec_path": spec_path, "cached": True}
        result = CliRunner().invoke(app, ["run", str(spec_path), "--out", str(workdir / "out"), "--quiet"])
        assert result.exit_code == 0, result.output
        leaked = [p for p in run_dir.rglob("*") if p.is_file() and str(workdir).encode() in p.read_bytes()]
        if not leaked:  # a run folder that names where it was made would not be the same run elsewhere
            for old in root.iterdir():
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            partial = root / f"{key}.partial"
            shutil.copytree(run_dir, partial / "tiny")
            (partial / "output.txt").write_text(result.output.replace(str(workdir), _WORKDIR_MARK), encoding="utf-8")
            partial.rename(cached)
    return {"run_dir": run_dir, "output": result.output, "spec_path": spec_path, "cached": False}


@pytest.fixture(scope="session")
def html_report(tmp_path_factory):
    """html_report(name, worksheet, make_record) -> report.html's text, without a PDF.

    Each (name, worksheet) is rendered once per test session, by ``render_report(..., pdf=False)``,
    from the record ``make_record()`` returns: tests/test_claims.py and tests/test_no_repeats.py read
    the same reports of the same fixture records, so they share them.
    """
    from labreport.report import render_report

    done: dict = {}
    folder = tmp_path_factory.mktemp("html_reports")

    def rendered(name: str, worksheet: str, make_record) -> str:
        if (name, worksheet) not in done:
            run_dir = folder / name
            if not (run_dir / "run.json").exists():
                run_dir.mkdir(parents=True, exist_ok=True)
                (run_dir / "run.json").write_text(json.dumps(make_record()), encoding="utf-8")
            result = render_report(run_dir, worksheet=worksheet, out_dir=run_dir / worksheet, pdf=False)
            done[name, worksheet] = result.html_path.read_text(encoding="utf-8")
        return done[name, worksheet]

    return rendered


@pytest.fixture
def saved(tiny_run, tmp_path):
    """specs/tiny.yaml and out/tiny/ as a finished `labreport batch specs --out out` leaves them."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    shutil.copy(tiny_run["spec_path"], specs / "tiny.yaml")
    shutil.copytree(tiny_run["run_dir"], out / "tiny")
    return {"specs": specs, "out": out, "run_dir": out / "tiny", "spec": specs / "tiny.yaml"}


# --------------------------------------------------------------------------- tiers, marked automatically

TIERS = ("trains", "pdf", "subprocess")

# What the source of a test cannot show (a CLI command that trains or renders only when its input is
# good; a fixture that trains through the CLI).  Keys: a fixture's name, "file.py::test_name" (every
# parametrisation), "file.py::test_name[id]" (one), or "file.py" (every test in the file).  The guard
# below names what to add here.
DECLARED_TIERS: dict[str, set[str]] = {
    # fixtures
    "tiny_run": {"trains", "pdf"},            # and saved, saved_run, run_copy, ... that request it
    "cluster": {"subprocess"},                # a Dask LocalCluster: worker processes
    "hostile_run": {"pdf"},                   # test_hostile.py: `labreport render`
    # tests: WeasyPrint's URL fetcher is what refuses these resources
    "test_hostile.py::test_resources_outside_the_report_folders_are_refused": {"pdf"},
    "test_hostile.py::test_a_symbolic_link_cannot_lead_outside": {"pdf"},
    "test_hostile.py::test_hidden_files_in_the_template_folder_are_refused": {"pdf"},
    # the catalogue's cases that reach WeasyPrint or a batch's worker process (one id each)
    **{f"test_hostile_inputs.py::test_hostile_input[{case}]": {"pdf"} for case in (
        "1-a-attachment", "1-image-outside", "1-link-attachment", "1-stylesheet-is-run-json",
        "3-report-is-a-link", "4-pdf-time-limit", "5-spec-text-alias-bomb", "5-spec-text-deep")},
    "test_hostile_inputs.py::test_hostile_input[2-batch-index-does-not-echo]": {"subprocess"},
    # batch on the local pool (worker processes) and on a Dask LocalCluster (the dask_scheduler fixture)
    "dask_scheduler": {"subprocess"},
    "test_hostile_inputs.py::test_hostile_batch_on_every_executor": {"subprocess"},
    "test_hostile_inputs.py::test_hostile_input[5-lone-surrogate-in-run-json]": {"pdf"},
    # batch on the local pool: its worker processes
    **{f"test_batch.py::{name}": {"subprocess"} for name in (
        "test_check_lists_out_of_date_specs_and_batch_renders_only_those", "test_a_deleted_report_pdf_is_rendered_again",
        "test_a_failing_spec_does_not_stop_the_others", "test_roster_writes_one_pdf_per_student_inside_the_output_folder")},
    "test_batch_summary.py::test_a_retrained_run_shows_the_change_against_the_run_before": {"subprocess"},
    "test_hostile_inputs.py::test_a_data_root_lets_a_batch_read_a_shared_file": {"subprocess"},
    # a CLI `run` that trains
    "test_first_ten_minutes.py::test_new_user_path_with_a_small_csv": {"trains", "pdf"},
    "test_interrupt.py::test_a_checkpoint_that_does_not_fit_is_not_resumed": {"trains", "pdf"},
    "test_interrupt.py::test_a_nan_loss_in_a_baseline_is_recorded_and_the_run_carries_on": {"trains", "pdf"},
    "test_interrupt.py::test_a_nan_loss_stops_training_and_is_recorded": {"trains", "pdf"},
    "test_interrupt.py::test_a_render_that_fails_leaves_no_report_and_says_how_to_render_again": {"trains", "pdf"},
    "test_interrupt.py::test_disk_full_during_training": {"trains", "pdf"},
    "test_output_lock.py::test_a_second_run_into_the_same_folder_exits_with_a_clear_message": {"trains", "pdf"},
    "test_imdb_reproduction.py::test_small_imdb_run_reports_the_nature_of_the_data": {"trains", "pdf"},
}

_PATTERNS = {
    "subprocess": re.compile(r"\bsubprocess\.|\bPopen\(|\bsys\.executable\b"),
    "trains": re.compile(r"\b(run_experiment|train_experiment|train_one)\("),
}
_PDF_CALLS = {"render_roster", "html_to_pdf", "PdfReader"}


def _source_tiers(source: str) -> set[str]:
    """Tiers a piece of test code shows by itself: see the module docstring."""
    found = {tier for tier, pattern in _PATTERNS.items() if pattern.search(source)}
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return found
    expected_to_fail = set()  # a call inside `with pytest.raises(...)` is refused before it renders
    for node in ast.walk(tree):
        if isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call) and getattr(item.context_expr.func, "attr", "") == "raises"
                for item in node.items):
            expected_to_fail |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in expected_to_fail:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in _PDF_CALLS:
                found.add("pdf")
            elif name == "render_report" and not any(
                    k.arg == "pdf" and isinstance(k.value, ast.Constant) and k.value.value is False
                    for k in node.keywords):
                found.add("pdf")
    return found


_function_tiers_cache: dict = {}


def _function_tiers(function, depth: int = 3) -> set[str]:
    """Tiers of a function's own source and of the test-module helpers it calls by name."""
    function = inspect.unwrap(function)
    key = (function, depth)
    if key in _function_tiers_cache:
        return _function_tiers_cache[key]
    _function_tiers_cache[key] = set()  # recursion guard
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return set()
    found = _source_tiers(source)
    module = sys.modules.get(getattr(function, "__module__", ""), None)
    code = getattr(function, "__code__", None)
    if module is not None and code is not None and depth > 0:
        names = set(code.co_names) | {n for c in code.co_consts if inspect.iscode(c) for n in c.co_names}
        for name in names:
            helper = getattr(module, name, None)
            helper_file = getattr(getattr(helper, "__code__", None), "co_filename", "")
            if inspect.isfunction(helper) and Path(helper_file).parent == Path(__file__).parent:
                found |= _function_tiers(helper, depth - 1)
    _function_tiers_cache[key] = found
    return found


def tiers_of(item) -> set[str]:
    """The tiers a collected test belongs to (besides ``slow``, which is marked by hand)."""
    found: set[str] = set()
    file = Path(str(item.fspath)).name
    name = getattr(item, "originalname", item.name)
    for key in (file, f"{file}::{name}", f"{file}::{item.name}"):
        found |= DECLARED_TIERS.get(key, set())
    if getattr(item, "function", None) is not None:
        found |= _function_tiers(item.function)
    for fixture_name in item.fixturenames:
        found |= DECLARED_TIERS.get(fixture_name, set())
        if fixture_name == "_tier_guard":
            continue
        for fixturedef in (item._fixtureinfo.name2fixturedefs.get(fixture_name) or ())[-1:]:
            if Path(inspect.getsourcefile(fixturedef.func) or "").parent == Path(__file__).parent:
                found |= _function_tiers(fixturedef.func)
    return found


def pytest_collection_modifyitems(config, items):
    for item in items:
        for tier in sorted(tiers_of(item)):
            item.add_marker(getattr(pytest.mark, tier))


# --------------------------------------------------------------------------- the guard

_used: set[str] = set()
_current: list = [None]  # the test being set up or run


class UntieredWork(BaseException):
    """Raised where an unmarked test starts training, a PDF or an interpreter: it stops at once (a
    BaseException, so that the CLI's error handling does not turn it into an exit code)."""


def _noted(tier: str) -> None:
    _used.add(tier)
    item = _current[0]
    # The slow tier is run on its own (`pytest -m slow`, CI's second step) and costs what it costs: the guard
    # keeps the other tiers honest, so the inner loop and the README's command stay fast.
    if item is not None and item.get_closest_marker(tier) is None and item.get_closest_marker("slow") is None:
        raise UntieredWork(f"{item.nodeid} does {tier} without the mark (see DECLARED_TIERS in tests/conftest.py)")


def _note(tier: str):
    def wrap(original):
        def wrapper(*args, **kwargs):
            _noted(tier)
            return original(*args, **kwargs)
        wrapper.__wrapped__ = original
        return wrapper
    return wrap


def _starts_python(args) -> bool:
    program = args if isinstance(args, (str, bytes, os.PathLike)) else (list(args)[:1] or [""])[0]
    program = os.fsdecode(program).split()[0] if program else ""
    return program == sys.executable or Path(program).name.startswith("python")


@pytest.fixture(scope="session", autouse=True)
def _tier_guard():
    """Notes what each test did, for the check in ``pytest_runtest_*`` below."""
    import multiprocessing.popen_fork

    import labreport.report.render as render_module
    import labreport.training as training_module

    original_popen_init = subprocess.Popen.__init__

    def popen_init(self, args, *rest, **kwargs):
        if _starts_python(args):
            _noted("subprocess")
        return original_popen_init(self, args, *rest, **kwargs)

    original_mp_init = multiprocessing.popen_fork.Popen.__init__

    def mp_init(self, *args, **kwargs):
        _noted("subprocess")
        return original_mp_init(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training_module, "train_one", _note("trains")(training_module.train_one))
        patch.setattr(render_module, "html_to_pdf", _note("pdf")(render_module.html_to_pdf))
        patch.setattr(subprocess.Popen, "__init__", popen_init)
        patch.setattr(multiprocessing.popen_fork.Popen, "__init__", mp_init)
        yield


def _check_tiers(item, when: str) -> None:
    missing = sorted(tier for tier in _used if item.get_closest_marker(tier) is None)
    _used.clear()
    if item.get_closest_marker("slow") is not None:
        return  # the slow tier is run on its own (see _noted)
    if missing:
        file = Path(str(item.fspath)).name
        where = f'"{file}::{item.name}"' if when == "call" else f"the fixture of {file}::{item.name} that does it"
        pytest.fail(f"{item.nodeid} ({when}) did {', '.join(missing)} without the mark: add {where} with "
                    f"{set(missing)!r} to DECLARED_TIERS in tests/conftest.py", pytrace=False)


def _guarded(item, when: str):
    _used.clear()
    _current[0] = item
    try:
        result = yield
    except UntieredWork:
        _current[0] = None
        _check_tiers(item, when)
        raise
    _current[0] = None
    _check_tiers(item, when)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _guarded(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded(item, "call"))
