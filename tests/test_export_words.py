"""The exported program's words live in templates/program/ (issue 23), not in labreport/export's Python.

labreport/export passes the program templates facts (numbers, names, verdict keys) and code it builds
from literals; every sentence of the program's comments is a macro of templates/program/phrases.py.j2.
This test reads every string literal of labreport/export/*.py with Python's own parser: a literal (an
f-string read with each value as one word) that holds a run of four or more plain words is a sentence,
and fails the test, unless it is a docstring or part of an error message (inside a `raise` statement:
labreport.errors' messages, and the template-bug RuntimeError).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import REPO

EXPORT = REPO / "labreport" / "export"
_WORD = re.compile(r"(?:[A-Za-z][A-Za-z'’-]*|\{\})[,;:.]?")  # a word, or an f-string's value
WORDS_IN_A_SENTENCE = 4


def _sentence(text: str) -> bool:
    run = 0
    for token in text.split():
        run = run + 1 if _WORD.fullmatch(token) else 0
        if run >= WORDS_IN_A_SENTENCE:
            return True
    return False


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def _excluded(tree: ast.AST) -> set[int]:
    """ids of the nodes inside raise statements, and of docstrings."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise):
            skipped |= {id(inner) for inner in ast.walk(node)}
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                skipped.add(id(first.value))
    return skipped


def sentences_in(source: str) -> list[str]:
    """Each worded sentence a module's code holds, as 'line N: text'."""
    tree = ast.parse(source)
    skipped = _excluded(tree)
    # An f-string's constant parts are read with it, as one literal.
    skipped |= {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        text = _literal_text(node)
        if text is not None and _sentence(text):
            found.append(f"line {node.lineno}: {text!r}")
    return found


@pytest.mark.parametrize("path", sorted(EXPORT.glob("*.py")), ids=lambda path: path.name)
def test_export_python_holds_no_worded_sentence(path: Path):
    found = sentences_in(path.read_text(encoding="utf-8"))
    assert not found, (f"labreport/export/{path.name} words program text in Python; pass the facts and word "
                       f"them in a macro of templates/program/phrases.py.j2: {found}")


@pytest.mark.parametrize("source,caught", [
    ('words = f"Early stopping watches the {watched}: "', True),
    ('words = "Only the recurrent cell differs."', True),
    ('model_words = f"The layers: {front}, {stack}, and {head}."', True),
    ('line = f"keras.layers.Dense({units}, activation=\\"{activation}\\", name=\\"dense\\"),"', False),
    ('args.append("unit_forget_bias=False")', False),
    ('x = f"{count} {noun}" + ("" if count == 1 else "s")', False),
    ('raise OptionError(f"--to {to!r} is unknown; allowed values: {allowed}.")', False),
    ('def f():\n    """A docstring is documentation, not program text."""', False),
])
def test_the_rule_catches_what_it_should(source, caught):
    assert bool(sentences_in(source)) is caught
