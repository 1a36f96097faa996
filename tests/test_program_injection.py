"""No text from a spec or run.json becomes code in the exported program (program.py / program.ipynb).

Checked here without labreport's own shape check (labreport.export.shape) doing the judging: each
hostile program is compared with the program of a benign spec of the same source, token by token
(every token but comments and literals must be the same, in the same cells), and the notebook's
markdown must hold no Markdown or HTML that a spec wrote.  Property tests put every line and
paragraph separator Python or Jupyter knows, cell markers, quotes and Markdown into every string
key of every data source's spec, for the Keras and the PyTorch program, as .py and as .ipynb.
"""

from __future__ import annotations

import io
import json
import re
import tokenize

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from labreport.errors import SpecError
from labreport.export import check_program_shape, program_notebook, program_py, render
from labreport.spec import ExperimentSpec

BASE = {
    "name": "inj",
    # Compared models: the programs' comparison (section 7, its comments and its names) is a surface too.
    "model": {"embedding": {"output_dim": 4}, "recurrent": [{"cell": "lstm", "units": 4, "forget_bias": "chrono"}],
              "compare": ["simple_rnn", {"cell": "lstm", "forget_bias": 1.0, "name": "lstm_default"}]},
    "training": {"epochs": 1, "batch_size": 32},
}
DATASETS = {
    "generated": {"source": "generated", "n_train": 100, "n_test": 50, "sequence_length": 20},
    "keras-imdb": {"source": "keras-imdb", "path": "data/imdb.npz", "limit_train": 100, "limit_test": 50},
    "csv": {"source": "csv", "path": "data/reviews.csv", "test_path": "data/test.csv", "text_column": "review",
            "label_column": "sentiment", "labels": ["neg", "pos"]},
    "text-folder": {"source": "text-folder", "path": "texts", "train_dir": "train", "test_dir": "test",
                    "class_names": ["neg", "pos"]},
    # A time series: column names, the target, the time column and the file name are the spec's text.
    "timeseries-csv": {"source": "timeseries-csv", "path": "data/series.csv", "columns": ["load", "temp"],
                       "target_column": "load", "time_column": "date", "lookback": 6, "horizon": 2, "season": 12,
                       "transform": "difference", "missing": "interpolate"},
    "timeseries-classify": {"source": "timeseries-csv", "path": "data/sensor.csv", "columns": ["acc_x", "acc_y"],
                            "task": "classify", "label_column": "activity", "window_column": "window",
                            "unequal": "pad", "missing": "drop"},
}
# The sources whose PyTorch program export refuses (tested in test_export_torch.py and test_source_timeseries.py).
TORCH_REFUSED = {"csv", "text-folder", "timeseries-csv", "timeseries-classify"}
# Everything str.splitlines() splits on, and what Python's tokenizer or a Jupyter cell splitter reads.
SEPARATORS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
PAYLOADS = ["# %%", "# %% [markdown]", "#%%", "In[1]:", "open('pwned', 'w').close()", '"""', "'''", '"', "'", "\\",
            "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[click](https://evil.example)",
            "![x](https://evil.example/x.png)", "www.evil.example", "https://evil.example", "me@evil.example",
            "$x^2$", "# heading", "* item", "\u202e", "\u2066", "\ufeff", "\x00", "\x7f", "\t", "\ud800"]
PROGRAMS = [("keras", "py"), ("keras", "ipynb"), ("torch", "py"), ("torch", "ipynb")]

hostile_text = st.lists(st.one_of(st.sampled_from(SEPARATORS), st.sampled_from(PAYLOADS),
                                  st.text(min_size=1, max_size=6)), min_size=1, max_size=8).map("".join)


def _spec(source: str, **changes) -> dict:
    data = json.loads(json.dumps({**BASE, "dataset": DATASETS[source]}))
    if source == "timeseries-csv":  # a forecast compares cells only (no variants), each worded in section 7
        data["model"]["compare"] = ["simple_rnn", "gru"]
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return ExperimentSpec.model_validate(data).model_dump(mode="json")


