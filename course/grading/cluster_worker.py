"""The Dask worker's side of ``course grade --cluster``: grade shipped submissions as a local worker grades.

Decisions (site/instructor/grading-on-dask.md tells instructors):

* **The files travel, no shared filesystem is assumed.** The instructor's process copies
  each submission as ``course.grading.submission_files.copy_submission`` always does (no
  link followed, sizes capped, odd files refused) and ships the copy's bytes, with what
  was refused, as a ``ShippedFolder``; the worker writes them into a scratch folder of its
  own and reads them with ``course.grading.intake.read_copy``: the same reading, the same
  statuses as a local run. Results come back as plain data (``Graded``); only the
  instructor's process writes OUT.
* **One submission at a time per worker process.** ``course.grading.worker`` keeps one
  scratch nbgrader course per process, and kernels take their user from the process's
  slot, so a lock makes a worker started with ``--nthreads`` above 1 grade one after
  another: two kernels never share a user (and so a process limit). Parallelism comes
  from worker processes (``--nworkers``), as locally from ``--jobs``.
* **A slot per worker process, unique on its machine**: the first free one from
  ``FIRST_CLUSTER_SLOT`` up, held by an ``flock``-ed file for the life of the process (the
  lock goes when the process dies). Local pools use slots from 0, so a local run beside
  Dask workers never shares a kernel user with them.
* **The same sandbox, or none at all.** A worker asked to sandbox that cannot (no
  bubblewrap) fails the submission with a status instead of grading it unsandboxed; a
  worker with another version of the course fails it too (``course_fingerprint``).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import stat
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from course import PACKAGE_DIR, REPO_DIR
from course.grading.result import Submission
from course.grading.sandbox import MAX_SLOTS, SLOT_ENV, probe
from course.grading.submission_files import Copied, Refused, copy_submission
from course.grading.worker import Graded, Settings, failed_result, grade_in_worker

FIRST_CLUSTER_SLOT = MAX_SLOTS // 2
SLOT_FOLDER = Path(tempfile.gettempdir()) / f"course-grading-slots-{os.geteuid()}"
_one_at_a_time = threading.Lock()
_process: dict = {"scratch": {}}  # this worker process's slot and lock file, and each run's scratch folder


@dataclass
class ShippedFolder:
    """A submission as the grader's copy of it: file bytes by relative path, and each path refused."""

    learner: str
    step_slug: str
    files: dict = field(default_factory=dict)  # relative POSIX path -> bytes, in copy order
    refused: dict = field(default_factory=dict)  # relative POSIX path -> its refused-input status
    total: int = 0
    entries: int = 0
    refusal: str = ""  # the whole folder could not be read: its status

    def take_in(self, folder, expected, release_dir, ignore, scratch=None, learner=""):
        """``course.grading.intake.take_in``, reading the shipped files instead of ``folder``."""
        from course.grading.intake import Intake, read_copy

        if self.refusal:
            return Intake(problems=[self.refusal])
        with tempfile.TemporaryDirectory(prefix="intake-", dir=scratch) as copy_dir:
            root = Path(copy_dir) / "submission"
            root.mkdir(mode=0o700)
            for name, data in self.files.items():
                relative = PurePosixPath(name)
                if relative.is_absolute() or ".." in relative.parts:  # the copy never holds such a name
                    raise ValueError(f"a shipped file is outside its folder: {name!r}")
                (root / relative).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                (root / relative).write_bytes(data)
            copied = Copied(
                [PurePosixPath(name) for name in self.files],
                {PurePosixPath(name): status for name, status in self.refused.items()},
                self.total,
                self.entries,
            )
            return read_copy(root, copied, expected, release_dir, learner)


def ship(submission: Submission, ignore: list[str]) -> ShippedFolder:
    """The grader's copy of ``submission`` as plain data (``ignore``: nbgrader's patterns of files never read)."""
    from course.grading.intake import is_ignored

    shipped = ShippedFolder(submission.learner, submission.step_slug)
    with tempfile.TemporaryDirectory(prefix="course-ship-") as folder:
        root = Path(folder) / "submission"
        try:
            copied = copy_submission(submission.folder, root, lambda path: is_ignored(path, ignore))
        except Refused as refused:
            shipped.refusal = str(refused)
            return shipped
        shipped.files = {path.as_posix(): (root / path).read_bytes() for path in copied.files}
    shipped.refused = {path.as_posix(): status for path, status in copied.refused.items()}
    shipped.total, shipped.entries = copied.total, copied.entries
    return shipped


def grade_shipped(shipped: ShippedFolder, settings: Settings, course: str) -> Graded:
    """Grade one shipped submission in this Dask worker process (``course``: the grader's course fingerprint)."""
    submission = Submission(shipped.learner, shipped.step_slug, Path(shipped.learner, shipped.step_slug))
    with _one_at_a_time:
        if course_fingerprint() != course:
            return failed_result(submission, "grading-error: this Dask worker runs another version of the course")
        problem = sandbox_problem() if settings.sandboxed else ""
        if problem:
            return failed_result(submission, f"grading-error: this Dask worker cannot sandbox: {problem}")
        claim_slot()
        here = replace(settings, scratch=run_scratch(settings.scratch))
        return grade_in_worker(submission, here, shipped.take_in)


@functools.cache
def sandbox_problem() -> str:
    """Why bubblewrap does not work in this worker process's machine ('' when it does)."""
    return probe()


def run_scratch(run: str) -> str:
    """This process's scratch folder for the run whose grader's scratch folder is ``run``."""
    if run not in _process["scratch"]:
        _process["scratch"][run] = tempfile.mkdtemp(prefix="course-grade-")
    return _process["scratch"][run]


def forget_run(run: str) -> None:
    """Remove this process's scratch folder of a finished run (the grader calls it on every worker)."""
    with _one_at_a_time:
        folder = _process["scratch"].pop(run, None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def claim_slot() -> int:
    """This process's slot (``sandbox.SLOT_ENV``): the first free one on this machine, kept until it exits."""
    if "slot" in _process:
        return _process["slot"]
    SLOT_FOLDER.mkdir(mode=0o700, exist_ok=True)
    status = SLOT_FOLDER.lstat()
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid():
        raise RuntimeError(f"{SLOT_FOLDER} is not a folder of this user's: grading slots cannot be claimed")
    for slot in range(FIRST_CLUSTER_SLOT, MAX_SLOTS):
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        lock = os.open(SLOT_FOLDER / f"{slot}.lock", flags, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            continue
        _process.update(slot=slot, lock=lock)  # the descriptor stays open: the lock is this process's
        os.environ[SLOT_ENV] = str(slot)
        return slot
    raise RuntimeError(f"every grading slot from {FIRST_CLUSTER_SLOT} to {MAX_SLOTS - 1} is taken on this machine")


@functools.cache
def course_fingerprint() -> str:
    """A hash of what decides a grade: the course package, solutions/ and nbgrader_config.py, as this process has them.

    Cached: a worker process keeps the course code it imported, so after an update it must restart.
    """
    digest = hashlib.sha256()
    files = [REPO_DIR / "nbgrader_config.py"]
    for folder in (PACKAGE_DIR, REPO_DIR / "solutions"):
        files += sorted(path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    for path in files:
        digest.update(path.relative_to(REPO_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
