"""Packaging: every third-party module the tests import is declared in pyproject.toml; one version string.

CI installs `.[test]` into a fresh virtual environment; a contributor's venv usually holds more (a
test once imported Hypothesis, which only the author's venv had, and CI failed at collection). This
reads the imports of every test file with `ast` and checks each top-level module against the
distributions pyproject names in `dependencies` and the `test` extra.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def _requirement_name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement.strip()).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    return {_requirement_name(requirement) for requirement in requirements}


def _imported_top_level_modules() -> dict[str, str]:
    """Top-level module -> first test file importing it (function-level imports included)."""
    local = {path.stem for path in TESTS.glob("*.py")} | {"labreport"}
    found: dict[str, str] = {}
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in local and top not in sys.stdlib_module_names:
                    found.setdefault(top, path.name)
    return found


# The optional backends' tests skip (pytest.importorskip) where the extra is not installed.
OPTIONAL_BACKENDS = {"torch", "jax"}


def test_every_module_the_tests_import_is_declared_for_a_fresh_install():
    declared = _declared_distributions()
    # A transitive install is not enough (a new release of the dependency may drop it): a module must
    # come from a distribution pyproject names; those below are declared dependencies' own parts.
    provided_by = packages_distributions()
    brought_along = {"markupsafe": "jinja2", "keras": "tensorflow", "grimp": "import-linter"}
    missing = []
    for module, test_file in sorted(_imported_top_level_modules().items()):
        if module in OPTIONAL_BACKENDS:
            continue
        distributions = {_requirement_name(name) for name in provided_by.get(module, [module])}
        if distributions & declared or brought_along.get(module) in declared:
            continue
        missing.append(f"{module} (imported by tests/{test_file}; from {sorted(distributions)})")
    assert not missing, (
        "modules the tests import but pyproject.toml does not declare (add them to the `test` extra): "
        + "; ".join(missing)
    )


def test_the_version_is_written_once():
    """pyproject reads the version from labreport/_version.py; the installed metadata agrees with it."""
    from importlib.metadata import version

    import labreport

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "labreport/_version.py"
    assert version("labreport") == labreport.__version__
