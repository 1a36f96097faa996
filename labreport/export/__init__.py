"""The run's program, written out: a plain-Keras program.py and program.ipynb from the spec.

One source for both: ``templates/program/program.py.j2`` (with the templates each
data source declares, under ``templates/program/data/``; ``program_torch.py.j2`` for the native
PyTorch program) renders the program in the
"percent" cell format (``# %%`` code cells, ``# %% [markdown]`` text cells).
``program_cells`` splits that text into cells; ``program_py`` writes them as a
script (the markdown as comments) and ``program_notebook`` as a notebook built
with nbformat.  Everything here works on the spec as plain data (run.json's
``spec`` or a validated spec file): no Keras, no TensorFlow.  This module passes the templates
facts (numbers, names, keys) and code built from literals; every sentence of the program's
comments is a macro of ``templates/program/phrases.py.j2`` (tests/test_export_words.py keeps it so).

The data path.  The program reads the data file or folder the run read,
named once at the top as ``DATA_PATH``.  ``data_path="full"`` writes the path
the run used (program.py in the run folder, ``labreport export``: the program
runs as it is on this machine); ``data_path="name"`` writes only the file or
folder name (the report, which must not print a student's own folders).
"""

from __future__ import annotations

import io
import re
import secrets
import tokenize
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path, PurePath

from ..sources import registry
from ..cells import BASELINE_TITLES as _BASELINE_TITLES, CELL_LAYERS as _CELL_LAYERS, CELL_TITLES as _CELL_TITLES
from .code_text import Code, comment_text, markdown_text, py_literal

PROGRAM_NAME = "program.py"
NOTEBOOK_NAME = "program.ipynb"
FORMATS = ("py", "ipynb")
FRAMEWORKS = ("keras", "torch")

_MARKDOWN_HEADING = re.compile(r"^#+ ")
_CELL_MARK = re.compile(r"^# %%(?P<markdown> \[markdown\])?[ \t]*$")
# keras.optimizers.<class> for each spec name; how a report or a comment names one: templates/vocabulary.j2.
_OPTIMIZER_CLASSES = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}
_TORCH_MODULES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "RNN"}
_TEMPLATES = {"keras": "program.py.j2", "torch": "program_torch.py.j2"}


@dataclass(frozen=True)
class Cell:
    kind: str  # "code" or "markdown"
    text: str


_py = py_literal

# Text interpolated by a template is not put into the program while the template renders: each value
# becomes a slot, "\x00<nonce>:N\x00", and only after the program has been split into cells is each slot
# filled, as one line of comment or markdown text (labreport.export.code_text).  So no value can
# start a cell or a line, whatever characters it holds.  Code (literals via the `py` filter, lines
# labreport built from literals) and numbers are printed as they are.  A phrase macro's words
# (templates/program/phrases.py.j2) arrive as one value holding its own slots: it is filled as one
# text, its slots' values in it.  The nonce is drawn for each rendering, so no text from a spec can
# name a slot.
_slots: ContextVar[tuple] = ContextVar("labreport_program_slots")


def _slot_pattern(nonce: str) -> re.Pattern:
    return re.compile("\x00" + nonce + ":([0-9]+)\x00")


def _finalize(value):
    if isinstance(value, Code) or value is None or isinstance(value, (bool, int, float)):
        return value
    nonce, values = _slots.get()
    values.append(value)
    return f"\x00{nonce}:{len(values) - 1}\x00"


_ENVIRONMENT = None


def _environment():
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import jinja2

        from ..resources import templates_dir

        _ENVIRONMENT = jinja2.Environment(
            # labreport's program templates, then those of a source that brings its own (Source.templates)
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(templates_dir() / "program")),
                                        jinja2.FunctionLoader(_source_template),
                                        # vocabulary.j2: the names the reports use too
                                        jinja2.FileSystemLoader(str(templates_dir()))]),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            undefined=jinja2.StrictUndefined, autoescape=False, finalize=_finalize,
        )
        _ENVIRONMENT.filters["py"] = py_literal
        _ENVIRONMENT.filters["g"] = _general  # a number as Python's :g writes it, for comment text
        _ENVIRONMENT.filters["plural"] = _plural  # '1 epoch', '2 epochs': the noun is the template's
    return _ENVIRONMENT


