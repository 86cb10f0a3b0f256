"""Carrying a fix forward: the later steps start from it and keep it in their unchanged files."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course.authoring.carry import CarryError, carry_forward, last_versions
from course.authoring.end_state import ended_pieces
from course.authoring.journey import end_state_code, moved_path, moves_of, starting_point_code
from course.core.catalog import SOLUTIONS_DIR, load_steps

LATE_STEPS = [step for step in load_steps() if step.slug >= "09"]
PLANTED = "\n# planted by test_carry: a fix made in step 9\n"


@pytest.fixture
def late_solutions(tmp_path):
    """Steps 9 to 12's source notebooks, copied."""
    for step in LATE_STEPS:
        shutil.copytree(SOLUTIONS_DIR / step.slug, tmp_path / step.slug, ignore=shutil.ignore_patterns("data"))
    return tmp_path


def notebook_of(folder, step):
    return folder / step.slug / step.notebooks[0]


PLANTED_IN = "penguins/data.py"  # written in step 9, changed by no later step: each carries it


def plant_a_fix(path):
    notebook = nbformat.read(str(path), as_version=4)
    (cell,) = [cell for cell in notebook.cells if cell.source.startswith(f"%%writefile {PLANTED_IN}")]
    cell.source += PLANTED
    nbformat.write(notebook, str(path))


def test_the_course_as_it_is_has_nothing_to_carry(late_solutions):
    assert carry_forward(LATE_STEPS[0].slug, late_solutions) == []


def test_a_fix_reaches_every_later_step_and_the_journey_holds(late_solutions):
    first, *later = LATE_STEPS
    plant_a_fix(notebook_of(late_solutions, first))
    assert starting_point_code(notebook_of(late_solutions, later[0])) != end_state_code(
        notebook_of(late_solutions, first)
    )

    changed = carry_forward(first.slug, late_solutions)

    assert changed == [notebook_of(late_solutions, step) for step in later]
    planted = PLANTED_IN
    for previous, step in zip(LATE_STEPS, later, strict=False):
        ended = "\n\n".join(code for _, code in ended_pieces(previous, late_solutions))  # step 11: as ruff left it
        assert starting_point_code(notebook_of(late_solutions, step)) == ended
        notebook = nbformat.read(str(notebook_of(late_solutions, step)), as_version=4)
        planted = moved_path(planted, moves_of(notebook))  # src/penguins/... from step 13 on
        assert last_versions(notebook)[planted].endswith(PLANTED.strip()), f"{step.slug} lost the fix"


def test_a_starting_point_that_does_not_match_is_refused(late_solutions):
    path = notebook_of(late_solutions, LATE_STEPS[1])
    notebook = nbformat.read(str(path), as_version=4)
    (start,) = [cell for cell in notebook.cells if "starting-point" in cell.metadata.get("tags", [])]
    start.source += "\n\n```python\nan_extra_block = 1\n```\n"
    nbformat.write(notebook, str(path))
    with pytest.raises(CarryError, match="edit the starting-point cells by hand"):
        carry_forward(LATE_STEPS[0].slug, late_solutions)


def test_a_fix_carried_across_the_tools_arrives_as_the_tools_leave_it(late_solutions):
    """Step 11 formats its files: a fix written in step 10 with a layout ruff changes reaches step 12 formatted."""
    step_10, step_11, step_12 = (step for step in LATE_STEPS if step.slug[:2] in ("10", "11", "12"))
    path = notebook_of(late_solutions, step_10)
    notebook = nbformat.read(str(path), as_version=4)
    (cell,) = [cell for cell in notebook.cells if cell.source.startswith("%%writefile penguins/cli.py")]
    cell.source += "\nPLANTED_BY_TEST_CARRY = [1,2,  3]\n"
    nbformat.write(notebook, str(path))

    carry_forward(step_10.slug, late_solutions)

    in_11 = last_versions(nbformat.read(str(notebook_of(late_solutions, step_11)), as_version=4))
    in_12 = last_versions(nbformat.read(str(notebook_of(late_solutions, step_12)), as_version=4))
    assert in_11["penguins/cli.py"].endswith("PLANTED_BY_TEST_CARRY = [1,2,  3]")  # step 11's cells: as written
    assert in_12["penguins/cli.py"].endswith("PLANTED_BY_TEST_CARRY = [1, 2, 3]")  # step 12's: as ruff left it
    assert carry_forward(step_10.slug, late_solutions) == []  # carried once, nothing left to carry


def test_a_moved_file_is_followed_to_its_new_place():
    moves = {"penguins/": "src/penguins/"}
    assert moved_path("penguins/static/index.html", moves) == "src/penguins/static/index.html"
    assert moved_path("tests/test_cli.py", moves) == "tests/test_cli.py"
    assert moved_path("penguins_notes.md", moves) == "penguins_notes.md"  # a prefix of the name is not the folder
    assert moves_of(nbformat.v4.new_notebook()) == {}
