"""One spec's work on a Dask worker: sent as plain data, run in a fresh process, returned as bytes.

``run_bundle`` is what the client submits (``dask_cluster.py``).  It runs in a
worker's thread, and needs nothing on the worker but labreport installed:

1. The spec, its text, the data and template files it names (scattered once per
   file, however many specs share it) and, for a render, the saved run.json
   arrive in the bundle.  They are written into a temporary folder on the
   worker; the spec handed to the pipeline names those copies.
2. ``python -m labreport.batch.remote TASK RESULT`` does the work in a process
   of its own (``worker.run_one``, as the local pool does): TensorFlow starts
   fresh for each spec, and a crash, the out-of-memory killer or a segfault
   ends that process only, so only that spec fails.  The process is killed
   with its worker (Linux: PR_SET_PDEATHSIG), so a lost worker leaves no
   training behind, and when the client cancels the batch.
3. run.json and the program files are made to name the client's paths again
   (the copies' paths were the worker's business), and every file of the run
   folder goes back to the client as bytes, which writes them atomically into
   its output folder: no shared file system is needed.

A spec's own failure is a result ({"status": "failed", ...}), never an
exception, so Dask's retry of tasks whose worker was lost (the scheduler's
``allowed-failures``) never retries a spec that failed by itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path, PurePath

from .._version import __version__
# The spec fields that name files: (section, key).  Their client values go to the worker as copies.
from ..containment import path_fields
from ..fingerprint import keras_version

CANCEL_POLL_SECONDS = 2.0


def versions() -> dict:
    """What must match between client and worker for a run trained here to be reused there."""
    return {"labreport": __version__, "keras": keras_version()}


# --------------------------------------------------------------------------- on the worker, in its thread


def run_bundle(bundle: dict) -> dict:
    """Train or render one spec from a bundle; returns {"result", "files", "log"}.  Never raises for the spec."""
    started = time.perf_counter()
    task = bundle["task"]
    if versions() != bundle["versions"]:
        return _failed(started, f"this Dask worker has labreport {__version__} and Keras {keras_version()}, the "
                                f"machine that started the batch labreport {bundle['versions']['labreport']} and "
                                f"Keras {bundle['versions']['keras']}; a run trained here would not match the "
                                f"spec's fingerprint there (install the same versions on the workers)")
    with tempfile.TemporaryDirectory(prefix="labreport-") as tmp:
        root = Path(tmp)
        spec = json.loads(json.dumps(bundle["spec"]))  # a copy: the bundle may be shared in this process
        local_names = {}
        for number, item in enumerate(bundle["inputs"]):
            local = _materialise(root / "inputs" / str(number), item)
            section, key = item["field"]
            spec[section][key] = str(local)
            local_names[str(local)] = item["client_path"]
        out_dir = root / "out"
        run_dir = out_dir / task["name"]
        run_dir.mkdir(parents=True)
        for name, data in (bundle.get("run_files") or {}).items():
            _write_inside(run_dir, name, data)
        local_names[str(run_dir)] = bundle["client_run_dir"]
        child_task = {**task, "spec": spec, "spec_text": bundle["spec_text"], "out_dir": str(out_dir),
                      "stamp_rows": False}  # roster.json's stamps are the client's to write, from its own spec
        (root / "task.json").write_text(json.dumps(child_task), encoding="utf-8")
        result = _run_child(root, threads=_threads(bundle), cancel_event=bundle.get("cancel_event"))
        if result["status"] != "failed" and (run_dir / "run.json").is_file():
            _restore_client_paths(run_dir, bundle, local_names)
        for field in ("reason", "traceback"):
            if result.get(field):
                result[field] = _client_names(result[field], local_names)
        files = {} if result["status"] == "failed" and task["action"] != "train" else _collect(run_dir)
        log_text = (root / "log.txt").read_text(encoding="utf-8", errors="replace") if (root / "log.txt").exists() else ""
        return {"result": result, "files": files, "log": _client_names(log_text[-4000:], local_names)}


def _failed(started: float, reason: str) -> dict:
    return {"result": {"status": "failed", "reason": reason, "seconds": time.perf_counter() - started},
            "files": {}, "log": ""}


def _materialise(folder: Path, item: dict) -> Path:
    """Write a sent file (bytes) or folder ({relative path: bytes}) under ``folder``, keeping its name."""
    target = folder / PurePath(item["client_path"]).name
    if item["kind"] == "file":
        _write_inside(folder, target.name, item["data"])
    else:
        target.mkdir(parents=True)
        for name, data in item["data"].items():
            _write_inside(target, name, data)
    return target


def _write_inside(folder: Path, name: str, data: bytes) -> None:
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):  # names come from the client; none may leave the folder
        raise ValueError(f"refused file name {name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _threads(bundle: dict) -> int:
    if bundle.get("threads"):
        return int(bundle["threads"])
    try:
        from distributed import get_worker
        slots = int(get_worker().state.nthreads) or 1
    except Exception:  # noqa: BLE001 - outside a worker (a test calling it directly): share nothing
        slots = 1
    from .local_pool import cores
    return max(1, cores() // slots)


def _run_child(root: Path, *, threads: int, cancel_event: str | None) -> dict:
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads),
           "LABREPORT_PARENT_PID": str(os.getpid())}
    started = time.perf_counter()
    with open(root / "log.txt", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "labreport.batch.remote", str(root / "task.json"),
                                    str(root / "result.json")], cwd=root, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        event = _event(cancel_event)
        while True:
            try:
                process.wait(timeout=CANCEL_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if event is not None and _is_set(event):
                    process.terminate()
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                    return {"status": "failed", "reason": "cancelled by the client (Ctrl-C)",
                            "seconds": time.perf_counter() - started}
    if (root / "result.json").is_file():
        return json.loads((root / "result.json").read_text(encoding="utf-8"))
    code = process.returncode
    if code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
        hint = " (SIGKILL usually means out of memory)" if code == -signal.SIGKILL else ""
        reason = f"the spec's process on the Dask worker was {how}{hint}"
    else:
        reason = f"the spec's process on the Dask worker exited with code {code} before finishing"
    return {"status": "failed", "reason": reason, "seconds": time.perf_counter() - started}


def _event(name: str | None):
    if not name:
        return None
    try:
        from distributed import Event
        return Event(name)
    except Exception:  # noqa: BLE001 - outside a worker: nothing can cancel
        return None


def _is_set(event) -> bool:
    try:
        return bool(event.is_set())
    except Exception:  # noqa: BLE001 - a scheduler that is gone cancels nothing; the worker is going too
        return False


def _restore_client_paths(run_dir: Path, bundle: dict, local_names: dict) -> None:
    """run.json and the program files name the client's data and templates, not this worker's copies."""
    from ..export import write_program_files
    from ..record import read_run_record, write_run_record

    record = _mapped(read_run_record(run_dir), local_names)  # wherever a copy's path was recorded
    saved = record.get("spec") or {}
    for section, key in path_fields((saved.get("dataset") or {}).get("source")):
        if isinstance(saved.get(section), dict) and key in saved[section]:
            saved[section][key] = bundle["spec"][section].get(key)
    # The report fingerprint covers the template paths too: the client's, as its next plan computes it.
    record["report_fingerprint"] = bundle["report_fingerprint"]
    write_run_record(run_dir, record)
    write_program_files(run_dir, record["spec"])


def _mapped(value, local_names: dict):
    if isinstance(value, str):
        return _client_names(value, local_names)
    if isinstance(value, dict):
        return {key: _mapped(item, local_names) for key, item in value.items()}
    if isinstance(value, list):
        return [_mapped(item, local_names) for item in value]
    return value


def _client_names(text: str, local_names: dict) -> str:
    for local, client in sorted(local_names.items(), key=lambda item: -len(item[0])):
        text = text.replace(local, client)
    return text


def _collect(run_dir: Path) -> dict:
    files = {}
    for path in sorted(run_dir.rglob("*")):
        relative = path.relative_to(run_dir)
        # Hidden files are not sent back: Keras' resume checkpoints (.checkpoint/, large, and only for the
        # process that wrote them) and the lock.
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            files[relative.as_posix()] = path.read_bytes()
    return files


# --------------------------------------------------------------------------- the spec's own process


def _die_with_parent() -> None:
    """Linux: be killed with the worker that started this process (so a lost worker leaves no training behind)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    # The parent may have died before prctl: then this process already belongs to another.
    if os.environ.get("LABREPORT_PARENT_PID") and str(os.getppid()) != os.environ["LABREPORT_PARENT_PID"]:
        os._exit(1)


def main(argv: list[str]) -> int:
    _die_with_parent()
    task_path, result_path = argv
    task = json.loads(Path(task_path).read_text(encoding="utf-8"))
    from .worker import run_one

    result = run_one(task)
    tmp = Path(result_path).with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