def _general(value) -> str:
    return f"{value:g}"


def _plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def _source_template(name: str):
    """A program template of a source that lives outside labreport (Source.templates/program/<name>)."""
    for source in registry.sources():
        if source.templates is not None:
            path = Path(source.templates) / "program" / name
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                mtime = path.stat().st_mtime
                return text, str(path), lambda: path.is_file() and path.stat().st_mtime == mtime
    return None


def _numeric(dataset: dict) -> bool:
    """Whether the source's inputs are numeric steps (a time series), not token ids."""
    return registry.kind(dataset.get("source")) == registry.SERIES


def _forecast(dataset: dict) -> bool:
    return _numeric(dataset) and dataset.get("task") == "forecast"


def _layer_lines(model: dict, dataset: dict, training: dict, head_known: tuple | None) -> tuple[list[str], dict]:
    """The Sequential model's layers as code lines, and which helper classes they need."""
    needs = {"chrono": False, "forget_value": False}
    embedding = model.get("embedding")
    if _numeric(dataset):  # the scaled readings go straight to the recurrent layers (no embedding)
        lines = ['keras.Input(shape=(SEQUENCE_LENGTH, N_FEATURES), name="sequence"),']
    elif embedding is None:
        lines = ['keras.Input(shape=(SEQUENCE_LENGTH,), name="tokens"),']
        lines.append('keras.layers.CategoryEncoding(num_tokens=vocabulary_size, output_mode="one_hot", name="one_hot"),')
    else:
        lines = ['keras.Input(shape=(SEQUENCE_LENGTH,), name="tokens"),']
        input_dim = _py(embedding["input_dim"]) if embedding.get("input_dim") else "vocabulary_size"
        lines.append(f'keras.layers.Embedding({input_dim}, {_py(embedding["output_dim"])}, name="embedding"),')
    recurrent = model["recurrent"]
    for index, layer in enumerate(recurrent):
        cell = layer["cell"]
        name = cell if len(recurrent) == 1 else f"{cell}_{index + 1}"
        args = [_py(layer["units"])]
        if index < len(recurrent) - 1:
            args.append("return_sequences=True")  # the next recurrent layer reads the whole sequence
        if layer.get("dropout"):
            args.append(f"dropout={_py(layer['dropout'])}")
        if layer.get("recurrent_dropout"):
            args.append(f"recurrent_dropout={_py(layer['recurrent_dropout'])}")
        forget = layer.get("forget_bias", 1.0)
        if cell == "lstm" and forget == "chrono":
            needs["chrono"] = True
            args.append("unit_forget_bias=False")
            args.append(f"bias_initializer=ChronoBiasInitializer({_py(layer['units'])}, SEQUENCE_LENGTH, "
                        f"seed=SEED + {index})")
        elif cell == "lstm" and forget != 1.0:
            needs["forget_value"] = True
            args.append("unit_forget_bias=False")
            args.append(f"bias_initializer=ForgetBiasInitializer({_py(layer['units'])}, {_py(float(forget))})")
        args.append(f"name={_py(name)}")
        text = f"keras.layers.{_CELL_LAYERS[cell]}({', '.join(args)})"
        if layer.get("bidirectional"):
            text = f"keras.layers.Bidirectional({text}, name={_py('bidirectional_' + name)})"
        lines.append(text + ",")
    if head_known and activation_is_linear(head_known):
        lines.append('keras.layers.Dense(HORIZON, activation="linear", name="dense"),')
    elif head_known:
        units, activation, _ = head_known
        lines.append(f'keras.layers.Dense({units}, activation="{activation}", name="dense"),')
    else:
        lines.append('keras.layers.Dense(head_units, activation=head_activation, name="dense"),')
    return [Code(line) for line in lines], needs


