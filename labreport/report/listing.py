"""The Program section's data: the spec as the student gave it, without the starter's comments."""

from __future__ import annotations

import re
from pathlib import PurePath

import yaml

from ..record import main_run


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
        "initialisers": initialisers(record.get("spec") or {}, record),
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
    (the run folder's program.py names the full path).  The template writes each line as one block
    with its number hung in the margin (report.css), so that a long line wraps inside the code column
    and the numbers stay in step.
    """
    from ..export import complete_spec, program_py

    spec = complete_spec(record.get("spec") or {})
    if spec is None:
        return {"lines": [], "style": "", "available": False}
    from ..sources import registry
    refusal = registry.program_refusal(spec["dataset"]["source"])
    if refusal:  # a source with no exported program yet
        return {"lines": [], "style": "", "available": False, "refusal": refusal}
    source = program_py(spec, data_path="name")
    lines, style = highlighted_lines(source)
    return {"lines": lines, "style": style, "available": True, "line_count": len(lines)}


# The listing's colours: Pygments' "vs" style (Visual Studio's: keywords blue, strings red, comments green),
# as its HtmlFormatter writes them.  Not "default": that one also greys every operator and number, which
# on paper is hardly told from black, and those 420 spans cost a third of the listing's layout and PDF time
# (the listing draws with 308 spans instead of 987; BENCHMARKS.md, "The 16-page report").
LISTING_STYLE = "vs"
_CLASS_PREFIX = "py-"


def highlighted_lines(source: str) -> tuple[list[str], str]:
    """``source`` as lines of HTML with Pygments' colours, and the CSS rules those lines use.

    Pygments' HtmlFormatter wraps every token in a span, names and punctuation too, which its
    style leaves uncoloured: about 2,400 spans in the default program.  WeasyPrint lays out
    every span as an inline box and shapes its text separately, which made the program listing
    the slowest part of a report.  Here a token gets a span only where the style draws it
    differently from plain text, and neighbouring tokens drawn alike (a keyword and the space
    after it, an f-string's prefix and its quotes) share one: the page shows the same colours,
    weights and slants with about a third of the boxes.  A span takes the class Pygments
    gives its first token, and the style sheet holds one rule per class used.
    """
    import html

    from pygments import lex
    from pygments.lexers import PythonLexer
    from pygments.styles import get_style_by_name

    style = get_style_by_name(LISTING_STYLE)
    looks: dict = {}     # token type -> (its look as a CSS declaration, or "" for plain text)
    rules: dict = {}     # class -> CSS declaration, in order of first use
    lines: list[str] = []
    current: list[str] = []   # the line being written, as HTML pieces
    open_look = ""            # the look of the span open on the current line ("" = none)

    def close() -> None:
        nonlocal open_look
        if open_look:
            current.append("</span>")
            open_look = ""

    for token_type, value in lex(source, PythonLexer()):
        if token_type not in looks:
            looks[token_type] = _declaration(style.style_for_token(token_type))
        look = looks[token_type]
        for index, piece in enumerate(value.split("\n")):
            if index:  # a line ends inside this token: close its span, start the next line
                close()
                lines.append("".join(current))
                current = []
            if not piece:
                continue
            # Blank space looks the same in any colour: it joins the span around it, unless that
            # span draws a background, border or underline, where a space shows.
            if piece.isspace() and (not open_look or "background" not in open_look and "border" not in open_look
                                    and "underline" not in open_look):
                current.append(html.escape(piece))
                continue
            if look != open_look:
                close()
                if look:
                    css_class = _CLASS_PREFIX + _css_class(token_type)
                    rules.setdefault(css_class, look)
                    current.append(f'<span class="{css_class}">')
                    open_look = look
            current.append(html.escape(piece))
    close()
    lines.append("".join(current))
    while lines and not lines[-1]:
        lines.pop()  # the lexer ends the text with a newline
    lines = [_indent_inside_first_span(line, rules) for line in lines]
    # A merged span takes its first token's class; another token type drawn alike may take the same class
    # elsewhere, so the rule of a class is the look of the tokens it was first given to (all alike).
    sheet = "\n".join(f".program .{css_class} {{ {declaration} }}" for css_class, declaration in rules.items())
    return lines, sheet


_LEADING_SPAN = re.compile(r'^( +)<span class="([^"]+)">')


def _indent_inside_first_span(line: str, rules: dict) -> str:
    """A line's indentation moved inside the span its first token opens, where a space shows no different there.

    The template writes each line's number as no-break spaces and digits in the same text as the code.  An
    indentation left outside the first span is a break opportunity of its own, and WeasyPrint wrapped a long
    indented docstring there, leaving the number alone on its line; inside the span, the line wraps at the
    last space that fits, as a line that starts with plain text does.
    """
    found = _LEADING_SPAN.match(line)
    if found is None:
        return line
    look = rules.get(found.group(2), "")
    if "background" in look or "border" in look or "underline" in look:
        return line
    return f'<span class="{found.group(2)}">{found.group(1)}' + line[found.end():]


def _declaration(token_style: dict) -> str:
    """A Pygments token style as CSS ("" where it is drawn as plain text)."""
    parts = []
    if token_style.get("color"):
        parts.append(f"color: #{token_style['color']}")
    if token_style.get("bold"):
        parts.append("font-weight: bold")
    if token_style.get("italic"):
        parts.append("font-style: italic")
    if token_style.get("underline"):
        parts.append("text-decoration: underline")
    if token_style.get("bgcolor"):
        parts.append(f"background-color: #{token_style['bgcolor']}")
    if token_style.get("border"):
        parts.append(f"border: 1px solid #{token_style['border']}")
    return "; ".join(parts)


def _css_class(token_type) -> str:
    """Pygments' short CSS class of a token type (``Keyword`` -> "k"), as its HtmlFormatter names it."""
    from pygments.token import STANDARD_TYPES

    suffix = ""
    while token_type not in STANDARD_TYPES:
        suffix = token_type[-1] + suffix
        token_type = token_type.parent
    return STANDARD_TYPES[token_type] + suffix


def initialisers(spec: dict, record: dict | None = None) -> dict:
    """How the model's weights started, for the pseudocode: Keras' defaults and the LSTM's forget-gate setting.

    ``forget``: "chrono", "keras_default" (unit_forget_bias: 1) or "value" (``forget_value``);
    None when no layer is an LSTM.
    """
    model = spec.get("model") or {}
    lstm = [layer for layer in model.get("recurrent") or [] if layer.get("cell") == "lstm"]
    setting = lstm[0].get("forget_bias", 1.0) if lstm else None
    forget = (None if not lstm else "chrono" if setting == "chrono" else
              "keras_default" if float(setting) == 1.0 else "value")
    # The spec keeps an embedding section for numeric inputs too; the run's layers say whether one was built.
    layers = ((main_run(record).get("model") or {}).get("layers") or []) if record and record.get("models") else None
    embedding = (any(layer.get("type") == "Embedding" for layer in layers) if layers is not None
                 else bool(model.get("embedding")))
    return {"embedding": embedding, "forget": forget,
            "forget_value": setting if forget == "value" else None}
