"""Build nbgrader source notebooks from Python, for authors who prefer code to clicks.

Each helper returns one cell with the nbgrader metadata that JupyterLab's
"Create Assignment" toolbar would give it. ``write_notebook`` saves cells as a
source notebook with no outputs. See site/reference/authoring.md.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

from course.core.cells import NBGRADER, grade_id_of

SCHEMA_VERSION = 3


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: int | None = None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _clean(source: str) -> str:
    return textwrap.dedent(source).strip("\n")


def _with_tags(cell, tags: tuple[str, ...]):
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def markdown(source: str, grade_id: str | None = None, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A markdown cell; with a ``grade_id`` it is locked (read-only) for learners."""
    cell = nbformat.v4.new_markdown_cell(_clean(source))
    if grade_id:
        cell.metadata[NBGRADER] = _meta(grade_id, grade=False, solution=False, locked=True)
    return _with_tags(cell, tags)


def code(source: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A plain code cell the learner may edit freely (not tracked by nbgrader)."""
    return _with_tags(nbformat.v4.new_code_cell(_clean(source)), tags)


def solution(source: str, grade_id: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """An answer cell: the text between BEGIN/END SOLUTION becomes a stub on release."""
    cell = nbformat.v4.new_code_cell(_clean(source))
    cell.metadata[NBGRADER] = _meta(grade_id, grade=False, solution=True, locked=False)
    return _with_tags(cell, tags)


def tests(source: str, grade_id: str, points: int) -> nbformat.NotebookNode:
    """A graded test cell: locked, worth ``points``, hidden tests stripped on release."""
    cell = nbformat.v4.new_code_cell(_clean(source))
    cell.metadata[NBGRADER] = _meta(grade_id, grade=True, solution=False, locked=True, points=points)
    return cell


def manual(source: str, grade_id: str, points: int) -> nbformat.NotebookNode:
    """A manually graded markdown answer (a facilitator reads and scores it)."""
    cell = nbformat.v4.new_markdown_cell(_clean(source))
    cell.metadata[NBGRADER] = _meta(grade_id, grade=True, solution=True, locked=False, points=points)
    return cell


def write_notebook(cells: list, path: Path) -> None:
    """Save ``cells`` as a Python 3 notebook with stable cell ids."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(cells):
        grade_id = grade_id_of(cell)
        cell["id"] = grade_id or f"cell-{index:03d}"
    notebook.cells = cells
    nbformat.validate(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
