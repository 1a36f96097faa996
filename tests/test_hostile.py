"""Hostile input through the command line: YAML tags, markup and template code in spec
strings, sandbox escapes and file or network access from custom templates, and
experiment names that try to leave the output folder.

No training: the hostile strings go through the spec's validation into a fixture run record
(tests/fixtures/runs/too_few_epochs.json), which `labreport render` turns into the report, as
`labreport run` does after training; the template cases render copies of it.  The catalogue of
hostile inputs by class is tests/test_hostile_inputs.py.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from cli_checks import assert_clean_failure, invoke, no_temp_files, nothing_written

HOSTILE = {
    "student_name": "<script>alert(1)</script>",
    "university": '<img src="file:///etc/passwd">',
    "subject": "</style><b>bold</b>",
    "description": "{{ 7*7 }} and {{ record.__class__ }}",
    "notes": '{% include "/etc/passwd" %}',
}


def hostile_spec() -> dict:
    return {
        "name": "hostile",
        "description": HOSTILE["description"],
        "header": {"student_name": HOSTILE["student_name"], "university": HOSTILE["university"],
                   "subject": HOSTILE["subject"]},
        "dataset": {"source": "generated", "n_train": 200, "n_test": 50, "sequence_length": 12},
        "model": {"embedding": {"output_dim": 4}, "recurrent": [{"cell": "lstm", "units": 4}], "compare": []},
        "training": {"batch_size": 32, "epochs": 1, "learning_rate": 0.01},
        "report": {"notes": HOSTILE["notes"]},
    }


FIXTURE_RUN = Path(__file__).parent / "fixtures" / "runs" / "too_few_epochs.json"


@pytest.fixture(scope="module")
def hostile_record(tmp_path_factory) -> Path:
    """A run folder holding only run.json: a fixture record with the hostile spec's report fields."""
    from labreport.spec import validate_spec

    spec = yaml.safe_load(yaml.safe_dump(hostile_spec(), sort_keys=False))  # the strings through YAML
    fields = validate_spec(spec).report_fields()  # and through the spec's validation, as `run` takes them
    record = json.loads(FIXTURE_RUN.read_text(encoding="utf-8"))
    record["spec"].update(fields)
    record["experiment"], record["description"] = fields["name"], fields["description"]
    run_dir = tmp_path_factory.mktemp("hostile_record") / "hostile"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return run_dir


@pytest.fixture(scope="module")
def hostile_html(hostile_record, tmp_path_factory) -> Path:
    """The run folder with its report.html and figures (no PDF)."""
    from labreport.report import render_report

    run_dir = tmp_path_factory.mktemp("hostile_html") / "hostile"
    shutil.copytree(hostile_record, run_dir)
    render_report(run_dir, pdf=False)
    return run_dir


@pytest.fixture(scope="module")
def hostile_run(hostile_record, tmp_path_factory) -> Path:
    """The run folder rendered by `labreport render`, report.pdf included."""
    workdir = tmp_path_factory.mktemp("hostile")
    run_dir = workdir / "out" / "hostile"
    shutil.copytree(hostile_record, run_dir)
    with nothing_written(workdir, except_under=run_dir):
        result = invoke("render", run_dir)
    assert result.exit_code == 0, result.output
    return run_dir


def squeezed(text: str) -> str:
    """Text without whitespace: PDF text extraction breaks lines where the layout did."""
    return "".join(text.split())


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


# --------------------------------------------------------------------------- YAML


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['touch pwned']",
    "!!python/object/new:os.system ['touch pwned']",
    "!!python/name:os.system",
])
def test_python_tags_are_refused_and_never_run(tmp_path, monkeypatch, tag):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(f"name: {tag}\n")
    with nothing_written(tmp_path):
        result = invoke("run", "spec.yaml", "--out", "out")
    output = assert_clean_failure(result, 2)
    assert output.startswith("Error: spec.yaml: YAML error at line 1, column 7: could not determine a constructor")
    assert output.endswith("; tags that build Python objects are not allowed in a spec\n")
    assert not (tmp_path / "pwned").exists()


# --------------------------------------------------------------------------- spec strings are data


