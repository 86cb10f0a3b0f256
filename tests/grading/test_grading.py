"""Real nbgrader autograding proves each step: full marks, zero, and no free points."""

from __future__ import annotations

import csv

import pytest

from course.core.catalog import load_steps
from sources import assert_pages_hide_hidden_tests, secret_hidden_lines

STEPS = load_steps()
SLUGS = [step.slug for step in STEPS]


def manual_cells(step) -> dict[str, int]:
    """grade_id -> points of the step's manually graded cells (the registry's ``manual`` checks).

    A facilitator scores these; the autograder never does. So a perfect submission
    earns every *automatic* point, and its manual cells stay at 0 until a person
    grades them: "full marks" below means full automatic marks. tests/core/test_registry.py
    checks that the registry's manual checks are the notebooks' manually graded cells.
    """
    return {check.id: check.points for check in step.checks if check.manual}


def automatic_points(step) -> int:
    return step.points - sum(manual_cells(step).values())


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_solution_earns_full_marks(graded_class, step):
    result = graded_class["results"][("solution", step.slug)]
    assert result.status == "ok", result.status
    assert result.max_score == step.points > 0
    manual = manual_cells(step)
    short = {k: v for k, v in result.cells.items() if v["score"] < v["max_score"] and k not in manual}
    assert result.score == automatic_points(step) > 0, short
    for grade_id, points in manual.items():  # counted in the maximum, left to a person
        assert (result.cells[grade_id]["score"], result.cells[grade_id]["max_score"]) == (0, points), grade_id


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_untouched_exercise_earns_zero_in_every_cell(graded_class, step):
    result = graded_class["results"][("untouched", step.slug)]
    assert result.score == 0
    assert set(result.cells) == {check.id for check in step.checks}
    free = {grade_id: cell for grade_id, cell in result.cells.items() if cell["score"] > 0}
    assert not free, f"graded cells that pass on the untouched exercise: {free}"


def test_every_solution_cell_is_load_bearing(graded_class):
    results = graded_class["results"]
    assert graded_class["stubs"], "no solution cells found"
    dead = []
    for learner, slug in graded_class["stubs"]:
        result = results[(learner, slug)]
        if (
            result.score >= results[("solution", slug)].score
        ):  # the solution's score: manual points are never auto-awarded
            dead.append(f"{slug}: {learner.removeprefix('stub-')}")
    assert not dead, f"replacing these solution cells by their stub loses no points: {dead}"


def test_grades_csv_has_a_row_per_submission(graded_class):
    with open(graded_class["out"] / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["learner", "step", "score", "max_score", "status"]
    assert {(row["learner"], row["step"]) for row in rows} == set(graded_class["results"])


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_feedback_pages_exist_and_show_scores(graded_class, step):
    for learner in ("solution", "untouched"):
        for notebook in step.notebooks:
            page = graded_class["out"] / "feedback" / learner / step.slug / notebook.replace(".ipynb", ".html")
            text = page.read_text()
            score = automatic_points(step) if learner == "solution" else 0
            assert f"Score: <strong>{score} / {step.points}</strong>" in text
            if manual_cells(step):
                assert "A person reads and scores this answer" in text
                assert "did not run" not in text or learner == "untouched"


def test_weak_answers_do_not_earn_the_points_they_dodge(graded_class):
    from weak_submissions import WEAK

    for slug, entries in WEAK.items():
        for learner, _, _, must_be_zero in entries:
            result = graded_class["results"][(learner, slug)]
            earned = {cell: result.cells[cell]["score"] for cell in must_be_zero if result.cells[cell]["score"] > 0}
            assert not earned, f"{learner} in {slug} earned points it should not: {earned}"
            if learner != "weak-asserts-nothing":
                assert result.score > 0, f"{learner}: a weak but working answer should earn partial credit"


def test_feedback_never_shows_hidden_test_source(graded_class):
    pages = list((graded_class["out"] / "feedback").rglob("*.html"))
    graded = {key for key, result in graded_class["results"].items() if result.autograded}
    assert len(pages) >= len(graded)  # every graded submission has a page per notebook
    assert_pages_hide_hidden_tests(pages, secret_hidden_lines(STEPS))
