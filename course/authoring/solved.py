"""A learner's finished notebook: the released exercise with the reference answers filled in.

That is what a learner who completed a step has: the reference code in the answer
cells and only the public checks (released test cells carry no hidden tests).
Used by the JupyterLab tests and by ``course bench-checks``.
"""

from __future__ import annotations

import nbformat

from course.core.catalog import Step
from course.authoring.journey import without_markers


def solved_exercise(step: Step, name: str):
    """The released notebook ``name`` of ``step`` with each answer cell holding the solution's code."""
    solution = nbformat.read(str(step.solution_dir / name), as_version=4)
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: without_markers(cell.source)
        for cell in solution.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    notebook = nbformat.read(str(step.exercise_dir / name), as_version=4)
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[grade_id]
    return notebook