def activation_is_linear(head: tuple) -> bool:
    return head[1] == "linear"


def _compared_models(spec: dict) -> list:
    """model.compare's models (spec.Baseline), from the plain spec as run.json holds it."""
    from ..spec import ModelSpec
    return ModelSpec.model_validate(spec["model"]).baselines()


def _lost_settings(model: dict, cell: str) -> list[dict]:
    """The main model's LSTM forget-gate settings that a model with ``cell`` layers cannot have (facts).

    As labreport.facts.outcome.setting_differences: 1.0 is Keras' own start, no difference."""
    lost = []
    for index, layer in enumerate(model["recurrent"]):
        forget = layer.get("forget_bias", 1.0)
        if layer["cell"] == "lstm" and cell != "lstm" and forget != 1.0:
            lost.append({"layer": index + 1, "kind": "chrono" if forget == "chrono" else "forget_bias",
                         "value": None if forget == "chrono" else float(forget)})
    return lost


def _compared_facts(model: dict, compared) -> dict:
    """What differs between the main model and a compared one: facts the program's phrases word."""
    main_layers = model["recurrent"]
    changes = []
    if compared.overrides and any(layer["cell"] != compared.cell for layer in main_layers):
        changes.append({"key": "cell", "value": compared.cell, "main": [layer["cell"] for layer in main_layers]})
    for key, value in compared.overrides.items():
        # A GRU or SimpleRNN layer has no forget gate: its forget_bias is no setting (None).
        changes.append({"key": key, "value": value,
                        "main": [None if key == "forget_bias" and layer["cell"] != "lstm" else layer.get(key)
                                 for layer in main_layers]})
    return {"name": compared.name, "cell": compared.cell, "kind": compared.kind, "changes": changes,
            "lost": _lost_settings(model, compared.cell), "stacked": len(main_layers) > 1}


def _head(spec: dict) -> tuple | None:
    """(units, activation, loss) when the classes are known from the spec alone; a forecast's linear head."""
    if _forecast(spec["dataset"]):
        # The spec's training.loss (validated: mse, mae or huber), as labreport.model.regression_head.
        return spec["dataset"].get("horizon") or 1, "linear", spec["training"].get("loss") or "mse"
    source = registry.get(spec["dataset"]["source"])
    classes = source.classes(spec["dataset"]) if source.program_knows_classes else None
    if classes is None:
        return None  # the program counts the classes it reads
    if classes == 2:
        return 1, "sigmoid", "binary_crossentropy"
    return classes, "softmax", "sparse_categorical_crossentropy"


def _data_path(dataset: dict, mode: str, key: str = "path") -> str | None:
    value = dataset.get(key)
    if not value:
        return None
    return PurePath(value).name if mode == "name" else str(value)


def _series_facts(dataset: dict) -> dict:
    """A timeseries-csv dataset's settings with the task's defaults filled in (the source's spec model's)."""
    settings = registry.get(dataset["source"]).spec_model.model_validate(dataset)
    facts = {"task": settings.task, "columns": list(settings.columns), "time_column": settings.time_column,
             "lookback": settings.window_lookback, "splits": [float(s) for s in settings.splits],
             "split_percents": [float(s) * 100 for s in settings.splits], "missing": settings.missing,
             "spacing": settings.spacing, "encoding": settings.encoding}
    if settings.task == "forecast":
        facts.update({"layout": "series", "target": settings.target, "horizon": settings.horizon or 1,
                      "one_step": (settings.horizon or 1) == 1,
                      "season": settings.season,
                      "difference": (settings.transform or "none") == "difference",
                      "numeric_columns": list(dict.fromkeys(list(settings.columns) + [settings.target]))})
    else:
        facts.update({"label_column": settings.label_column, "window_column": settings.window_column,
                      "layout": "sequences" if settings.window_column else "rows",
                      "stride": settings.stride or 1, "window_label": settings.window_label or "last",
                      "allow_label_change": bool(settings.allow_label_change),
                      "unequal": settings.unequal or "truncate",
                      "split_by": settings.split_by or ("sequence" if settings.window_column else "time"),
                      "split_seed": settings.split_seed, "numeric_columns": list(settings.columns)})
    return facts


