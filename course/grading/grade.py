"""``course grade``: autograde a class with nbgrader and write grades and feedback.

Input: ``SUBMITTED/<learner>/<step>/<notebook>.ipynb``. Output, in ``OUT``:

* ``grades.csv`` with ``learner,step,score,max_score,status``: one row per
  submission in the class gradebook (``results/``, see ``course.grading.store``),
  broken ones included, plus rows for folders that could not be graded at all, plus
  one row per member a submission's ``PAIR.txt`` credits (``course.grading.team``);
  ``status`` is ``ok`` or says what went wrong;
* ``feedback/<learner>/<step>/<notebook>.html`` (see ``course.grading.feedback``);
* ``autograded/<learner>/<step>/`` the notebooks as nbgrader ran them (for the instructor:
  they hold the hidden tests);
* ``results/<learner>/<step>.json`` the stored results.

nbgrader does the grading, in worker processes (``--jobs``, ``course.grading.pool``) or
on a Dask cluster's workers (``--cluster``, ``course.grading.cluster``), each with its own
scratch course directory and gradebook (``course.grading.worker``); only this process
writes to OUT, and it files a cluster's results exactly as a local pool's.
Before nbgrader sees a submission, ``course.grading.intake`` reads and repairs
it; while it runs, ``course.grading.preprocessors`` and ``course.grading.sandbox`` keep the
learner's code in its place.
"""

from __future__ import annotations

import contextlib
import re
import stat
import sys
import tempfile
import time
from pathlib import Path

from course.core.catalog import Step, find_step, load_steps
from course.grading import store
from course.grading.pool import run_workers
from course.grading.result import Result, Submission, number
from course.grading.submission_files import REFUSED, Refused, list_folder, refusal, shown
from course.grading.team import LEARNER_NAME, credited
from course.grading.worker import Graded, Settings

STEP_NUMBER = re.compile(r"[0-9]{1,3}")


def match_step(name: str, steps: list[Step]) -> Step | None:
    """The step a folder called ``name`` holds: its slug exactly, or its number (``1``, ``01``)."""
    number = int(name) if STEP_NUMBER.fullmatch(name) else None
    return next((step for step in steps if name == step.slug or number == step.number), None)


def unusable_row(learner: str, step: str, status: str) -> Result:
    """A row for a folder that cannot be graded; the names as ``shown`` (learner-supplied)."""
    return Result(shown(learner), shown(step) if step else "", 0, 0, status)


def entry_refusal(path: str, name: str, mode: int, wanted: str) -> str | None:
    """The refusal for an entry of SUBMITTED (``wanted``: learner folder) or of a learner folder (step folder)."""
    if name.startswith("."):
        hidden = "folder" if stat.S_ISDIR(mode) else "file"
        return f"{REFUSED}: hidden {hidden} {path} ignored; a {wanted} never starts with '.'"
    if stat.S_ISREG(mode):
        return f"{REFUSED}: {path} is a file, not a {wanted}; submissions go in SUBMITTED/<learner>/<step>/"
    if not stat.S_ISDIR(mode):
        return refusal(path, mode, "folder")
    return None


def find_submissions(submitted: Path, steps: list[Step]) -> tuple[list[Submission], list[Result]]:
    """Submissions to grade, and a row for every other entry of SUBMITTED and of its learner folders.

    Nothing is followed: a learner or step folder that is a link is refused, as are
    hidden entries, loose files, FIFOs and the like, and names that are not plain.
    """
    found, unusable = [], []
    for learner, mode in list_folder(submitted, untrusted=0):
        problem = entry_refusal(shown(learner), learner, mode, "learner folder")
        if problem:
            unusable.append(unusable_row(learner, "", problem))
            continue
        try:
            entries = list_folder(submitted / learner)
        except Refused as refused:  # swapped for a link since it was listed, or unreadable
            unusable.append(unusable_row(learner, "", str(refused)))
            continue
        if not entries:
            unusable.append(unusable_row(learner, "", f"empty-folder: {shown(learner)} holds no step folder"))
        slugs: set[str] = set()
        by_slug = {step.slug for step in steps}
        for name, mode in sorted(entries, key=lambda entry: (entry[0] not in by_slug, entry[0])):  # slugs first
            path = f"{shown(learner)}/{shown(name)}"
            step = match_step(name, steps)
            problem = entry_refusal(path, name, mode, "step folder")
            if problem is None and not LEARNER_NAME.fullmatch(learner):
                problem = f"bad-learner-name: {shown(learner)}: use letters, digits, '.', '_' or '-' (at most 64)"
            if problem is None and step is None:
                problem = f"unknown-step: {shown(name)} is no step of the course"
            if problem is None and step is not None and step.slug in slugs:
                problem = f"{REFUSED}: {path} is a second folder for step {step.slug}; keep one"
            if problem is not None or step is None:
                unusable.append(unusable_row(learner, name, problem or ""))
                continue
            slugs.add(step.slug)
            found.append(Submission(learner, step.slug, submitted / learner / name))
    return found, unusable


