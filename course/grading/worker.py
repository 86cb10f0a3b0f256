"""Grade one submission in a worker process: its own scratch nbgrader course directory and gradebook.

A worker takes a submission in (``course.grading.intake``), has nbgrader autograde
it with the course's preprocessors (``course.grading.preprocessors``) and reads
the scores and what went wrong (``course.grading.guards``) back. The pool of
workers is ``course.grading.pool``; only the parent process writes the class's results.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course.core.catalog import Step, find_step
from course.grading.result import Result, Submission
from course.grading.submission_files import plain


@dataclass(frozen=True)
class Settings:
    """How every worker grades: the per-cell time limit, the sandbox, the run's scratch folder."""

    timeout: int | None
    sandboxed: bool
    scratch: str


_worker: dict = {}


# One thread per kernel for the numeric libraries: N workers then use N cores, not N times
# all of them, and sums come out the same whatever --jobs is.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _worker_api(settings: Settings):
    """The nbgrader API of this process's scratch course directory (made on first use)."""
    from course.grading.nbgrader_setup import make_api

    if _worker.get("settings") != settings:  # a long-lived (Dask) worker grades run after run
        for name, value in SINGLE_THREADED.items():
            os.environ.setdefault(name, value)  # inherited by every kernel this worker starts
        root = Path(tempfile.mkdtemp(prefix="worker-", dir=settings.scratch))
        _worker.update(
            api=make_api(root, settings.timeout, guarded=True, sandboxed=settings.sandboxed),
            generated=set(),
            settings=settings,
        )
    return _worker["api"]


def _release_dir(api, step: Step) -> Path:
    """The step's released folder in the scratch course, generated once per worker."""
    from course.grading.nbgrader_setup import copy_source, generate

    root = Path(api.coursedir.root)
    if step.slug not in _worker["generated"]:
        copy_source(step.solution_dir, root)
        generate(api, root, step.slug)
        _worker["generated"].add(step.slug)
    return Path(api.coursedir.format_path(api.coursedir.release_directory, ".", step.slug))


@dataclass
class Graded:
    """What a worker hands back: the result, and the text of each autograded notebook."""

    result: Result
    notebooks: dict


def grade_one(submission: Submission, settings: Settings, take_in=None) -> Graded:
    """Take in, autograde and check one submission in this process's scratch course directory.

    ``take_in``: what reads the submission (default ``course.grading.intake.take_in``, from
    ``submission.folder``); a Dask worker reads the files shipped to it (``course.grading.cluster_worker``).
    """
    import nbformat

    from course.grading.guards import findings, review_flags
    from course.grading.intake import take_in as take_in_folder
    from course.grading.nbgrader_setup import ignore_patterns, quiet_warnings
    from course.grading.preprocessors.prepare_workdir import remove_leftover_workdirs

    quiet_warnings()
    step = find_step(submission.step_slug)
    api = _worker_api(settings)
    release = _release_dir(api, step)
    target = Path(api.coursedir.format_path(api.coursedir.submitted_directory, submission.learner, step.slug))
    autograded = Path(api.coursedir.format_path(api.coursedir.autograded_directory, submission.learner, step.slug))
    for folder in (target, autograded):
        shutil.rmtree(folder, ignore_errors=True)
    target.mkdir(parents=True)

    intake = (take_in or take_in_folder)(
        submission.folder, step.notebooks, release, ignore_patterns(), settings.scratch, submission.learner
    )
    for name, notebook in intake.notebooks.items():
        nbformat.write(notebook, str(target / name))

    result = Result(submission.learner, step.slug, 0, step.points, team=list(intake.team))
    problems = list(intake.problems)
    if intake.notebooks:
        try:
            outcome = api.autograde(step.slug, submission.learner)
        finally:
            remove_leftover_workdirs()
        if not outcome.get("success"):
            result.failed = True
            problems.append("grading-error: " + nbgrader_error(outcome))
    _read_scores(api, result, step)
    notebooks = {}
    for name, notebook in intake.notebooks.items():
        if (autograded / name).exists():
            notebooks[name] = (autograded / name).read_text(encoding="utf-8")
            problems += findings(autograded / name)
        problems += review_flags(notebook, name)
    result.status = "; ".join(problems) if problems else "ok"
    for folder in (target, autograded):  # the next learner graded here finds nothing of this one
        shutil.rmtree(folder, ignore_errors=True)
    return Graded(result, notebooks)


def _read_scores(api, result: Result, step: Step) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            submission = gradebook.find_submission(step.slug, result.learner)
        except MissingEntry:
            return
        result.score = float(submission.score)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                result.cells[grade.name] = {
                    "score": float(grade.score),
                    "max_score": float(grade.max_score),
                    "notebook": notebook.name + ".ipynb",
                }


EXCEPTION_LINE = re.compile(r"^\s*([\w.]*(Error|Exception|Exit)\w*): (.+)$")


def nbgrader_error(outcome: dict) -> str:
    """The line that says what went wrong in a failed nbgrader call (not nbgrader's 'see above')."""
    text = (outcome.get("log") or "") + "\n" + (outcome.get("error") or "")
    causes = [
        line.strip() for line in text.splitlines() if EXCEPTION_LINE.match(line) and "NbGraderException" not in line
    ]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = causes[-1] if causes else (lines[-1] if lines else "nbgrader failed without saying why")
    return plain(found, 200)


def failed_result(submission: Submission, status: str) -> Graded:
    """A submission grading could not finish: score unknown, so an earlier result is kept."""
    step = find_step(submission.step_slug)
    return Graded(Result(submission.learner, step.slug, 0, step.points, status, failed=True), {})


def grade_in_worker(submission: Submission, settings: Settings, take_in=None) -> Graded:
    """``grade_one``, turning any error of the grader into a failed result: the batch goes on."""
    try:
        return grade_one(submission, settings, take_in)
    except Exception as error:
        return failed_result(submission, f"grading-error: {type(error).__name__}: {plain(str(error))}")
