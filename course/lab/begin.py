"""The first code cell of every notebook: ``from course.lab import begin; begin("01-reproducible")``.

``begin`` shows the learner's progress view (``course.lab.progress_view``),
plugs the JupyterLab check panel into the check library
(``course.lab.display.present_check``), and switches on advice under cells that
fail with a classic refactoring error (``course.lab.explain``). The progress view
and the advice do nothing under nbgrader; the panel only shows in a live kernel.
In a live kernel it also starts the warm server in the background
(``course.checks.warm.prestart``), so the step's first check that needs a fresh
Python finds pandas and scikit-learn already imported. Under nbgrader the kernel
starts one only when a second fresh Python is asked for (``warm.server_socket``).
"""

from __future__ import annotations

from course.checks import warm
from course.checks.publish import add_presenter
from course.core.protocol import under_nbgrader
from course.lab.display import present_check
from course.lab.explain import explain_errors
from course.lab.progress_view import show_progress


def begin(step: str) -> None:
    """Show progress for ``step`` (slug or number), check panels and advice in later cells."""
    add_presenter(present_check)
    explain_errors()
    show_progress(step)
    if not under_nbgrader():
        warm.prestart()
