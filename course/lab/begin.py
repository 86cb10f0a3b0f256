"""The first code cell of every notebook: ``from course.lab import begin; begin("01-reproducible")``.

``begin`` shows the learner's progress view (``course.lab.progress_view``),
plugs the JupyterLab check panel into the check library
(``course.lab.display.present_check``), and switches on advice under cells that
fail with a classic refactoring error (``course.lab.explain``). The progress view
and the advice do nothing under nbgrader; the panel only shows in a live kernel.
"""

from __future__ import annotations

from course.checks.publish import add_presenter
from course.lab.display import present_check
from course.lab.explain import explain_errors
from course.lab.progress_view import show_progress


def begin(step: str) -> None:
    """Show progress for ``step`` (slug or number), check panels and advice in later cells."""
    add_presenter(present_check)
    explain_errors()
    show_progress(step)