# -- the class: progress, the store ----------------------------------------------------------


class Progress:
    """One line per graded submission, with the time so far and an estimate of the time left."""

    def __init__(self, total: int, show):
        self.total, self.show, self.done, self.started = total, show, 0, time.monotonic()

    def __call__(self, result: Result) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        self.show(
            f"[{self.done}/{self.total}] {result.learner} {result.step}: {number(result.score)}/"
            f"{number(result.max_score)} {result.status} ({elapsed:.0f}s, ~{left:.0f}s left)"
        )


def file_graded(out: Path, done: Graded) -> Result:
    """Put a worker's result in the store (its notebooks only when grading finished); return it as reported."""
    if not done.result.failed:
        store.keep_autograded(out, done.result, done.notebooks)
    return store.record(out, done.result)


@contextlib.contextmanager
def graders(jobs: int, sandbox: str, cluster: str | None):
    """(the sandbox decision, what grades submissions with settings): ``jobs`` local processes, or the cluster's."""
    from course.grading.sandbox import choose

    if cluster is None:
        yield choose(sandbox), lambda submissions, settings: run_workers(submissions, settings, jobs)
        return
    from course.grading.cluster import cluster_grader

    with cluster_grader(cluster, sandbox) as grader:
        yield grader.choice, grader.run


def grade_class(
    submitted: Path,
    out: Path,
    jobs: int = 1,
    timeout: int | None = None,
    progress=print,
    sandbox: str = "auto",
    cluster: str | None = None,
) -> list[Result]:
    """Grade every submission under ``submitted`` into ``out``; return this run's results.

    ``sandbox``: ``auto`` (bubblewrap when it works here, else a warning),
    ``require`` (raise ``course.grading.sandbox.SandboxUnavailable`` without it) or ``off``;
    on a ``cluster`` (``course.grading.cluster_config``), on every worker instead of here.
    """
    from course.grading import feedback

    steps = load_steps()
    with contextlib.ExitStack() as stack:
        choice, run = stack.enter_context(graders(jobs, sandbox, cluster))
        progress(choice.message)
        submissions, unusable = find_submissions(submitted, steps)
        stack.enter_context(store.locked(out))
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="course-grade-", ignore_cleanup_errors=True))
        settings = Settings(timeout, choice.enabled, scratch)
        report = Progress(len(submissions), progress)
        gradebook = {(r.learner, r.step): r for r in store.stored_results(out)}
        graded = []
        for done in run(submissions, settings):
            graded.append(file_graded(out, done))
            gradebook[(graded[-1].learner, graded[-1].step)] = graded[-1]
            report(graded[-1])
            store.write_grades(with_teams(gradebook.values()) + unusable, out / "grades.csv")
        rows = with_teams(gradebook.values())
        for result in rows:
            if result.step in {step.slug for step in steps}:
                feedback.write_feedback(result, find_step(result.step, steps), out / "feedback", base=out)
        store.write_grades(rows + unusable, out / "grades.csv")
    this_run = {(r.learner, r.step) for r in graded}
    return by_learner([r for r in rows if (r.credited_from or r.learner, r.step) in this_run] + unusable)


def by_learner(results) -> list[Result]:
    return sorted(results, key=lambda r: (r.learner, r.step))


def with_teams(results) -> list[Result]:
    """The gradebook's results (noted where a pair file also names them) and a row per member credited."""
    own, rows = credited(results)
    return by_learner(own + rows)


def main_grade(
    submitted: Path, out: Path, jobs: int, timeout: int | None, sandbox: str = "auto", cluster: str | None = None
) -> int:
    """The CLI's ``grade``: exit 0 when every submission got a row, 2 when grading could not start."""
    from course.grading.cluster_config import ClusterUnavailable
    from course.grading.sandbox import SandboxUnavailable
    from course.grading.store import OutFolderBusy

    if not submitted.is_dir():
        print(
            f"course grade: {submitted} is not a folder. Give the folder that holds <learner>/<step>/<notebook>.ipynb.",
            file=sys.stderr,
        )
        return 2
    if jobs < 1:
        print("course grade: --jobs must be 1 or more", file=sys.stderr)
        return 2
    if cluster is not None and jobs > 1:
        print("course grade: --cluster or --jobs, not both: the cluster's workers grade in parallel", file=sys.stderr)
        return 2
    try:
        results = grade_class(submitted, out, jobs=jobs, timeout=timeout, sandbox=sandbox, cluster=cluster)
    except (SandboxUnavailable, OutFolderBusy, ClusterUnavailable) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
    members = sum(bool(r.credited_from) for r in results)
    results = [r for r in results if not r.credited_from]
    ok = sum(r.status == "ok" for r in results)
    team = f", {members} team members credited" if members else ""
    print(f"graded {len(results)} submissions ({ok} ok, {len(results) - ok} with problems{team}): {out / 'grades.csv'}")
    return 0
