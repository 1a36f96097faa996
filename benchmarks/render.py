"""How long writing a report takes: one `labreport render`, and a class roster in one process.

    python benchmarks/render.py [--run-dir DIR] [--repeats 5] [--roster 30] [--profile FILE.html]

Needs a finished run folder (run.json + figures are re-drawn by the render).
Without --run-dir it uses ./output/remember_important_tasks if that holds a
run.json, else it trains the default experiment once into a temporary folder
(not timed; a few minutes on 2 cores).

Measured, each as the median of --repeats:

1. ``labreport render RUN_DIR --out TMP`` as a fresh process (what a user
   waits for: interpreter start, imports of matplotlib/Jinja/WeasyPrint,
   figures, HTML, PDF).  Goal: <= 3 s.
2. ``render_report`` called in this process, first call (cold: imports, font
   discovery) and following calls (warm).
3. A roster: ``render_report`` 30 times in one process, each with another
   ``header.student_name`` and its own PDF/HTML name, into one output folder
   (imports, fonts and templates loaded once).  Goal: 30 PDFs <= 30 s.

--profile writes a pyinstrument profile (HTML) of one warm render.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def default_run_dir(scratch: Path) -> Path:
    existing = REPO / "output" / "remember_important_tasks"
    if (existing / "run.json").exists():
        return existing
    print("No run of the default experiment in ./output; training it once (not timed)...", flush=True)
    from labreport import run_experiment
    return run_experiment(out_dir=scratch, progress="none", log=lambda _m: None).run_dir


def cli_render(run_dir: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "labreport", "render", str(run_dir), "--out", str(out)],
                   check=True, capture_output=True, cwd=REPO, env={**_env(), "PYTHONPATH": str(REPO)})
    return time.perf_counter() - started


def _env():
    import os
    return dict(os.environ)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--roster", type=int, default=30)
    parser.add_argument("--roster-repeats", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-render-") as scratch_name:
        scratch = Path(scratch_name)
        run_dir = args.run_dir or default_run_dir(scratch)
        print(f"run folder {run_dir}; load before: {open('/proc/loadavg').read().split()[:3]}", flush=True)

        if not args.skip_cli:
            cli = [cli_render(run_dir, scratch / f"cli{i}") for i in range(args.repeats)]
            print(f"1. labreport render (fresh process): median {statistics.median(cli):.2f} s  "
                  f"runs {', '.join(f'{t:.2f}' for t in cli)}  (goal <= 3 s)", flush=True)

        t = time.perf_counter()
        from labreport import render_report
        import_seconds = time.perf_counter() - t
        calls = []
        for i in range(args.repeats):
            t = time.perf_counter()
            render_report(run_dir, out_dir=scratch / f"inproc{i}")
            calls.append(time.perf_counter() - t)
        print(f"2. render_report in-process: import {import_seconds:.2f} s, first call {calls[0]:.2f} s, "
              f"later calls median {statistics.median(calls[1:] or calls):.2f} s  "
              f"runs {', '.join(f'{t:.2f}' for t in calls)}", flush=True)

        rosters = []
        for r in range(args.roster_repeats):
            roster_dir = scratch / f"roster{r}"
            t = time.perf_counter()
            for i in range(args.roster):
                render_report(run_dir, header={"student_name": f"Student {i + 1:02d}"}, out_dir=roster_dir,
                              pdf_name=f"report_{i + 1:02d}.pdf", html_name=f"report_{i + 1:02d}.html")
            rosters.append(time.perf_counter() - t)
            pdfs = sorted(roster_dir.glob("report_*.pdf"))
            assert len(pdfs) == args.roster, pdfs
        print(f"3. roster of {args.roster} PDFs in one process: median {statistics.median(rosters):.2f} s "
              f"({statistics.median(rosters) / args.roster:.2f} s each)  runs "
              f"{', '.join(f'{t:.2f}' for t in rosters)}  (goal <= 30 s)", flush=True)

        if args.profile:
            from pyinstrument import Profiler
            profiler = Profiler(interval=0.001)
            profiler.start()
            render_report(run_dir, out_dir=scratch / "profiled")
            profiler.stop()
            args.profile.write_text(profiler.output_html())
            print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])
        print(f"load after: {open('/proc/loadavg').read().split()[:3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