def program_context(spec: dict, *, data_path: str = "full") -> dict:
    """The facts the program templates word and the code lines they print: names, numbers, verdict keys.

    Every sentence of the program's comments is a macro of templates/program/phrases.py.j2."""
    from .._version import __version__

    dataset, model, training = spec["dataset"], spec["model"], spec["training"]
    source = registry.get(dataset["source"])
    head = _head(spec)
    layer_lines, needs = _layer_lines(model, dataset, training, head)
    optimizer_args = [f"learning_rate={_py(training['learning_rate'])}"]
    if training.get("clipnorm"):
        optimizer_args.append(f"clipnorm={_py(training['clipnorm'])}")
    cells = [layer["cell"] for layer in model["recurrent"]]
    baselines = []
    # As labreport's training (ExperimentSpec.baselines): every recurrent layer's cell swapped (and a variant's
    # settings changed), each model built after the same seed; an LSTM's forget-gate setting goes with the LSTM cell.
    for compared in _compared_models(spec):
        swapped = {**model, "recurrent": [layer.model_dump(mode="json") for layer in compared.model.recurrent]}
        lines, baseline_needs = _layer_lines(swapped, dataset, training, head)
        needs = {key: needs[key] or baseline_needs[key] for key in needs}
        baselines.append({**_compared_facts(model, compared), "layer_lines": lines,
                          "model_name": compared.name + "_model"})
    embedding = model.get("embedding")
    numeric, forecast = _numeric(dataset), _forecast(dataset)
    return {
        # A time series (numeric inputs): its facts (_series_facts); a forecast trains and scores as
        # labreport/train/forecast.py does, a classification of windows as a token classifier does.
        "numeric_inputs": numeric, "forecast": forecast,
        "series": _series_facts(dataset) if numeric else None,
        "baseline_titles": _BASELINE_TITLES,
        "metric_expr": _py("mae" if forecast else "accuracy"),
        "spec": spec, "dataset": dataset, "model": model, "training": training, "version": __version__,
        # Each cell, optimizer and monitor is named by templates/vocabulary.j2 (cells: labreport/cells.py).
        "cell_titles": _CELL_TITLES,
        "data_imports": [Code(module) for module in source.program_imports],
        "data_template": source.program,  # data/<it>.path.py.j2 and data/<it>.py.j2
        "data_path_kind": bool(source.file_keys),
        "data_path": _data_path(dataset, data_path),
        "test_data_path": _data_path(dataset, data_path, "test_path"),
        "data_seed": dataset.get("seed") if dataset.get("seed") is not None else training["seed"],
        "has_validation": (float(dataset["splits"][1]) > 0) if numeric else training["validation_split"] > 0,
        "validation_percent": float(training["validation_split"] * 100),
        "example_tokens": 20,
        "data_name": PurePath(dataset["path"]).name if dataset.get("path") else "",
        "test_percent": float(dataset["test_fraction"] * 100) if "test_fraction" in dataset else None,
        "main_cell": cells[0],
        # The layers, as facts: the embedding's width (None: one-hot), each recurrent layer, the head's activation
        # (None: the program chooses it from the classes it reads).
        "layers": {"embedding": embedding["output_dim"] if embedding and not numeric else None,
                   "features": len(dataset["columns"]) if numeric else None,
                   "one_feature": numeric and len(dataset["columns"]) == 1,
                   "units": head[0] if head else None, "one_unit": bool(head) and head[0] == 1,
                   "recurrent": [{"cell": layer["cell"], "units": layer["units"],
                                  "bidirectional": bool(layer.get("bidirectional"))} for layer in model["recurrent"]],
                   "head": head[1] if head else None, "loss": head[2] if head else None},
        "layer_lines": layer_lines,
        "model_name": cells[0] + "_model",
        "baselines": baselines,
        "chrono": needs["chrono"], "forget_value": needs["forget_value"],
        "head_known": head is not None,
        "loss_expr": _py(head[2]) if head else Code("loss"),
        "optimizer_class": Code(_OPTIMIZER_CLASSES[training["optimizer"]]),
        "optimizer_args": Code(", ".join(optimizer_args)),
        "stopping": training.get("early_stopping"),
        # As labreport.model._jit_compile: the spec's choice on TensorFlow; JAX always compiles with XLA
        # ("auto"), its False would mean running op by op.
        # torch: never compiled (Keras' torch jit_compile would be the experimental torch.compile).
        "pad_sequences": Code("keras.utils.pad_sequences"), "get_file": Code("keras.utils.get_file"),
        "jit_compile_expr": (_py("auto") if training["backend"] == "jax" else _py(False) if training["backend"] == "torch"
                             else _py(bool(training["jit_compile"]))),
    }


