"""The exported program's structure does not depend on the spec's free text: a check, before each write.

The program is written twice: once from the spec, once from the same spec with every free-text
string replaced by a run of one safe letter of the same length (a list keeps its length).  Both
must parse to the same statements (the same syntax tree, constants and comments aside) in the
same cells.  The template machinery already makes every value a literal or one line of text
(``labreport.export``); this check proves it for the spec at hand, so a future template or
filter that lets text become code is refused with the spec key that did it, never written.

A free-text string is one whose replacement the spec model still accepts: names, descriptions,
file and column names, label values.  A string the model constrains to a few values (a cell, a
data source, an optimizer) chooses which lines the program has, and is kept.
"""

from __future__ import annotations

import ast
import copy
from typing import Callable

from pydantic import ValidationError


def _string_leaves(value, path=()):
    """(path, string) for every string in a JSON-like value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_leaves(item, path + (index,))


def _with(spec: dict, path: tuple, text: str) -> dict:
    changed = copy.deepcopy(spec)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = text
    return changed


def _dotted(path: tuple) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _placeholder(text: str) -> str:
    return "x" * len(text)


def free_text_paths(spec: dict) -> list[tuple]:
    """The paths of the spec's strings that any text of the same length could stand in for."""
    from ..spec import ExperimentSpec

    paths = []
    for path, text in _string_leaves(spec):
        if not text or _placeholder(text) == text:
            continue
        try:
            ExperimentSpec.model_validate(_with(spec, path, _placeholder(text)))
        except ValidationError:
            continue  # a constrained value: it chooses the program's lines
        paths.append(path)
    return paths


def _tree_shape(code: str) -> str:
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.value = None
            node.kind = None
    return ast.dump(tree, annotate_fields=False)


def program_shape(spec: dict, generate: Callable[[dict], tuple[list, str]]) -> tuple:
    """(cell kinds, each code cell's syntax tree without constants, the whole program.py's tree)."""
    cells, program = generate(spec)
    return (tuple(cell.kind for cell in cells),
            tuple(_tree_shape(cell.text) for cell in cells if cell.kind == "code"),
            _tree_shape(program))


def shape_problems(spec: dict, generate: Callable[[dict], tuple[list, str]]) -> list[str] | None:
    """The dotted spec keys whose text changes the program's structure: [] when the program may be written,
    None when the structure changes with the spec's text but with no one key alone (the caller words both).

    ``generate(spec)`` gives the program's notebook cells and its program.py text (the caller's generator,
    passed in so that this module does not import the package that imports it)."""
    paths = free_text_paths(spec)
    if not paths:
        return []
    texts = dict(_string_leaves(spec))
    placeholders = spec
    for path in paths:
        placeholders = _with(placeholders, path, _placeholder(texts[path]))
    try:
        real = program_shape(spec, generate)
    except SyntaxError:
        real = None
    if real == program_shape(placeholders, generate):
        return []
    keys = []
    for path in paths:  # which key did it: each alone
        try:
            alone = program_shape(_with(spec, path, _placeholder(texts[path])), generate)
        except SyntaxError:
            alone = None
        if alone != real:
            keys.append(_dotted(path))
    return keys or None