def _string_keys(value, path=()):
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_keys(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_keys(item, path + (index,))


def _set(spec: dict, path: tuple, value) -> dict:
    data = json.loads(json.dumps(spec))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _code_tokens(code: str) -> list[tuple[int, str]]:
    """Every token that is code: comments and literals left out (their text may differ)."""
    skipped = {tokenize.COMMENT, tokenize.STRING, tokenize.NUMBER, tokenize.NL, tokenize.NEWLINE}
    skipped |= {getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                if hasattr(tokenize, name)}
    return [(tok.type, tok.string) for tok in tokenize.generate_tokens(io.StringIO(code).readline)
            if tok.type not in skipped]


def _cells(text: str, to: str) -> list[tuple[str, str]]:
    if to == "ipynb":
        notebook = json.loads(text)
        return [(cell["cell_type"], "".join(cell["source"])) for cell in notebook["cells"]]
    return [("code", text)]


def _assert_same_program(hostile: str, benign: str, to: str) -> None:
    # No line break but "\n" anywhere: no editor, splitter or tokenizer sees a line the template did not write.
    assert len(hostile.splitlines()) == len(hostile.split("\n")) - (1 if hostile.endswith("\n") else 0)
    hostile_cells, benign_cells = _cells(hostile, to), _cells(benign, to)
    assert [kind for kind, _ in hostile_cells] == [kind for kind, _ in benign_cells]
    for (kind, text), (_, benign_text) in zip(hostile_cells, benign_cells):
        if kind == "code":
            compile(text, "<cell>", "exec")
            assert _code_tokens(text) == _code_tokens(benign_text)
            assert text.count("\n") == benign_text.count("\n")
        else:
            assert text.count("\n") == benign_text.count("\n")
            for raw in ("<", "](", "![", "https:", "www.", "@evil", "$x", "\u202e", "\ud800"):
                assert raw not in text.replace("\\<", "").replace("\\:", "").replace("\\.", "").replace("\\@", "").replace("\\$", "") \
                    or raw in benign_text, (raw, text)


def _program(spec: dict, framework: str, to: str) -> str:
    """The file as `labreport export` writes it: after labreport's own shape check."""
    return render(spec, to, framework=framework)


def _unchecked(spec: dict, framework: str, to: str) -> str:
    return (program_py if to == "py" else program_notebook)(spec, framework=framework)


@pytest.mark.parametrize("source", list(DATASETS))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_string_key_changes_the_program(source, data):
    benign = _spec(source)
    path = data.draw(st.sampled_from(sorted(_string_keys(benign), key=str)), label="key")
    text = data.draw(hostile_text, label="text")
    try:
        hostile = ExperimentSpec.model_validate(_set(benign, path, text)).model_dump(mode="json")
        # The benign twin: the same key holding as many plain letters (an empty or a longer text may
        # legitimately choose other lines, such as a description paragraph).
        benign = ExperimentSpec.model_validate(_set(benign, path, "x" * len(text))).model_dump(mode="json")
    except ValidationError:
        assume(False)  # the spec refuses this text for this key: nothing is exported
    for framework, to in PROGRAMS:
        if framework == "torch" and source in TORCH_REFUSED:
            continue  # refused by export (TextVectorization, numeric series), tested in test_export_torch.py
        _assert_same_program(_program(hostile, framework, to), _unchecked(benign, framework, to), to)


ISSUE_EXAMPLES = [
    ("generated", "description", "Lab 7\n# %%\nopen('pwned', 'w').close()\n# %% [markdown]\n# rest"),
    ("text-folder", "dataset.train_dir", "train\nopen('pwned', 'w').close()  #"),
    ("text-folder", "dataset.test_dir", "test\u2028open('pwned', 'w').close()  #"),
    ("csv", "dataset.text_column", "review\r# %%\ropen('pwned', 'w').close()"),
    ("csv", "dataset.label_column", "sentiment\x85# %%\x85open('pwned', 'w').close()"),
    ("csv", "dataset.path", "data/reviews\u2029# %%\u2029open('pwned','w').close()\u2029.csv"),
    ("generated", "description", "x\x0b# %%\x0cimport os; os.system('id')"),
    ("timeseries-csv", "dataset.target_column", "load\n# %%\nopen('pwned', 'w').close()"),
    ("timeseries-csv", "dataset.time_column", "date\u2028open('pwned', 'w').close()  #"),
    ("timeseries-csv", "dataset.path", "data/s\r# %%\ropen('pwned','w').close()\r.csv"),
    ("timeseries-csv", "description", "Sunspots\n# %% [markdown]\n<script>open('pwned', 'w').close()</script>"),
    ("timeseries-classify", "dataset.label_column", "activity\x85# %%\x85open('pwned', 'w').close()"),
    ("timeseries-classify", "dataset.window_column", "window'\"\"\"\nopen('pwned', 'w').close()"),
]


@pytest.mark.parametrize("source,key,text", ISSUE_EXAMPLES)
@pytest.mark.parametrize("framework,to", PROGRAMS)
def test_the_audits_payloads_stay_comments(source, key, text, framework, to):
    if framework == "torch" and source in TORCH_REFUSED:
        pytest.skip("the torch program refuses text sources and time series")
    hostile = _spec(source, **{key: text})
    program = _program(hostile, framework, to)
    _assert_same_program(program, _program(_spec(source, **{key: "x" * len(text)}), framework, to), to)
    # The payload's statement is nowhere a statement: every 'open(' stands in a comment or a literal.
    for _, cell in _cells(program, to):
        if cell and not cell.startswith("#") or "open(" in cell:
            try:
                tokens = list(tokenize.generate_tokens(io.StringIO(cell).readline))
            except (tokenize.TokenError, SyntaxError):
                continue  # a markdown cell
            assert not any(tok.type == tokenize.NAME and tok.string == "pwned" for tok in tokens)


def test_markdown_cells_escape_what_a_spec_writes():
    spec = _spec("generated", description="<b>bold</b> [link](https://x.example) www.x.example $x$ *em*")
    notebook = json.loads(program_notebook(spec))
    first = "".join(notebook["cells"][0]["source"])
    assert "\\<b\\>bold\\<\\/b\\>" in first or "\\<b\\>bold\\</b\\>" in first
    assert "\\[link\\]\\(https\\://x\\.example\\)" in first
    assert "www\\.x\\.example" in first and "\\$x\\$" in first and "\\*em\\*" in first
    # program.py reads the same text as plain, one-line comments
    assert "# <b>bold</b> [link](https://x.example) www.x.example $x$ *em*" in program_py(spec)


def test_literals_escape_every_unprintable_character():
    spec = _spec("csv", **{"dataset.text_column": "a\u2028b\x85c\ud800d\u202ee\"f\\g"})
    program = program_py(spec)
    assert 'header.index("a\\u2028b\\x85c\\ud800d\\u202ee\\"f\\\\g")' in program
    program.encode("utf-8")  # a lone surrogate never reaches the file


def test_a_run_json_spec_is_checked_like_a_spec_file(tmp_path):
    """`labreport export RUN_DIR` on someone else's run.json: the same literals and comments."""
    from labreport.export import write_program_files

    spec = _spec("generated", description="Lab 7\n# %%\nopen('pwned', 'w').close()")
    written = write_program_files(tmp_path, spec)
    assert [path.name for path in written] == ["program.py", "program.ipynb"]
    text = (tmp_path / "program.py").read_text()
    assert "# Lab 7 # %% open('pwned', 'w').close()" in text
    _assert_same_program(text, program_py(_spec("generated", description="x" * 39)), "py")


def test_the_shape_check_refuses_a_template_that_prints_text_as_code(monkeypatch):
    """If a template ever printed a spec string as code, the write is refused, naming the key."""
    import labreport.export as export

    real = export.program_context

    def leaky(spec, **kwargs):
        context = real(spec, **kwargs)
        # A template bug: the description printed as code, as a literal would be, but without the filter.
        context["layer_lines"] = list(context["layer_lines"]) + [export.Code(spec["description"])]
        return context

    monkeypatch.setattr(export, "program_context", leaky)
    spec = _spec("generated", description="keras.layers.Dense(1),")
    with pytest.raises(SpecError) as caught:
        check_program_shape(spec, origin="spec.yaml")
    assert "description: its text would change the structure of the exported program" in str(caught.value)


def test_text_printed_outside_a_comment_is_a_labreport_bug(monkeypatch):
    import labreport.export as export

    real = export.program_context

    def leaky(spec, **kwargs):
        context = real(spec, **kwargs)
        context["model_name"] = spec["description"]  # printed raw in code by a (hypothetical) template
        return context

    monkeypatch.setattr(export, "program_context", leaky)
    monkeypatch.setattr(export, "_ENVIRONMENT", None)
    import jinja2
    env = export._environment()
    monkeypatch.setattr(env, "filters", {**env.filters, "py": lambda value: value})  # the filter forgotten
    with pytest.raises(RuntimeError, match="prints text outside a comment"):
        program_py(_spec("generated", description="anything"))
    monkeypatch.setattr(export, "_ENVIRONMENT", None)
    assert jinja2  # the environment is rebuilt for the next test


def test_no_program_line_holds_a_separator_for_every_source():
    for source in DATASETS:
        for framework, to in PROGRAMS:
            if framework == "torch" and source in TORCH_REFUSED:
                continue
            text = _program(_spec(source, description="a\u2029b"), framework, to)
            assert not re.search("[\u2028\u2029\x85\x0b\x0c\x1c-\x1e]", text)


def test_a_compared_models_name_enters_the_program_as_a_literal_and_in_comments():
    spec = _spec("generated")  # BASE compares a SimpleRNN and an LSTM variant named lstm_default
    for framework in ("keras", "torch"):
        text = program_py(spec, framework=framework)
        assert 'results["LSTM (lstm_default)"]' in text or '"LSTM (lstm_default)": recurrent_layers(' in text
        assert "# - LSTM (lstm_default): The main model with every recurrent layer changed: forget_bias 1 instead of " \
               "chrono." in text
    with pytest.raises(ValidationError):  # a name becomes part of file names: letters, digits and '_' only
        _spec("generated", **{"model.compare": [{"cell": "lstm", "forget_bias": 1.0, "name": "x\n# %%\nimport os"}]})


@pytest.mark.parametrize("framework,to", PROGRAMS)
def test_text_inside_a_phrase_stays_text(monkeypatch, framework, to):
    """A phrase macro's words hold the values it prints (templates/program/phrases.py.j2): were a spec's text one
    of them, it would still be one line of comment or markdown text, and could not name another value's slot."""
    import labreport.export as export

    real = export.program_context
    name = {"value": ""}

    def leaky(spec, **kwargs):
        context = real(spec, **kwargs)
        context["baselines"] = [{**baseline, "name": name["value"]} for baseline in context["baselines"]]
        return context

    monkeypatch.setattr(export, "program_context", leaky)
    hostile = "v\n# %%\nopen('pwned', 'w').close()\u2028# %% [markdown]\x000\x00\x001:0\x00<b>x</b>"
    spec = _spec("generated")
    name["value"] = hostile
    program = _unchecked(spec, framework, to)
    name["value"] = "x" * len(hostile)
    _assert_same_program(program, _unchecked(spec, framework, to), to)
    text = program if to == "py" else "".join("".join(cell["source"]) for cell in json.loads(program)["cells"])
    assert "\x00" not in text and "open('pwned'" in text  # the text is there, as text
    lines = [line for line in text.split("\n") if "pwned" in line]
    assert lines and all(line.lstrip().startswith("#") or "\\(" in line or '"' in line for line in lines), lines


@pytest.mark.parametrize("source", ["timeseries-csv", "timeseries-classify"])
@pytest.mark.parametrize("to", ["py", "ipynb"])
def test_a_time_series_column_name_is_a_literal_and_one_line_of_text(source, to):
    hostile_columns = ["load\n# %%\nopen('pwned', 'w').close()", "t\u2029<img src=x onerror=alert(1)>\"'\\"]
    hostile = _spec(source, **{"dataset.columns": hostile_columns,
                               **({"dataset.target_column": hostile_columns[0]} if source == "timeseries-csv" else {})})
    benign = _spec(source, **{"dataset.columns": ["x" * len(name) for name in hostile_columns],
                              **({"dataset.target_column": "x" * len(hostile_columns[0])}
                                 if source == "timeseries-csv" else {})})
    program = _program(hostile, "keras", to)
    _assert_same_program(program, _unchecked(benign, "keras", to), to)
    code = program if to == "py" else "".join("".join(cell["source"]) for cell in json.loads(program)["cells"]
                                              if cell["cell_type"] == "code")
    # The names as one Python literal (every line or paragraph separator escaped), as JSON would write them.
    assert "COLUMNS = " + json.dumps(hostile_columns) in code
