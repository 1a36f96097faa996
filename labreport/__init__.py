"""labreport: train the Keras LSTM a YAML spec describes and write the lab report.

From a notebook::

    from labreport import run_experiment, render_report
    result = run_experiment("remember_important_tasks")   # trains, writes the PDF
    result.pdf_path, result.test_accuracy
    render_report(result.run_dir, worksheet="lab-record")  # again, no training

Importing labreport does not import TensorFlow; training does.
"""

from ._version import __version__  # noqa: E402,F401  (the one version string)

from .errors import (  # noqa: E402
    DataError,
    LabreportError,
    OptionError,
    OutputError,
    RenderError,
    SpecError,
    TrainingError,
)


def __getattr__(name):
    # Lazy: keep `import labreport` (and so `labreport --help`) free of
    # pydantic-heavy and matplotlib-heavy imports until they are used.
    if name in ("run_experiment", "RunResult"):
        from . import pipeline
        return getattr(pipeline, name)
    if name in ("render_report", "RenderedReport"):
        from . import report
        return getattr(report, name)
    if name in ("load_spec", "ExperimentSpec", "validate_spec"):
        from . import spec
        return getattr(spec, name)
    raise AttributeError(f"module 'labreport' has no attribute {name!r}")


__all__ = [
    "run_experiment", "render_report", "load_spec", "validate_spec", "ExperimentSpec", "RunResult",
    "RenderedReport", "LabreportError", "SpecError", "DataError", "OptionError", "TrainingError",
    "RenderError", "OutputError",
]
