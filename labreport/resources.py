"""Where the shipped templates and experiments are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # Installed wheel: labreport/<name>; source checkout: <repo>/<name>.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"labreport's {name}/ folder is missing from the installation")


def templates_dir() -> Path:
    return _find("templates")


def experiments_dir() -> Path:
    return _find("experiments")


def shipped_experiments() -> dict[str, Path]:
    """Name -> path of each shipped experiment spec, sorted by name."""
    return {p.stem: p for p in sorted(experiments_dir().glob("*.yaml"))}