def torch_refusals(spec: dict) -> list[dict]:
    """What of the spec the native PyTorch program cannot express (empty: it can write it), as facts:
    the key, its value and the reason (a source's own ``torch_refusal``; None: PyTorch has no recurrent dropout)."""
    problems = []
    source = registry.get(spec["dataset"]["source"])
    if source.torch_refusal:
        problems.append({"key": "dataset.source", "value": source.name, "reason": source.torch_refusal})
    entries = [(f"model.recurrent[{index}]", layer) for index, layer in enumerate(spec["model"]["recurrent"])]
    entries += [(f"model.compare[{index}]", entry) for index, entry in enumerate(spec["model"].get("compare") or [])
                if isinstance(entry, dict)]
    for where, entry in entries:
        if entry.get("recurrent_dropout"):
            problems.append({"key": f"{where}.recurrent_dropout", "value": f"{entry['recurrent_dropout']:g}",
                             "reason": None})
    return problems


def _torch_layers(layers: list) -> list[dict]:
    """The recurrent layers as the PyTorch program's literal: cell, units, bidirectional, input dropout, forget bias."""
    return [{"cell": layer["cell"], "units": layer["units"], "bidirectional": bool(layer.get("bidirectional")),
             "dropout": float(layer.get("dropout") or 0.0), "forget_bias": layer.get("forget_bias", 1.0)}
            for layer in layers]


def torch_program_context(spec: dict, *, data_path: str = "full") -> dict:
    """program_context plus what the native PyTorch program needs."""
    context = program_context(spec, data_path=data_path)
    model = spec["model"]
    compared = []
    for baseline, facts in zip(_compared_models(spec), context["baselines"]):
        # recurrent_layers(cell, **changes): the program's own spelling of ExperimentSpec.baselines()
        arguments = [_py(baseline.cell)] + [f"{key}={_py(value)}" for key, value in baseline.overrides.items()]
        compared.append({**facts, "layers_expr": Code(f"recurrent_layers({', '.join(arguments)})")})
    layers = _torch_layers(model["recurrent"])
    every = [layers] + [_torch_layers([layer.model_dump(mode="json") for layer in baseline.model.recurrent])
                        for baseline in _compared_models(spec)]
    context.update({
        "embedding": model.get("embedding"),
        "binary": context["head_known"] and _head(spec)[0] == 1,
        # cell -> PyTorch class, for the program's TORCH_LAYERS (every cell a model of the run uses)
        "torch_modules": {cell: Code(module) for cell, module in _TORCH_MODULES.items()
                          if any(layer["cell"] == cell for group in every for layer in group)},
        "recurrent_literal": [_py(layer) for layer in layers],
        "baselines": compared,
        "has_dropout": any(layer["dropout"] for group in every for layer in group),
        "has_lstm": any(layer["cell"] == "lstm" for group in every for layer in group),
        "chrono": any(layer["cell"] == "lstm" and layer["forget_bias"] == "chrono" for group in every for layer in group),
        "pad_sequences": Code("pad_sequences"), "get_file": Code("get_file"),
        "downloads": registry.get(spec["dataset"]["source"]).downloads(spec["dataset"]),
        "torch_helpers": registry.get(spec["dataset"]["source"]).torch_helpers,
    })
    return context


