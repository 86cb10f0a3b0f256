"""Parallel grading gives the results one worker gives; regrading is idempotent and never loses a grade.

The first step's solution, untouched exercise and stub variants are graded
with one worker, then again with two workers into the same --out folder.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import add_solution_untouched_and_stubs

from course.core.catalog import load_steps
from course.grading import store
from course.grading.grade import Graded, file_graded, grade_class
from course.grading.result import Result

STEP = load_steps()[0]


def pages(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text() for p in sorted((out / "feedback").rglob("*.html"))}


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    """The first step's class graded with --jobs 1, then again with --jobs 2 into the same folder."""
    submitted = tmp_path_factory.mktemp("parallel-submitted")
    add_solution_untouched_and_stubs(submitted, STEP)
    out = tmp_path_factory.mktemp("parallel-out")
    lines = []
    first = grade_class(submitted, out, jobs=1, progress=lines.append)
    before = {
        "csv": (out / "grades.csv").read_text(),
        "pages": pages(out),
        "results": {p.name + p.parent.name: p.read_text() for p in (out / "results").rglob("*.json")},
    }
    again = grade_class(submitted, out, jobs=2, progress=lambda line: None)
    return {"first": first, "again": again, "before": before, "out": out, "progress": lines}


def comparable(result: Result) -> tuple:
    return result.learner, result.step, result.score, result.max_score, result.status, result.cells


@pytest.mark.slow  # grades the first step's class twice
def test_jobs_2_gives_the_same_results_as_jobs_1(one_worker):
    assert len(one_worker["first"]) >= 3
    assert [comparable(r) for r in one_worker["again"]] == [comparable(r) for r in one_worker["first"]]


@pytest.mark.slow  # grades the first step's class twice
def test_scores_vary_across_the_class(one_worker):
    scores = {result.learner: result.score for result in one_worker["first"]}
    assert scores["solution"] == STEP.points and scores["untouched"] == 0
    assert any(0 < score < STEP.points for score in scores.values())


@pytest.mark.slow  # grades the first step's class twice
def test_regrading_into_the_same_folder_changes_nothing(one_worker):
    out, before = one_worker["out"], one_worker["before"]
    assert (out / "grades.csv").read_text() == before["csv"]
    assert pages(out) == before["pages"]
    assert {p.name + p.parent.name: p.read_text() for p in (out / "results").rglob("*.json")} == before["results"]


@pytest.mark.slow  # grades the first step's class twice
def test_progress_is_shown_per_submission(one_worker):
    lines = one_worker["progress"]
    assert lines[0].startswith(("sandbox:", "WARNING"))
    total = len(one_worker["first"])
    assert [line.split("]")[0] for line in lines[1:]] == [f"[{n}/{total}" for n in range(1, total + 1)]
    assert lines[-1].endswith("~0s left)")


@pytest.mark.slow  # grades the first step's class twice
def test_a_failed_regrade_keeps_the_earlier_result(one_worker, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(one_worker["out"], out)
    failed = Result("solution", STEP.slug, 0, STEP.points, "grading-error: the kernel did not start", failed=True)
    reported = file_graded(out, Graded(failed, {}))
    assert reported.score == STEP.points
    assert reported.status == "regrade failed, earlier result kept (grading-error: the kernel did not start)"
    assert (out / reported.autograded[STEP.notebooks[0]]).is_file()
    store.write_grades(store.stored_results(out), out / "grades.csv")
    with open(out / "grades.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["learner"] == "solution"]
    assert [(row["score"], row["status"]) for row in rows] == [(str(STEP.points), reported.status)]
    # a regrade that works replaces the result, and the failure note goes
    fixed = Result("solution", STEP.slug, 3, STEP.points, "ok")
    assert file_graded(out, Graded(fixed, {})).status == "ok"
    assert {r.learner: r.score for r in store.stored_results(out)}["solution"] == 3


def test_an_unreadable_stored_result_is_regraded_not_crashed_on(tmp_path):
    path = store.result_path(tmp_path, "amy", STEP.slug)
    path.parent.mkdir(parents=True)
    path.write_text("{ half written")
    assert store.stored_results(tmp_path) == []
    reported = store.record(tmp_path, Result("amy", STEP.slug, 2, STEP.points, "ok"))
    assert reported.score == 2 and [r.score for r in store.stored_results(tmp_path)] == [2]


def test_two_runs_cannot_write_to_one_folder(tmp_path):
    with store.locked(tmp_path):
        with pytest.raises(store.OutFolderBusy, match="another `course grade` is writing to"):
            with store.locked(tmp_path):
                pass


KILL_THE_GRADER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"


@pytest.mark.slow  # a real nbgrader run of two learners, one of whom kills its worker
def test_without_a_sandbox_a_learner_who_kills_the_grader_gets_a_row_and_the_batch_goes_on(tmp_path):
    submitted = tmp_path / "submitted"
    shutil.copytree(STEP.solution_dir, submitted / "solo" / STEP.slug)
    shutil.copytree(STEP.solution_dir, submitted / "killer" / STEP.slug)
    notebook = nbformat.read(str(submitted / "killer" / STEP.slug / STEP.notebooks[0]), as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(KILL_THE_GRADER))  # the kernel's parent is the worker
    nbformat.write(notebook, str(submitted / "killer" / STEP.slug / STEP.notebooks[0]))
    lines = []
    killer, solo = grade_class(submitted, tmp_path / "out", sandbox="off", progress=lines.append)
    assert lines[0].startswith("WARNING: sandbox off: learner code runs with your rights")
    assert (solo.learner, solo.score, solo.status) == ("solo", STEP.points, "ok")
    assert killer.status == "grading-error: the grading process stopped while grading this"
    assert killer.failed and killer.score == 0
