"""Grade a class on a Dask cluster: ``course grade SUBMITTED --out OUT --cluster SPEC``.

The instructor's process connects to the cluster ``SPEC`` names (``course.grading.cluster_config``),
checks that every worker runs this version of the course and can sandbox as asked, then
ships each submission (``course.grading.cluster_worker``) to a worker and yields its
``Graded`` as it comes back; ``course.grading.grade`` files them exactly as it files a
local pool's: one writer, the same progress, the same gradebook.

A worker that dies mid-grade (killed, out of memory, its machine gone) loses its
submissions to the scheduler, which runs them again on another worker; a submission
whose workers keep dying (the scheduler's ``distributed.scheduler.allowed-failures``,
3 by default) gets the failed result a local pool gives one that kills its process
twice. ``retries`` covers an error outside grading (grading's own errors come back as
failed results). At most ``IN_FLIGHT_PER_THREAD`` submissions per worker thread are
shipped at a time, so a class of thousands never sits in memory at once.

Dask (the ``cluster`` extra) is imported here only, when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from course.grading.cluster_config import ClusterTarget, ClusterUnavailable, parse_target
from course.grading.cluster_worker import course_fingerprint, forget_run, grade_shipped, ship
from course.grading.pool import PROCESS_STOPPED
from course.grading.result import Submission
from course.grading.sandbox import MODES, SandboxChoice, SandboxUnavailable, choose, probe
from course.grading.submission_files import plain
from course.grading.worker import Graded, Settings, failed_result

EXTRA_HINT = "pip install 'prototype-to-production[cluster]'"
CONNECT_SECONDS = 30
RETRIES = 2
IN_FLIGHT_PER_THREAD = 2
MIN_IN_FLIGHT = 8


def require(module: str, hint: str):
    """Import ``module``, or say which package to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ClusterUnavailable(f"--cluster needs the {module} package: {hint}") from None


@dataclass
class ClusterGrader:
    """A connected cluster: its sandbox decision, and ``run`` to grade submissions on it."""

    client: Any  # a distributed.Client
    choice: SandboxChoice
    course: str

    def run(self, submissions: list[Submission], settings: Settings) -> Iterator[Graded]:
        """Grade ``submissions`` on the workers; yield each ``Graded`` as it finishes."""
        from course.grading.nbgrader_setup import ignore_patterns

        distributed = require("distributed", EXTRA_HINT)
        client, ignore = self.client, ignore_patterns()
        waiting = list(reversed(submissions))  # popped from the end: the class's order
        running: dict[Any, Submission] = {}  # future -> the submission it grades
        finished = distributed.as_completed(loop=client.loop)

        def ship_more() -> None:
            threads = sum(client.nthreads().values())
            while waiting and len(running) < max(MIN_IN_FLIGHT, IN_FLIGHT_PER_THREAD * threads):
                submission = waiting.pop()
                shipped = ship(submission, ignore)
                future = client.submit(grade_shipped, shipped, settings, self.course, pure=False, retries=RETRIES)
                running[future] = submission
                finished.add(future)

        try:
            ship_more()
            for future in finished:
                yield outcome(future, running.pop(future), distributed)
                ship_more()
        finally:
            with contextlib.suppress(Exception):
                client.run(forget_run, settings.scratch)


def outcome(future, submission: Submission, distributed) -> Graded:
    """What a finished future gives: its ``Graded``, or a failed result that says why there is none."""
    try:
        return future.result()
    except distributed.KilledWorker:
        return failed_result(submission, PROCESS_STOPPED)
    except Exception as error:
        return failed_result(submission, f"grading-error: on the cluster: {type(error).__name__}: {plain(str(error))}")


@contextlib.contextmanager
def cluster_grader(spec: str, sandbox: str) -> Iterator[ClusterGrader]:
    """Connect to the cluster ``spec`` names, check its workers, and close what was opened for this run."""
    if sandbox not in MODES:
        raise ValueError(f"sandbox mode must be one of {', '.join(MODES)}, not {sandbox!r}")
    target = parse_target(spec)
    with connected(target) as client:
        course = course_fingerprint()
        others = sorted(worker for worker, theirs in client.run(course_fingerprint).items() if theirs != course)
        if others:
            raise ClusterUnavailable(
                f"{len(others)} Dask worker(s), {others[0]} first, run another version of the course than this "
                "machine (solutions/, nbgrader_config.py or the course package differ): give them the same "
                "version, and restart them after an update"
            )
        yield ClusterGrader(client, workers_sandbox(client.run(probe), sandbox), course)


def workers_sandbox(problems: dict[str, str], mode: str) -> SandboxChoice:
    """The sandbox decision for workers whose ``sandbox.probe`` said ``problems`` (worker -> '' or why not)."""
    if mode == "off":
        return choose("off")
    failing = sorted((worker, problem) for worker, problem in problems.items() if problem)
    if not failing:
        return SandboxChoice(
            True,
            f"sandbox: bubblewrap on each of the {len(problems)} Dask workers (learner code sees only its own "
            "folder, no network)",
        )
    worker, problem = failing[0]
    if mode == "require":
        raise SandboxUnavailable(f"--sandbox require: Dask worker {worker}: {problem}")
    return SandboxChoice(
        False,
        f"WARNING: grading without a sandbox: Dask worker {worker}: {problem}. Learner code runs with the "
        "workers' rights and can read what they can read.",
    )


@contextlib.contextmanager
def connected(target: ClusterTarget):
    """A Dask client of ``target`` with at least one worker; a cluster started for this run is stopped after."""
    distributed = require("distributed", EXTRA_HINT)
    with contextlib.ExitStack() as stack:
        try:
            if target.kind == "scheduler":
                client = stack.enter_context(
                    distributed.Client(target.address, timeout=CONNECT_SECONDS, set_as_default=False)
                )
            else:
                cluster = stack.enter_context(started_cluster(target))
                client = stack.enter_context(distributed.Client(cluster, timeout=CONNECT_SECONDS, set_as_default=False))
        except OSError as error:  # refused, unreachable, timed out
            raise ClusterUnavailable(f"cannot reach {target.describe()}: {plain(str(error))}") from None
        try:
            client.wait_for_workers(1, timeout=target.wait_seconds)
        except TimeoutError:
            raise ClusterUnavailable(
                f"no Dask worker joined {target.describe()} within {target.wait_seconds} s"
            ) from None
        yield client


@contextlib.contextmanager
def started_cluster(target: ClusterTarget):
    """The Gateway or jobqueue cluster ``target`` names, scaled to its workers; one made here is shut down after."""
    options = dict(target.options)
    if target.kind == "gateway":
        gateway_package = require("dask_gateway", "pip install dask-gateway")
        cluster_options = options.pop("options", {})
        with gateway_package.Gateway(**options) as gateway:
            if target.name:
                yield gateway.connect(target.name)  # somebody else's cluster: left running
                return
            cluster = gateway.new_cluster(**cluster_options)
            try:
                cluster.scale(target.workers)
                yield cluster
            finally:
                cluster.shutdown()
        return
    jobqueue = require("dask_jobqueue", "pip install dask-jobqueue")
    from course.grading.cluster_config import JOBQUEUE_CLASSES

    with getattr(jobqueue, JOBQUEUE_CLASSES[target.system])(**options) as cluster:
        cluster.scale(target.workers)
        yield cluster
