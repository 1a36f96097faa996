"""How a value from a spec or run.json may enter a generated program: as a literal, or as one line of text.

The exported program is code that students run and instructors run in bulk, while the spec it is
written from comes from other people.  So nothing from a spec ever becomes program text on its own:

- ``py_literal`` writes a value as a Python literal.  Every character that is not printable
  (line and paragraph separators, control and format characters, lone surrogates) is written as an
  escape, so the literal is one line for Python, for a notebook's cell splitter and for an editor,
  and holds no bidirectional override that could make the code read differently from what runs.
- ``comment_text`` turns a value into one line of plain text for a ``#`` comment: every character
  that any tool may take as a line break is a space, format and control characters are dropped.
- ``markdown_text`` is ``comment_text`` with every punctuation mark Markdown or HTML reads backslash-escaped, so that
  in a notebook's markdown cell the text is only text: no heading, list, link, image, autolink
  (``www.``, ``https:``, an e-mail address), math (``$``) or raw HTML.

``Code`` marks text that labreport itself wrote as code (a literal from ``py_literal``, a layer line
built from literals); everything else a template interpolates is text (see ``labreport.export``).
"""

from __future__ import annotations

import unicodedata

# Joiners keep the letters of Indic scripts and emoji sequences as written; every other format
# character (bidirectional overrides and isolates, zero-width spaces, the BOM) is dropped from text.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}
# What Markdown (CommonMark with GitHub's extensions, as Jupyter renders it) or HTML gives a meaning
# to: emphasis, code, links and images, headings, lists, tables, strike-through, raw HTML and entities,
# math, and the ':', '.' and '@' of autolinks (https:, www., e-mail addresses).  Commas, quotes and
# the like stay as they are, so the cell still reads as written.
_MARKDOWN_PUNCTUATION = set("\\`*_{}[]()#+-.!|~<>&$:@")


class Code(str):
    """Program text that labreport wrote as code; a template prints it as it is."""


def _escape(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def py_literal(value) -> Code:
    """A JSON-like value as a Python literal on one line (strings in double quotes)."""
    if isinstance(value, str):
        return Code('"' + "".join(_escape(char) for char in value) + '"')
    if isinstance(value, (list, tuple)):
        items = ", ".join(py_literal(item) for item in value)
        return Code(f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})")
    if isinstance(value, dict):
        return Code("{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}")
    if value is None or isinstance(value, (bool, int, float)):
        return Code(repr(value))
    raise TypeError(f"no Python literal for a {type(value).__name__}")


def comment_text(value) -> str:
    """One line of plain text: separators and white space as single spaces, control and format characters dropped."""
    out = []
    for char in str(value):
        category = unicodedata.category(char)
        if category == "Cs":
            out.append("\ufffd")  # a lone surrogate cannot even be written as UTF-8
        elif category in ("Zl", "Zp", "Zs") or char.isspace():
            out.append(" ")
        elif category in ("Cc", "Co", "Cn") or (category == "Cf" and char not in _KEPT_FORMAT):
            continue
        else:
            out.append(char)
    return " ".join("".join(out).split())


def markdown_text(value) -> str:
    """``comment_text`` with every mark Markdown or HTML reads escaped, for a notebook's markdown cell."""
    return "".join("\\" + char if char in _MARKDOWN_PUNCTUATION else char for char in comment_text(value))
