"""Every reference notebook runs top to bottom in a fresh kernel, its hidden tests where they stand.

Grading runs a hidden check's probes after the whole notebook, so a check that needs a file a
later task writes still passes there, and takes points from a learner who did its own task but
not the later one. Run in order, in the kernel (as ``course.authoring.bench_course`` does), such
a check fails here. A reference notebook also leaves no symbolic link pointing out of its folder:
plain nbgrader's autograde makes every file it walks read-only, following links, so a link to the
Python interpreter (a virtual environment made with symlinks) would break the machine's Python.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from course.authoring.bench_course import copy_reference, links_leaving, run_top_to_bottom
from course.core.catalog import load_steps

STEPS = load_steps()


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=[step.slug for step in STEPS])
def test_the_reference_notebooks_run_top_to_bottom_hidden_tests_included(step, tmp_path):
    folder = copy_reference(step, tmp_path)
    run_top_to_bottom(folder, step.notebooks)
    assert links_leaving(folder) == [], "a link out of the step's folder: a chmod that follows links reaches past it"


def test_a_hidden_check_that_needs_a_later_cells_file_fails(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from pathlib import Path\n"
            "### BEGIN HIDDEN TESTS\n"
            "assert Path('later.py').exists(), 'later.py is written by the next cell'\n"
            "### END HIDDEN TESTS"
        ),
        nbformat.v4.new_code_cell("Path('later.py').write_text('x = 1\\n')"),
    ]
    nbformat.write(notebook, str(tmp_path / "order.ipynb"))
    with pytest.raises(CellExecutionError, match="later.py is written by the next cell"):
        run_top_to_bottom(tmp_path, ["order.ipynb"])
    assert not (tmp_path / "later.py").exists()


def test_links_leaving_names_a_link_out_of_the_folder_and_not_one_inside(tmp_path):
    folder = tmp_path / "step"
    (folder / "env" / "lib").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("not the step's")
    os.symlink("lib", folder / "env" / "lib64")  # inside: harmless
    assert links_leaving(folder) == []
    os.symlink(tmp_path / "outside.txt", folder / "env" / "python")
    os.symlink("../../../outside.txt", folder / "env" / "lib" / "up")
    assert links_leaving(folder) == ["env/lib/up -> ../../../outside.txt", f"env/python -> {tmp_path / 'outside.txt'}"]


def test_links_leaving_names_a_loop_rather_than_failing(tmp_path):
    os.symlink("two", tmp_path / "one")
    os.symlink("one", tmp_path / "two")
    assert links_leaving(tmp_path) == ["one -> two", "two -> one"]
