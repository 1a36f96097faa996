"""Training and report fingerprints: what changes them, what does not, and the content-hash cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labreport.fingerprint import HashCache, cache_path, describe_changes, training_fingerprint
from labreport.report.sections import apply_report_overrides, report_fingerprint
from labreport.spec import load_spec

from conftest import tiny_spec_text


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    import labreport.fingerprint

    # These tests are about where the cache lives: undo conftest's test-session cache.
    monkeypatch.setattr(labreport.fingerprint, "cache_path", cache_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def spec_from(tmp_path, text, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return load_spec(path)


def csv_spec_text(data_path) -> str:
    return f"name: csv_run\ndataset:\n  source: csv\n  path: {data_path}\n"


def old_file(path, content: bytes):
    """A file last modified a minute ago: old enough for the hash cache to trust its mtime."""
    path.write_bytes(content)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def test_report_fields_do_not_change_the_training_fingerprint(tmp_path):
    base = training_fingerprint(spec_from(tmp_path, tiny_spec_text()))
    renamed = tiny_spec_text().replace("Test Student", "Someone Else").replace(
        "A tiny temporal-order run", "Another description")
    assert training_fingerprint(spec_from(tmp_path, renamed)).sha256 == base.sha256


@pytest.mark.parametrize("change", [
    ("epochs: 2", "epochs: 3"), ("units: 8", "units: 9"), ("n_train: 300", "n_train: 301"),
    ("learning_rate: 0.01", "learning_rate: 0.02"),
])
def test_training_fields_change_the_training_fingerprint(tmp_path, change):
    base = training_fingerprint(spec_from(tmp_path, tiny_spec_text()))
    changed = tiny_spec_text().replace(*change)
    assert changed != tiny_spec_text()
    assert training_fingerprint(spec_from(tmp_path, changed)).sha256 != base.sha256


def test_keras_and_the_training_code_are_part_of_the_fingerprint_and_labreports_version_is_not(tmp_path):
    """A release that changes only words or figures keeps saved runs; other training code does not."""
    from importlib.metadata import version

    from labreport.fingerprint import training_code_digest

    inputs = training_fingerprint(spec_from(tmp_path, tiny_spec_text())).inputs
    assert inputs["versions"] == {"keras": version("keras")}
    assert inputs["procedure"]["training_code"] == training_code_digest()
    assert len(training_code_digest()) == 64


def test_data_file_content_counts_not_its_place(tmp_path):
    first = old_file(tmp_path / "a.csv", b"review,sentiment\ngood,positive\nbad,negative\n")
    base = training_fingerprint(spec_from(tmp_path, csv_spec_text(first)))
    assert base.inputs["training"]["dataset"]["content"]["path"]["size"] == first.stat().st_size
    assert "path" not in base.inputs["training"]["dataset"]

    moved = tmp_path / "elsewhere" / "b.csv"
    moved.parent.mkdir()
    old_file(moved, first.read_bytes())
    assert training_fingerprint(spec_from(tmp_path, csv_spec_text(moved))).sha256 == base.sha256

    old_file(first, b"review,sentiment\ngood,positive\nbad,positive\n")  # same size, one label changed
    assert training_fingerprint(spec_from(tmp_path, csv_spec_text(first))).sha256 != base.sha256


def test_content_hash_is_cached_by_path_size_and_mtime(tmp_path):
    data = old_file(tmp_path / "a.csv", b"review,sentiment\ngood,positive\n")
    spec = spec_from(tmp_path, csv_spec_text(data))
    first = training_fingerprint(spec)
    assert cache_path() == tmp_path / "cache" / "labreport" / "hashes.json"
    cached = json.loads(cache_path().read_text())["files"][str(data.resolve())]
    assert cached["size"] == data.stat().st_size and cached["mtime_ns"] == data.stat().st_mtime_ns

    # Proof that the cache is read: a forged entry with the same size and mtime wins.
    forged = json.loads(cache_path().read_text())
    forged["files"][str(data.resolve())]["sha256"] = "0" * 64
    cache_path().write_text(json.dumps(forged))
    assert training_fingerprint(spec).sha256 != first.sha256

    # A new mtime (the file was touched) is not trusted: hashed again.
    past = time.time() - 30
    os.utime(data, (past, past))
    assert training_fingerprint(spec).sha256 == first.sha256


def test_a_just_modified_file_is_hashed_but_not_cached(tmp_path):
    data = tmp_path / "a.csv"
    data.write_bytes(b"review,sentiment\ngood,positive\n")  # mtime: now
    training_fingerprint(spec_from(tmp_path, csv_spec_text(data)))
    assert not cache_path().exists() or str(data.resolve()) not in json.loads(cache_path().read_text())["files"]


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path):
    data = old_file(tmp_path / "a.csv", b"review,sentiment\ngood,positive\n")
    cache_path().parent.mkdir(parents=True)
    cache_path().write_text("{not json")
    fingerprint = training_fingerprint(spec_from(tmp_path, csv_spec_text(data)))
    assert json.loads(cache_path().read_text())["files"][str(data.resolve())]["sha256"] == \
        fingerprint.inputs["training"]["dataset"]["content"]["path"]["sha256"]


def test_folder_identity_covers_the_files_inside(tmp_path):
    root = tmp_path / "texts"
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            (root / split / label).mkdir(parents=True)
            old_file(root / split / label / "1.txt", f"{split} {label}".encode())
    text = f"name: folder_run\ndataset:\n  source: text-folder\n  path: {root}\n"
    base = training_fingerprint(spec_from(tmp_path, text))
    content = base.inputs["training"]["dataset"]["content"]
    assert set(content) == {"train_dir", "test_dir"} and content["train_dir"]["files"] == 2
    old_file(root / "train" / "pos" / "2.txt", b"another review")
    assert training_fingerprint(spec_from(tmp_path, text)).sha256 != base.sha256


def test_a_missing_data_file_gives_a_fingerprint_no_saved_run_has(tmp_path):
    fingerprint = training_fingerprint(spec_from(tmp_path, csv_spec_text(tmp_path / "gone.csv")))
    assert fingerprint.inputs["training"]["dataset"]["content"]["path"] == {"missing": str(tmp_path / "gone.csv")}


def test_report_fingerprint_follows_the_report_fields(tmp_path):
    fields = spec_from(tmp_path, tiny_spec_text()).report_fields()
    base = report_fingerprint(fields)
    assert report_fingerprint(apply_report_overrides(fields, header={"student_name": "Test Student"})) == base
    assert report_fingerprint(apply_report_overrides(fields, header={"student_name": "B"})) != base
    assert report_fingerprint(apply_report_overrides(fields, smoothing=0.1)) != base
    assert report_fingerprint(apply_report_overrides(fields, worksheet="seminar")) != base


def test_a_custom_template_s_text_is_part_of_the_report_fingerprint(tmp_path):
    template = tmp_path / "mine.html.j2"
    template.write_text("{% extends 'base.html.j2' %}")
    fields = spec_from(tmp_path, tiny_spec_text(extra=f"report:\n  template: {template}\n")).report_fields()
    base = report_fingerprint(fields)
    template.write_text("{% extends 'base.html.j2' %}{# edited #}")
    assert report_fingerprint(fields) != base


def test_describe_changes_names_the_keys():
    old = {"training": {"epochs": 2, "seed": 1}, "dataset": {"content": {"path": {"sha256": "a"}}}}
    new = {"training": {"epochs": 3, "seed": 1}, "dataset": {"content": {"path": {"sha256": "b"}}}}
    assert describe_changes(old, new) == ["dataset.content.path.sha256 changed", "training.epochs: 2 → 3"]


def test_fingerprint_does_not_import_keras_or_tensorflow(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(tiny_spec_text())
    code = (f"from labreport.fingerprint import training_fingerprint\nfrom labreport.spec import load_spec\n"
            f"training_fingerprint(load_spec({str(spec)!r}))\nimport sys\n"
            "print('keras' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_hash_cache_unwritable_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    data = old_file(tmp_path / "a.csv", b"review,sentiment\ngood,positive\n")
    cache = HashCache()
    cache.file_sha256(data, data.stat())
    cache.save()  # no exception


# --------------------------------------------------------------------------- the training code's digest


def test_the_training_code_digest_follows_code_not_comments(tmp_path, monkeypatch):
    """A changed constant in the trainer changes the digest; a changed comment or docstring does not."""
    import shutil

    import labreport.fingerprint as fingerprint_module

    package = Path(fingerprint_module.__file__).resolve().parent
    copy = tmp_path / "labreport"
    copy.mkdir()
    for name in fingerprint_module.TRAINING_STAGE_SOURCES:
        source = package / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    shutil.copy(fingerprint_module.__file__, copy / "fingerprint.py")

    def digest_of_copy() -> str:
        monkeypatch.setattr(fingerprint_module, "__file__", str(copy / "fingerprint.py"))
        fingerprint_module.training_code_digest.cache_clear()
        try:
            return fingerprint_module.training_code_digest()
        finally:
            fingerprint_module.training_code_digest.cache_clear()

    original = digest_of_copy()
    trainer = copy / "train" / "batches.py"
    text = trainer.read_text(encoding="utf-8")
    trainer.write_text('"""Reworded docstring."""\n# a new comment\n' + text.split('"""', 2)[2], encoding="utf-8")
    assert digest_of_copy() == original
    trainer.write_text(text + "\nEXTRA_CONSTANT = 1\n", encoding="utf-8")
    assert digest_of_copy() != original
    trainer.write_text(text, encoding="utf-8")
    assert digest_of_copy() == original


