"""The whole flow, stage by stage: spec → data → model → training → run record → report.

``run_experiment`` is what `labreport run` and a notebook call.  It trains
(the only step that imports TensorFlow), writes run.json, then hands the run
folder to ``render_report``, which reads nothing but the run record.
"""

from __future__ import annotations

import platform
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from .errors import OptionError, SpecError
from .resources import shipped_experiments
from .run_record import RUN_RECORD_NAME, read_run_record, write_run_record
from .spec import ExperimentSpec, load_spec

DEFAULT_EXPERIMENT = "remember_important_tasks"


@dataclass
class RunResult:
    """What a run produced: paths, the run record and the figures."""

    run_dir: Path
    pdf_path: Path
    html_path: Path
    run_record: dict
    figures: dict[str, Path] = field(default_factory=dict)
    status: str = "trained"  # trained | reused

    @property
    def test_accuracy(self) -> float:
        return float(self.run_record["test"]["accuracy"])

    def _repr_html_(self) -> str:  # Jupyter / Colab
        from html import escape
        images = "".join(
            f'<figure style="display:inline-block;margin:4px"><img src="{escape(_data_uri(path))}" '
            f'width="360" alt="{escape(name)}"><figcaption>{escape(name)}</figcaption></figure>'
            for name, path in self.figures.items() if Path(path).suffix == ".png"
        )
        return (
            f"<p><b>{escape(self.run_record['experiment'])}</b>: test accuracy "
            f"{self.test_accuracy:.4f} ({escape(self.status)}). "
            f'Report: <a href="{escape(str(self.pdf_path))}" target="_blank">{escape(str(self.pdf_path))}</a></p>'
            f"<div>{images}</div>"
        )


def _data_uri(path: Path) -> str:
    import base64
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def resolve_spec(spec_ref: str | Path | ExperimentSpec | None) -> tuple[ExperimentSpec, Path | None]:
    """A spec object, a YAML path or a shipped experiment's name → (spec, its file)."""
    if isinstance(spec_ref, ExperimentSpec):
        return spec_ref, None
    shipped = shipped_experiments()
    if spec_ref is None:
        spec_ref = DEFAULT_EXPERIMENT
    path = Path(spec_ref)
    if not path.exists() and str(spec_ref) in shipped:
        path = shipped[str(spec_ref)]
    elif not path.exists():
        names = ", ".join(shipped) or "none"
        raise SpecError(
            spec_ref, ["no such file, and not the name of a shipped experiment"],
            hint=f"Shipped experiments: {names}. `labreport list` describes them.",
        )
    return load_spec(path), path


def apply_overrides(spec: ExperimentSpec, *, epochs: int | None = None, data: str | None = None) -> ExperimentSpec:
    """Command-line overrides, validated like the spec itself."""
    updates = {}
    if epochs is not None:
        if epochs < 1:
            raise OptionError(f"--epochs must be at least 1 (got {epochs}).")
        updates["training"] = spec.training.model_copy(update={"epochs": epochs})
    if data is not None:
        if spec.dataset.source == "generated":
            raise OptionError(
                f"--data was given, but experiment '{spec.name}' uses generated data (dataset.source: generated)."
            )
        updates["dataset"] = spec.dataset.model_copy(update={"path": str(Path(data).expanduser().resolve())})
    return spec.model_copy(update=updates) if updates else spec


def spec_yaml(spec: ExperimentSpec) -> str:
    import yaml
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def versions(backend: str) -> dict:
    import sys
    found = {"python": platform.python_version(), "labreport": __version__, "backend": backend}
    for module in ("tensorflow", "keras", "numpy", "jax"):
        loaded = sys.modules.get(module)
        if loaded is not None and hasattr(loaded, "__version__"):
            found[module] = loaded.__version__
    return found


