"""The first code cell of every notebook: ``from course.lab import begin; begin("01-reproducible")``.

``begin`` shows the learner's progress view (``course.lab.progress_view``) and
switches on advice under cells that fail with a classic refactoring error
(``course.checks.advice.explain_errors``). Both do nothing under nbgrader.
"""

from __future__ import annotations

from course.checks.advice import explain_errors
from course.lab.progress_view import show_progress


def begin(step: str) -> None:
    """Show progress for ``step`` (slug or number) and explain classic errors in later cells."""
    explain_errors()
    show_progress(step)