def test_the_digest_covers_every_module_the_training_stage_imports():
    """A module the trainer imports is in TRAINING_STAGE_SOURCES, or listed here as not deciding numbers."""
    import ast
    from importlib.util import resolve_name

    from labreport.fingerprint import training_stage_files

    package_dir = Path(__import__("labreport").__file__).resolve().parent

    def module_name(path: Path) -> str:
        parts = ["labreport", *path.relative_to(package_dir).with_suffix("").parts]
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    covered = {module_name(path) for path in training_stage_files()}
    # Read and write files, refuse input, or describe: none of them changes a number of a run.
    not_numbers = {"labreport", "labreport.errors", "labreport.atomic", "labreport.safe_io",
                   "labreport.containment", "labreport.fingerprint", "labreport.record",
                   "labreport.spec_fields"}  # the spec's field types: the fingerprint hashes the validated values
    missing = set()
    for path in training_stage_files():
        module = module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.level):
                continue
            target = resolve_name("." * node.level + (node.module or ""), package)
            # `from . import run_files` imports a module; `from .model import build_model` a name in one.
            for name in ([f"{target}.{alias.name}" for alias in node.names] if not node.module else [target]):
                if name not in covered and name not in not_numbers and name.rpartition(".")[0] not in covered:
                    missing.add(f"{name} (imported by {module})")
    assert not missing, ("the training stage imports labreport modules outside TRAINING_STAGE_SOURCES "
                         f"(fingerprint.py): {sorted(missing)}; add them there, or here if they decide no number")


