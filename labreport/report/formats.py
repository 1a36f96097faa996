"""The formats as the report stage reads them: each format.yaml checked against the figure registry.

labreport/worksheets.py reads and validates a format folder's format.yaml; the figure keys it may list
are the registry's (figures.py ``FIGURES``), which sits in this stage, above it.
"""

from __future__ import annotations

from ..worksheets import Worksheet, load_worksheet
from .figures import FIGURE_TASKS


def load_format(name: str) -> Worksheet:
    """The shipped format ``name``, its figure keys checked against the registry: ``figures`` a
    classification's, ``forecast_figures`` a forecast's."""
    return load_worksheet(name, FIGURE_TASKS)
