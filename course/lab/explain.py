"""Advice under a learner's own failing cells: the usual traceback, then what probably happened.

``begin`` switches it on (``explain_errors``) with IPython's custom exception
hook; the advice texts are the check library's (``course.checks.advice``).
"""

from __future__ import annotations

from course.checks.advice import for_error
from course.core.protocol import under_nbgrader
from course.core.render import advice_html

EXPLAINED = (NameError, FileNotFoundError, ImportError, AttributeError, TypeError)


def _show_traceback_with_advice(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler: the usual traceback, then our advice."""
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    text = for_error(value)
    if text:
        from IPython.display import display

        display({"text/plain": f"What probably happened: {text}", "text/html": advice_html(text)}, raw=True)
    return None


def explain_errors() -> bool:
    """Add our advice below the traceback of a cell that fails with a classic error.

    Does nothing outside IPython and under nbgrader (graded runs stay as they are).
    Returns True when the advice is switched on.
    """
    if under_nbgrader():
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc(EXPLAINED, _show_traceback_with_advice)
    return True