def test_a_saved_run_of_other_training_code_is_trained_again_and_says_why(tmp_path, monkeypatch):
    import labreport.fingerprint as fingerprint_module

    spec = spec_from(tmp_path, tiny_spec_text())
    now = training_fingerprint(spec)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    record = {"fingerprint": now.sha256, "fingerprint_inputs": now.inputs}
    monkeypatch.setattr(fingerprint_module, "training_code_digest", lambda: "another trainer")
    later = training_fingerprint(spec)
    assert later.sha256 != now.sha256
    import labreport.saved_run as saved_run_module
    monkeypatch.setattr(saved_run_module, "read_run_record", lambda folder: record)
    (run_dir / "run.json").write_text("{}", encoding="utf-8")
    state = saved_run_module.saved_run_state(spec, run_dir, later)
    assert state.needs_training
    assert state.reason == ("training changed: labreport's training code (data, model, trainer) is not the code "
                            "that made it")


def test_a_forecasts_loss_changes_the_training_fingerprint_and_an_unset_one_is_mse_as_before(tmp_path):
    data = old_file(tmp_path / "series.csv", b"t,value\n" + b"".join(b"%d,%d\n" % (i, i * i % 17) for i in range(60)))
    text = f"name: f\ndataset:\n  source: timeseries-csv\n  path: {data}\n  columns: [value]\n"
    unset = training_fingerprint(spec_from(tmp_path, text))
    prints = {loss: training_fingerprint(spec_from(tmp_path, text + f"training:\n  loss: {loss}\n"))
              for loss in ("mse", "mae", "huber")}
    assert len({p.sha256 for p in prints.values()} | {unset.sha256}) == 4
    assert "loss" not in unset.inputs["training"]["training"]  # a record saved before the key existed is reused
    assert describe_changes(prints["mse"].inputs, prints["huber"].inputs) == ['training.training.loss: "mse" → "huber"']
