"""The command line: translates arguments into library calls, and errors into exit codes.

Nothing here trains, renders or validates by itself; the library does.  Heavy
modules (TensorFlow, matplotlib, WeasyPrint) are imported inside the commands
that need them, so `labreport --help` answers at once.

Exit codes: 0 done; 1 training or rendering failed; 2 bad spec, bad option
or missing data.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import List, Optional

import typer

from .sources import registry as _sources
from .errors import LabreportError

app = typer.Typer(
    name="labreport",
    help="Train the Keras LSTM a YAML spec describes and write the lab worksheet's report as a PDF.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": False}


def _fail(error: LabreportError) -> None:
    if _state["debug"]:
        traceback.print_exc()
    typer.echo(f"Error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _version_callback(value: bool) -> None:
    if value:
        from ._version import __version__
        typer.echo(f"labreport {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    _state["debug"] = debug


@app.command("run")
def run_command(
    spec: Optional[str] = typer.Argument(None, help="A spec file or a shipped experiment's name; default: the default experiment."),
    out: Path = typer.Option(Path("output"), "--out", "-o", help="Output folder; the report goes to OUT/<experiment name>/."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Override training.epochs."),
    data: Optional[str] = typer.Option(None, "--data", help="Override dataset.path (e.g. ../shared/data/imdb/imdb.npz)."),
    force: bool = typer.Option(False, "--force", help="Train even if a saved run has the same training fields."),
    early_stopping: Optional[bool] = typer.Option(
        None, "--early-stopping/--no-early-stopping",
        help="Turn training.early_stopping on (the spec's settings, or: monitor val_loss, patience 2, "
             "restore_best_weights) or off."),
    patience: Optional[int] = typer.Option(
        None, "--patience", help="Override training.early_stopping.patience (turns early stopping on)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="One line per epoch instead of a progress bar."),
) -> None:
    """Train the experiment SPEC describes and write its report (a saved run with the same training fields is reused)."""
    from .pipeline import run_experiment

    progress = "epoch" if quiet or not sys.stdout.isatty() else "bar"
    try:
        result = run_experiment(spec, out_dir=out, epochs=epochs, data=data, force=force,
                                early_stopping=early_stopping, patience=patience, progress=progress,
                                log=typer.echo)
    except LabreportError as error:
        _fail(error)
    from .record import main_run

    record = result.run_record
    main = main_run(record)
    what = "saved run" if result.status == "reused" else f"{record['timing']['total_seconds']:.1f} s training"
    evaluated = ""
    if main.get("restored_best_weights") and main.get("evaluated_epoch"):
        evaluated = f" with epoch {main['evaluated_epoch']}'s weights"
    stopped = " (stopped early)" if (main.get("stopped") or {}).get("reason") == "early_stopping" else ""
    # The files beside the report first: "Done: REPORT" stays the last line, for scripts that read it.
    forecast = (record.get("task") or {}).get("kind") == "forecast"
    if _sources.program_refusal(((record.get("spec") or {}).get("dataset") or {}).get("source")):
        # no exported program for this source yet; a forecast keeps no history.csv either
        typer.echo(f"Written in {result.run_dir}: {result.html_path.name}, run.json"
                   + ("" if forecast else " and history.csv"))
    else:
        # a forecast keeps no history.csv (its history is in run.json)
        typer.echo(f"Written in {result.run_dir}: {result.html_path.name}, program.py and program.ipynb (the program "
                   f"to attach), run.json" + ("" if forecast else " and history.csv"))
    score = (f"test MAE {main['test']['mae']:.4g}" if forecast else f"test accuracy {main['test']['accuracy']:.4f}")
    typer.echo(
        f"Done: {result.pdf_path} ({score}{evaluated}, "
        f"{_plural(len(main['history']['loss']), 'epoch')}{stopped}, {what})"
    )


@app.command("render")
def render_command(
    source: str = typer.Argument(..., metavar="RUN_DIR_OR_SPEC",
                                 help="A run folder holding run.json (or run.json itself), or a spec file or shipped "
                                      "experiment's name: its saved run, with the spec's current report fields."),
    worksheet: Optional[str] = typer.Option(None, "--worksheet", "-w", help="The worksheet format: a folder under templates/formats (exp13 by default; `labreport list` and docs/students/formats.md describe them)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="RUN_DIR: write the report here instead of the run folder. "
                                            "SPEC: the output folder the spec was run with (default ./output)."),
    student: Optional[str] = typer.Option(None, "--student", help="Override header.student_name."),
    smoothing: Optional[float] = typer.Option(None, "--smoothing", help="Override report.smoothing (0-1)."),
    template: Optional[Path] = typer.Option(None, "--template", help="RUN_DIR: your own template (report.template); "
                                            "one named only in run.json is not used."),
    template_dir: Optional[Path] = typer.Option(None, "--template-dir", help="RUN_DIR: a course's template folder "
                                                "(report.template_dir); one named only in run.json is not used."),
) -> None:
    """Write the report again from a saved run, without training."""
    try:
        from .pipeline import render_source
        header = {"student_name": student} if student is not None else None
        rendered = render_source(source, out_dir=out, worksheet=worksheet, header=header, smoothing=smoothing,
                                 template=template, template_dir=template_dir, log=typer.echo)
    except LabreportError as error:
        _fail(error)
    typer.echo(f"Done: {rendered.pdf_path} ({rendered.seconds:.1f} s)")
    if rendered.replaced_worksheet:
        typer.echo(f"  It replaced the {rendered.replaced_worksheet} report there (a run folder holds one "
                   f"report.pdf); `--out DIR` writes another format beside it, and `labreport run` writes "
                   f"the spec's format back.")


@app.command("export")
def export_command(
    source: str = typer.Argument(..., metavar="SPEC_OR_RUN_DIR",
                                 help="A spec file or shipped experiment's name (nothing is trained), or a run folder "
                                      "holding run.json."),
    to: str = typer.Option("py", "--to", help="py: a Python script; ipynb: a Jupyter/Colab notebook."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="The file to write (or a folder for it); default: program.<py|ipynb> in "
                                            "the run folder, or <experiment name>.<py|ipynb> here for a spec "
                                            "(--framework torch: program_torch.<py|ipynb>, <name>_torch.<py|ipynb>)."),
    framework: str = typer.Option("keras", "--framework",
                                  help="keras: the run's Keras program; torch: a native PyTorch program (nn.LSTM and "
                                       "a training loop) with the same data, split and hyper-parameters."),
) -> None:
    """Write the run's program in plain Keras, or in native PyTorch (no labreport needed to run it)."""
    from .export import export_program

    try:
        path = export_program(source, to=to, out=out, framework=framework)
    except LabreportError as error:
        _fail(error)
    typer.echo(f"Wrote {path}")


