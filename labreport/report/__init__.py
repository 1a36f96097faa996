"""Report stage: everything after run.json. Never imports TensorFlow.

``render_report`` is imported lazily so that importing a part of this stage (the
filters, the figure list) does not load matplotlib and WeasyPrint.
"""

__all__ = ["render_report", "RenderedReport"]


def __getattr__(name):
    if name in __all__:
        from . import render
        return getattr(render, name)
    raise AttributeError(f"module 'labreport.report' has no attribute {name!r}")
