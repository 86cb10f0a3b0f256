"""The worker pool: grade submissions in parallel processes, surviving a worker that dies."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from course.grading.result import Submission
from course.grading.sandbox import SLOT_ENV
from course.grading.worker import Settings, failed_result, grade_in_worker

# The status of a submission whose grading process died twice (``course.grading.cluster`` uses it too)
PROCESS_STOPPED = "grading-error: the grading process stopped while grading this"


def take_slot(slots) -> None:
    """Give this worker process its slot: its kernels run as a user of their own (``sandbox.kernel_uid``)."""
    os.environ[SLOT_ENV] = str(slots.get())


def run_workers(submissions: list[Submission], settings: Settings, jobs: int):
    """Grade ``submissions`` in ``jobs`` worker processes; yield ``Graded`` as they finish.

    A worker that dies takes the submissions it was running down with it; each
    of those is graded again alone, in a fresh worker, and gets a failed
    result if that worker dies too.
    """
    context = multiprocessing.get_context("spawn")
    crashed = []
    workers = max(1, min(jobs, len(submissions)))
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=take_slot, initargs=(slots,)) as pool:
        futures = {pool.submit(grade_in_worker, submission, settings): submission for submission in submissions}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                crashed.append(futures[future])
    for submission in crashed:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            try:
                yield pool.submit(grade_in_worker, submission, settings).result()
            except BrokenProcessPool:
                yield failed_result(submission, PROCESS_STOPPED)
