"""A catalogue of hostile and malformed inputs, tried as an attacker would (issue 15, section 2).

Each case builds its input in a fresh folder (specs, templates, run folders,
rosters, data paths), runs one command, and asserts:

* the exit code (2 for input the user must fix, 1 for a refused render or write,
  0 for the few inputs that are handled safely rather than refused);
* the message: one paragraph, no traceback, naming what was refused;
* no leak: the content of a secret file outside the inputs never appears in the
  output, nor in any file written;
* nothing written outside the place the command may write (the run folder), and
  a file outside that a link points at is unchanged;
* a time bound: a hostile input is refused in seconds, not minutes.

No case trains: render cases use a fixture run record (tests/fixtures/runs), and
spec cases fail at validation or at reading the data.  The classes follow the
issue: 1 leaks through templates, 2 leaks through messages, 3 writes outside the
run folder, 4 unbounded resources, 5 tracebacks, 6 small ones.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from cli_checks import assert_clean_failure, invoke, nothing_written, tree

FIXTURE_RUN = Path(__file__).parent / "fixtures" / "runs" / "too_few_epochs.json"
SECRET = "S3CRET-hunter2-do-not-print"
TINY = """name: hostile
model: {embedding: {output_dim: 4}, recurrent: [{units: 4}], compare: []}
training: {epochs: 1}
"""


@dataclass
class Ctx:
    """The folders of one case: ``work`` (the current folder), ``outside`` (holds the secret)."""

    work: Path
    outside: Path
    secret: Path
    allowed: list[Path] = field(default_factory=list)  # where the command may write
    guarded: list[Path] = field(default_factory=list)  # files outside that must stay unchanged

    def run_dir(self, record: dict | None = None) -> Path:
        """A run folder from the fixture record (or ``record``); the command may write in it."""
        run = self.work / "run"
        run.mkdir(exist_ok=True)
        data = record if record is not None else json.loads(FIXTURE_RUN.read_text())
        (run / "run.json").write_text(json.dumps(data), encoding="utf-8")
        self.allowed.append(run)
        return run

    def record(self) -> dict:
        return json.loads(FIXTURE_RUN.read_text())

    def template(self, source: str, name: str = "mine.html.j2") -> Path:
        folder = self.work / "tpl"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(source, encoding="utf-8")
        return folder / name

    def write(self, name: str, text: str) -> Path:
        path = self.work / name
        path.write_text(text, encoding="utf-8")
        return path

    def fifo(self, name: str) -> Path:
        path = self.work / name
        os.mkfifo(path)
        return path


@dataclass
class Case:
    id: str
    build: Callable[[Ctx], list]  # returns the command's arguments
    code: int
    message: str | list[str]      # each must appear in the output
    seconds: float = 20.0
    env: dict = field(default_factory=dict)
    patch: dict = field(default_factory=dict)  # "module:ATTR" -> value

    def __repr__(self):
        return self.id


def page(body: str) -> str:
    return '{% extends "base.html.j2" %}{% block content %}' + body + "{% endblock %}"


def render_with(source: str, *, extra: Callable[[Ctx], None] | None = None):
    """A case body: the fixture run rendered with --template holding ``source``."""
    def build(ctx: Ctx) -> list:
        run = ctx.run_dir()
        template = ctx.template(source)
        if extra:
            extra(ctx)
        return ["render", run, "--template", template]
    return build


def _link(target_of: Callable[[Ctx], Path], name: str):
    def make(ctx: Ctx) -> None:
        (ctx.work / "tpl" / name).symlink_to(target_of(ctx))
    return make


def tampered(change: Callable[[dict], None]):
    """A case body: `render RUN_DIR` of the fixture record after ``change``."""
    def build(ctx: Ctx) -> list:
        record = ctx.record()
        change(record)
        return ["render", ctx.run_dir(record)]
    return build


def _set(path: str, value):
    def change(record: dict) -> None:
        target = record
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value
    return change


def spec_case(text: str, command: str = "validate"):
    def build(ctx: Ctx) -> list:
        spec = ctx.write("spec.yaml", text)
        return [command, spec] if command == "validate" else [command, spec, "--out", ctx.work / "out"]
    return build


def data_case(source: str, path_of: Callable[[Ctx], Path], extra: str = ""):
    def build(ctx: Ctx) -> list:
        data = path_of(ctx)
        spec = ctx.write("spec.yaml", f"name: data_case\ndataset: {{source: {source}, path: '{data}'{extra}}}\n"
                                      "model: {embedding: {output_dim: 4}, recurrent: [{units: 4}], compare: []}\n"
                                      "training: {epochs: 1}\n")
        return ["run", spec, "--out", ctx.work / "out"]
    return build


def roster_case(make_roster: Callable[[Ctx], Path]):
    def build(ctx: Ctx) -> list:
        spec = ctx.write("spec.yaml", TINY)
        return ["batch", spec, "--roster", make_roster(ctx), "--out", ctx.work / "out"]
    return build


def course_page(source: str, *, name: str = "index.html.j2", extra: Callable[[Ctx, Path], None] | None = None):
    """A case body: `batch SPEC --template-dir course` with ``source`` as the course page's course/``name``
    (the spec is invalid, so nothing runs: only the page is rendered, in the reports' sandbox)."""
    def build(ctx: Ctx) -> list:
        spec = ctx.write("spec.yaml", "name: hostile\ntraining: {epochs: 0}\n")
        folder = ctx.work / "course" / "course"
        folder.mkdir(parents=True)
        (folder / name).write_text(source, encoding="utf-8")
        if extra:
            extra(ctx, folder)
        ctx.allowed.append(ctx.work / "out")
        return ["batch", spec, "--template-dir", ctx.work / "course", "--out", ctx.work / "out"]
    return build


def _bomb(levels: int = 9) -> str:
    lines = ["name: bomb", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _npz_bomb(ctx: Ctx) -> Path:
    # Arrays of 4 MB of zeros each, a few KB compressed; the limit is lowered to 1 MB (patch) so
    # the same check that stops a 46 MB file inflating to 10 GB is tried in a second.
    path = ctx.work / "imdb.npz"
    arrays = {name: np.zeros(500_000, dtype=np.int64) for name in ("x_train", "y_train", "x_test", "y_test")}
    np.savez_compressed(path, **arrays)
    return path


def _many_epochs(record: dict) -> None:
    record["history"] = {key: [0.5] * 100_000 for key in ("loss", "accuracy", "val_loss", "val_accuracy")}


def _many_classes(record: dict) -> None:
    record["dataset"]["class_names"] = [f"c{i}" for i in range(20_000)]


def _roster_rows(count: int) -> Callable[[Ctx], Path]:
    def make(ctx: Ctx) -> Path:
        lines = ["student_name,enrolment_no", *(f"Student {i},E{i}" for i in range(count))]
        return ctx.write("roster.csv", "\n".join(lines) + "\n")
    return make


def _deep_json(ctx: Ctx) -> list:
    run = ctx.run_dir()
    (run / "run.json").write_text("[" * 100_000 + "]" * 100_000)
    return ["render", run]


def _run_json_is(target: Callable[[Ctx], Path]):
    def build(ctx: Ctx) -> list:
        run = ctx.run_dir()
        (run / "run.json").unlink()
        (run / "run.json").symlink_to(target(ctx))
        return ["render", run]
    return build


def _figures_link(ctx: Ctx) -> list:
    run = ctx.run_dir()
    (run / "figures").symlink_to(ctx.outside)
    return ["render", run]


def _checkpoint_link(ctx: Ctx) -> list:
    spec = ctx.write("spec.yaml", TINY)
    run = ctx.work / "out" / "hostile"
    run.mkdir(parents=True)
    (run / ".checkpoint").symlink_to(ctx.outside)  # where Keras writes the checkpoints
    ctx.allowed.append(ctx.work / "out")
    return ["run", spec, "--out", ctx.work / "out"]


def _report_link(ctx: Ctx) -> list:
    # report.pdf is a link to a file outside: the report replaces the link; the file is unchanged.
    run = ctx.run_dir()
    (run / "report.pdf").symlink_to(ctx.secret)
    ctx.guarded.append(ctx.secret)
    return ["render", run]


def _batch_leak(ctx: Ctx) -> list:
    spec = ctx.write("leak.yaml", f"name: leak\ndataset: {{source: csv, path: '{ctx.secret}'}}\n"
                                  "model: {embedding: {output_dim: 4}, recurrent: [{units: 4}], compare: []}\n"
                                  "training: {epochs: 1}\n")
    ctx.allowed.append(ctx.work / "out")
    return ["batch", spec, "--out", ctx.work / "out"]


def _binary_csv(ctx: Ctx) -> Path:
    path = ctx.work / "reviews.csv"
    path.write_bytes(f"{SECRET}\n{SECRET},\xff\n".encode("latin-1"))
    return path


RECORD = "run.json"
NOT_USED = "a template named only by a run folder is not used"
REFUSED_TEMPLATE = "Fix the template"

CASES = [
    # ------------------------------------------------------------------ 1. leaks through templates
    Case("1-include-symlink-to-secret", render_with(page('{% include "leak.html" %}'), extra=_link(
        lambda c: c.secret, "leak.html")), 1, ["refused to load 'leak.html': it leads to", "outside the template folder"]),
    Case("1-include-symlink-to-etc-passwd", render_with(page('{% include "passwd.html" %}'), extra=_link(
        lambda c: Path("/etc/passwd"), "passwd.html")), 1, "refused to load 'passwd.html': it leads to /etc/passwd"),
    Case("1-include-symlink-to-non-template", render_with(page('{% include "notes.html" %}'), extra=lambda c: (
        (c.work / "tpl" / "notes.txt").write_text(SECRET), (c.work / "tpl" / "notes.html").symlink_to("notes.txt"))),
        1, "refused to load 'notes.html': it leads to"),
    Case("1-include-non-template-file", render_with(page('{% include "notes.txt" %}'), extra=lambda c: (
        c.work / "tpl" / "notes.txt").write_text(SECRET)), 1, "refused to load 'notes.txt'"),
    Case("1-template-itself-links-outside", lambda c: ["render", c.run_dir(), "--template", (
        c.outside / "evil.html.j2").write_text(page(SECRET)) and _linked_template(c)], 1,
        "refused to load 'mine.html.j2': it leads to"),
    Case("1-include-fifo", render_with(page('{% include "pipe.html" %}'), extra=lambda c: os.mkfifo(
        c.work / "tpl" / "pipe.html")), 1, "refused to load 'pipe.html': not a regular file (a FIFO)", seconds=15),
    Case("1-a-attachment", render_with(page('<a rel="attachment" href="notes.css">x</a>'), extra=lambda c: (
        c.work / "tpl" / "notes.css").write_text(SECRET)), 1, "a report never embeds attachments"),
    Case("1-link-attachment", render_with(page('<link rel="attachment" href="file:///etc/hostname">')), 1,
         "a report never embeds attachments"),
    Case("1-stylesheet-is-run-json", render_with(page('<link rel="stylesheet" href="run.json">')), 1,
         "run.json: outside the run's figures and the template folders"),
    Case("1-image-outside", render_with(page('<img src="file://{}">'.format("/etc/passwd"))), 1,
         "refused to read /etc/passwd"),
    Case("1-run-json-names-template", lambda c: ["render", c.run_dir(_with_report(c, template=str(
        c.template(page("x")))))], 2, NOT_USED),
    Case("1-run-json-names-template-dir", lambda c: ["render", c.run_dir(_with_report(c, template_dir=str(
        c.work)))], 2, NOT_USED),
    # the course page (OUT/index.html) of `batch --template-dir`: the same sandbox and loader as a report's
    Case("1-course-page-include-symlink-to-secret", course_page('{% include "course/leak.html" %}', extra=lambda c, f: (
        f / "leak.html").symlink_to(c.secret)), 1, ["The course page (OUT/index.html) was not written",
                                                    "refused to load 'course/leak.html': it leads to"]),
    Case("1-course-words-link-outside", course_page("", name="notes.css", extra=lambda c, f: (
        f / "words.html.j2").symlink_to(c.secret)), 1, "refused to load 'course/words.html.j2': it leads to"),
    Case("1-course-page-attribute-escape", course_page("{{ rows.__class__.__mro__[1].__subclasses__() }}"), 1,
         ["The course page (OUT/index.html) was not written", "refused by the sandbox"]),
    Case("1-course-page-huge-string", course_page("{{ 'x' * 10**10 }}"), 1, ["refused by the sandbox", "too large"]),
    Case("1-huge-string", render_with(page("{{ 'x' * 10**10 }}")), 1, ["refused by the sandbox", "too large"]),
    Case("1-huge-power", render_with(page("{{ 2 ** 1000000 }}")), 1, "a power too large"),
    Case("1-huge-format-width", render_with(page("{{ '%999999999d' % 1 }}")), 1, "a format width too large"),
    Case("1-huge-filter-argument", render_with(page("{{ 'x'|center(10**9) }}")), 1, "is too large for a template"),
    Case("1-endless-loops", render_with(page(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}")), 1,
        "the template ran for more than 1 s", patch={"labreport.report.render:TEMPLATE_SECONDS": 1.0}),
    Case("1-endless-loops-over-a-list", render_with(page(
        "{% set x = [1] * 999999 %}{% for a in x %}{% for b in x %}{% endfor %}{% endfor %}")), 1,
        "the template ran for more than 1 s", patch={"labreport.report.render:TEMPLATE_SECONDS": 1.0}),
    Case("1-output-too-large", render_with(page("{% for a in range(100000) %}{{ 'x' * 100 }}{% endfor %}")), 1,
         "the template wrote more than 5,000,000 characters"),
    Case("1-template-too-large", lambda c: ["render", c.run_dir(), "--template", c.template(
        page("x" * (3 * 1024 * 1024)))], 1, "more than the 2 MB allowed"),
    Case("1-template-is-fifo", lambda c: ["render", c.run_dir(), "--template", c.fifo("t.html.j2")], 1,
         "is not a file"),

    # ------------------------------------------------------------------ 2. leaks through messages
    Case("2-data-is-a-key-file", data_case("csv", lambda c: c.secret), 2,
         ["does not look like a CSV", "not shown"]),
    Case("2-binary-csv", data_case("csv", _binary_csv), 2, "is not valid utf-8"),
    Case("2-batch-index-does-not-echo", _batch_leak, 1, "Index:", seconds=60),
    Case("2-roster-is-a-key-file", roster_case(lambda c: c.secret), 2,
         ["does not look like a CSV class list", "not shown"], seconds=5),
    Case("2-spec-is-a-key-file", lambda c: ["validate", c.secret], 2, "the top level must be a mapping", seconds=5),

    # ------------------------------------------------------------------ 3. writes outside the run folder
    Case("3-figures-symlink-out", _figures_link, 1, ["figures is a symbolic link that leads out of"]),
    Case("3-report-is-a-link", _report_link, 0, "Done:", seconds=30),
    Case("3-checkpoint-symlink-out", _checkpoint_link, 1, ".checkpoint is a symbolic link that leads out of"),

    # ------------------------------------------------------------------ 4. unbounded resources
    Case("4-pdf-time-limit", lambda c: ["render", c.run_dir()], 1, "laying out the PDF took more than 0.01 s",
         patch={"labreport.report.render:PDF_SECONDS": 0.01}),
    Case("4-alias-bomb", spec_case(_bomb()), 2, "aliases (*name) expand to more than", seconds=5),
    Case("4-alias-bomb-in-a-value", spec_case(_bomb(6) + "description: *a5\n"), 2,
         "aliases (*name) expand to more than", seconds=5),
    Case("4-spec-fifo", lambda c: ["validate", c.fifo("spec.yaml")], 2, "not a regular file (a FIFO)", seconds=5),
    Case("4-spec-dev-zero", lambda c: ["validate", "/dev/zero"], 2, "not a regular file (a character device)", seconds=5),
    Case("4-spec-dev-urandom", lambda c: ["run", "/dev/urandom"], 2, "not a regular file (a character device)", seconds=5),
    Case("4-spec-too-large", spec_case("name: big\ndescription: '" + "x" * (1024 * 1024) + "'\n"), 2,
         "more than the 1 MB allowed", seconds=5),
    Case("4-data-fifo", data_case("csv", lambda c: c.fifo("reviews.csv")), 2, "not a regular file (a FIFO)"),
    Case("4-data-dev-zero", data_case("csv", lambda c: Path("/dev/zero")), 2, "not a regular file (a character device)"),
    Case("4-npz-fifo", data_case("keras-imdb", lambda c: c.fifo("imdb.npz")), 2, "not a regular file (a FIFO)"),
    Case("4-npz-inflates", data_case("keras-imdb", _npz_bomb), 2, ["unpack to", "more than the 1 MB allowed"],
         patch={"labreport.data.imdb:NPZ_UNPACKED_BYTES": 1024 * 1024}),
    Case("4-run-json-fifo", _run_json_is(lambda c: c.fifo("pipe.json")), 2, "not a regular file (a FIFO)", seconds=5),
    Case("4-run-json-dev-urandom", _run_json_is(lambda c: Path("/dev/urandom")), 2,
         "not a regular file (a character device)", seconds=5),
    Case("4-roster-fifo", roster_case(lambda c: c.fifo("roster.csv")), 2, "not a regular file (a FIFO)", seconds=5),
    Case("4-roster-10000-rows", roster_case(_roster_rows(10_000)), 2, ["10,000 PDFs", "--yes"], seconds=5),
    Case("4-run-json-100000-epochs", tampered(_many_epochs), 2, "holds 100,000 values; at most 2,000"),
    Case("4-run-json-20000-classes", tampered(_many_classes), 2, "holds 20,000 classes; at most 1,000"),
    Case("4-notes-1-mb", spec_case("name: notes\nreport: {notes: '" + "word " * 200_000 + "'}\n"), 2,
         "report.notes: 1,000,000 characters is more than the 20,000 allowed", seconds=5),
    Case("4-run-json-notes-1-mb", tampered(_set("spec.report.notes", "word " * 200_000)), 2,
         "spec.report.notes: 1,000,000 characters"),
    Case("4-epochs-10-to-12", spec_case("name: e\ntraining: {epochs: 1000000000000}\n"), 2,
         "training.epochs: 1,000,000,000,000 epochs is more than any run can use", seconds=5),
    Case("4-epochs-over-the-limit", spec_case("name: e\ntraining: {epochs: 20000}\n"), 2,
         "is more than the 2,000 allowed (raise the limit with LABREPORT_ALLOW_LARGE_RUNS=1)", seconds=5),
    Case("4-epochs-over-the-limit-allowed", spec_case("name: e\ntraining: {epochs: 20000}\n"), 0,
         "valid (e: generated data, lstm, 20000 epochs)", env={"LABREPORT_ALLOW_LARGE_RUNS": "1"}, seconds=10),
    Case("4-epochs-option-10-to-20", lambda c: ["run", c.write("spec.yaml", TINY), "--epochs", "9" * 20, "--out",
                                                c.work / "out"], 2, "about 10^19 epochs is more than any run can use",
         seconds=5),
    Case("4-epochs-option-over-the-limit", lambda c: ["run", c.write("spec.yaml", TINY), "--epochs", "5000", "--out",
                                                      c.work / "out"], 2, "--epochs 5000: 5,000 epochs is more than the "
         "2,000 allowed", seconds=5),
    Case("4-10-to-19-cells", spec_case("name: e\ndataset: {source: generated, n_train: 1000000000, "
                                       "sequence_length: 10000000}\n"), 2, "cells, more than the", seconds=5),

    # ------------------------------------------------------------------ 5. tracebacks
    Case("5-deep-yaml", spec_case("name: deep\nx: " + "[" * 5000 + "]" * 5000 + "\n"), 2, "nested", seconds=5),
    Case("5-400-digits", spec_case("name: big\ntraining: {epochs: " + "9" * 400 + "}\n"), 2,
         "a number of 400 digits", seconds=5),
    Case("5-5000-digits", spec_case("name: big\ntraining: {epochs: " + "9" * 5000 + "}\n"), 2,
         "a number of 5,000 digits", seconds=5),
    Case("5-400-digit-seed", spec_case("name: big\ntraining: {seed: " + "9" * 400 + "}\n", "run"), 2,
         "a number of 400 digits", seconds=5),
    Case("5-spec-link-loop", lambda c: ["validate", _loop(c, "spec.yaml")], 2, "a link loop", seconds=5),
    Case("5-run-json-link-loop", _run_json_is(lambda c: _loop(c, "loop.json")), 2, "a link loop", seconds=5),
    Case("5-roster-link-loop", roster_case(lambda c: _loop(c, "roster.csv")), 2, "a link loop", seconds=5),
    Case("5-data-folder-link-loop", data_case("text-folder", lambda c: _loop(c, "reviews")), 2, "reviews: folder not found",
         seconds=10),
    Case("5-data-option-link-loop", lambda c: ["run", c.write("spec.yaml", "name: d\ndataset: {source: keras-imdb}\n"),
                                               "--data", _loop(c, "imdb.npz"), "--out", c.work / "out"], 2,
         "a symbolic link that leads to itself", seconds=10),
    Case("5-encoding-rot13", data_case("csv", lambda c: c.write("r.csv", "review,sentiment\na,b\n"),
                                       ", encoding: rot13"), 2, "dataset.encoding: is a codec, not a text encoding"),
    Case("5-history-is-a-string", tampered(_set("history", "x")), 2, f"{RECORD}: history: must be an object"),
    Case("5-spec-is-a-list", tampered(_set("spec", [])), 2, f"{RECORD}: spec: must be an object (got a list)"),
    Case("5-empty-recurrent-list", tampered(_set("spec.model.recurrent", [])), 2, "spec.model.recurrent:"),
    Case("5-null-test", tampered(_set("test", None)), 2, f"{RECORD}: test: must be an object (got null)"),
    Case("5-format-version-string", tampered(_set("format_version", "1")), 2,
         "format_version: must be a whole number (got a string)"),
    Case("5-empty-loss", tampered(lambda r: r.update(history={"loss": [], "accuracy": []})), 2,
         "history.loss: is empty"),
    Case("5-loss-holds-a-string", tampered(_set("history.loss", ["x", 1, 2])), 2,
         "history.loss[0]: must be a number or null (got a string)"),
    Case("5-baselines-a-string", tampered(_set("baselines", "x")), 2, "baselines: must be a list"),
    Case("5-model-without-params", tampered(_set("model", {})), 2, "model.total_params: must be a number"),
    Case("5-class-names-a-number", tampered(_set("dataset.class_names", 4)), 2, "dataset.class_names: must be a list"),
    Case("5-accuracy-a-string", tampered(_set("test.accuracy", "high")), 2, "test.accuracy: must be a number"),
    Case("5-negative-epochs-in-spec", tampered(_set("spec.training.epochs", -1)), 2, "spec.training.epochs:"),
    Case("5-history-lengths-differ", tampered(lambda r: r["history"]["accuracy"].pop()), 2,
         "one value per epoch"),
    Case("5-gates-a-string", tampered(_set("diagnostics.gates", "x")), 2, "diagnostics.gates: must be an object"),
    Case("5-gate-summary-tampered", tampered(lambda r: r.setdefault("diagnostics", {}).update(
        gates={"sequences": "x", "summary": "x"})), 2, RECORD),
    Case("5-spec-text-alias-bomb", tampered(_set("spec_text", _bomb())), 0, "Done:", seconds=30),
    Case("5-spec-text-deep", tampered(_set("spec_text", "x: " + "[" * 5000 + "]" * 5000)), 0, "Done:", seconds=30),
    Case("5-deep-json", _deep_json, 2, "not a valid run record (nested too deeply)", seconds=10),
    Case("5-5000-digit-json", lambda c: ["render", _raw_record(c, '{"experiment": ' + "9" * 5000 + "}")], 2,
         "not a valid run record", seconds=5),

    # ------------------------------------------------------------------ 6. small ones
    Case("6-name-trailing-newline", spec_case('name: "abc\\n"\n'), 2, "name: must be 1-80 letters", seconds=5),
    Case("6-name-nul", spec_case("name: nul\n"), 2, "name: 'nul' cannot be a folder name on Windows", seconds=5),
    Case("6-name-aux-with-extension", spec_case("name: AUX.run1\n"), 2,
         "name: 'AUX.run1' cannot be a folder name on Windows", seconds=5),
    Case("6-name-trailing-dot", spec_case('name: "abc."\n'), 2, "cannot be a folder name on Windows", seconds=5),
    Case("6-init-nul", lambda ctx: ["init", "nul"], 2,
         "NAME 'nul' cannot be a file or folder name on Windows", seconds=5),
    Case("6-inf-learning-rate", spec_case("name: i\ntraining: {learning_rate: .inf}\n"), 2,
         "training.learning_rate: input should be a finite number", seconds=5),
    Case("6-inf-clipnorm", spec_case("name: i\ntraining: {clipnorm: .inf}\n"), 2,
         "training.clipnorm: input should be a finite number", seconds=5),
    Case("6-inf-forget-bias", spec_case("name: i\nmodel: {recurrent: [{forget_bias: .inf}]}\n"), 2,
         "model.recurrent[0].forget_bias: must be a finite number or 'chrono'", seconds=5),
    Case("6-nan-learning-rate", spec_case("name: i\ntraining: {learning_rate: .nan}\n"), 2,
         "training.learning_rate: input should be a finite number", seconds=5),
    Case("6-roster-unclosed-quote", roster_case(lambda c: c.write(
        "roster.csv", 'student_name,enrolment_no\n"Doe, Jane,1\nSmith,2\n')), 2,
        ["line 2: a quote is never closed", "joining students' rows"], seconds=5),

    # ------------------------------------------------------------------ round two (issue 26, section 2)
    # 3. the run folder's lock file: never created, truncated or followed outside the run folder
    Case("3-lock-is-a-link-out", lambda c: _planted_lock(c, lambda lock: lock.symlink_to(c.secret)), 1,
         ["the output folder's lock file is a symbolic link", ".labreport.lock"], seconds=10),
    Case("3-lock-is-a-dangling-link-out", lambda c: _planted_lock(c, lambda lock: lock.symlink_to(
        c.outside / "created")), 1, "the output folder's lock file is a symbolic link", seconds=10),
    Case("3-lock-is-a-fifo", lambda c: _planted_lock(c, os.mkfifo), 1,
         "the output folder's lock file is a FIFO", seconds=10),
    Case("3-lock-is-a-folder", lambda c: _planted_lock(c, os.mkdir), 1,
         "the output folder's lock file is a folder", seconds=10),
    Case("3-lock-is-a-link-loop", lambda c: _planted_lock(c, lambda lock: (
        lock.symlink_to(lock.parent / "loop.b"), (lock.parent / "loop.b").symlink_to(lock))), 1,
        "the output folder's lock file is a symbolic link", seconds=10),

    # 2. leaks: a file that is plainly not the user's spec or CSV is never quoted
    Case("2-spec-links-to-a-config", lambda c: ["validate", _linked_config(c)], 2,
         "does not look like a labreport spec (its keys are not shown)", seconds=5),
    Case("2-one-line-txt-named-as-csv", data_case("csv", lambda c: c.write("notes.txt", f"{SECRET}\n")), 2,
         ["does not look like a CSV", "not shown"]),
    Case("2-one-line-csv", data_case("csv", lambda c: c.write("data.csv", f"{SECRET}\n")), 2,
         ["does not look like a CSV", "not shown"]),

    # 4. unbounded: every read of a template bounded, the fingerprint's included
    Case("4-template-fifo-validate", lambda c: ["validate", _template_spec(c, template=c.fifo("t.html.j2"))], 2,
         "report.template: ", seconds=5),
    Case("4-template-fifo-render-spec", lambda c: ["render", _template_spec(c, template=c.fifo("t.html.j2")),
                                                   "--out", c.work / "out"], 2, "not a regular file (a FIFO)",
         seconds=5),
    Case("4-template-fifo-batch-check", lambda c: ["batch", "--check", _template_spec(
        c, template=c.fifo("t.html.j2")), "--out", c.work / "out"], 1, "not a regular file (a FIFO)", seconds=5),
    Case("4-template-links-to-dev-zero", lambda c: ["validate", _template_spec(c, template=_link_at(
        c.work / "t.html.j2", Path("/dev/zero")))], 2, "it leads to /dev/zero, outside the template's folder",
         seconds=5),
    Case("4-template-3-mb", lambda c: ["validate", _template_spec(c, template=c.write(
        "t.html.j2", "x" * (3 * 1024 * 1024)))], 2, "more than the 2 MB allowed", seconds=5),
    Case("4-template-dir-usr", lambda c: ["validate", _template_spec(c, template_dir=Path("/usr"))], 2,
         "holds more than 2,000 files and folders", seconds=5),
    Case("4-template-dir-usr-batch-check", lambda c: ["batch", "--check", _template_spec(
        c, template_dir=Path("/usr")), "--out", c.work / "out"], 1, "holds more than 2,000 files", seconds=5),
    Case("4-template-dir-holds-a-fifo", lambda c: ["validate", _template_spec(c, template_dir=_course(
        c, lambda folder: os.mkfifo(folder / "phrases.html.j2")))], 2,
        "phrases.html.j2: not a regular file (a FIFO)", seconds=5),
    Case("4-roster-json-fifo", lambda c: _saved_batch(c, ["--check", "--roster", _roster_rows(2)(c)],
                                                      plant=lambda run: os.mkfifo(run / "roster.json")), 1,
         "1 of 1 spec(s) out of date", seconds=10),
    Case("4-roster-json-dev-zero", lambda c: _saved_batch(c, ["--check", "--roster", _roster_rows(2)(c)],
                                                          plant=lambda run: (run / "roster.json").symlink_to(
                                                              "/dev/zero")), 1, "1 of 1 spec(s) out of date",
         seconds=10),
    Case("4-previous-test-fifo", lambda c: _saved_batch(c, ["--check", "--format", "markdown"], plant=lambda run:
                                                        os.mkfifo(run / "previous_test.json")), 1, "first run",
         seconds=10),
    Case("4-previous-test-dev-zero", lambda c: _saved_batch(c, ["--check", "--format", "markdown"], plant=lambda run:
                                                            (run / "previous_test.json").symlink_to("/dev/zero")),
         1, "first run", seconds=10),

    # 5. tracebacks
    Case("5-nul-byte-in-spec", lambda c: ["validate", _raw_spec(c, b"name: a\x00b\n")], 2,
         "YAML error at line 1, column 8: a NUL byte (U+0000) is not allowed in YAML", seconds=5),
    Case("5-del-byte-in-spec", lambda c: ["run", _raw_spec(c, b"name: x\ndescription: a\x7f\n"), "--out",
                                          c.work / "out"], 2,
         "YAML error at line 2, column 15: a DEL character (U+007F) is not allowed in YAML", seconds=5),
    Case("5-escape-byte-in-spec", spec_case("name: x\ndescription: a\x1bb\n"), 2,
         "an escape character (U+001B) is not allowed", seconds=5),
    Case("5-lone-surrogate-in-spec", spec_case('name: x\ndescription: "Lab \\ud800"\n', "run"), 2,
         "description: holds a lone surrogate (U+D800", seconds=5),
    Case("5-lone-surrogate-in-run-json", tampered(lambda r: (r.update(description="Lab \ud800"), r["dataset"].update(
        class_names=["neg\udfff", "pos"]))), 0, "Done:", seconds=90),
    Case("5-previous-test-400-digits", lambda c: _saved_batch(c, ["--check", "--format", "markdown"], previous={
        "accuracy": 10 ** 400}), 1, "accuracy is not a fraction between 0 and 1 (not compared)", seconds=10),
    Case("5-nan-loss-without-its-epoch", lambda c: _saved_batch(c, ["--check"], change=lambda r: r.update(
        stopped={"reason": "nan_loss"})), 1, "spec(s) out of date", seconds=10),

    # 6. small ones
    Case("6-markdown-www-name", lambda c: _saved_batch(c, ["--check", "--format", "markdown"], name="www.evil.com"),
         1, "| `www.evil.com` |", seconds=10),
    Case("6-markdown-www-in-a-reason", lambda c: ["batch", "--check", "--format", "markdown", c.write(
        "www.evil.com.yaml", "name: 'see http://evil.example'\n"), "--out", c.work / "out"], 1,
        ["| `www.evil.com` | **cannot run**: `", "`http://evil.example')`"], seconds=10),
    Case("6-previous-test-nan", lambda c: _saved_batch(c, ["--check", "--format", "markdown"], previous={
        "accuracy": float("nan")}), 1, "not compared", seconds=10),
    Case("6-previous-test-true", lambda c: _saved_batch(c, ["--check", "--format", "markdown"], previous={
        "accuracy": True}), 1, "not compared", seconds=10),
    Case("6-patience-option-400-digits", lambda c: ["run", c.write("spec.yaml", TINY), "--patience", "9" * 400,
                                                    "--out", c.work / "out"], 2,
         "--patience (a number of 400 digits): about 10^399 epochs is more than any run can use", seconds=5),
    Case("6-patience-option-over-the-limit", lambda c: ["run", c.write("spec.yaml", TINY), "--patience", "5000",
                                                        "--out", c.work / "out"], 2,
         "--patience 5000: 5,000 epochs is more than the 2,000 allowed", seconds=5),
    Case("6-patience-in-spec", spec_case("name: p\ntraining: {early_stopping: {patience: 99999999}}\n", "run"), 2,
         "training.early_stopping.patience: 99,999,999 epochs is more than any run can use", seconds=5),
    Case("6-min-delta-in-spec", spec_case("name: p\ntraining: {early_stopping: {min_delta: 1.0e+300}}\n", "run"),
         2, "training.early_stopping.min_delta: 1e+300 is more than any loss or accuracy changes by", seconds=5),
    Case("6-run-json-problem-in-labreport-s-template", tampered(_set("dataset.important_windows", [])), 2,
         ["run.json: a value has a form that labreport's own template cannot show"]),
    Case("6-data-root-not-a-folder", lambda c: ["batch", "--check", c.write("spec.yaml", TINY), "--data-root",
                                                c.work / "gone", "--out", c.work / "out"], 2,
         "--data-root", seconds=5),
]


def _planted_lock(ctx: Ctx, plant: Callable[[Path], None]) -> list:
    """`run` into a run folder whose .labreport.lock was planted (a link out, a FIFO, a folder, a loop)."""
    spec = ctx.write("spec.yaml", TINY)
    run = ctx.work / "out" / "hostile"
    run.mkdir(parents=True)
    plant(run / ".labreport.lock")
    ctx.allowed.append(ctx.work / "out")
    ctx.guarded.append(ctx.secret)
    return ["run", spec, "--out", ctx.work / "out"]


def _linked_config(ctx: Ctx) -> Path:
    config = ctx.outside / "config.yaml"
    config.write_text(f"API_TOKEN: {SECRET}\nDB_PASSWORD: {SECRET}\n")
    return _link_at(ctx.work / "spec.yaml", config)


def _link_at(link: Path, target: Path) -> Path:
    link.symlink_to(target)
    return link


def _raw_spec(ctx: Ctx, data: bytes) -> Path:
    path = ctx.work / "spec.yaml"
    path.write_bytes(data)
    return path


def _template_spec(ctx: Ctx, *, template: Path | None = None, template_dir: Path | None = None) -> Path:
    report = {key: str(value) for key, value in (("template", template), ("template_dir", template_dir)) if value}
    return ctx.write("spec.yaml", TINY + f"report: {json.dumps(report)}\n")


def _course(ctx: Ctx, make: Callable[[Path], None]) -> Path:
    folder = ctx.work / "course"
    folder.mkdir()
    make(folder)
    return folder


def _saved_batch(ctx: Ctx, options: list, *, name: str = "hostile", plant: Callable[[Path], None] | None = None,
                 previous: dict | None = None, change: Callable[[dict], None] | None = None) -> list:
    """`batch SPEC OPTIONS` over a saved run of the spec (the fixture record, stamped with the spec's training
    fingerprint: the spec needs only rendering, and nothing trains)."""
    spec = ctx.write("spec.yaml", TINY.replace("name: hostile", f"name: {name}"))
    run = saved_run(spec, ctx.work / "out", change=change)
    if previous is not None:
        (run / "previous_test.json").write_text(json.dumps({"format": 1, "test": previous}))
    if plant is not None:
        plant(run)
    ctx.allowed.append(ctx.work / "out")
    return ["batch", spec, *options, "--out", ctx.work / "out"]


def saved_run(spec: Path, out: Path, *, change: Callable[[dict], None] | None = None) -> Path:
    """OUT/<name>/run.json: the fixture record with the spec's name and training fingerprint."""
    from labreport.fingerprint import training_fingerprint
    from labreport.spec import load_spec

    loaded = load_spec(spec)
    record = json.loads(FIXTURE_RUN.read_text())
    record["fingerprint"] = training_fingerprint(loaded).sha256
    record["experiment"] = record["spec"]["name"] = loaded.name
    if change is not None:
        change(record)
    run = out / loaded.name
    run.mkdir(parents=True, exist_ok=True)
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return run


def _linked_template(ctx: Ctx) -> Path:
    folder = ctx.work / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / "mine.html.j2").symlink_to(ctx.outside / "evil.html.j2")
    return folder / "mine.html.j2"


def _with_report(ctx: Ctx, **fields) -> dict:
    record = ctx.record()
    record["spec"]["report"].update(fields)
    return record


def _loop(ctx: Ctx, name: str) -> Path:
    (ctx.work / f"{name}.b").symlink_to(ctx.work / name)
    (ctx.work / name).symlink_to(ctx.work / f"{name}.b")
    return ctx.work / name


def _raw_record(ctx: Ctx, text: str) -> Path:
    run = ctx.run_dir()
    (run / "run.json").write_text(text)
    return run


def _files_text(root: Path) -> str:
    """The text of every file under ``root`` (what a leak would be written into)."""
    parts = []
    for path in Path(root).rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 50_000_000:
            parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _case_folders(case: Case, tmp_path, monkeypatch) -> Ctx:
    """A case's work folder (the current folder), the folder outside it with the secret, its environment and patches."""
    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    secret = outside / "secret.env"
    secret.write_text(f"{SECRET}\n")
    ctx = Ctx(work=work, outside=outside, secret=secret)
    monkeypatch.chdir(work)
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    for target, value in case.patch.items():
        module, attr = target.split(":")
        monkeypatch.setattr(f"{module}.{attr}", value)
    return ctx


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(case: Case, tmp_path, monkeypatch):
    ctx = _case_folders(case, tmp_path, monkeypatch)
    work, outside = ctx.work, ctx.outside
    args = case.build(ctx)
    guarded = {path: path.read_bytes() for path in ctx.guarded}
    outside_before = tree(outside)

    with nothing_written(work, except_under=ctx.allowed[0] if ctx.allowed else None):
        started = time.perf_counter()
        result = invoke(*args)
        seconds = time.perf_counter() - started

    # the exit code and the message
    if case.code == 0:
        assert result.exit_code == 0, result.output
        output = result.output
    else:
        output = assert_clean_failure(result, case.code) if not args[0] == "batch" or case.code == 2 else result.output
        assert result.exit_code == case.code, output
        assert "Traceback" not in output
    for fragment in [case.message] if isinstance(case.message, str) else case.message:
        assert fragment in output, output
    assert len(output) < 5000, "the message is not one short paragraph"
    # no leak: not in the output, not in anything written
    assert SECRET not in output
    assert "root:x:0:0" not in output
    for allowed in ctx.allowed:  # what the command wrote (the inputs elsewhere in work may hold the secret)
        written = _files_text(allowed)
        assert SECRET not in written and "root:x:0:0" not in written
    # nothing written outside; what a link pointed at is unchanged
    assert tree(outside) == outside_before
    for path, content in guarded.items():
        assert path.read_bytes() == content
    # bounded: wall time (a hang uses no CPU), allowing for a machine busy with other work
    slack = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    assert seconds < case.seconds * slack, f"took {seconds:.1f} s (bound {case.seconds} s x load {slack:.1f})"
    for allowed in ctx.allowed:
        leftovers = [p for p in tree(allowed) if p.endswith(".tmp")]
        assert not leftovers, leftovers


def test_a_reserved_windows_name_with_an_extension_is_changed(tmp_path):
    from labreport.batch import read_roster

    roster = tmp_path / "roster.csv"
    roster.write_text("student_name,enrolment_no\nA,nul.txt\nB,CON\nC,com1.x.y\nD,nullable\n")
    stems = [row.stem for row in read_roster(roster)]
    assert stems == ["nul_.txt", "CON_", "com1_.x.y", "nullable"]


def test_the_catalogue_covers_every_class():
    classes = {case.id.split("-")[0] for case in CASES}
    assert classes == {"1", "2", "3", "4", "5", "6"}
    assert len({case.id for case in CASES}) == len(CASES)


def test_the_docs_state_the_limits_the_code_applies():
    from labreport.batch import ROSTER_CONFIRM_PDFS
    from labreport.record import MAX_CLASSES, MAX_EPOCHS
    from labreport.spec import LARGE_RUNS_VARIABLE, SPEC_LIMITS

    docs = Path(__file__).resolve().parents[1] / "docs"
    section = (docs / "reference" / "limits.md").read_text(encoding="utf-8")  # generated by docs/generate.py
    security = (docs / "explanation" / "security.md").read_text(encoding="utf-8")
    for key, (limit, _, _) in SPEC_LIMITS.items():
        assert f"{limit:,}" in section, f"docs/reference/limits.md does not state the limit on {key} ({limit:,})"
    for limit in (MAX_EPOCHS, MAX_CLASSES, ROSTER_CONFIRM_PDFS):
        assert f"{limit:,}" in section
    assert LARGE_RUNS_VARIABLE in section and "--yes" in section and "--template" in security
    assert "reference/limits.md" in security


# --------------------------------------------------------------------------- validate refuses what run, render and export refuse

# Options `validate` does not have: a case refused for one of them is not the spec's to validate.
_RUN_ONLY_OPTIONS = ("--epochs", "--data", "--patience", "--template", "--template-dir")


def _spec_refusals() -> list[Case]:
    return [case for case in CASES if case.code != 0 and case.id not in _NOT_THE_SPEC]


# Cases where run refuses the run folder, not the spec (a planted lock or checkpoint link): validate has no folder.
_NOT_THE_SPEC = {"3-checkpoint-symlink-out", "3-lock-is-a-link-out", "3-lock-is-a-dangling-link-out",
                 "3-lock-is-a-fifo", "3-lock-is-a-folder", "3-lock-is-a-link-loop"}


@pytest.mark.parametrize("case", _spec_refusals(), ids=[case.id for case in _spec_refusals()])
def test_validate_refuses_what_run_render_and_export_refuse_with_the_same_message(case: Case, tmp_path, monkeypatch):
    ctx = _case_folders(case, tmp_path, monkeypatch)
    args = [str(arg) for arg in case.build(ctx)]
    if args[0] not in ("run", "render", "export") or any(option in args for option in _RUN_ONLY_OPTIONS):
        pytest.skip("not a spec refused by run, render or export")
    spec = Path(args[1])
    if not (spec.suffix in (".yaml", ".yml") or str(spec).startswith("/dev/")) or spec.is_dir():
        pytest.skip("a run folder, not a spec")
    refused = invoke(*args)
    validated = invoke("validate", spec)
    assert refused.exit_code == case.code and validated.exit_code == 2, (refused.output, validated.output)
    assert validated.output.strip() == refused.output.strip(), "validate says something else than " + args[0]


def test_the_parity_test_covers_spec_cases_of_every_kind():
    ids = {case.id for case in _spec_refusals()}
    assert {"5-del-byte-in-spec", "2-one-line-txt-named-as-csv", "4-template-fifo-render-spec",
            "6-patience-in-spec", "6-min-delta-in-spec", "5-lone-surrogate-in-spec", "4-data-fifo"} <= ids


# --------------------------------------------------------------------------- batch: the local pool and Dask alike

distributed_installed = True
try:
    import distributed  # noqa: F401
except ImportError:
    distributed_installed = False


@pytest.fixture(scope="module")
def dask_scheduler():
    """A Dask LocalCluster (two single-threaded workers on loopback), as `--cluster local --jobs 2` starts."""
    if not distributed_installed:
        pytest.skip("Dask's distributed scheduler is the [dask] extra")
    import logging

    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as local:
        yield local.scheduler_address


def _course_template(ctx: Ctx, specs: Path) -> None:
    """A course folder beside the specs whose exp13 report links to a template file outside."""
    (ctx.outside / "evil.html.j2").write_text(page(SECRET))
    folder = specs / "course" / "formats" / "exp13"
    folder.mkdir(parents=True)
    (folder / "report.html.j2").symlink_to(ctx.outside / "evil.html.j2")


def _batch_lock_link(ctx: Ctx, specs: Path, out: Path) -> dict:
    spec = specs / "s.yaml"
    spec.write_text(TINY)
    run = saved_run(spec, out)
    (run / ".labreport.lock").symlink_to(ctx.secret)
    return {"code": 1, "reason": "the output folder's lock file is a symbolic link"}


def _batch_lock_fifo(ctx: Ctx, specs: Path, out: Path) -> dict:
    spec = specs / "s.yaml"
    spec.write_text(TINY)
    os.mkfifo(saved_run(spec, out) / ".labreport.lock")
    return {"code": 1, "reason": "the output folder's lock file is a FIFO"}


def _batch_course_link(ctx: Ctx, specs: Path, out: Path) -> dict:
    _course_template(ctx, specs)
    spec = specs / "s.yaml"
    spec.write_text(TINY + "report: {template_dir: course}\n")
    saved_run(spec, out)
    return {"code": 1, "reason": "outside the template folder"}


def _batch_spec_link(ctx: Ctx, specs: Path, out: Path) -> dict:
    config = ctx.outside / "config.yaml"
    config.write_text(f"name: leak\nAPI_TOKEN: {SECRET}\n")
    (specs / "s.yaml").symlink_to(config)
    return {"code": 1, "reason": "a symbolic link: it leads to"}


def _batch_data_outside(ctx: Ctx, specs: Path, out: Path) -> dict:
    data = ctx.outside / "grades.csv"
    data.write_text(f"review,sentiment\n{SECRET},a\n{SECRET},b\n")
    (specs / "s.yaml").write_text(TINY.replace("name: hostile", f"name: hostile\ndataset: {{source: csv, "
                                                                 f"path: '{data}'}}"))
    return {"code": 1, "reason": "lies outside the spec's folder and the --data-root folders"}


def _batch_text_folder_link_out(ctx: Ctx, specs: Path, out: Path) -> dict:
    for split in ("train", "test"):
        for label in ("neg", "pos"):
            folder = specs / "texts" / split / label
            folder.mkdir(parents=True)
            (folder / "1.txt").write_text("a short text")
    (specs / "texts" / "train" / "pos" / "2.txt").symlink_to(ctx.secret)
    (specs / "s.yaml").write_text(TINY.replace("name: hostile", "name: hostile\ndataset: {source: text-folder, "
                                                                 "path: texts}"))
    return {"code": 1, "reason": "lies outside the spec's folder and the --data-root folders"}


def _batch_template_link_out(ctx: Ctx, specs: Path, out: Path) -> dict:
    (ctx.outside / "evil.html.j2").write_text(page(SECRET))
    (specs / "mine.html.j2").symlink_to(ctx.outside / "evil.html.j2")
    spec = specs / "s.yaml"
    spec.write_text(TINY + "report: {template: mine.html.j2}\n")
    saved_run(spec, out)
    return {"code": 1, "reason": "outside the template's folder"}


BATCH_CASES = {
    "3-batch-lock-is-a-link-out": _batch_lock_link,
    "3-batch-lock-is-a-fifo": _batch_lock_fifo,
    "2-batch-course-template-links-out": _batch_course_link,
    "2-batch-template-links-out": _batch_template_link_out,
    "2-batch-spec-links-to-a-config": _batch_spec_link,
    "2-batch-data-outside-the-roots": _batch_data_outside,
    "2-batch-text-folder-links-out": _batch_text_folder_link_out,
}


# The two lock cases reach the batch's workers: on Dask about 40 s each, so there they are in the slow tier
# (on the local pool, and every case on Dask, in the default tier).
_SLOW_ON_DASK = {"3-batch-lock-is-a-link-out", "3-batch-lock-is-a-fifo"}


@pytest.mark.parametrize("name, executor", [
    pytest.param(name, executor, id=f"{name}-{executor}",
                 marks=[pytest.mark.slow] if executor == "dask" and name in _SLOW_ON_DASK else [])
    for name in BATCH_CASES for executor in ("pool", "dask")])
def test_hostile_batch_on_every_executor(name, executor, tmp_path, monkeypatch, request):
    work, outside = tmp_path / "work", tmp_path / "outside"
    specs, out = work / "specs", work / "out"
    for folder in (work, outside, specs):
        folder.mkdir()
    secret = outside / "secret.env"
    secret.write_text(f"{SECRET}\n")
    monkeypatch.chdir(work)
    ctx = Ctx(work=work, outside=outside, secret=secret)
    expected = BATCH_CASES[name](ctx, specs, out)
    options = ["--scheduler", request.getfixturevalue("dask_scheduler")] if executor == "dask" else []
    before = tree(outside)
    secret_bytes = secret.read_bytes()

    started = time.perf_counter()
    result = invoke("batch", specs, "--out", out, *options)
    seconds = time.perf_counter() - started

    assert result.exit_code == expected["code"], result.output
    assert "Traceback" not in result.output
    reports = json.loads((out / "index.json").read_text(encoding="utf-8"))["reports"]
    assert len(reports) == 1 and reports[0]["status"] == "failed", reports
    assert expected["reason"] in reports[0]["reason"], reports[0]["reason"]
    assert SECRET not in result.output and SECRET not in _files_text(out)
    assert tree(outside) == before and secret.read_bytes() == secret_bytes
    slack = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    assert seconds < 60 * slack, f"took {seconds:.1f} s"


def test_a_data_root_lets_a_batch_read_a_shared_file(tmp_path):
    shared, specs = tmp_path / "shared", tmp_path / "specs"
    shared.mkdir()
    specs.mkdir()
    (shared / "reviews.csv").write_text("review,sentiment\ngood,pos\nbad,neg\n")
    (specs / "s.yaml").write_text(TINY.replace("name: hostile", "name: hostile\ndataset: {source: csv, "
                                                                 "path: ../shared/reviews.csv}"))
    refused = invoke("batch", "--check", specs, "--out", tmp_path / "out")
    assert "lies outside the spec's folder and the --data-root folders" in refused.output
    assert "--data-root DIR" in refused.output
    allowed = invoke("batch", "--check", specs, "--out", tmp_path / "out", "--data-root", shared)
    assert "not run yet" in allowed.output and "outside" not in allowed.output
    # a student's own run is not restricted: validate (what run checks first) accepts the spec
    assert invoke("validate", specs / "s.yaml").exit_code == 0


def test_the_dask_client_ships_a_template_folder_only_as_the_local_pool_reads_it(tmp_path):
    """The one containment function: what the Dask client would ship is what the local loader may read."""
    from labreport.batch.dask_cluster import _read_input
    from labreport.errors import DataError

    course = tmp_path / "course"
    (course / "formats" / "exp13").mkdir(parents=True)
    (course / "phrases.html.j2").write_text("{# phrases #}")
    (course / "notes.txt").write_text(SECRET)  # never loaded by a template, so never sent
    (course / ".git").mkdir()
    (course / ".git" / "config.css").write_text(SECRET)
    shipped = _read_input(course, "report.template_dir", tmp_path / "s.yaml")
    assert shipped == {"phrases.html.j2": b"{# phrases #}"}
    (tmp_path / "secret.html.j2").write_text(SECRET)
    (course / "formats" / "exp13" / "report.html.j2").symlink_to(tmp_path / "secret.html.j2")
    with pytest.raises(DataError, match="formats/exp13/report.html.j2: it leads to .*outside the template folder"):
        _read_input(course, "report.template_dir", tmp_path / "s.yaml")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "mine.html.j2").symlink_to("/etc/passwd")
    with pytest.raises(DataError, match="it leads to /etc/passwd"):
        _read_input(tmp_path / "t" / "mine.html.j2", "report.template", tmp_path / "s.yaml")


def test_the_fingerprint_reads_templates_within_bounds(tmp_path):
    from labreport.report.sections import report_fingerprint

    fifo = tmp_path / "t.html.j2"
    os.mkfifo(fifo)
    started = time.perf_counter()
    report_fingerprint({"report": {"template": str(fifo)}})
    report_fingerprint({"report": {"template": "/dev/zero"}})
    report_fingerprint({"report": {"template_dir": "/usr"}})
    assert time.perf_counter() - started < 5


# --------------------------------------------------------------------------- bounded figures; the markdown summary


def test_a_figure_draws_a_bounded_number_of_panels_and_says_so(tmp_path):
    from labreport.report.figures import MAX_GATE_PANELS, batch_figure, gates_figure
    from test_figure_display import words

    record = json.loads((FIXTURE_RUN.parent / "baseline_wins.json").read_text())
    gates = record["diagnostics"]["gates"]
    # 1,002 sequences of 1,002 classes (the figure shows one per class, so each is a panel it could draw)
    sequences = [{**sequence, "label": f"class {i}"} for i, sequence in enumerate(gates["sequences"] * 334)]
    gates = {**gates, "sequences": sequences, "figure_sequences": None}
    started = time.perf_counter()
    figure = gates_figure(tmp_path / "figures" / "gates.png", gates=gates)
    assert f"The first {MAX_GATE_PANELS} of the 1,002 sequences run.json lists are shown." in words(figure)
    drawn = batch_figure(tmp_path / "figures" / "batches.png", weight=0.6,
                         batch_history={"loss": [0.5] * 20_000, "accuracy": [0.5] * 20_000, "epoch": list(range(20_000))})
    assert "The 20,000 epochs' ends are not marked (more than 300)." in words(drawn)
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize("text", ["www.evil.com", "see http://evil.example/x now", "HTTPS://A.B", "mail a@b.co",
                                  "x(www.a.org)", "mailto:a", "ftp://h/p|q"])
def test_the_markdown_summary_links_nothing(text):
    import re

    from labreport.batch.summary import _cell

    cell = _cell(text)
    outside_code = re.sub(r"`[^`]*`", "", cell)
    assert not re.search(r"(?i)www\.|://|@|mailto:", outside_code), cell
    assert "|" not in cell.replace("\\|", "")