def _skeleton(spec: dict, data_path: str, framework: str) -> tuple[list[Cell], "_Slots"]:
    """The program's cells with every interpolated text still a slot, and the slots."""
    if framework == "torch":
        context = torch_program_context(spec, data_path=data_path)
    else:
        context = program_context(spec, data_path=data_path)
    source, slots = _rendered(_TEMPLATES[framework], context)
    cells = program_cells(source)
    for cell in cells:
        if cell.kind == "code":
            _check_slots_in_comments(cell.text, slots.pattern)
    return cells, slots


@dataclass(frozen=True)
class _Slots:
    pattern: re.Pattern
    values: list

    def fill(self, text: str, as_text) -> str:
        return self.pattern.sub(lambda m: as_text(self._text(int(m.group(1)))), text)

    def _text(self, index: int) -> str:
        # A phrase's words hold the slots of the values it printed (always earlier ones): its text, theirs in it.
        return self.pattern.sub(lambda m: self._text(int(m.group(1))), str(self.values[index]))


def _rendered(template: str, context: dict) -> tuple[str, _Slots]:
    nonce = secrets.token_hex(8)
    token = _slots.set((nonce, []))
    try:
        source = _environment().get_template(template).render(context)
        values = _slots.get()[1]
    finally:
        _slots.reset(token)
    return source, _Slots(_slot_pattern(nonce), values)


def _check_slots_in_comments(code: str, pattern: re.Pattern) -> None:
    """A text slot in a code cell must lie in a comment: anywhere else, it would be code (a template bug)."""
    marked = pattern.sub(lambda m: f"labreport_text_slot_{m.group(1)}_", code)
    if marked == code:
        return
    for token in tokenize.generate_tokens(io.StringIO(marked + "\n").readline):
        if token.type != tokenize.COMMENT and "labreport_text_slot_" in token.string:
            raise RuntimeError(f"labreport bug: a program template prints text outside a comment, in: {token.line!r}; "
                               "print values in code with the `py` filter")


def program_source(spec: dict, *, data_path: str = "full", framework: str = "keras") -> str:
    """The program in the percent cell format, every interpolated text as one comment line."""
    cells, slots = _skeleton(spec, data_path, framework)
    parts = []
    for cell in cells:
        if cell.kind == "markdown":
            parts.append("# %% [markdown]\n" + "\n".join(("# " + line).rstrip() for line in cell.text.split("\n")))
        else:
            parts.append("# %%\n" + cell.text)
    return slots.fill("\n\n".join(parts) + "\n", comment_text)


def program_cells(source: str) -> list[Cell]:
    """Split percent-format text into cells; a markdown cell's lines lose their '# '.

    Only "\\n" ends a line here: the program's own text has no other line break, and a value's text
    is a slot (or one comment line) while this runs.
    """
    cells: list[Cell] = []
    kind, lines = None, []

    def close():
        text = "\n".join(lines).strip("\n")
        if kind is not None and text:
            if kind == "markdown":
                text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in text.split("\n"))
            cells.append(Cell(kind, text))

    for line in source.split("\n"):
        mark = _CELL_MARK.match(line)
        if mark:
            close()
            kind, lines = ("markdown" if mark.group("markdown") else "code"), []
        else:
            lines.append(line)
    close()
    return cells


