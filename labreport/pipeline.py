"""The whole flow, stage by stage: spec → data → model → training → run record → report.

``run_experiment`` is what `labreport run` and a notebook call.  It trains
(the only step that imports TensorFlow), writes run.json, then hands the run
folder to ``render_report``, which reads nothing but the run record.
"""

from __future__ import annotations

import errno
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ._version import __version__
from .atomic import OUTPUT_ERRNOS, check_inside, output_error
from .sources import registry
from .errors import LabreportError, OptionError, OutputError, RenderError, SpecError, TrainingError
from .fingerprint import training_fingerprint
# The report stage (report_fingerprint, saved_run_state, render_report) is imported where it is used: a
# training run imports no report module until its record is written (tests/test_training_reads_no_report.py).
from .output_lock import output_folder_lock
from .spec_files import DEFAULT_EXPERIMENT, resolve_spec  # re-exported: callers and tests import them from here
from .record import CLASSIFICATION, FORECAST, MAX_SERIES, RUN_RECORD_NAME, main_run, read_run_record, to_record, write_run_record
from .safe_io import resolved
from .spec import EarlyStoppingSpec, ExperimentSpec, limit_problems
from .train.run_files import CHECKPOINT_DIR  # no Keras: the pipeline must not import TensorFlow



@dataclass
class RunResult:
    """What a run produced: paths, the run record and the figures."""

    run_dir: Path
    pdf_path: Path
    html_path: Path
    run_record: dict
    figures: dict[str, Path] = field(default_factory=dict)
    status: str = "trained"  # trained | reused (a saved run with the same training fingerprint)

    @property
    def test_accuracy(self) -> float:
        test = main_run(self.run_record).get("test")  # None when the loss diverged
        return float(test["accuracy"]) if test and "accuracy" in test else float("nan")  # a forecast has none

    def _repr_html_(self) -> str:  # Jupyter / Colab
        from html import escape
        images = "".join(
            f'<figure style="display:inline-block;margin:4px"><img src="{escape(_data_uri(path))}" '
            f'width="360" alt="{escape(name)}"><figcaption>{escape(name)}</figcaption></figure>'
            for name, path in self.figures.items() if Path(path).suffix == ".png"
        )
        test = main_run(self.run_record).get("test") or {}
        score = (f"test MAE {test['mae']:.4g}" if "mae" in test and "accuracy" not in test
                 else f"test accuracy {self.test_accuracy:.4f}")
        return (
            f"<p><b>{escape(self.run_record['experiment'])}</b>: {score} ({escape(self.status)}). "
            f'Report: <a href="{escape(str(self.pdf_path))}" target="_blank">{escape(str(self.pdf_path))}</a></p>'
            f"<div>{images}</div>"
        )


def _data_uri(path: Path) -> str:
    import base64
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def apply_overrides(spec: ExperimentSpec, *, epochs: int | None = None, data: str | None = None,
                    early_stopping: bool | None = None, patience: int | None = None) -> ExperimentSpec:
    """Command-line overrides, validated like the spec itself.

    ``early_stopping`` True turns training.early_stopping on (the spec's own settings if it
    has them, else the defaults), False turns it off; ``patience`` sets its patience and
    turns it on.
    """
    updates = {}
    training = {}
    if epochs is not None:
        if epochs < 1:
            raise OptionError(f"--epochs must be at least 1 (got {epochs}).")
        training["epochs"] = epochs
    if patience is not None and patience < 0:
        raise OptionError(f"--patience must be 0 or more (got {patience}).")
    if early_stopping is False and patience is not None:
        raise OptionError("--patience sets early stopping's patience; it cannot go with --no-early-stopping.")
    if early_stopping is False:
        training["early_stopping"] = None
    elif early_stopping or patience is not None:
        stopping = spec.training.early_stopping or EarlyStoppingSpec()
        if patience is not None:
            stopping = stopping.model_copy(update={"patience": patience})
        if stopping.monitor.startswith("val_") and spec.training.validation_split == 0:
            raise OptionError(
                f"--early-stopping watches the {stopping.monitor}, but experiment '{spec.name}' has no validation "
                "set (training.validation_split: 0).",
                hint="Set training.validation_split (e.g. 0.2), or training.early_stopping.monitor: loss.",
            )
        training["early_stopping"] = stopping
    if training:
        updates["training"] = spec.training.model_copy(update=training)
    if data is not None:
        if "path" not in registry.get(spec.dataset.source).file_keys:
            source = spec.dataset.source
            raise OptionError(
                f"--data was given, but experiment '{spec.name}' uses {source} data (dataset.source: {source})."
            )
        updates["dataset"] = spec.dataset.model_copy(update={"path": str(resolved(Path(data).expanduser()))})
    if not updates:
        return spec
    spec = spec.model_copy(update=updates)
    problems = limit_problems(spec)  # --epochs 10**20 must not pass where `epochs: 10**20` would not
    if problems:
        key, _, problem = problems[0].partition(": ")
        option = {"training.epochs": ("--epochs", epochs),
                  "training.early_stopping.patience": ("--patience", patience)}.get(key)
        if option is not None and option[1] is not None:
            shown = f"{option[1]}" if len(str(option[1])) <= 18 else f"(a number of {len(str(option[1])):,} digits)"
            raise OptionError(f"{option[0]} {shown}: {problem}.")
        raise OptionError(f"{problems[0]}.")
    return spec