def test_spec_strings_are_escaped_in_the_html(hostile_html):
    html = (hostile_html / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<img src=\"file:///etc/passwd\"" not in html
    assert "&lt;/style&gt;&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


def test_spec_text_is_never_compiled_as_a_template(hostile_html):
    html = (hostile_html / "report.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }} and {{ record.__class__ }}" in html
    assert "{% include &#34;/etc/passwd&#34; %}" in html
    assert "root:x:0:0" not in html
    assert "&lt;class" not in html and "<class" not in html


def test_spec_strings_appear_literally_in_the_pdf(hostile_run):
    text = squeezed(pdf_text(hostile_run / "report.pdf"))
    for value in HOSTILE.values():
        assert squeezed(value) in text, value
    assert "root:x:0:0" not in text


# --------------------------------------------------------------------------- custom templates


@pytest.fixture
def render_copy(hostile_html, tmp_path):
    """A copy of the run at tmp_path/a/b/run, without its report, and a template folder beside it.

    Returns ``render(template_source) -> (result, run_dir)``, rendering the copy with
    ``--template`` naming a file holding ``template_source`` (a template named only
    in run.json is refused: see test_hostile_inputs.py).
    """
    run_dir = tmp_path / "a" / "b" / "run"
    shutil.copytree(hostile_html, run_dir)
    (run_dir / "report.html").unlink()
    template_dir = tmp_path / "tpl"
    template_dir.mkdir()

    def render(source: str):
        template = template_dir / "mine.html.j2"
        template.write_text(source, encoding="utf-8")
        with nothing_written(tmp_path, except_under=run_dir):
            result = invoke("render", run_dir, "--template", template)
        return result, run_dir

    render.template_dir = template_dir
    render.run_dir = run_dir
    return render


def page(body: str) -> str:
    return '{% extends "base.html.j2" %}{% block content %}' + body + "{% endblock %}"


@pytest.fixture
def no_network(monkeypatch):
    """Fail any connection or name lookup; returns the list of attempts (must stay empty)."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_a_benign_custom_template_renders(render_copy):
    # The control for the refusals below: the same setup succeeds without them.
    result, run_dir = render_copy(page('<p>Mine</p><img src="figures/accuracy.png" alt="acc">'))
    assert result.exit_code == 0, result.output
    assert (run_dir / "report.pdf").is_file()
    assert "Mine" in pdf_text(run_dir / "report.pdf")


@pytest.mark.parametrize("expression", [
    "''.__class__.__mro__",
    "record.__class__",
    "lipsum.__globals__",
    "cycler.__init__.__globals__",
    "().__class__.__base__.__subclasses__()",
])
def test_the_sandbox_refuses_attribute_escapes(render_copy, expression):
    result, run_dir = render_copy(page("\n{{ " + expression + " }}"))
    output = assert_clean_failure(result, 1)
    assert output.startswith(f"Error: {render_copy.template_dir / 'mine.html.j2'}, line 2: refused by the sandbox: ")
    assert "is unsafe" in output
    assert not (run_dir / "report.pdf").exists() and not (run_dir / "report.html").exists()


def test_a_runtime_error_in_a_custom_template_names_its_line(render_copy):
    result, _ = render_copy(page("\n\n{{ 1 / 0 }}"))
    assert assert_clean_failure(result, 1) == (
        f"Error: {render_copy.template_dir / 'mine.html.j2'}, line 3: template error: division by zero\n"
        "Fix the template, then write the report again with `labreport render RUN_DIR`.\n")


def test_a_syntax_error_in_a_custom_template_names_its_line(render_copy):
    result, _ = render_copy(page("\n{{ 1 + }}"))
    assert assert_clean_failure(result, 1) == (
        f"Error: {render_copy.template_dir / 'mine.html.j2'}, line 2: "
        "template syntax error: unexpected 'end of print statement'\n")


@pytest.mark.parametrize("name", ["/etc/passwd", "secret.txt", ".hidden.html.j2"])
def test_templates_cannot_include_other_files(render_copy, name):
    (render_copy.template_dir / "secret.txt").write_text("SECRET")
    (render_copy.template_dir / ".hidden.html.j2").write_text("SECRET")
    result, run_dir = render_copy(page('{% include "' + name + '" %}'))
    output = assert_clean_failure(result, 1)
    assert f"refused to load '{name}'" in output
    assert not (run_dir / "report.pdf").exists()


def _tag(kind: str, url: str) -> str:
    if kind == "img":
        return f'<img src="{url}" alt="x">'
    if kind == "stylesheet":
        return f'<link rel="stylesheet" href="{url}">'
    return f'<a rel="attachment" href="{url}">attached</a>'


OUTSIDE = "outside the run's figures and the template folders"
ATTACH = "a report never embeds attachments"
NOT_LOCAL = "only files inside the report folders are read"


@pytest.mark.parametrize("kind,url,refusal", [
    ("img", "file:///etc/passwd", f"refused to read /etc/passwd: {OUTSIDE}"),
    ("stylesheet", "file:///etc/passwd", f"refused to read /etc/passwd: {OUTSIDE}"),
    ("attachment", "file:///etc/passwd", f"refused to attach file:///etc/passwd: {ATTACH}"),
    ("img", "/dev/urandom", f"refused to read /dev/urandom: {OUTSIDE}"),
    ("stylesheet", "../../something.png", "refused to read {tmp}/a/something.png: " + OUTSIDE),
    ("img", "../../something.png", "refused to read {tmp}/a/something.png: " + OUTSIDE),
    ("img", "http://example.com/x.png", f"refused to fetch http://example.com/x.png: {NOT_LOCAL}"),
    ("stylesheet", "https://example.com/x.css", f"refused to fetch https://example.com/x.css: {NOT_LOCAL}"),
    ("attachment", "ftp://example.com/x", f"refused to attach ftp://example.com/x: {ATTACH}"),
    ("img", "//example.com/x.png", f"refused to read /x.png: {OUTSIDE}"),
], ids=lambda value: value if value in ("img", "stylesheet", "attachment") else None)
def test_resources_outside_the_report_folders_are_refused(render_copy, no_network, tmp_path, kind, url, refusal):
    # ../../something.png exists and is a real image: only the refusal can stop it.
    shutil.copy(render_copy.run_dir / "figures" / "accuracy.png", tmp_path / "a" / "something.png")
    result, run_dir = render_copy(page(_tag(kind, url)))
    hint = ('Remove rel="attachment" from the template; link to the file instead.' if kind == "attachment" else
            "Reports may only use files inside the run folder and the template folders.")
    assert assert_clean_failure(result, 1) == f"Error: Rendering stopped: {refusal.format(tmp=tmp_path)}\n{hint}\n"
    assert no_network == []
    assert not (run_dir / "report.pdf").exists() and not (run_dir / "report.html").exists()
    assert no_temp_files(run_dir) == []


def test_a_symbolic_link_cannot_lead_outside(render_copy):
    (render_copy.run_dir / "style.css").symlink_to("/etc/passwd")
    result, run_dir = render_copy(page(_tag("stylesheet", "style.css")))
    assert f"refused to read /etc/passwd: {OUTSIDE}" in assert_clean_failure(result, 1)
    assert not (run_dir / "report.pdf").exists()


def test_hidden_files_in_the_template_folder_are_refused(render_copy):
    hidden = render_copy.template_dir / ".ssh"
    hidden.mkdir()
    (hidden / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----")
    result, run_dir = render_copy(page(_tag("img", f"file://{hidden / 'id_rsa'}")))
    assert f"refused to read {hidden / 'id_rsa'}: a hidden file or folder" in assert_clean_failure(result, 1)
    assert not (run_dir / "report.pdf").exists()


# --------------------------------------------------------------------------- the experiment name


@pytest.mark.parametrize("name", [
    "../escape", "../../etc", "/tmp/absolute", "a/b", "..", ".hidden", '"nul\\0byte"', "x" * 81, "y" * 300,
])
def test_the_experiment_name_cannot_leave_the_output_folder(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(f"name: {name}\n")
    with nothing_written(tmp_path):
        result = invoke("run", "spec.yaml", "--out", "out")
    output = assert_clean_failure(result, 2)
    assert output.startswith("Error: spec.yaml: name: must be 1-80 letters, digits, '_', '-' or '.', "
                             "starting with a letter or digit (got ")


def test_spec_strings_and_messages_are_escaped_on_the_course_page(tmp_path):
    """`labreport batch`'s OUT/index.html: a saved run whose spec holds the hostile strings, and a spec whose
    failure message quotes one; neither is markup or template code on the page, and index.json keeps them."""
    from course_batch import save_fixture_run

    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    save_fixture_run(out, specs, "hostile", "too_few_epochs", fields={
        "description": HOSTILE["description"] + " " + HOSTILE["notes"],
        "header": {"student_name": HOSTILE["student_name"], "university": HOSTILE["university"]}})
    (specs / "bad.yaml").write_text(yaml.safe_dump({"name": "bad", "training": {"epochs": HOSTILE["subject"]}}))
    result = invoke("batch", specs, "--out", out)
    assert result.exit_code == 1, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    for raw in ("<script>alert(1)", "<img src=", "</style><b>", "<b>bold</b>"):
        assert raw not in page
    assert "{{ 7*7 }} and {{ record.__class__ }} {% include &#34;/etc/passwd&#34; %}" in page  # shown, never run
    assert "&lt;/style&gt;&lt;b&gt;bold&lt;/b&gt;" in page  # the failure message quoting the bad value
    reports = {r["experiment"]: r for r in json.loads((out / "index.json").read_text(encoding="utf-8"))["reports"]}
    assert reports["hostile"]["description"] == HOSTILE["description"] + " " + HOSTILE["notes"]
    assert HOSTILE["subject"] in reports["bad"]["reason"]