@app.command("batch")
def batch_command(
    paths: Optional[List[Path]] = typer.Argument(None, help="Spec files, or folders of them (*.yaml, *.yml)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Run up to N specs at once, each in its own process "
                             "(--cluster local: N Dask workers; --scheduler: the cluster's workers decide)."),
    out: Path = typer.Option(Path("output"), "--out", "-o", help="Output folder: OUT/<experiment>/, OUT/index.html."),
    roster: Optional[Path] = typer.Option(None, "--roster", help="A CSV with one student per row: one PDF each."),
    fail_fast: bool = typer.Option(False, "--fail-fast", help="Start nothing new after the first failure."),
    check: bool = typer.Option(False, "--check", help="Run nothing; list the specs whose report is out of date."),
    yes: bool = typer.Option(False, "--yes", help="Make more than 500 roster PDFs without asking."),
    output_format: str = typer.Option("text", "--format", help="With --check: text (a line per stale spec), or "
                                      "markdown (a pull-request comment: stale specs, and each finished run's "
                                      "test result against the run before it)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run on the Dask cluster whose scheduler is "
                                            "at this address (tcp://HOST:8786); needs labreport[dask]."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="local: run on a Dask LocalCluster of --jobs "
                                          "worker processes on this machine; needs labreport[dask]."),
    worker_cpus: Optional[int] = typer.Option(None, "--worker-cpus", help="Dask: cores (TensorFlow threads) for "
                                              "each spec, asked of workers that advertise a CPU resource."),
    worker_gpus: int = typer.Option(0, "--worker-gpus", help="Dask: GPUs for each spec (the workers' GPU resource)."),
    data_root: Optional[List[Path]] = typer.Option(
        None, "--data-root", help="A folder whose files every spec may read (repeatable); otherwise a spec's data "
                                  "and templates must lie in its own folder."),
    template_dir: Optional[Path] = typer.Option(None, "--template-dir", help="A course's template folder: its "
                                                "course/index.html.j2 or course/words.html.j2 replaces the course "
                                                "page's (OUT/index.html)."),
) -> None:
    """Run many specs, reusing saved runs whose training fields are unchanged; write OUT/index.html."""
    from . import batch

    try:
        if check:
            text, stale = batch.check_summary(paths or [], out_dir=out, roster=roster, output_format=output_format,
                                              data_roots=data_root or [])
            typer.echo(text)
            raise typer.Exit(1 if stale else 0)
        executor = batch.ExecutorOptions(scheduler=scheduler, cluster=cluster, worker_cpus=worker_cpus,
                                         worker_gpus=worker_gpus)
        result = batch.run_batch(paths or [], jobs=jobs, out_dir=out, roster=roster, fail_fast=fail_fast,
                                 log=typer.echo, yes=yes, executor=executor, output_format=output_format,
                                 data_roots=data_root or [], template_dir=template_dir)
    except LabreportError as error:
        _fail(error)
    typer.echo(batch.format_table(result.outcomes))
    typer.echo(f"Index: {result.index_html}")
    raise typer.Exit(0 if result.succeeded else 1)