def train_experiment(spec: ExperimentSpec, run_dir: Path, *, progress: str = "bar",
                     log: Callable[[str], None] = print) -> dict:
    """Train the spec's model and its baselines; return the run record (not yet written)."""
    from .training import select_backend
    select_backend(spec.training.backend)

    from .data import load_dataset
    from .diagnostics import compute_diagnostics
    from .training import train_one

    started = time.perf_counter()
    dataset = load_dataset(spec.dataset, spec.training)
    data_seconds = time.perf_counter() - started
    sizes = dataset.sizes()
    log(f"Data: {dataset.description.get('name', spec.dataset.source)}: {sizes['train']} train, "
        f"{sizes['validation']} validation, {sizes['test']} test sequences of length {dataset.sequence_length}.")

    run_dir.mkdir(parents=True, exist_ok=True)
    log(f"Training the {spec.model.recurrent[0].cell.upper()} model for {spec.training.epochs} epoch(s)...")
    main = train_one(spec, dataset, work_dir=run_dir, progress=progress, log=log)
    log(f"  test accuracy {main.test['accuracy']:.4f}, test loss {main.test['loss']:.4f}")
    baselines = []
    from .report.worksheets import load_worksheet
    for cell in spec.baseline_cells(load_worksheet(spec.report.worksheet).default_compare):
        log(f"Training the {cell} baseline (same data, embedding, units, optimiser, epochs, seed)...")
        baseline = train_one(spec, dataset, cell=cell, work_dir=run_dir, progress=progress, log=log)
        log(f"  test accuracy {baseline.test['accuracy']:.4f}")
        baselines.append(baseline)

    diagnostics_started = time.perf_counter()
    diagnostics_parts: dict = {}
    diagnostics = compute_diagnostics(spec, dataset, main, baselines, seconds=diagnostics_parts)
    diagnostics_seconds = time.perf_counter() - diagnostics_started
    total_seconds = time.perf_counter() - started
    shutil.rmtree(run_dir / ".checkpoint", ignore_errors=True)
    return {
        "experiment": spec.name,
        "description": spec.description,
        "spec": spec.model_dump(mode="json"),
        "seed": spec.training.seed,
        "backend": spec.training.backend,
        "dataset": dataset.summary(),
        "model": main.model,
        "history": main.history,
        "batch_history": main.batch_history,
        "test": main.test,
        "timing": {**main.timing, "data_seconds": round(data_seconds, 3),
                   "diagnostics_seconds": round(diagnostics_seconds, 3),
                   "diagnostics_parts_seconds": diagnostics_parts,
                   "total_seconds": round(total_seconds, 3)},
        "baselines": [b.to_record() for b in baselines],
        "diagnostics": diagnostics,
        "versions": versions(spec.training.backend),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def run_experiment(spec: str | Path | ExperimentSpec | None = None, *, out_dir: str | Path = "output",
                   epochs: int | None = None, data: str | None = None, progress: str = "bar",
                   log: Callable[[str], None] = print) -> RunResult:
    """Train the experiment a spec describes and write its report.

    ``spec`` is a YAML path, a shipped experiment's name, an ``ExperimentSpec``
    or None (the default experiment).  Output goes to ``out_dir/<name>/``.
    """
    from .report import render_report

    spec, spec_path = resolve_spec(spec)
    spec = apply_overrides(spec, epochs=epochs, data=data)
    run_dir = Path(out_dir) / spec.name
    record = train_experiment(spec, run_dir, progress=progress, log=log)
    # The spec as the student wrote it, comments included, for the report's "Program" section.
    record["spec_text"] = spec_path.read_text(encoding="utf-8") if spec_path else spec_yaml(spec)
    record["spec_overrides"] = {k: v for k, v in (("epochs", epochs), ("data", data)) if v is not None}
    write_run_record(run_dir, record)
    rendered = render_report(run_dir)
    return RunResult(run_dir=run_dir, pdf_path=rendered.pdf_path, html_path=rendered.html_path,
                     run_record=read_run_record(run_dir / RUN_RECORD_NAME), figures=rendered.figures)