def _spec_text(spec: ExperimentSpec, spec_path: Path | None, given: str | None) -> str:
    """The spec as the student wrote it, comments included, for the report's "Program" section: the text given,
    else the spec file's, else the spec dumped as YAML."""
    if given:
        return given
    return spec_path.read_text(encoding="utf-8") if spec_path else spec_yaml(spec)


def spec_yaml(spec: ExperimentSpec) -> str:
    import yaml
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def versions(backend: str) -> dict:
    import sys
    found = {"python": platform.python_version(), "labreport": __version__, "backend": backend}
    for module in ("tensorflow", "keras", "numpy", "jax", "torch"):
        loaded = sys.modules.get(module)
        if loaded is not None and hasattr(loaded, "__version__"):
            found[module] = loaded.__version__
    return found


def train_experiment(spec: ExperimentSpec, run_dir: Path, *, progress: str = "bar",
                     log: Callable[[str], None] = print) -> dict:
    """Train the spec's model and its baselines; return the run record (not yet written)."""
    from .train.backend import select_backend
    select_backend(spec.training.backend)

    from .data import load_dataset

    started = time.perf_counter()
    dataset = load_dataset(spec.dataset, spec.training)
    data_seconds = time.perf_counter() - started
    sizes = dataset.sizes()
    log(f"Data: {dataset.description.get('name', spec.dataset.source)}: {sizes['train']} train, "
        f"{sizes['validation']} validation, {sizes['test']} test sequences of length {dataset.sequence_length}.")

    run_dir.mkdir(parents=True, exist_ok=True)
    if getattr(dataset, "task", "classification") == "forecast":
        from .train.forecast import train_forecast_run
        trained = {"task": FORECAST.model_dump(),
                   **train_forecast_run(spec, dataset, max_series=MAX_SERIES, progress=progress, log=log)}
        diagnostics, diagnostics_parts, diagnostics_seconds = None, {}, 0.0  # the gate and gradient probes: classes only
    else:
        models, diagnostics, diagnostics_parts, diagnostics_seconds = _train_classifiers(spec, dataset, run_dir,
                                                                                         progress, log)
        trained = {"task": CLASSIFICATION.model_dump(), "dataset": dataset.summary(), "models": models}
    total_seconds = time.perf_counter() - started
    return {
        "experiment": spec.name,
        "description": spec.description,
        "spec": spec.model_dump(mode="json"),
        "seed": spec.training.seed,
        "backend": spec.training.backend,
        **trained,
        "timing": {"data_seconds": round(data_seconds, 3),
                   "diagnostics_seconds": round(diagnostics_seconds, 3),
                   "diagnostics_parts_seconds": diagnostics_parts,
                   "total_seconds": round(total_seconds, 3)},
        **({"diagnostics": diagnostics} if diagnostics is not None else {}),
        "versions": versions(spec.training.backend),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _train_classifiers(spec: ExperimentSpec, dataset, run_dir: Path, progress: str, log) -> tuple:
    """The classification run's models (main, then baselines) and diagnostics."""
    from .train.probes import compute_diagnostics
    from .training import train_one

    stopping = spec.training.early_stopping
    plan = f"{spec.training.epochs} epoch(s)"
    if stopping is not None and stopping.patience is not None:
        plan = (f"up to {plan}, stopping early when the {stopping.monitor} has not improved for "
                f"{stopping.patience} epoch(s)")
    if stopping is not None and stopping.restore_best_weights:
        plan += f", evaluating the best epoch's weights by the {stopping.monitor}"
    log(f"Training the {spec.model.recurrent[0].cell.upper()} model for {plan}...")
    main = train_one(spec, dataset, work_dir=run_dir, progress=progress, log=log)
    if main.diverged:
        # Recorded, not hidden: the baselines still train (independent evidence),
        # run.json and the report are written, then run_experiment raises.
        log(f"  loss became {main.stopped['value']} at epoch {main.stopped['epoch']}, batch "
            f"{main.stopped['batch']}; training stopped, not evaluated on the test set")
    else:
        log(f"  test accuracy {main.test['accuracy']:.4f}, test loss {main.test['loss']:.4f}")
    baselines, variants = [], []
    for compared in spec.baselines():
        trained = _train_compared(spec, dataset, compared, run_dir, progress, log)
        (variants if compared.kind == "variant" else baselines).append(trained)


    diagnostics_started = time.perf_counter()
    diagnostics_parts: dict = {}
    diagnostics = compute_diagnostics(spec, dataset, main, baselines, seconds=diagnostics_parts)
    models = [model_run("main", main), *(model_run("baseline", b) for b in baselines),
              *(model_run("variant", v) for v in variants)]
    return models, diagnostics, diagnostics_parts, time.perf_counter() - diagnostics_started


def _train_compared(spec: ExperimentSpec, dataset, compared, run_dir: Path, progress: str, log):
    """Train one model of model.compare (a cell swapped, or a variant with settings changed), saying which."""
    from .training import train_one

    if compared.kind == "variant":
        changed = ", ".join(f"{key} {value}" for key, value in compared.overrides.items())
        log(f"Training the {compared.cell} variant '{compared.name}' ({changed}; everything else as the main model)...")
    else:
        # What a baseline keeps and what it cannot keep (an LSTM's forget-gate setting) is the report's to
        # state (facts.outcome.setting_differences); the progress line says only what is always true.
        embedding = "embedding, " if getattr(dataset, "vocabulary_size", None) and spec.model.embedding else ""
        # Early stopping ends each training at its own epoch: the same rule, not the same epochs.
        length = "epoch limit and early-stopping rule" if spec.training.early_stopping else "epochs"
        log(f"Training the {compared.cell} baseline (same data, {embedding}units, optimiser, {length} and seed; "
            "settings only an LSTM has do not carry over)...")
    trained = train_one(spec, dataset, baseline=compared, work_dir=run_dir, progress=progress, log=log)
    if trained.diverged:
        log(f"  loss became {trained.stopped['value']} at epoch {trained.stopped['epoch']}, batch "
            f"{trained.stopped['batch']}; this {'variant' if compared.kind == 'variant' else 'baseline'} "
            "stopped there and is not evaluated")
    else:
        log(f"  test accuracy {trained.test['accuracy']:.4f}")
    return trained


def model_run(role: str, trained) -> dict:
    """One entry of run.json's ``models`` (a ModelRun's fields) from a trained model (training.TrainedModel):
    its summary, histories, test result, timing, why training ended and which epoch's weights were evaluated."""
    entry = {"role": role, **trained.to_record()}
    if not entry.get("stopped"):
        entry.pop("stopped", None)  # nothing said why training ended
    return entry


def run_experiment(spec: str | Path | ExperimentSpec | None = None, *, out_dir: str | Path = "output",
                   epochs: int | None = None, data: str | None = None, force: bool = False,
                   early_stopping: bool | None = None, patience: int | None = None,
                   progress: str = "bar", log: Callable[[str], None] = print,
                   spec_text: str | None = None) -> RunResult:
    """Train the experiment a spec describes and write its report.

    ``spec`` is a YAML path, a shipped experiment's name, an ``ExperimentSpec``
    or None (the default experiment).  Output goes to ``out_dir/<name>/``.
    A run saved there with the same training fingerprint is reused: only the
    report is written again, with the spec's current report fields
    (``force=True`` trains anyway).  ``spec_text`` is the YAML an ``ExperimentSpec``
    was read from, for the report's appendix (a spec file's own text is used otherwise).
    """
    # render_report (matplotlib, Jinja) is imported where it is used, so a run
    # that fails in training has not paid for it.

    spec, spec_path = resolve_spec(spec)
    spec = apply_overrides(spec, epochs=epochs, data=data, early_stopping=early_stopping, patience=patience)
    check_template(spec, spec_path)
    run_dir = Path(out_dir) / spec.name
    spec_text = _spec_text(spec, spec_path, spec_text)
    created = prepare_run_dir(run_dir)
    try:
        # Released (its file removed) before the folders this run created are removed if empty.
        with output_folder_lock(run_dir):
            return _train_or_reuse(spec, run_dir, spec_text, force=force, progress=progress, log=log,
                                   overrides={"epochs": epochs, "data": data, "early-stopping": early_stopping,
                                              "patience": patience})
    finally:
        remove_if_empty(created)


def _train_or_reuse(spec: ExperimentSpec, run_dir: Path, spec_text: str, *, force: bool, progress: str,
                    log: Callable[[str], None], overrides: dict) -> RunResult:
    """``run_experiment``'s work, with the run folder created and locked."""
    fingerprint = training_fingerprint(spec)
    if not force and _saved_fingerprint(run_dir) == fingerprint.sha256:
        log(f"Reusing the saved run in {run_dir} (training fields unchanged); rendering only. "
            "Use --force to retrain.")
        from .report import render_report
        rendered = render_report(run_dir, report_fields=spec.report_fields(), spec_text=spec_text)
        if rendered.replaced_worksheet:
            log(f"  report.pdf is the spec's {spec.report.worksheet} format again; it replaced the "
                f"{rendered.replaced_worksheet} report that `labreport render --worksheet` wrote there.")
        saved = read_run_record(run_dir)
        from .export import write_program_files
        write_program_files(run_dir, saved["spec"])  # a run saved before the program was written has none
        stopped = main_run(saved).get("stopped") or {}
        if stopped.get("reason") == "nan_loss":
            raise nan_loss_error(spec, stopped, run_dir)  # the saved run diverged: still a failure
        return RunResult(run_dir=run_dir, pdf_path=rendered.pdf_path, html_path=rendered.html_path,
                         run_record=saved, figures=rendered.figures, status="reused")

    record_written = False
    try:
        trained = train_experiment(spec, run_dir, progress=progress, log=log)
        record = to_record({**trained, "spec_text": spec_text,
                            "spec_overrides": {k: v for k, v in overrides.items() if v is not None},
                            "fingerprint": fingerprint.sha256, "fingerprint_inputs": fingerprint.inputs,
                            "report_fingerprint": _report_fingerprint(spec)})
        write_run_record(run_dir, record)
        record_written = True
        # The run's program in plain Keras, from the spec run.json holds (no Keras needed to write it).
        log(f"Writing {run_dir / 'program.py'} and program.ipynb, then the figures, report.html and report.pdf..."
            if not registry.program_refusal(spec.dataset.source) else "Writing the figures, report.html and report.pdf...")
        from .export import write_program_files
        write_program_files(run_dir, record.spec)
        # Only now, with the run record safe, are the checkpoints no longer needed.
        shutil.rmtree(run_dir / CHECKPOINT_DIR, ignore_errors=True)
        from .report import render_report
        rendered = render_report(run_dir, report_fields=spec.report_fields())  # the spec names its template
        if record.main.diverged:
            # The main model diverged: its record and report are written; the run still failed.
            raise nan_loss_error(spec, record.main.stopped.model_dump(exclude_unset=True), run_dir)
    except RenderError as error:
        raise RenderError(error.message, hint=_join(error.hint, _render_again(run_dir, spec))) from None
    except KeyboardInterrupt:
        if record_written:
            raise TrainingError("Interrupted while writing the report.", hint=_render_again(run_dir, spec)) from None
        raise TrainingError(
            "Interrupted before training finished.",
            hint="Run the same command again to resume: finished epochs and finished models are not trained again.",
        ) from None
    except OSError as exc:
        if not _is_output_problem(exc, run_dir):
            raise
        raise output_error(Path(exc.filename) if exc.filename else run_dir, exc) from None
    return RunResult(run_dir=run_dir, pdf_path=rendered.pdf_path, html_path=rendered.html_path,
                     run_record=read_run_record(run_dir / RUN_RECORD_NAME), figures=rendered.figures)


def _report_fingerprint(spec: ExperimentSpec) -> str:
    from .report.sections import report_fingerprint
    return report_fingerprint(spec.report_fields())


def nan_loss_error(spec: ExperimentSpec, stopped: dict, run_dir: Path) -> TrainingError:
    from .cells import CELL_TITLES
    from .errors import NanLossError

    cell = spec.model.recurrent[0].cell
    return NanLossError(CELL_TITLES.get(cell, cell), stopped, spec.training, run_dir / "history.csv")


def check_template(spec: ExperimentSpec, spec_path: Path | None) -> None:
    """report.template and report.template_dir, checked before training (and by `validate`, `render` and
    batch's planner) with the rules every reader of them applies (containment.py): a FIFO, a device, a
    file too large, a link leading out of its folder or a folder the size of /usr is refused by key."""
    from .containment import Refused, template_file, template_folder_files

    template_dir = spec.report.template_dir
    if template_dir:
        try:
            template_folder_files(template_dir)
        except Refused as exc:
            raise SpecError(spec_path or spec.name, [f"report.template_dir: {template_dir}: {exc}"],
                            hint="Point report.template_dir at the folder that holds your phrases.html.j2 or "
                                 "formats/.") from None
    template = spec.report.template
    if template:
        try:
            template_file(template)
        except Refused as exc:
            problem = "is a folder, not a template file" if Path(template).is_dir() else str(exc)
            raise SpecError(spec_path or spec.name, [f"report.template: {template}: {problem}"],
                            hint="Relative paths are from the spec's folder.") from None


def check_spec(spec: ExperimentSpec, spec_path: Path | None) -> list[Path]:
    """What `run` checks of a spec before training, for `validate`: its templates, its data (the loaders'
    own checks, with their messages) and the exported program's structure.  Returns the data paths
    that are not there yet (a note, not an error: `run` reads them)."""
    from .data import check_data
    from .export import check_program_shape

    check_template(spec, spec_path)
    missing = check_data(spec.dataset)
    check_program_shape(spec.model_dump(mode="json"), origin=str(spec_path or spec.name))
    return missing


def prepare_run_dir(run_dir: Path) -> list[Path]:
    """Create the run folder and check a file can be written in it, before any data is read.

    Returns the folders this call created (deepest first), so that a run
    that fails before writing anything can remove them again.
    """
    created = []
    folder = run_dir
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        created.append(folder)
        folder = folder.parent
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".write-test.", dir=run_dir)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        remove_if_empty(created)
        blocking = next((p for p in [run_dir, *(f.parent for f in created)] if p.exists() and not p.is_dir()), None)
        detail = f" ({blocking} is a file, not a folder)" if blocking is not None else f" ({exc.strerror})"
        raise OutputError(f"Cannot write to the output folder {run_dir}{detail}.",
                          hint="Choose a folder you can write to with --out.") from None
    # Keras writes the checkpoints itself, not through write_atomic: a checkpoint or figures
    # folder planted as a link out of the run folder is refused before training starts.
    try:
        for folder in (CHECKPOINT_DIR, "figures"):
            check_inside(run_dir / folder / "file", run_dir)
    except OutputError:
        remove_if_empty(created)
        raise
    return created


def remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders a failed run created, deepest first, if nothing was written in them."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (a kept history.csv), or already gone


def _is_output_problem(exc: OSError, run_dir: Path) -> bool:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return True
    filename = exc.filename if isinstance(exc.filename, str) else None
    return (exc.errno in OUTPUT_ERRNOS and filename is not None
            and Path(filename).resolve().is_relative_to(run_dir.resolve()))


def _render_again(run_dir: Path, spec: ExperimentSpec | None = None) -> str:
    # `render RUN_DIR` uses a template only when it is named on the command line (a run folder may come
    # from anyone), so the command shown names the spec's own template, if it has one.
    options = ""
    if spec is not None:
        for key in ("template", "template_dir"):
            value = getattr(spec.report, key)
            if value:
                options += f" --{key.replace('_', '-')} {value}"
    return (f"The training is saved in {run_dir / RUN_RECORD_NAME}; `labreport render {run_dir}{options}` writes "
            "the report from it without training again.")


def _join(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


def _saved_fingerprint(run_dir: Path) -> str | None:
    """The training fingerprint of the run saved in ``run_dir``; None if there is none to reuse."""
    if not (run_dir / RUN_RECORD_NAME).is_file():
        return None
    try:
        return read_run_record(run_dir).get("fingerprint")
    except LabreportError:
        return None  # a damaged run.json is not worth keeping: train again


def render_saved_run(spec: str | Path | ExperimentSpec | None, *, out_dir: str | Path = "output",
                     worksheet: str | None = None, header: dict | None = None, smoothing: float | None = None,
                     log: Callable[[str], None] = print, spec_text: str | None = None):
    """Write a spec's saved run's report again with the spec's current report fields; never trains.

    The run is the one `labreport run SPEC --out OUT_DIR` saved in ``OUT_DIR/<name>/``; ``spec_text``
    as for ``run_experiment``.
    """
    from .report import render_report
    from .report.render import check_report_options

    check_report_options(worksheet=worksheet, smoothing=smoothing)  # before "no saved run", as the CLI did
    spec, spec_path = resolve_spec(spec)
    check_template(spec, spec_path)  # before the fingerprint reads it
    run_dir = Path(out_dir) / spec.name
    from .saved_run import saved_run_state

    state = saved_run_state(spec, run_dir, training_fingerprint(spec))
    if state.record is None:
        out_option = "" if Path(out_dir) == Path("output") else f" --out {out_dir}"
        raise LabreportError(
            f"{spec_path or spec.name}: no saved run to render ({state.reason}).",
            hint=f"Train it first with `labreport run {spec_path or spec.name}{out_option}`; "
                 "`labreport render` then writes its report again without training.",
        )
    if state.needs_training:
        log(f"Note: the saved run in {run_dir} is out of date ({state.reason}); "
            "the report shows the saved run's numbers. `labreport run` trains again.")
    spec_text = _spec_text(spec, spec_path, spec_text)
    return render_report(run_dir, report_fields=spec.report_fields(), spec_text=spec_text,
                         worksheet=worksheet, header=header, smoothing=smoothing)


# What `labreport render` reads; a file with another suffix (a report.pdf, a program.py) is refused with
# what render expects rather than read as YAML.
_RENDERABLE_SUFFIXES = {".yaml", ".yml", ".json", ""}


def render_source(source: str | Path, *, out_dir: str | Path | None = None, worksheet: str | None = None,
                  header: dict | None = None, smoothing: float | None = None,
                  template: str | Path | None = None, template_dir: str | Path | None = None,
                  log: Callable[[str], None] = print):
    """`labreport render SOURCE`: a run folder, its run.json, a spec file or a shipped experiment's name."""
    from .report import render_report

    path = Path(source)
    if path.is_dir() or path.suffix == ".json":
        folder = path.parent if path.suffix == ".json" else path
        return render_report(folder, worksheet=worksheet, header=header, smoothing=smoothing, out_dir=out_dir,
                             template=template, template_dir=template_dir)
    if path.suffix.lower() not in _RENDERABLE_SUFFIXES:
        raise OptionError(
            f"{source}: `labreport render` reads a run folder (the folder holding run.json), its run.json, "
            f"or an experiment spec (.yaml) or shipped experiment's name, not a {path.suffix} file.",
            hint="For a run made with `labreport run SPEC`, pass the run folder (e.g. output/<experiment name>) "
                 "or SPEC itself.",
        )
    for option, value in (("--template", template), ("--template-dir", template_dir)):
        if value is not None:
            raise OptionError(f"{option} goes with a run folder; for a spec, set it in the spec's report section.")
    return render_saved_run(source, out_dir=out_dir or Path("output"), worksheet=worksheet, header=header,
                            smoothing=smoothing, log=log)

