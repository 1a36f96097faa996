"""The Program section's data: the spec as the student gave it, without the starter's comments."""

from __future__ import annotations

from pathlib import PurePath

import yaml


def spec_without_comments(spec_text: str | None, spec: dict) -> str:
    """The spec as given, re-dumped so that comments (the starter's "# fill in") are gone.

    YAML comments are not data, so parsing and dumping keeps every key and value
    the user wrote and drops only the comments; a text that does not parse (an
    old run record) falls back to the full spec saved in run.json.
    """
    from ..errors import LabreportError
    from ..spec import parse_yaml_text

    given = None
    if spec_text:
        try:
            given = parse_yaml_text(spec_text)  # bounded: run.json's spec_text may be tampered with
        except LabreportError:
            given = None
    if not isinstance(given, dict):
        given = spec
    given = _without_local_folders(given)
    return yaml.safe_dump(given, sort_keys=False, allow_unicode=True, width=100).rstrip()


def _without_local_folders(spec: dict) -> dict:
    """Data and template paths as file names: a report must not print the student's own folders."""
    from ..containment import REPORT_PATH_KEYS
    from ..sources import registry

    spec = {**spec}
    source = (spec.get("dataset") or {}).get("source") if isinstance(spec.get("dataset"), dict) else None
    for section, keys in (("dataset", registry.file_keys(source)), ("report", REPORT_PATH_KEYS)):
        values = spec.get(section)
        if isinstance(values, dict):
            spec[section] = {key: (PurePath(str(value)).name if key in keys and isinstance(value, str)
                                   and ("/" in value or "\\" in value) else value)
                             for key, value in values.items()}
    return spec


def program_facts(record: dict) -> dict:
    overrides = dict(record.get("spec_overrides") or {})
    if overrides.get("data"):
        # A data path given on the command line is the student's local folder: the report names the file only.
        overrides["data"] = PurePath(str(overrides["data"])).name
    return {
        "spec_yaml": spec_without_comments(record.get("spec_text"), record.get("spec") or {}),
        "initialisers": initialisers(record.get("spec") or {}),
        "overrides": overrides,
        # As typed on the command line: --epochs 3, --early-stopping, --no-early-stopping.
        "options": [_option(key, value) for key, value in overrides.items()],
    }


def _option(key: str, value) -> str:
    name = key.replace("_", "-")
    if value is True:
        return f"--{name}"
    if value is False:
        return f"--no-{name}"
    return f"--{name} {value}"


def program_code(record: dict) -> dict:
    """The run's exported program for the report: highlighted lines (Pygments) and the style they need.

    The program is written from run.json's spec (labreport.export), with the data file's name only
    (the run folder's program.py names the full path).  Each line is one table row: the number in
    its own cell, so that a long line wraps inside the code cell and the numbers stay in step.
    """
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    from ..export import complete_spec, program_py

    spec = complete_spec(record.get("spec") or {})
    if spec is None:
        return {"lines": [], "style": "", "available": False}
    from ..sources import registry
    refusal = registry.program_refusal(spec["dataset"]["source"])
    if refusal:  # a source with no exported program yet
        return {"lines": [], "style": "", "available": False, "refusal": refusal}
    source = program_py(spec, data_path="name")
    formatter = HtmlFormatter(nowrap=True, style="default", classprefix="py-")
    # HtmlFormatter closes and reopens its spans at every line end, so each line is whole HTML.
    lines = highlight(source, PythonLexer(), formatter).rstrip("\n").split("\n")
    style = HtmlFormatter(style="default", classprefix="py-").get_style_defs(".program")
    # Only the token colours: the table's background and layout come from report.css.
    style = "\n".join(line for line in style.splitlines() if line.startswith(".program .py-"))
    return {"lines": lines, "style": style, "available": True, "line_count": len(lines)}


def initialisers(spec: dict) -> dict:
    """How the model's weights started, for the pseudocode: Keras' defaults and the LSTM's forget-gate setting.

    ``forget``: "chrono", "keras_default" (unit_forget_bias: 1) or "value" (``forget_value``);
    None when no layer is an LSTM.
    """
    model = spec.get("model") or {}
    lstm = [layer for layer in model.get("recurrent") or [] if layer.get("cell") == "lstm"]
    setting = lstm[0].get("forget_bias", 1.0) if lstm else None
    forget = (None if not lstm else "chrono" if setting == "chrono" else
              "keras_default" if float(setting) == 1.0 else "value")
    return {"embedding": bool(model.get("embedding")), "forget": forget,
            "forget_value": setting if forget == "value" else None}
