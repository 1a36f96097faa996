"""Words in templates, numbers in Python: no template compares or computes a measured number.

Every template under templates/ is parsed with Jinja's own parser and its syntax tree is searched:
an ordering comparison (<, >, <=, >=), an equality with a number, a comparison test (`is gt(...)`,
`is divisibleby(...)`, ...) or arithmetic (+, -, *, /, //, %, **) on anything but layout counts is a
number judged or made in the words, where a course could change a verdict by editing a template.
The facts compute such values and name verdicts; the templates choose words by verdict.

Layout-only counts are allowed, by rule: operands that are a `| length` (how many rows, fields or
causes, for a table's class or a singular/plural) or a loop's position (`loop.index`, `loop.first`, ...),
compared with or added to number constants.  In the shipped templates they are:
base.html.j2 (a header box's third entry, "wide"), phrases.html.j2 (list separators by loop.index;
one or several comparison rows; one or several causes), sections.html.j2 (a long epoch table's class).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from labreport.resources import templates_dir

ORDERING = {"lt", "gt", "lteq", "gteq"}
COMPARISON_TESTS = {"lt", "gt", "le", "ge", "lessthan", "greaterthan", "eq", "ne", "equalto", "==", "!=", "<",
                    ">", "<=", ">=", "divisibleby", "odd", "even"}
ARITHMETIC = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Neg)


def _templates() -> list[Path]:
    return sorted(templates_dir().rglob("*.j2"))


def _layout_count(node: nodes.Node) -> bool:
    """A `| length` or a loop position: how the page is laid out, not what the run measured."""
    if isinstance(node, nodes.Filter) and node.name == "length":
        return True
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name == "loop":
        return True
    return False


def _number(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Const) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _allowed(operands: list[nodes.Node]) -> bool:
    return all(_layout_count(operand) or isinstance(operand, nodes.Const) for operand in operands)


def _describe(node: nodes.Node) -> str:
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_describe(node.node)}[{_describe(node.arg)}]"
    if isinstance(node, nodes.Filter):
        return f"{_describe(node.node)} | {node.name}"
    return type(node).__name__


def numbers_judged_in(source: str, environment: jinja2.Environment) -> list[str]:
    """Each comparison or computation on a measured number in a template's source, described."""
    tree = environment.parse(source)
    found = []
    for compare in tree.find_all(nodes.Compare):
        operands = [compare.expr] + [operand.expr for operand in compare.ops]
        ops = {operand.op for operand in compare.ops}
        if (ops & ORDERING or any(_number(operand) for operand in operands)) and not _allowed(operands):
            found.append(f"line {compare.lineno}: {' ? '.join(_describe(operand) for operand in operands)}")
    for test in tree.find_all(nodes.Test):
        if test.name in COMPARISON_TESTS and not _allowed([test.node, *test.args]):
            found.append(f"line {test.lineno}: {_describe(test.node)} is {test.name}")
    for kind in ARITHMETIC:
        for operation in tree.find_all(kind):
            operands = [operation.node] if isinstance(operation, nodes.Neg) else [operation.left, operation.right]
            if not _allowed(operands):
                found.append(f"line {operation.lineno}: {type(operation).__name__.lower()} of "
                             + ", ".join(_describe(operand) for operand in operands))
    return found


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(templates_dir())))
def test_no_template_compares_or_computes_a_measured_number(path):
    environment = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    found = numbers_judged_in(path.read_text(encoding="utf-8"), environment)
    assert not found, (f"{path.relative_to(templates_dir())} judges or computes numbers; compute the value or "
                       f"the verdict in labreport/facts and word it by name: {found}")


@pytest.mark.parametrize("source,caught", [
    ("{% if f.accuracy > 0.9 %}good{% endif %}", True),
    ("{% if f.accuracy == 1 %}perfect{% endif %}", True),
    ("{% if f.epochs is gt(3) %}many{% endif %}", True),
    ("{{ f.best - f.last }}", True),
    ("{{ (0 - row.difference) | points }}", True),
    ("{% if f.verdict == 'overfitting' %}x{% endif %}", False),
    ("{% if rows | length > 1 %}s{% endif %}", False),
    ("{% if loop.index > 1 %}, {% endif %}", False),
])
def test_the_rule_catches_what_it_should(source, caught):
    environment = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    assert bool(numbers_judged_in(source, environment)) is caught
