"""course.authoring.notebooks: cells built from Python carry the metadata JupyterLab's toolbar would give them."""

from __future__ import annotations

import json

import nbformat
import pytest

from course.authoring import notebooks as nb


def test_each_helper_gives_its_cell_type_and_nbgrader_role():
    cells = {
        "markdown": nb.markdown("# Title"),
        "locked markdown": nb.markdown("Read me", grade_id="intro"),
        "code": nb.code("x = 1"),
        "solution": nb.solution("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "answer"),
        "tests": nb.tests('"""Check that x is 1."""\nassert x == 1', "check_x", points=3),
        "manual": nb.manual("Explain.", "essay", points=2),
    }
    roles = {
        name: (
            cell.cell_type,
            {k: cell.metadata["nbgrader"][k] for k in ("grade", "solution", "locked")}
            if "nbgrader" in cell.metadata
            else None,
        )
        for name, cell in cells.items()
    }
    assert roles == {
        "markdown": ("markdown", None),
        "locked markdown": ("markdown", {"grade": False, "solution": False, "locked": True}),
        "code": ("code", None),
        "solution": ("code", {"grade": False, "solution": True, "locked": False}),
        "tests": ("code", {"grade": True, "solution": False, "locked": True}),
        "manual": ("markdown", {"grade": True, "solution": True, "locked": False}),
    }
    assert cells["tests"].metadata["nbgrader"]["points"] == 3 and cells["manual"].metadata["nbgrader"]["points"] == 2
    assert "points" not in cells["solution"].metadata["nbgrader"]
    assert cells["solution"].metadata["nbgrader"] == {
        "grade": False,
        "grade_id": "answer",
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }


def test_sources_are_dedented_and_tags_kept():
    cell = nb.code(
        """
        def f():
            return 1
    """,
        tags=("end-state",),
    )
    assert cell.source == "def f():\n    return 1"
    assert cell.metadata["tags"] == ["end-state"]
    assert "tags" not in nb.code("x").metadata


def test_write_notebook_saves_a_valid_python_notebook_with_stable_ids(tmp_path):
    path = tmp_path / "nested" / "step.ipynb"
    cells = [nb.markdown("# Step"), nb.solution("x = 1", "answer"), nb.code("x"), nb.tests("assert x == 1", "check", 1)]
    nb.write_notebook(cells, path)
    saved = nbformat.read(str(path), as_version=4)
    nbformat.validate(saved)
    assert [cell["id"] for cell in saved.cells] == ["cell-000", "answer", "cell-002", "check"]
    assert saved.metadata["kernelspec"]["name"] == "python3"
    first = path.read_bytes()
    nb.write_notebook(
        [nb.markdown("# Step"), nb.solution("x = 1", "answer"), nb.code("x"), nb.tests("assert x == 1", "check", 1)],
        path,
    )
    assert path.read_bytes() == first  # same cells, same file: diffs stay small
    assert all(cell.get("outputs", []) == [] for cell in json.loads(first)["cells"])


def test_an_invalid_notebook_is_refused_not_written(tmp_path):
    broken = nb.code("x")
    broken["cell_type"] = "nonsense"
    with pytest.raises(nbformat.ValidationError):
        nb.write_notebook([broken], tmp_path / "bad.ipynb")
    assert not (tmp_path / "bad.ipynb").exists()


def test_a_built_notebook_has_answer_and_test_cells_the_course_recognises(tmp_path):
    from course.core.cells import is_answer, is_graded_test

    cells = [
        nb.solution("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "answer"),
        nb.tests("assert x == 1\n### BEGIN HIDDEN TESTS\nassert x > 0\n### END HIDDEN TESTS", "check", 1),
    ]
    nb.write_notebook(cells, tmp_path / "s.ipynb")
    saved = nbformat.read(str(tmp_path / "s.ipynb"), as_version=4)
    assert [is_answer(c) for c in saved.cells] == [True, False]
    assert [is_graded_test(c) for c in saved.cells] == [False, True]
