"""The default executor: each spec in a fresh local process, up to ``jobs`` at a time (no extra to install)."""

from __future__ import annotations

import os
import time
from typing import Callable

from .worker import run_one, size_thread_pools


def cores() -> int:
    """The cores this process may use (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def execute(tasks: list[dict], *, on_start: Callable[[dict], None], on_result: Callable[[dict, dict], bool],
            jobs: int = 1, **_context) -> None:
    """Run each task (see ``worker.run_one``) in its own process; ``on_result`` returning False starts nothing new."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # 'spawn': a fresh interpreter per spec, never a fork of a parent that may
    # hold TensorFlow's threads or another spec's Keras backend.
    context = multiprocessing.get_context("spawn")
    threads = max(1, cores() // min(jobs, max(len(tasks), 1)))
    todo = list(tasks)
    running: dict = {}
    stop = False
    try:
        while todo or running:
            while todo and len(running) < jobs and not stop:
                task = todo.pop(0)
                on_start(task)
                # One single-worker pool per spec: a worker that dies (a crash inside
                # TensorFlow, the out-of-memory killer) breaks only its own pool, so only
                # its spec fails; a shared pool would fail every spec still queued.
                executor = ProcessPoolExecutor(max_workers=1, mp_context=context,
                                               initializer=size_thread_pools, initargs=(threads,))
                running[executor.submit(run_one, task)] = (task, executor, time.perf_counter())
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task, executor, started = running.pop(future)
                executor.shutdown(wait=True)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    result = {"status": "failed", "seconds": time.perf_counter() - started,
                              "reason": "the worker process died (killed, out of memory, or crashed)"}
                stop = not on_result(task, result) or stop
    finally:
        for _, executor, _ in running.values():
            executor.shutdown(wait=False, cancel_futures=True)
