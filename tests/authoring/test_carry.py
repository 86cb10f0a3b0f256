"""Carrying a fix forward: the later steps start from it and keep it in their unchanged files."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course.authoring.carry import CarryError, carry_forward, last_versions
from course.authoring.journey import end_state_code, starting_point_code
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


def plant_in_cli(path):
    notebook = nbformat.read(str(path), as_version=4)
    (cell,) = [cell for cell in notebook.cells if cell.source.startswith("%%writefile penguins/cli.py")]
    cell.source += PLANTED
    nbformat.write(notebook, str(path))


def test_the_course_as_it_is_has_nothing_to_carry(late_solutions):
    assert carry_forward(LATE_STEPS[0].slug, late_solutions) == []


def test_a_fix_reaches_every_later_step_and_the_journey_holds(late_solutions):
    first, *later = LATE_STEPS
    plant_in_cli(notebook_of(late_solutions, first))
    assert starting_point_code(notebook_of(late_solutions, later[0])) != end_state_code(
        notebook_of(late_solutions, first)
    )

    changed = carry_forward(first.slug, late_solutions)

    assert changed == [notebook_of(late_solutions, step) for step in later]
    for previous, step in zip(LATE_STEPS, later, strict=False):
        assert starting_point_code(notebook_of(late_solutions, step)) == end_state_code(
            notebook_of(late_solutions, previous)
        )
        files = last_versions(nbformat.read(str(notebook_of(late_solutions, step)), as_version=4))
        assert files["penguins/cli.py"].endswith(PLANTED.strip()), f"{step.slug} lost the fix"


def test_a_starting_point_that_does_not_match_is_refused(late_solutions):
    path = notebook_of(late_solutions, LATE_STEPS[1])
    notebook = nbformat.read(str(path), as_version=4)
    (start,) = [cell for cell in notebook.cells if "starting-point" in cell.metadata.get("tags", [])]
    start.source += "\n\n```python\nan_extra_block = 1\n```\n"
    nbformat.write(notebook, str(path))
    with pytest.raises(CarryError, match="edit the starting-point cells by hand"):
        carry_forward(LATE_STEPS[0].slug, late_solutions)
