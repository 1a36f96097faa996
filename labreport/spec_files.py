"""Which spec a command means: a YAML file, or the name of a shipped experiment.

Below the stages that use it (pipeline, export, batch, validate), so that none of them imports
another stage only to find a spec; every command that takes a spec takes a shipped name through here.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SpecError
from .resources import shipped_experiments
from .spec import ExperimentSpec, load_spec

DEFAULT_EXPERIMENT = "remember_important_tasks"


def spec_path(spec_ref: str | Path | None) -> Path:
    """A YAML path or a shipped experiment's name → the spec file (a path that exists wins over a name)."""
    shipped = shipped_experiments()
    if spec_ref is None:
        spec_ref = DEFAULT_EXPERIMENT
    path = Path(spec_ref)
    # Anything at that path, even a broken link or a link loop, is the spec meant: reading it says what
    # is wrong with it (a shipped name is only tried where nothing is there at all).
    if os.path.lexists(path):
        return path
    if str(spec_ref) in shipped:
        return shipped[str(spec_ref)]
    names = ", ".join(shipped) or "none"
    raise SpecError(
        spec_ref, ["no such file, and not the name of a shipped experiment"],
        hint=f"Shipped experiments: {names}. `labreport list` describes them.",
    )


def resolve_spec(spec_ref: str | Path | ExperimentSpec | None) -> tuple[ExperimentSpec, Path | None]:
    """A spec object, a YAML path or a shipped experiment's name → (spec, its file)."""
    if isinstance(spec_ref, ExperimentSpec):
        return spec_ref, None
    path = spec_path(spec_ref)
    return load_spec(path), path
