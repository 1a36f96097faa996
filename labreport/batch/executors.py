"""Where a batch's work runs: executors behind a registry, chosen by ``ExecutorOptions``.

An executor is a function ``execute(tasks, *, on_start, on_result, jobs, out_dir, plans, options, log)``
that runs every task (``worker.run_one``'s input: one spec's training or rendering) in a
fresh process, calls ``on_start(task)`` as it starts one and ``on_result(task, result)`` as
each finishes, and starts nothing new once ``on_result`` returns False (--fail-fast).  It
returns when all started tasks have finished; Ctrl-C raises KeyboardInterrupt out of it,
after it has stopped its own work.

  local  the default: local processes, no extra to install (local_pool.py)
  dask   a Dask cluster: a scheduler's address, or a LocalCluster (dask_cluster.py, the [dask] extra)
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from ..errors import OptionError

# name -> "module:function", imported only when chosen, so that the default needs no Dask.
EXECUTORS: dict[str, str] = {
    "local": "labreport.batch.local_pool:execute",
    "dask": "labreport.batch.dask_cluster:execute",
}


@dataclass(frozen=True)
class ExecutorOptions:
    """How to run a batch: --scheduler ADDRESS or --cluster local choose Dask; nothing chooses the local pool."""

    scheduler: str | None = None  # a Dask scheduler's address, e.g. tcp://10.0.0.5:8786
    cluster: str | None = None  # "local": a Dask LocalCluster of --jobs workers on this machine
    worker_cpus: int | None = None  # cores (TensorFlow threads) per spec; a Dask "CPU" resource where workers have one
    worker_gpus: int = 0  # GPUs per spec, as the Dask resource "GPU"

    @property
    def name(self) -> str:
        return "dask" if self.scheduler or self.cluster else "local"

    def check(self) -> None:
        if self.scheduler and self.cluster:
            raise OptionError("--scheduler and --cluster both choose a Dask cluster; give one of them.")
        if self.cluster is not None and self.cluster != "local":
            raise OptionError(f"--cluster {self.cluster}: the one cluster labreport starts itself is 'local' "
                              "(a Dask LocalCluster on this machine).",
                              hint="For a SLURM or PBS cluster, start it with dask-jobqueue and pass its "
                                   "address with --scheduler (docs/instructors/dask.md: 'A course on a cluster').")
        if self.worker_cpus is not None and self.worker_cpus < 1:
            raise OptionError(f"--worker-cpus must be at least 1 (got {self.worker_cpus}).")
        if self.worker_gpus < 0:
            raise OptionError(f"--worker-gpus must be 0 or more (got {self.worker_gpus}).")
        if self.name == "local" and (self.worker_gpus or self.worker_cpus is not None):
            raise OptionError("--worker-cpus and --worker-gpus are Dask resources; they go with --scheduler or "
                              "--cluster local.", hint="Locally, --jobs N shares the cores among N specs.")


def get_executor(options: ExecutorOptions) -> Callable:
    """The executor's function; an ``OptionError`` naming the extra when it is not installed."""
    options.check()
    module_name, _, function = EXECUTORS[options.name].partition(":")
    if options.name == "dask":
        try:
            importlib.import_module("distributed")
        except ImportError:
            raise OptionError(
                "--scheduler and --cluster run the batch on Dask, which is not installed.",
                hint="pip install 'labreport[dask]' (Dask's distributed scheduler), on this machine and the "
                     "workers.") from None
    return getattr(importlib.import_module(module_name), function)
