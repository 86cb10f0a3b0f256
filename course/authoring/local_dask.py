"""A real Dask cluster on this machine: one ``dask scheduler`` and N one-thread ``dask worker`` processes.

Used by the class benchmark (``course bench-class --dask``: local ``--jobs 2`` against two
Dask workers on the same machine) and by the cluster tests. Each process runs in a process
group of its own and writes to its own log; leaving ``local_cluster`` stops them all.
Needs the ``cluster`` extra (``dask[distributed]``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from course.checks.http_service import free_port

DASK = Path(sys.executable).parent / "dask"  # the command line the `cluster` extra installs
START_TIMEOUT = 120  # seconds for the scheduler to answer and every worker to join


@dataclass
class LocalCluster:
    """The scheduler's address and the processes (``scheduler``, then the workers by name)."""

    address: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path = Path()


def stop(process: subprocess.Popen) -> None:
    """End a process started here, and everything in its process group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def local_cluster(logs: Path, workers: int = 2) -> Iterator[LocalCluster]:
    """A scheduler and ``workers`` one-process, one-thread workers on free local ports, until the block ends."""
    from distributed import Client

    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cluster = LocalCluster(f"tcp://127.0.0.1:{port}", logs=logs)

    def start(name: str, *args: str) -> subprocess.Popen:
        with open(logs / f"{name}.log", "w") as log:  # the child keeps its own copy of the descriptor
            return subprocess.Popen([str(DASK), *args], stdout=log, stderr=log, start_new_session=True)

    try:
        cluster.processes["scheduler"] = start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port))
        worker = ["worker", cluster.address, "--nworkers", "1", "--nthreads", "1", "--host", "127.0.0.1"]
        for number in range(workers):
            name = f"grader-{chr(ord('a') + number)}"
            cluster.processes[name] = start(name, *worker, "--no-dashboard", "--name", name)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with Client(cluster.address, timeout=5, set_as_default=False) as client:
                    client.wait_for_workers(workers, timeout=START_TIMEOUT)
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield cluster
    finally:
        for process in cluster.processes.values():
            stop(process)
