"""course.checks.mutants: every planted bug applies to step 4's reference module and its reference tests catch it."""

from __future__ import annotations

import nbformat
import pytest

from course.checks.mutants import BY_STEP, STEP04, mutant
from course.checks.mutation import catches, prefetch
from course.core.catalog import find_step
from course.core.cells import grade_id_of, without_solution_markers

STEP = find_step("04")


def written_file(grade_id: str) -> tuple[str, str]:
    """(file name, text) of the solution's ``%%writefile`` cell ``grade_id``."""
    notebook = nbformat.read(str(STEP.solution_dir / STEP.notebooks[0]), as_version=4)
    cell = next(cell for cell in notebook.cells if grade_id_of(cell) == grade_id)
    first, *rest = without_solution_markers(cell.source).splitlines()
    assert first.startswith("%%writefile ")
    return first.split()[1], "\n".join(rest) + "\n"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("step04")
    paths = []
    for grade_id in ("step04_module", "step04_test_file"):
        name, text = written_file(grade_id)
        (folder / name).write_text(text)
        paths.append(folder / name)
    module, tests = paths
    prefetch(tests, module, list(STEP04.values()))
    return module, tests


def test_every_mutant_changes_the_reference_module(reference):
    module, _ = reference
    source = module.read_text()
    for variant in STEP04.values():
        assert variant.apply(source) != source, variant.name  # raises VariantError unless each snippet occurs once


@pytest.mark.parametrize("name", list(STEP04))
def test_the_reference_tests_catch_every_mutant(reference, name):
    module, tests = reference
    assert catches(tests, module, mutant("step04", name))


def test_mutants_are_found_by_step_and_behaviour():
    assert BY_STEP == {"step04": STEP04}
    assert mutant("step04", "split ignores the seed") is STEP04["split ignores the seed"]
    with pytest.raises(KeyError, match="no mutant 'flies' for step04; known: clean keeps rows"):
        mutant("step04", "flies")