def program_py(spec: dict, *, data_path: str = "full", framework: str = "keras") -> str:
    """program.py: the code cells, each markdown cell above its code as comments."""
    cells, slots = _skeleton(spec, data_path, framework)
    parts = []
    for cell in cells:
        if cell.kind == "markdown":
            # Markdown headings read as plain comment lines in a script.
            parts.append("\n".join(("# " + _MARKDOWN_HEADING.sub("", line)).rstrip() for line in cell.text.split("\n")))
        else:
            parts.append(cell.text)
    body = slots.fill("\n\n".join(parts), comment_text)
    return '"""' + _docstring(spec, framework) + '"""\n\n' + body + "\n"


def _docstring(spec: dict, framework: str = "keras") -> str:
    """The docstring's text (templates/program/docstring.py.j2), each value escaped for a string literal."""
    from .._version import __version__
    text, slots = _rendered("docstring.py.j2", {"name": spec["name"], "framework": framework, "version": __version__})
    # The name is validated to letters, digits, '_', '-' and '.'; escaped all the same, as any value.
    return slots.fill(text, lambda value: py_literal(comment_text(value))[1:-1])


def notebook_cells(spec: dict, *, data_path: str = "full", framework: str = "keras") -> list[Cell]:
    """The notebook's cells: values as markdown-escaped text in markdown cells, as comment text in code cells."""
    cells, slots = _skeleton(spec, data_path, framework)
    return [Cell(cell.kind, slots.fill(cell.text, markdown_text if cell.kind == "markdown" else comment_text))
            for cell in cells]


def program_notebook(spec: dict, *, data_path: str = "full", framework: str = "keras") -> str:
    """program.ipynb as JSON text, built with nbformat (version 4)."""
    import nbformat
    from nbformat import v4

    cells = [v4.new_markdown_cell(cell.text) if cell.kind == "markdown" else v4.new_code_cell(cell.text)
             for cell in notebook_cells(spec, data_path=data_path, framework=framework)]
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return nbformat.writes(notebook)


def check_program_shape(spec: dict, *, data_path: str = "full", framework: str = "keras", origin: str = "spec") -> None:
    """Refuse (SpecError naming the key) a spec whose text would change the program's statements or cells.

    A source that declares no program (Source.program_refusal) has no program to check."""
    from ..errors import SpecError
    from .shape import shape_problems

    if registry.program_refusal((spec.get("dataset") or {}).get("source")):
        return

    def generate(variant: dict) -> tuple[list, str]:
        return (notebook_cells(variant, data_path=data_path, framework=framework),
                program_py(variant, data_path=data_path, framework=framework))

    keys = shape_problems(spec, generate)
    if keys != []:
        raise SpecError(origin, [f"{key}: its text would change the structure of the exported program, so the "
                                 "program is not written" for key in keys] if keys else
                        ["the exported program's structure depends on the spec's text, so it is not written"],
                        hint="Text from a spec enters the program only as a literal or a one-line comment; please "
                             "report this as a labreport bug.")


def render(spec: dict, to: str, *, data_path: str = "full", framework: str = "keras", origin: str = "spec") -> str:
    """The program file's text, after checking that no value in the spec changed its structure."""
    check_program_shape(spec, data_path=data_path, framework=framework, origin=origin)
    if to == "py":
        return program_py(spec, data_path=data_path, framework=framework)
    return program_notebook(spec, data_path=data_path, framework=framework)


def complete_spec(spec: dict) -> dict | None:
    """The spec with every default filled in (an older run.json may lack keys added since), or None if invalid."""
    from pydantic import ValidationError

    from ..spec import ExperimentSpec
    try:
        return ExperimentSpec.model_validate(spec).model_dump(mode="json")
    except ValidationError:
        return None


