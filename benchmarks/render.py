"""How long writing a report takes: one `labreport render`, and a class roster in one process.

    python benchmarks/render.py [--run-dir DIR] [--repeats 5] [--roster 30] [--profile FILE.html]
                                [--compare OLD_CHECKOUT] [--only-cli]

Needs a finished run folder (run.json + figures are re-drawn by the render).
Without --run-dir it uses ./output/remember_important_tasks if that holds a
run.json, else it trains the default experiment once into a temporary folder
(not timed; a few minutes on 2 cores).

Measured, each as the median of --repeats:

1. ``labreport render RUN_DIR --out TMP`` as a fresh process (what a user
   waits for: interpreter start, imports of matplotlib/Jinja/WeasyPrint,
   figures, HTML, PDF).  Goal: <= 3 s on a quiet 2-core machine.  Each run
   prints its wall time and its CPU time (user + sys): the process's own
   and that of the copy that draws figures beside it (report/figures.py,
   draw_ahead).  On a shared machine the wall time says little; the CPU
   time says what the render costs, and the process's own CPU time is what
   its wall time comes to on a quiet machine, where the copy runs on the
   other core.  With --compare OLD_CHECKOUT (a folder holding another
   version's labreport/ and templates/, e.g. from `git archive`), runs of
   that version and of this one alternate, in the same minutes.  Each
   checkout's .pyc files are written first, as an installed labreport has them.
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


# Runs `labreport render` in a fresh interpreter and prints, at its exit, the CPU time it used itself and
# the CPU time of the processes it waited for (the figure-drawing copy), from getrusage.
_MEASURED = """
import resource, runpy, sys
sys.argv = ["labreport", "render", sys.argv[1], "--out", sys.argv[2]]
try:
    runpy.run_module("labreport", run_name="__main__")
finally:
    own, other = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stderr.write("\\nCPU %.3f %.3f\\n" % (own.ru_utime + own.ru_stime, other.ru_utime + other.ru_stime))
"""


def cli_render(run_dir: Path, out: Path, checkout: Path = REPO) -> dict:
    """One fresh-process render of ``checkout``'s labreport: wall, own CPU, the drawing copy's CPU, load."""
    load = open("/proc/loadavg").read().split()[0]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURED, str(run_dir), str(out)], check=True,
                          capture_output=True, text=True, cwd=out.parent,  # not a checkout: -c puts cwd first
                          env={**_env(), "PYTHONPATH": str(checkout)})
    wall = time.perf_counter() - started
    own, other = (float(v) for v in done.stderr.rsplit("CPU ", 1)[1].split())
    return {"wall": wall, "own": own, "other": other, "cpu": own + other, "load": float(load)}


def compile_bytecode(checkout: Path) -> None:
    """Write the checkout's .pyc files, as `pip install .` does for an installed labreport: a checkout run
    with PYTHONDONTWRITEBYTECODE set (as on some shared machines) compiled its own 40,000 lines on every
    import, 0.1 s of every render that a user never waits for."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "labreport")], check=True,
                   env={**_env(), "PYTHONDONTWRITEBYTECODE": ""})


def _env():
    import os
    return dict(os.environ)


def _cpu() -> float:
    """CPU seconds of this process and of the processes it waited for (a figure-drawing copy)."""
    import resource

    own, other = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + other.ru_utime + other.ru_stime


def _line(name: str, runs: list[dict]) -> str:
    def median(key):
        return statistics.median(run[key] for run in runs)

    return (f"{name}: wall median {median('wall'):.2f} s ({min(r['wall'] for r in runs):.2f}-"
            f"{max(r['wall'] for r in runs):.2f}); CPU median {median('cpu'):.2f} s "
            f"({min(r['cpu'] for r in runs):.2f}-{max(r['cpu'] for r in runs):.2f}), of which the render's own "
            f"process {median('own'):.2f} s and the figure-drawing copy {median('other'):.2f} s; "
            f"load {min(r['load'] for r in runs):.1f}-{max(r['load'] for r in runs):.1f}; {len(runs)} runs")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--roster", type=int, default=30)
    parser.add_argument("--roster-repeats", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--only-cli", action="store_true", help="stop after the fresh-process renders")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another version's checkout (labreport/ and templates/): its renders alternate with these")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-render-") as scratch_name:
        scratch = Path(scratch_name)
        run_dir = args.run_dir or default_run_dir(scratch)
        print(f"run folder {run_dir}; load before: {open('/proc/loadavg').read().split()[:3]}", flush=True)

        if not args.skip_cli:
            versions = [("this checkout", REPO)] + ([("--compare " + str(args.compare), args.compare)]
                                                   if args.compare else [])
            runs = {name: [] for name, _ in versions}
            for _, checkout in versions:
                compile_bytecode(checkout)
            for i in range(args.repeats):
                for name, checkout in (versions if i % 2 == 0 else versions[::-1]):
                    run = cli_render(run_dir, scratch / f"cli{i}-{versions.index((name, checkout))}", checkout)
                    runs[name].append(run)
                    print(f"   {name}: wall {run['wall']:.2f} s, CPU {run['cpu']:.2f} s (own {run['own']:.2f}, "
                          f"copy {run['other']:.2f}), load {run['load']:.2f}", flush=True)
            for name, _ in versions:
                print(f"1. labreport render (fresh process), {_line(name, runs[name])}  (goal <= 3 s)", flush=True)
            if args.only_cli:
                return 0

        t = time.perf_counter()
        from labreport import render_report
        import_seconds = time.perf_counter() - t
        calls, cpus = [], []
        for i in range(args.repeats):
            t, c = time.perf_counter(), _cpu()
            render_report(run_dir, out_dir=scratch / f"inproc{i}")
            calls.append(time.perf_counter() - t)
            cpus.append(_cpu() - c)
        print(f"2. render_report in-process: import {import_seconds:.2f} s, first call {calls[0]:.2f} s "
              f"(CPU {cpus[0]:.2f} s), later calls median {statistics.median(calls[1:] or calls):.2f} s "
              f"(CPU {statistics.median(cpus[1:] or cpus):.2f} s)  runs {', '.join(f'{t:.2f}' for t in calls)}",
              flush=True)

        rosters, roster_cpus = [], []
        for r in range(args.roster_repeats):
            roster_dir = scratch / f"roster{r}"
            t, c = time.perf_counter(), _cpu()
            for i in range(args.roster):
                render_report(run_dir, header={"student_name": f"Student {i + 1:02d}"}, out_dir=roster_dir,
                              pdf_name=f"report_{i + 1:02d}.pdf", html_name=f"report_{i + 1:02d}.html")
            rosters.append(time.perf_counter() - t)
            roster_cpus.append(_cpu() - c)
            pdfs = sorted(roster_dir.glob("report_*.pdf"))
            assert len(pdfs) == args.roster, pdfs
        print(f"3. roster of {args.roster} PDFs in one process: median {statistics.median(rosters):.2f} s "
              f"({statistics.median(rosters) / args.roster:.2f} s each; CPU "
              f"{statistics.median(roster_cpus) / args.roster:.2f} s each)  runs "
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
