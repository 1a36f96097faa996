"""The Dask executor: the same plan as the local pool, run on a Dask cluster (the ``[dask]`` extra).

``--scheduler ADDRESS`` connects to a running scheduler (one a course started
with dask-jobqueue on SLURM or PBS, or by hand); ``--cluster local`` starts a
``LocalCluster`` of ``--jobs`` single-threaded worker processes on this
machine, on loopback only.  One Dask task per spec (``remote.run_bundle``):
the spec and the files it names go to the worker as bytes, the spec runs in a
fresh process there, and the run folder's files come back as bytes, written
here atomically (run.json last, under the run folder's lock) as each spec
finishes.  A worker lost mid-spec is replaced by the scheduler, which runs the
spec again elsewhere (up to ``distributed.scheduler.allowed-failures`` times);
a spec that fails by itself is never retried.  Ctrl-C cancels what has not
finished (the specs' processes on the workers are stopped) and keeps what has.
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from ..atomic import write_atomic
from ..errors import ClusterError, DataError, LabreportError, OutputError
from ..output_lock import output_folder_lock
from ..safe_io import RUN_RECORD_BYTES, SPEC_BYTES, UnreadableFile, read_bounded
from .executors import ExecutorOptions
from .remote import path_fields, run_bundle, versions
from .roster import RosterRow
from .worker import stamp_rows

# What one spec may send to a worker: its data and template files together.
SEND_BYTES = 2 * 1024**3
CONNECT_SECONDS = 30


def execute(tasks: list[dict], *, on_start: Callable[[dict], None], on_result: Callable[[dict, dict], bool],
            jobs: int, out_dir: Path, plans: list, options: ExecutorOptions,
            log: Callable[[str], None]) -> None:
    from distributed import Event, as_completed

    client, cluster = _connect(options, jobs=jobs)
    cancel = Event(f"labreport-cancel-{uuid.uuid4().hex}", client=client)
    futures = {}
    try:
        resources = _resources(client, options, log)
        shared: dict = {}  # client path -> scattered future: a file many specs name is sent once
        for task in tasks:
            plan = plans[task["index"]]
            try:
                bundle = _bundle(client, task, plan, out_dir, options, shared, cancel.name, jobs)
            except LabreportError as error:
                on_start(task)
                if not on_result(task, {"status": "failed", "reason": str(error), "seconds": 0.0}):
                    break
                continue
            on_start(task)
            future = client.submit(run_bundle, bundle, key=f"labreport-{task['name']}-{uuid.uuid4().hex[:8]}",
                                   pure=False, retries=0, resources=resources or None)
            futures[future] = (task, bundle)
        if futures:
            info = client.scheduler_info()
            log(f"Sent {len(futures)} spec(s) to the Dask scheduler at {info.get('address')} "
                f"({len(info.get('workers', {}))} worker(s) now); a line follows as each finishes.")
        stop = False
        for future in as_completed(list(futures)):
            task, bundle = futures.pop(future)
            if future.cancelled():
                continue
            try:
                reply = future.result()
            except Exception as error:  # noqa: BLE001 - a lost worker past its retries, a scheduler gone
                reply = {"result": {"status": "failed", "seconds": 0.0, "reason": _lost(error)}, "files": {}}
            result = reply["result"]
            if reply.get("files"):
                try:
                    _write_back(out_dir / task["name"], reply["files"], task, bundle)
                except LabreportError as error:
                    result = {**result, "status": "failed", "reason": str(error)}
                except OSError as error:  # a full disk, a permission: this spec's output is not whole
                    result = {**result, "status": "failed",
                              "reason": f"its files could not be written into {out_dir / task['name']}: "
                                        f"{error.strerror or error}"}
            if not on_result(task, result):
                stop = True
                # --fail-fast: what has not started is not started; what is running finishes.
                running = {key for keys in client.processing().values() for key in keys}
                client.cancel([f for f in futures if f.key not in running and not f.done()])
            if stop and not futures:
                break
    except KeyboardInterrupt:
        cancel.set()  # the specs' processes on the workers stop (remote.run_bundle polls it)
        client.cancel(list(futures))
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _connect(options: ExecutorOptions, *, jobs: int):
    from distributed import Client, LocalCluster

    if options.cluster == "local":
        # Loopback only, no dashboard; single-threaded workers, so each runs one spec at a time.
        try:
            with _workers_ignore_ctrl_c():
                cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=logging.ERROR)
        except (OSError, TimeoutError, RuntimeError) as error:
            raise ClusterError(f"--cluster local: Dask's LocalCluster did not start ({error}).",
                               hint="Without --cluster, the batch runs on the local process pool.") from None
        return Client(cluster), cluster
    try:
        return Client(options.scheduler, timeout=CONNECT_SECONDS), None
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"--scheduler {options.scheduler}: cannot reach the Dask scheduler ({error}).",
                           hint="Check the address (tcp://HOST:8786) and that the scheduler is running "
                                "and reachable from this machine.") from None


@contextmanager
def _workers_ignore_ctrl_c():
    """SIGINT ignored while the LocalCluster starts its worker processes, which inherit that (and so do the
    specs' processes they start).  Ctrl-C in a terminal reaches every process of the foreground group: this
    process handles it (cancel, index, exit 130) and closes the cluster, instead of each worker printing a
    KeyboardInterrupt traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers; a library caller's thread keeps them
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _resources(client, options: ExecutorOptions, log: Callable[[str], None]) -> dict:
    """The Dask resources each spec asks for: those the workers advertise, and GPUs when asked."""
    advertised = set()
    for worker in client.scheduler_info().get("workers", {}).values():
        advertised.update((worker.get("resources") or {}).keys())
    resources = {}
    if options.worker_cpus and "CPU" in advertised:
        resources["CPU"] = options.worker_cpus
    if options.worker_gpus:
        resources["GPU"] = options.worker_gpus
        if "GPU" not in advertised:
            log("No Dask worker advertises a GPU yet (start workers with --resources GPU=1); "
                "the specs wait for one.")
    return resources


def _bundle(client, task: dict, plan, out_dir: Path, options: ExecutorOptions, shared: dict,
            cancel_event: str, jobs: int) -> dict:
    """What the worker needs for one spec, as plain data; files are scattered once each."""
    from ..report.sections import report_fingerprint

    spec = plan.spec
    spec_text = read_bounded(plan.spec_path, SPEC_BYTES).decode("utf-8")
    dumped = spec.model_dump(mode="json")
    inputs = []
    for section, key in path_fields(spec.dataset.source):  # the files this spec's source reads
        value = dumped.get(section, {}).get(key)
        if not value:
            continue
        if value not in shared:
            shared[value] = client.scatter([_read_input(Path(value), f"{section}.{key}", plan.spec_path)],
                                           hash=True)[0]
        kind = "folder" if Path(value).is_dir() else "file"
        inputs.append({"field": [section, key], "client_path": value, "kind": kind, "data": shared[value]})
    run_dir = out_dir / plan.name
    run_files = {}
    if task["action"] != "train":
        try:
            run_files["run.json"] = read_bounded(run_dir / "run.json", RUN_RECORD_BYTES)
        except (UnreadableFile, OSError) as error:
            raise OutputError(f"{run_dir / 'run.json'}: cannot be sent to the Dask workers ({error}).") from None
    return {"task": task, "spec": dumped, "spec_text": spec_text, "inputs": inputs, "run_files": run_files,
            "report_fingerprint": report_fingerprint(spec.report_fields()), "versions": versions(),
            "client_run_dir": str(run_dir), "threads": _threads(options, jobs), "cancel_event": cancel_event}


def _threads(options: ExecutorOptions, jobs: int) -> int | None:
    """TensorFlow threads per spec: --worker-cpus; on a LocalCluster, this machine's cores shared by --jobs
    (as the local pool shares them); otherwise None, and the worker shares its cores among its threads."""
    if options.worker_cpus:
        return options.worker_cpus
    if options.cluster == "local":
        from .local_pool import cores
        return max(1, cores() // jobs)
    return None


def _read_input(path: Path, field: str, spec_path: Path):
    """A data or template file's bytes, or a folder's {relative path: bytes}, within SEND_BYTES.

    Templates are read with the rules every other reader of them applies (containment.py): the file or the
    folder's files inside their folder once links are followed, regular, bounded.  The worker gets plain
    files and could no longer tell a link from a file, so what the local pool would refuse is refused here.
    """
    from ..containment import DATA_FOLDER_ENTRIES, Refused, read_folder_files, template_file, template_folder_files
    from ..safe_io import TEMPLATE_BYTES

    try:
        if field == "report.template":
            return read_bounded(template_file(path), TEMPLATE_BYTES)
        if field == "report.template_dir":
            return read_folder_files(template_folder_files(path), SEND_BYTES)
        if path.is_file():
            return read_bounded(path, SEND_BYTES)
        if path.is_dir():
            files, total, entries = {}, 0, 0
            for member in sorted(path.rglob("*")):
                entries += 1
                if entries > DATA_FOLDER_ENTRIES:
                    raise Refused(f"holds more than {DATA_FOLDER_ENTRIES:,} files and folders")
                relative = member.relative_to(path)
                if any(part.startswith(".") for part in relative.parts) or not member.is_file():
                    continue
                files[relative.as_posix()] = read_bounded(member, SEND_BYTES - total)
                total += len(files[relative.as_posix()])
            return files
    except Refused as error:
        raise DataError(f"{spec_path}: {field}: {path}: {error}; not sent to the Dask workers.") from None
    except UnreadableFile as error:
        raise DataError(f"{spec_path}: {field}: {path}: cannot be sent to the Dask workers ({error}).",
                        hint=f"A spec sends at most {SEND_BYTES / 1024**3:.0f} GB of data and templates.") from None
    raise DataError(f"{spec_path}: {field}: {path}: no such file or folder.")


def _write_back(run_dir: Path, files: dict, task: dict, bundle: dict) -> None:
    """The worker's run folder into ours: every file atomically, run.json last, under the run folder's lock."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with output_folder_lock(run_dir):
        for name in sorted(files, key=lambda name: name == "run.json"):
            # write_atomic refuses a name from the worker that would leave the run folder ('..', absolute, links).
            write_atomic(run_dir / name, files[name], root=run_dir)
        rows = [RosterRow(**row) for row in task["rows"]]
        if rows:
            from ..record import read_run_record
            from ..spec import ExperimentSpec
            fingerprint = read_run_record(run_dir).get("fingerprint") if task["action"] == "train" \
                else task["fingerprint"]
            stamp_rows(ExperimentSpec.model_validate(bundle["spec"]), run_dir, rows, fingerprint)


def _lost(error: Exception) -> str:
    name = type(error).__name__
    if name == "KilledWorker":
        return ("the Dask workers running this spec died each time it was tried (killed, out of memory, or "
                "crashed); see distributed.scheduler.allowed-failures")
    if name in ("CancelledError", "FutureCancelledError"):
        return "cancelled"
    return f"the Dask cluster lost the task ({name}: {str(error)[:200]})"