def write_program_files(run_dir: Path, spec: dict) -> list[Path]:
    """program.py and program.ipynb into the run folder (atomic writes); none for a spec that no longer validates."""
    from ..atomic import write_atomic

    spec = complete_spec(spec)
    if spec is None:
        return []  # a run saved by an older labreport whose spec this one refuses: its report says so
    if registry.program_refusal(spec["dataset"]["source"]):
        return []  # a source with no exported program yet: its report says why
    run_dir = Path(run_dir)
    # Both files come from one skeleton: its structure is checked once, for both.
    check_program_shape(spec, origin=f"{run_dir / 'run.json'}: spec")
    return [write_atomic(run_dir / PROGRAM_NAME, program_py(spec), root=run_dir),
            write_atomic(run_dir / NOTEBOOK_NAME, program_notebook(spec), root=run_dir)]


def export_program(source: str | Path, *, to: str = "py", out: Path | None = None,
                   framework: str = "keras") -> Path:
    """Write the program of a run folder (its run.json), a run.json, a spec file or a shipped experiment.

    ``out`` defaults to program.<to> in the run folder for a run, and to <experiment name>.<to> in the
    current folder for a spec (``framework="torch"``: program_torch.<to>, <experiment name>_torch.<to>).
    A spec is only read and validated: nothing is trained or imported.
    """
    from ..atomic import write_atomic
    from ..errors import OptionError

    if to not in FORMATS:
        raise OptionError(f"--to '{to}' is unknown; allowed values: {', '.join(FORMATS)}.")
    if framework not in FRAMEWORKS:
        raise OptionError(f"--framework '{framework}' is unknown; allowed values: {', '.join(FRAMEWORKS)}.")
    path = Path(source)
    if path.is_dir() or path.suffix == ".json":
        from ..record import RUN_RECORD_NAME, read_run_record
        folder = path.parent if path.suffix == ".json" else path
        if path.is_dir() and not (folder / RUN_RECORD_NAME).exists():
            raise OptionError(f"{folder}: holds no {RUN_RECORD_NAME}, so it is not a run folder.",
                              hint="Give a run folder (OUT/<experiment>/ after `labreport run`) or a spec file.")
        spec = complete_spec(read_run_record(folder)["spec"])
        if spec is None:
            raise OptionError(f"{folder / RUN_RECORD_NAME}: its spec does not validate with this labreport, so no "
                              "program can be written from it.",
                              hint="Export the spec file it was run from instead, or run it again.")
        default = folder / (PROGRAM_NAME if to == "py" else NOTEBOOK_NAME)
        origin = f"{folder / RUN_RECORD_NAME}: spec"
    else:
        from ..spec_files import resolve_spec
        resolved, _ = resolve_spec(str(source))
        spec = resolved.model_dump(mode="json")
        default = Path(f"{resolved.name}.{to}")
        origin = str(source)
    refusal = registry.program_refusal(spec["dataset"]["source"])
    if refusal:
        raise OptionError(f"No program can be exported for dataset.source {spec['dataset']['source']}: {refusal}.",
                          hint="The run's report and run.json hold its results; the spec reproduces it with "
                               "`labreport run`.")
    if framework == "torch":
        default = default.with_name(f"{default.stem}_torch{default.suffix}")
        problems = torch_refusals(spec)
        if problems:
            raise OptionError("The native PyTorch program cannot express this spec: " + "; ".join(
                f"{p['key']} {p['value']}: "
                + (p["reason"] or "PyTorch's nn.LSTM, nn.GRU and nn.RNN have no dropout on the recurrent state")
                for p in problems) + ".",
                hint="Export the Keras program instead (--framework keras), or change the spec.")
    target = Path(out) if out is not None else default
    if target.is_dir():
        target = target / default.name
    return write_atomic(target, render(spec, to, framework=framework, origin=origin))
