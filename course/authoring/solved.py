"""A learner's finished notebook: the released exercise with the reference answers filled in.

That is what a learner who completed a step has: the reference code in the answer
cells and only the public checks (released test cells carry no hidden tests).
Used by the JupyterLab tests and by ``course bench-checks``.
"""

from __future__ import annotations

import nbformat

from course.core.catalog import Step
from course.core.cells import grade_id_of, is_solution, without_solution_markers


def solved_exercise(step: Step, name: str):
    """The released notebook ``name`` of ``step`` with each answer cell holding the solution's code."""
    solution = nbformat.read(str(step.solution_dir / name), as_version=4)
    answers = {grade_id_of(cell): without_solution_markers(cell.source) for cell in solution.cells if is_solution(cell)}
    notebook = nbformat.read(str(step.exercise_dir / name), as_version=4)
    for cell in notebook.cells:
        if is_solution(cell) and grade_id_of(cell) in answers:
            cell.source = answers[grade_id_of(cell)]
    return notebook
