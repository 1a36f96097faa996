"""Load the report stage's libraries in the background while a model trains.

The first report of a process pays about 0.85 s (on the 2-core reference
machine) to import matplotlib, Jinja and WeasyPrint.  ``labreport run`` has
nothing else to do with that time once training starts: training runs in
TensorFlow's native threads and the recurrent steps leave a core mostly idle,
so the imports are done on a thread meanwhile and the report after training
starts warm.  Measured in BENCHMARKS.md.

Only imports happen here: no figure, file or global setting that the render
could see differently.  A failure is kept, not raised: the render then imports
the same modules itself and reports the problem where it always would.
"""

from __future__ import annotations

import threading


class ReportWarmUp:
    """A daemon thread importing the report modules; ``wait()`` before rendering."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="labreport-report-warm-up", daemon=True)

    def start(self) -> "ReportWarmUp":
        """Start the imports (once); returns self."""
        if self._thread.ident is None:
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            import weasyprint  # noqa: F401 - the import is the work

            from . import render  # noqa: F401 - matplotlib, Jinja, the answers
        except BaseException as error:  # noqa: BLE001 - kept for the render to meet again
            self.error = error

    def wait(self) -> None:
        """Block until the imports are done (at once if they are, or were never started)."""
        if self._thread.ident is not None:
            self._thread.join()
