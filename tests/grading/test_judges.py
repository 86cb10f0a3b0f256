"""Every graded cell of every source notebook has a judge the grader can run on its own (fast)."""

from __future__ import annotations

import pytest

from course.core.catalog import load_steps
from course.grading.judging import lint

STEPS = load_steps()


@pytest.mark.parametrize("step", STEPS, ids=[step.slug for step in STEPS])
def test_every_graded_cell_has_a_self_contained_judge(step):
    problems = [problem for name in step.notebooks for problem in lint(step.solution_dir / name)]
    assert not problems, problems


def test_the_lint_finds_a_judge_that_reads_a_notebook_name(tmp_path):
    import nbformat

    cell = nbformat.v4.new_code_cell(
        "### BEGIN HIDDEN TESTS\nprobe = Probe('a')\nseen = probe.send()\n### JUDGE\n"
        "hidden = Check('a', hidden=True)\nhidden.equal('rows', lambda: seen['rows'], len(X))\n"
        "hidden.report()\n### END HIDDEN TESTS",
        metadata={"nbgrader": {"grade": True, "grade_id": "a", "solution": False, "points": 1}},
    )
    unjudged = nbformat.v4.new_code_cell(
        "check = Check('b')", metadata={"nbgrader": {"grade": True, "grade_id": "b", "solution": False, "points": 1}}
    )
    notebook = nbformat.v4.new_notebook(cells=[cell, unjudged])
    nbformat.write(notebook, str(tmp_path / "x.ipynb"))
    assert lint(tmp_path / "x.ipynb") == [
        "a: the judge uses names it will not have in the grader: ['X']",
        "b: no ### JUDGE section",
    ]
