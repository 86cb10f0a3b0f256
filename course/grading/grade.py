"""``course grade``: autograde a class with nbgrader and write grades and feedback.

Input: ``SUBMITTED/<learner>/<step>/<notebook>.ipynb``. Output, in ``OUT``:

* ``grades.csv`` with ``learner,step,score,max_score,status``: one row per
  submission in the class gradebook (``results/``, see ``course.grading.store``),
  broken ones included, plus rows for folders that could not be graded at all;
  ``status`` is ``ok`` or says what went wrong;
* ``feedback/<learner>/<step>/<notebook>.html`` (see ``course.grading.feedback``);
* ``autograded/<learner>/<step>/`` the notebooks as nbgrader ran them (for the instructor:
  they hold the hidden tests);
* ``results/<learner>/<step>.json`` the stored results.

nbgrader does the grading, in worker processes (``--jobs``), each with its own
scratch course directory and gradebook; only this process writes to OUT.
Before nbgrader sees a submission, ``course.grading.intake`` reads and repairs
it; while it runs, ``course.grading.guards`` and ``course.grading.sandbox`` keep the
learner's code in its place.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from course.grading import store
from course.core.catalog import CatalogError, Step, find_step, load_steps
from course.grading.result import Result, Submission, number

LEARNER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def find_submissions(submitted: Path, steps: list[Step]) -> tuple[list[Submission], list[Result]]:
    """Submissions to grade, and rows for folders that cannot be graded at all."""
    found, unusable = [], []
    for learner_dir in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for step_dir in sorted(p for p in learner_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            learner = learner_dir.name
            if not LEARNER_NAME.match(learner):
                unusable.append(
                    Result(learner, step_dir.name, 0, 0, "bad-learner-name: use letters, digits, '.', '_' or '-'")
                )
                continue
            try:
                step = find_step(step_dir.name, steps)
            except CatalogError:
                unusable.append(Result(learner, step_dir.name, 0, 0, "unknown-step: no such step in the course"))
                continue
            found.append(Submission(learner, step.slug, step_dir))
    return found, unusable


# -- one worker: a scratch nbgrader course directory, reused for its submissions --


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

    if "api" not in _worker:
        for name, value in SINGLE_THREADED.items():
            os.environ.setdefault(name, value)  # inherited by every kernel this worker starts
        root = Path(tempfile.mkdtemp(prefix="worker-", dir=settings.scratch))
        _worker.update(api=make_api(root, settings.timeout, guarded=True, sandboxed=settings.sandboxed),
                       generated=set())
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


def grade_one(submission: Submission, settings: Settings) -> Graded:
    """Take in, autograde and check one submission in this process's scratch course directory."""
    import nbformat

    from course.grading.guards import findings, restore_stash
    from course.grading.intake import review_flags, take_in
    from course.grading.nbgrader_setup import ignore_patterns, quiet_warnings

    quiet_warnings()
    step = find_step(submission.step_slug)
    api = _worker_api(settings)
    release = _release_dir(api, step)
    target = Path(api.coursedir.format_path(api.coursedir.submitted_directory, submission.learner, step.slug))
    autograded = Path(api.coursedir.format_path(api.coursedir.autograded_directory, submission.learner, step.slug))
    for folder in (target, autograded):
        shutil.rmtree(folder, ignore_errors=True)
    target.mkdir(parents=True)

    intake = take_in(submission.folder, step.notebooks, release, ignore_patterns())
    for name, notebook in intake.notebooks.items():
        nbformat.write(notebook, str(target / name))

    result = Result(submission.learner, step.slug, 0, step.points)
    problems = list(intake.problems)
    if intake.notebooks:
        outcome = api.autograde(step.slug, submission.learner)
        restore_stash(autograded)
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
    causes = [line.strip() for line in text.splitlines()
              if EXCEPTION_LINE.match(line) and "NbGraderException" not in line]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = causes[-1] if causes else (lines[-1] if lines else "nbgrader failed without saying why")
    return found[:200]


def failed_result(submission: Submission, status: str) -> Graded:
    """A submission grading could not finish: score unknown, so an earlier result is kept."""
    step = find_step(submission.step_slug)
    return Graded(Result(submission.learner, step.slug, 0, step.points, status, failed=True), {})