@app.command("list")
def list_command() -> None:
    """List the shipped experiments."""
    from .resources import shipped_experiments
    from .spec import load_spec

    shipped = shipped_experiments()
    width = max((len(name) for name in shipped), default=0)
    for name, path in shipped.items():
        try:
            description = load_spec(path).description.strip().splitlines()[0]
        except (LabreportError, IndexError):
            description = ""
        typer.echo(f"{name:<{width}}  {description}")


@app.command("validate")
def validate_command(
    specs: List[str] = typer.Argument(..., metavar="SPEC...", help="Spec files, or shipped experiments' names, to check."),
) -> None:
    """Check specs without training."""
    from .pipeline import check_spec
    from .estimate import describe_plan, plan_model
    from .spec import load_spec
    from .data import missing_note
    from .spec_files import spec_path

    failed = 0
    for name in specs:
        try:
            path = spec_path(name)
            spec = load_spec(path)
            missing = check_spec(spec, path)  # what `run` checks before training, with the same messages
        except LabreportError as error:
            failed += 1
            typer.echo(f"Error: {error}", err=True)
            continue
        typer.echo(f"{path}: valid ({spec.name}: {spec.dataset.source} data, "
                   f"{' + '.join(layer.cell for layer in spec.model.recurrent)}, "
                   f"{spec.training.epochs} epochs)")
        for line in describe_plan(spec, plan_model(spec)):
            typer.echo(line)
        for data_path in missing:
            typer.echo(f"  note: {data_path}: {missing_note(data_path)}")
    if failed:
        raise typer.Exit(2)
    if len(specs) == 1:
        typer.echo(f"Next: labreport run {specs[0]}")


@app.command("init")
def init_command(
    name: str = typer.Argument("my_experiment", help="Name of the experiment; writes NAME.yaml here."),
    worksheet: str = typer.Option("exp13", "--worksheet", "-w", help="The worksheet format: a folder under templates/formats (exp13 by default; `labreport list` and docs/students/formats.md describe them)."),
    dataset: str = typer.Option(_sources.DEFAULT_SOURCE, "--dataset", "-d", help=f"{_sources.names_text()}."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing NAME.yaml."),
) -> None:
    """Write a commented starter spec with every default visible."""
    from .starter import write_starter

    try:
        path = write_starter(name, Path.cwd(), worksheet=worksheet, dataset=dataset, force=force)
    except LabreportError as error:
        _fail(error)
    typer.echo(f"Wrote {path.name}. Fill in the header (marked 'fill in')"
               + "".join(f", set dataset.{key} to your data" for key in _sources.get(dataset).starter)
               + f", then: labreport validate {path.name}")


@app.command("schema")
def schema_command(
    run_record: bool = typer.Option(False, "--run-record", help="Print run.json's JSON Schema instead of the spec's."),
) -> None:
    """Print the spec's JSON Schema (for editors and CI checks), or with --run-record run.json's."""
    if run_record:
        from .record import run_record_schema_text as schema_text
    else:
        from .starter import schema_text

    typer.echo(schema_text(), nl=False)


def main() -> None:
    try:
        app()
    finally:
        # The process ends here.  Python's last garbage collection would visit every object the command made
        # (a render's layout boxes, its figures, its modules: 0.3 s of a 4 s render) only to free memory the
        # operating system takes back anyway; frozen objects are left to it.  Exit handlers still run, and
        # every file labreport writes is closed by then.
        import gc

        gc.freeze()
