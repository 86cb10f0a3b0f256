"""The lab's live-kernel helpers: is a person watching, and a widget as a display bundle entry.

``present_check`` is the presenter ``course.lab.begin`` registers with the check
library (``course.checks.publish``): it adds the interactive panel with the hints
button (``course.lab.check_panel``) to a public check's bundle, only in a live
kernel, never under nbgrader or ``course check``.
"""

from __future__ import annotations

import contextlib
import io
import warnings

from course.core.protocol import WIDGET_MIMETYPE, unattended


def in_live_kernel(shell) -> bool:
    """True in a kernel a person may be looking at (not nbgrader, not ``course check``)."""
    if shell is None or not hasattr(shell, "kernel"):
        return False
    return not unattended()


def widget_view(build) -> dict:
    """``{widget mimetype: view}`` for the widget ``build()`` makes; ``{}`` if that fails.

    Whatever ipywidgets might print or warn is kept away from the cell's stderr.
    """
    try:
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            widget = build()
            view = widget._repr_mimebundle_()[WIDGET_MIMETYPE]
        return {WIDGET_MIMETYPE: view}
    except Exception:  # no ipywidgets, or a broken install: the static panel still shows
        return {}


def present_check(result: dict) -> dict:
    """The widget panel for a public check in a live kernel; ``{}`` otherwise."""
    from IPython import get_ipython

    if result.get("hidden") or not in_live_kernel(get_ipython()):
        return {}

    def build():
        from course.lab.check_panel import build_panel

        return build_panel(result)

    return widget_view(build)
