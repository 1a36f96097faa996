"""Training and report fingerprints: what changes them, what does not, and the content-hash cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from labreport.fingerprint import (
    HashCache,
    apply_report_overrides,
    cache_path,
    describe_changes,
    report_fingerprint,
    training_fingerprint,
)
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


def test_versions_are_part_of_the_fingerprint(tmp_path):
    from importlib.metadata import version

    import labreport

    inputs = training_fingerprint(spec_from(tmp_path, tiny_spec_text())).inputs
    assert inputs["versions"] == {"labreport": labreport.__version__, "keras": version("keras")}


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