def grade_in_worker(submission: Submission, settings: Settings) -> Graded:
    """``grade_one``, turning any error of the grader into a failed result: the batch goes on."""
    try:
        return grade_one(submission, settings)
    except Exception as error:
        return failed_result(submission, f"grading-error: {type(error).__name__}: {error}")


# -- the class: workers, progress, the store ----------------------------------------------


def run_workers(submissions: list[Submission], settings: Settings, jobs: int):
    """Grade ``submissions`` in ``jobs`` worker processes; yield ``Graded`` as they finish.

    A worker that dies takes the submissions it was running down with it; each
    of those is graded again alone, in a fresh worker, and gets a failed
    result if that worker dies too.
    """
    context = multiprocessing.get_context("spawn")
    crashed = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(submissions))), mp_context=context) as pool:
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
                yield failed_result(submission, "grading-error: the grading process stopped while grading this")


class Progress:
    """One line per graded submission, with the time so far and an estimate of the time left."""

    def __init__(self, total: int, show):
        self.total, self.show, self.done, self.started = total, show, 0, time.monotonic()

    def __call__(self, result: Result) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        self.show(f"[{self.done}/{self.total}] {result.learner} {result.step}: {number(result.score)}/"
                  f"{number(result.max_score)} {result.status} ({elapsed:.0f}s, ~{left:.0f}s left)")


def file_graded(out: Path, done: Graded) -> Result:
    """Put a worker's result in the store (its notebooks only when grading finished); return it as reported."""
    if not done.result.failed:
        store.keep_autograded(out, done.result, done.notebooks)
    return store.record(out, done.result)


def grade_class(
    submitted: Path,
    out: Path,
    jobs: int = 1,
    timeout: int | None = None,
    progress=print,
    sandbox: str = "auto",
) -> list[Result]:
    """Grade every submission under ``submitted`` into ``out``; return this run's results.

    ``sandbox``: ``auto`` (bubblewrap when it works here, else a warning),
    ``require`` (raise ``course.grading.sandbox.SandboxUnavailable`` without it) or ``off``.
    """
    from course.grading import feedback
    from course.grading.sandbox import choose

    steps = load_steps()
    choice = choose(sandbox)
    progress(choice.message)
    submissions, unusable = find_submissions(submitted, steps)
    graded = []
    with store.locked(out), tempfile.TemporaryDirectory(prefix="course-grade-", ignore_cleanup_errors=True) as scratch:
        settings = Settings(timeout, choice.enabled, scratch)
        report = Progress(len(submissions), progress)
        gradebook = {(r.learner, r.step): r for r in store.stored_results(out)}
        for done in run_workers(submissions, settings, jobs):
            graded.append(file_graded(out, done))
            gradebook[(graded[-1].learner, graded[-1].step)] = graded[-1]
            report(graded[-1])
            store.write_grades(by_learner(gradebook.values()) + unusable, out / "grades.csv")
        for result in gradebook.values():
            if result.step in {step.slug for step in steps}:
                feedback.write_feedback(result, find_step(result.step, steps), out / "feedback", base=out)
        store.write_grades(by_learner(gradebook.values()) + unusable, out / "grades.csv")
    return by_learner(graded + unusable)


def by_learner(results) -> list[Result]:
    return sorted(results, key=lambda r: (r.learner, r.step))


def main_grade(submitted: Path, out: Path, jobs: int, timeout: int | None, sandbox: str = "auto") -> int:
    """The CLI's ``grade``: exit 0 when every submission got a row, 2 when grading could not start."""
    from course.grading.store import OutFolderBusy
    from course.grading.sandbox import SandboxUnavailable

    if not submitted.is_dir():
        print(f"course grade: {submitted} is not a folder. Give the folder that holds "
              "<learner>/<step>/<notebook>.ipynb.", file=sys.stderr)
        return 2
    if jobs < 1:
        print("course grade: --jobs must be 1 or more", file=sys.stderr)
        return 2
    try:
        results = grade_class(submitted, out, jobs=jobs, timeout=timeout, sandbox=sandbox)
    except (SandboxUnavailable, OutFolderBusy) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
    ok = sum(r.status == "ok" for r in results)
    print(f"graded {len(results)} submissions ({ok} ok, {len(results) - ok} with problems): {out / 'grades.csv'}")
    return 0
