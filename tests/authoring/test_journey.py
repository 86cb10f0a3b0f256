"""Each step starts where the previous one ended.

Where a step's end state runs tools on its files (step 11: ruff's fixes and its formatter),
the next step starts from the files as the tools left them on disk (``ended_pieces``), not
from the cells as written: its starting point and its collapsed cells show what is on disk.
"""

from __future__ import annotations

import functools
import itertools
import shutil

import nbformat
import pytest

from course.authoring.end_state import ended_pieces
from course.authoring.journey import (
    end_state_cells,
    end_state_code,
    moved_path,
    moves_of,
    starting_point_code,
    written_path,
)
from course.core.catalog import SOLUTIONS_DIR, find_step, load_steps

STEPS = load_steps()
PAIRS = list(itertools.pairwise(STEPS))


@functools.cache
def course_ended_pieces(slug: str) -> list[tuple[str | None, str]]:
    """``ended_pieces`` of the course's own step ``slug``, once per session (step 11's runs ruff)."""
    return ended_pieces(find_step(slug[:2]))


def ended_code(step, solutions_dir=SOLUTIONS_DIR) -> str:
    pieces = course_ended_pieces(step.slug) if solutions_dir == SOLUTIONS_DIR else ended_pieces(step, solutions_dir)
    return "\n\n".join(code for _, code in pieces)


@pytest.mark.parametrize("previous,step", PAIRS, ids=[step.slug for _, step in PAIRS])
def test_starting_point_is_the_previous_steps_end_state(previous, step):
    ended = ended_code(previous)
    assert ended, f"{previous.slug} tags no cells as end-state"
    started = starting_point_code(step.solution_dir / step.notebooks[0])
    assert started == ended, f"{step.slug}'s starting point differs from {previous.slug}'s end state"


@pytest.mark.parametrize("previous,step", PAIRS, ids=[step.slug for _, step in PAIRS])
def test_the_collapsed_cells_write_the_previous_steps_files_as_they_ended(previous, step):
    notebook = nbformat.read(str(step.solution_dir / step.notebooks[0]), as_version=4)
    moves = moves_of(notebook)
    files = {moved_path(path, moves): code for path, code in course_ended_pieces(previous.slug) if path}
    for cell in end_state_cells(notebook):
        path = written_path(cell.source)
        if cell.metadata.get("jupyter", {}).get("source_hidden") and path in files:
            assert cell.source == f"%%writefile {path}\n{files[path]}", f"{step.slug}: {path} is not as it ended"


@pytest.fixture
def steps_11_and_12(tmp_path):
    """Steps 11 and 12's source notebooks, copied (without their data)."""
    for number in ("11", "12"):
        step = find_step(number)
        shutil.copytree(SOLUTIONS_DIR / step.slug, tmp_path / step.slug, ignore=shutil.ignore_patterns("data"))
    return tmp_path


def rewrite(folder, step, change) -> None:
    path = folder / step.slug / step.notebooks[0]
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        cell.source = change(cell.source)
    nbformat.write(notebook, str(path))


def test_after_the_tools_ran_the_raw_cells_are_not_the_end_state(steps_11_and_12):
    """A step 12 that showed step 11's cells as written (before ruff) would fail the journey."""
    step_11, step_12 = find_step("11"), find_step("12")
    raw = end_state_code(steps_11_and_12 / step_11.slug / step_11.notebooks[0])
    assert ended_code(step_11, steps_11_and_12) != raw  # ruff changed files: the raw cells are not what is on disk
    started = starting_point_code(steps_11_and_12 / step_12.slug / step_12.notebooks[0])
    assert started == ended_code(step_11, steps_11_and_12)


def test_a_planted_difference_after_the_tools_fails_the_journey(steps_11_and_12):
    step_11, step_12 = find_step("11"), find_step("12")
    line = "OK, BAD_INPUT, REFUSED = 0, 2, 3"
    rewrite(steps_11_and_12, step_12, lambda source: source.replace(line, line + "  # planted in step 12"))
    started = starting_point_code(steps_11_and_12 / step_12.slug / step_12.notebooks[0])
    assert "planted in step 12" in started
    assert started != ended_code(step_11, steps_11_and_12)


def test_a_layout_the_formatter_would_change_is_not_the_end_state(steps_11_and_12):
    """Step 11's formatter decides the layout: step 12 showing a line ruff would rewrite fails the journey."""
    step_11, step_12 = find_step("11"), find_step("12")
    line = "OK, BAD_INPUT, REFUSED = 0, 2, 3"
    rewrite(steps_11_and_12, step_12, lambda source: source.replace(line, "OK, BAD_INPUT, REFUSED = 0,2,3"))
    started = starting_point_code(steps_11_and_12 / step_12.slug / step_12.notebooks[0])
    assert started != ended_code(step_11, steps_11_and_12)
