"""Report stage: everything after run.json. Never imports TensorFlow."""

from .render import RenderedReport, render_report

__all__ = ["render_report", "RenderedReport"]
