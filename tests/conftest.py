"""Shared fixtures: the registry, and one real nbgrader grading run of a whole class.

The class (``graded_class``) holds, for every step: the solution, the untouched
exercise, and one submission per solution cell with that cell replaced by its
released stub. It is graded once per test session through ``course grade``'s
own code with two workers, so every grading test reads real nbgrader results.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from course.core.catalog import load_steps
from course.core.cells import grade_id_of, has_nbgrader_meta, is_answer
from course.grading.grade import grade_class
from weak_submissions import WEAK, with_weak_answer

# The ``chromium`` fixture (tests/browser.py) for every browser test module.
pytest_plugins = ["browser"]


def pytest_collection_modifyitems(items):
    """Mark ``slow`` what ``course test --fast`` (``-m "not slow"``) leaves out.

    * every test that needs ``graded_class`` (a whole class graded);
    * every ``browser`` test: each starts chromium, most a JupyterLab server too;
      together they take two to three minutes on two cores, more than the fast
      lane's whole budget.

    Tests that are slow for another reason (grading a batch, releasing the whole
    course, a benchmark) carry ``@pytest.mark.slow`` themselves.
    """
    for item in items:
        if "graded_class" in getattr(item, "fixturenames", ()) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def steps():
    return load_steps()


def solution_cells(notebook) -> list:
    """Answer cells (nbgrader solution, not graded) of a source notebook."""
    return [cell for cell in notebook.cells if is_answer(cell)]


def stub_variants(step) -> dict[str, dict[str, object]]:
    """learner id -> {notebook name: notebook} with one solution cell swapped for its stub."""
    variants = {}
    for name in step.notebooks:
        source = nbformat.read(str(step.solution_dir / name), as_version=4)
        released = nbformat.read(str(step.exercise_dir / name), as_version=4)
        stubs = {grade_id_of(c): c.source for c in released.cells if has_nbgrader_meta(c)}
        for cell in solution_cells(source):
            grade_id = grade_id_of(cell)
            variant = nbformat.read(str(step.solution_dir / name), as_version=4)
            for target in variant.cells:
                if grade_id_of(target) == grade_id:
                    target.source = stubs[grade_id]
            variants[f"stub-{grade_id}"] = {name: variant}
    return variants


def _copy_step_files(step, folder: Path) -> None:
    """The non-notebook files a learner has beside the notebook (data)."""
    shutil.copytree(step.exercise_dir, folder, ignore=shutil.ignore_patterns("*.ipynb"), dirs_exist_ok=True)


def add_solution_untouched_and_stubs(submitted: Path, step) -> list[str]:
    """Write the step's solution, untouched exercise and stub variants under ``submitted``; the stub learners."""
    shutil.copytree(step.solution_dir, submitted / "solution" / step.slug)
    shutil.copytree(step.exercise_dir, submitted / "untouched" / step.slug)
    variants = stub_variants(step)
    for learner, notebooks in variants.items():
        folder = submitted / learner / step.slug
        _copy_step_files(step, folder)
        for name, notebook in notebooks.items():
            nbformat.write(notebook, str(folder / name))
    return list(variants)


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, steps):
    """Grade solutions, untouched exercises and stub variants of every step; return results."""
    submitted = tmp_path_factory.mktemp("submitted")
    expected = {}
    for step in steps:
        for learner in add_solution_untouched_and_stubs(submitted, step):
            expected[(learner, step.slug)] = "stub"
        for learner, grade_id, code, _ in WEAK.get(step.slug, []):
            folder = submitted / learner / step.slug
            _copy_step_files(step, folder)
            notebook = with_weak_answer(step.solution_dir / step.notebooks[0], grade_id, code)
            nbformat.write(notebook, str(folder / step.notebooks[0]))
    out = tmp_path_factory.mktemp("graded")
    results = grade_class(submitted, out, jobs=2, progress=lambda line: None)
    return {"results": {(r.learner, r.step): r for r in results}, "out": out, "stubs": expected}
