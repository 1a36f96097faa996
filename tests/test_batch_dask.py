"""`labreport batch` on Dask (--cluster local, --scheduler ADDRESS): the local pool's output, a lost worker
retried, Ctrl-C, and the options' mistakes.

The clusters are Dask LocalClusters spawned by the test process, on loopback only.
"""

from __future__ import annotations

import re
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labreport.cli import app

from conftest import tiny_spec_text
from records import main_of

distributed = pytest.importorskip("distributed", reason="Dask's distributed scheduler is the [dask] extra")

runner = CliRunner()
HIDDEN = (".labreport.lock",)


def batch(*args):
    return runner.invoke(app, ["batch", *map(str, args)])


def write_specs(folder: Path) -> Path:
    """Three specs: a generated one, a CSV one (its data file is sent to the worker) and one whose loss is NaN."""
    specs, data = folder / "specs", folder / "data"
    specs.mkdir(parents=True)
    data.mkdir()
    rows = ["review,sentiment"] + [
        f"{'good great fine' if i % 2 else 'bad awful dull'} film number {i % 7},{'positive' if i % 2 else 'negative'}"
        for i in range(240)]
    (data / "reviews.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (specs / "tiny.yaml").write_text(tiny_spec_text("tiny", epochs=1))
    (specs / "reviews.yaml").write_text("""
name: reviews
dataset: {source: csv, path: ../data/reviews.csv, sequence_length: 8, vocabulary_size: 50}
model: {embedding: {output_dim: 4}, recurrent: [{cell: lstm, units: 4}], compare: []}
training: {epochs: 1, batch_size: 32}
""")
    (specs / "nan.yaml").write_text(
        tiny_spec_text("nan", epochs=2).replace("compare: [simple_rnn]", "compare: []")
        .replace("learning_rate: 0.01", "learning_rate: 1.0e38\n  optimizer: sgd"))
    return specs


def run_files(run_dir: Path) -> set[str]:
    return {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*")
            if p.is_file() and p.name not in HIDDEN}


def index(out: Path) -> dict:
    return {r["experiment"]: r for r in json.loads((out / "index.json").read_text(encoding="utf-8"))["reports"]}


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def spec_processes() -> list:
    """The specs' own processes (python -m labreport.batch.remote) still alive.

    Under pytest-xdist only this worker's (they inherit its PYTEST_XDIST_WORKER): another worker's batch
    may be running beside this test."""
    import psutil
    mine = os.environ.get("PYTEST_XDIST_WORKER")
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if "labreport.batch.remote" not in " ".join(process.info["cmdline"] or []):
            continue
        if mine is not None:
            try:
                if process.environ().get("PYTEST_XDIST_WORKER") != mine:
                    continue
            except psutil.Error:  # gone since, or not this user's: not this worker's
                continue
        found.append(process)
    return found


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, as `--cluster local --jobs 2` starts them."""
    import logging

    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as local:
        yield local


# --------------------------------------------------------------------------- the same output as the local pool


@pytest.mark.slow
def test_a_local_cluster_gives_the_local_pool_s_output_and_a_rerun_trains_nothing(tmp_path):
    specs = write_specs(tmp_path)
    # The CSV lies beside the specs' folder: named as a root the specs may read (--data-root).
    local = batch(specs, "--jobs", "2", "--out", tmp_path / "local", "--data-root", tmp_path / "data")
    dask = batch(specs, "--cluster", "local", "--jobs", "2", "--out", tmp_path / "dask", "--data-root",
                 tmp_path / "data")
    assert local.exit_code == dask.exit_code == 1, (local.output, dask.output)  # the NaN spec failed
    assert sorted(p.name for p in (tmp_path / "local").iterdir()) == \
        sorted(p.name for p in (tmp_path / "dask").iterdir()) == ["index.html", "index.json", "nan", "reviews", "tiny"]
    local_index, dask_index = index(tmp_path / "local"), index(tmp_path / "dask")
    for name in ("tiny", "reviews", "nan"):
        assert run_files(tmp_path / "local" / name) == run_files(tmp_path / "dask" / name), name
        for key in ("status", "test_accuracy", "epochs", "params"):
            assert local_index[name][key] == dask_index[name][key], (name, key)
    assert dask_index["tiny"]["status"] == dask_index["reviews"]["status"] == "trained"
    assert dask_index["nan"]["status"] == "failed" and "loss became" in dask_index["nan"]["reason"]
    for name in ("tiny", "reviews"):
        local_record = json.loads((tmp_path / "local" / name / "run.json").read_text(encoding="utf-8"))
        dask_record = json.loads((tmp_path / "dask" / name / "run.json").read_text(encoding="utf-8"))
        assert main_of(dask_record)["history"] == main_of(local_record)["history"]  # same seed, same threads: the same numbers
        assert dask_record["fingerprint"] == local_record["fingerprint"]
        assert dask_record["report_fingerprint"] == local_record["report_fingerprint"]
    # The worker's copies of the data were its own business: run.json and program.py name the client's file.
    text = (tmp_path / "dask" / "reviews" / "run.json").read_text(encoding="utf-8")
    assert "labreport-" not in text and str((tmp_path / "data" / "reviews.csv").resolve()) in text
    assert str((tmp_path / "data" / "reviews.csv").resolve()) in \
        (tmp_path / "dask" / "reviews" / "program.py").read_text(encoding="utf-8")

    before = {name: mtimes(tmp_path / "dask" / name) for name in ("tiny", "reviews")}
    again = batch(specs, "--cluster", "local", "--jobs", "2", "--out", tmp_path / "dask", "--data-root",
                  tmp_path / "data")
    assert again.exit_code == local.exit_code
    statuses = {name: row["status"] for name, row in index(tmp_path / "dask").items()}
    assert statuses["tiny"] == statuses["reviews"] == "reused" and "trained" not in statuses.values()
    assert {name: mtimes(tmp_path / "dask" / name) for name in ("tiny", "reviews")} == before
    assert not spec_processes()


# --------------------------------------------------------------------------- a lost worker; Ctrl-C


def _kill_the_worker_running_it(cluster, killed: dict) -> None:
    """Wait until a spec is running on a worker for a second, then SIGKILL that worker's process."""
    from distributed import Client
    with Client(cluster.scheduler_address, timeout=30) as client:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            busy = {worker: keys for worker, keys in client.processing().items()
                    if any(str(key).startswith("labreport-") for key in keys)}
            if busy and spec_processes():
                worker = next(iter(busy))
                pid = client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed["worker"] = worker
                return
            time.sleep(0.2)


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_leaves_no_training_behind(cluster, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "tiny.yaml").write_text(tiny_spec_text("tiny", epochs=3))
    killed: dict = {}
    killer = threading.Thread(target=_kill_the_worker_running_it, args=(cluster, killed))
    killer.start()
    result = batch(specs, "--scheduler", cluster.scheduler_address, "--out", tmp_path / "out")
    killer.join()
    assert killed, "no spec was seen running"
    assert result.exit_code == 0, result.output
    assert index(tmp_path / "out")["tiny"]["status"] == "trained"
    assert {"run.json", "report.pdf", "report.html", "program.py"} <= run_files(tmp_path / "out" / "tiny")
    deadline = time.monotonic() + 15  # the killed worker's spec process dies with it (PR_SET_PDEATHSIG)
    while spec_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not spec_processes()


@pytest.fixture
def terminal_sigint():
    """Python's own Ctrl-C handler, as in a terminal: a test run started in the background by a shell without
    job control inherits SIGINT ignored, and then neither Ctrl-C nor this test's SIGINT would arrive."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
def test_ctrl_c_stops_the_specs_on_the_workers_and_keeps_what_finished(cluster, tmp_path, terminal_sigint):
    from labreport.batch import ExecutorOptions, run_batch
    from labreport.errors import BatchCancelled

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "long.yaml").write_text(tiny_spec_text("long", epochs=200))

    def interrupt_when_running() -> None:
        deadline = time.monotonic() + 120
        while not spec_processes() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        # A real SIGINT, as Ctrl-C sends: it also wakes a main thread blocked waiting on the cluster
        # (_thread.interrupt_main only sets a flag that such a thread may not look at for minutes).
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_running, daemon=True).start()
    with pytest.raises(BatchCancelled, match=r"Cancelled: 0 of 1 spec\(s\) finished"):
        run_batch([specs], out_dir=tmp_path / "out", log=lambda line: None,
                  executor=ExecutorOptions(scheduler=cluster.scheduler_address))
    assert index(tmp_path / "out")["long"]["status"] == "skipped"
    assert "cancelled" in index(tmp_path / "out")["long"]["reason"]
    deadline = time.monotonic() + 30  # the worker sees the cancel within seconds and stops the process
    while spec_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not spec_processes()
    assert not (tmp_path / "out" / "long" / "run.json").exists()


@pytest.mark.slow
def test_ctrl_c_in_a_terminal_is_one_message_and_exit_130(tmp_path):
    """Ctrl-C reaches every process of the terminal's foreground group, the LocalCluster's workers too:
    only the batch answers, with its message, and no worker prints a traceback."""
    import subprocess
    import sys

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "long.yaml").write_text(tiny_spec_text("long", epochs=300))
    batch_process = subprocess.Popen(
        [sys.executable, "-c", "from labreport.cli import main; main()", "batch", str(specs), "--cluster", "local",
         "--out", str(tmp_path / "out")], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not spec_processes() and time.monotonic() < deadline and batch_process.poll() is None:
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(batch_process.pid, signal.SIGINT)
    output, _ = batch_process.communicate(timeout=120)
    assert batch_process.returncode == 130, output
    assert "Error: Cancelled: 0 of 1 spec(s) finished" in output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    deadline = time.monotonic() + 30
    while spec_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not spec_processes()


# --------------------------------------------------------------------------- mistakes: exit 2 or 1, nothing run


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "tcp://127.0.0.1:1", "--cluster", "local"], "--scheduler and --cluster both choose"),
    (["--cluster", "slurm"], "--cluster slurm: the one cluster labreport starts itself is 'local'"),
    (["--worker-cpus", "2"], "--worker-cpus and --worker-gpus are Dask resources"),
    (["--cluster", "local", "--worker-cpus", "0"], "--worker-cpus must be at least 1 (got 0)"),
    (["--cluster", "local", "--worker-gpus", "-1"], "--worker-gpus must be 0 or more (got -1)"),
    (["--format", "markdown"], "--format markdown is the form of --check's summary; add --check"),
    (["--check", "--format", "html"], "--format html: not a format of --check; use one of: text, markdown"),
])
def test_option_mistakes_are_exit_2_and_run_nothing(tmp_path, args, message):
    (tmp_path / "tiny.yaml").write_text(tiny_spec_text("tiny", epochs=1))
    result = batch(tmp_path / "tiny.yaml", "--out", tmp_path / "out", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_without_dask_installed_the_message_names_the_extra(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now fails
    (tmp_path / "tiny.yaml").write_text(tiny_spec_text("tiny", epochs=1))
    result = batch(tmp_path / "tiny.yaml", "--cluster", "local", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "which is not installed" in result.output and "pip install 'labreport[dask]'" in result.output
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_one_paragraph_and_exit_1(tmp_path, monkeypatch):
    import socket

    import labreport.batch.dask_cluster as dask_cluster
    monkeypatch.setattr(dask_cluster, "CONNECT_SECONDS", 2)
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "tiny.yaml").write_text(tiny_spec_text("tiny", epochs=1))
    started = time.monotonic()
    result = batch(tmp_path / "tiny.yaml", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert f"--scheduler tcp://127.0.0.1:{port}: cannot reach the Dask scheduler" in result.output
    assert "Traceback" not in result.output
    assert time.monotonic() - started < 60


# --------------------------------------------------------------------------- the cluster page of the docs

REPO = Path(__file__).resolve().parents[1]


def _dask_page() -> str:
    return (REPO / "docs" / "instructors" / "dask.md").read_text(encoding="utf-8")


def test_the_docs_slurm_example_uses_the_library_as_it_is():
    import ast
    import inspect

    import labreport.batch
    from labreport.batch import ExecutorOptions

    section = _dask_page()
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    tree = ast.parse(code)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "labreport.batch" for alias in node.names}
    assert imported and all(hasattr(labreport.batch, name) for name in imported)
    calls = {node.func.id: {keyword.arg for keyword in node.keywords} for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert calls["ExecutorOptions"] <= set(inspect.signature(ExecutorOptions).parameters)
    assert calls["run_batch"] <= set(inspect.signature(labreport.batch.run_batch).parameters)


def test_every_batch_option_the_docs_and_the_workflow_use_exists():
    import typer.main

    command = typer.main.get_command(app).commands["batch"]
    known = {option for parameter in command.params for option in parameter.opts}
    texts = [(REPO / "README.md").read_text(encoding="utf-8"),
             (REPO / ".github" / "workflows" / "reports.yml").read_text(encoding="utf-8")]
    texts += [page.read_text(encoding="utf-8") for page in sorted((REPO / "docs").rglob("*.md"))
              if "reference" not in page.parts]  # the generated reference lists the options themselves
    used = set()
    for text in texts:
        for line in text.splitlines():
            if "labreport batch" in line:
                used.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line.split("labreport batch", 1)[1]))
    assert "--scheduler" in used and "--format" in used
    assert used <= known, used - known
