"""exercises/ is exactly what `course release` makes, and gives nothing away."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course.authoring.release import build_release, release_differences, stray_step_folders
from course.core.catalog import EXERCISES_DIR, load_steps
from sources import split_lines, telling

STEPS = load_steps()
SLUGS = [step.slug for step in STEPS]


@pytest.mark.slow  # releases the whole course into a scratch folder
def test_exercises_are_up_to_date():
    problems = release_differences(STEPS) + stray_step_folders(STEPS)
    assert not problems, "run `course release`:\n" + "\n".join(problems)


def test_release_check_catches_a_hand_edit(tmp_path):
    exercises = tmp_path / "exercises"
    shutil.copytree(EXERCISES_DIR, exercises)
    step = STEPS[0]
    notebook_path = exercises / step.slug / step.notebooks[0]
    notebook = nbformat.read(str(notebook_path), as_version=4)
    notebook.cells[0].source += "\nedited by hand"
    nbformat.write(notebook, str(notebook_path))
    (exercises / step.slug / "stray.txt").write_text("left behind")
    problems = release_differences([step], exercises)
    assert f"outdated: exercises/{step.slug}/{step.notebooks[0]}" in problems
    assert f"stray:    exercises/{step.slug}/stray.txt" in problems


def test_release_is_deterministic(tmp_path):
    build_release(STEPS[:1], tmp_path / "a")
    build_release(STEPS[:1], tmp_path / "b")
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_released_notebooks_have_no_outputs_or_markers(step):
    for name in step.notebooks:
        notebook = nbformat.read(str(step.exercise_dir / name), as_version=4)
        for cell in notebook.cells:
            assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
    assert not list(step.exercise_dir.rglob(".ipynb_checkpoints"))


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_no_solution_or_hidden_test_text_in_exercises(step):
    released_text = ""
    for path in step.exercise_dir.rglob("*"):
        if path.is_file() and path.suffix in {".ipynb", ".py", ".md", ".txt", ".toml", ".cfg", ".yml", ".yaml"}:
            if path.suffix == ".ipynb":
                released_text += "\n".join(c.source for c in nbformat.read(str(path), as_version=4).cells)
            else:
                released_text += path.read_text()
    released_lines = {line.strip() for line in released_text.splitlines()}
    leaks = []
    for name in step.notebooks:
        secret, given = split_lines(step.solution_dir / name)
        leaks += [line for line in secret - given if telling(line) and line in released_lines]
    assert not leaks, f"solution or hidden-test lines found in exercises/{step.slug}: {leaks}"
