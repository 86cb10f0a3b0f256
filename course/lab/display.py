"""Show a check's outcome: a widget panel in JupyterLab, plain text anywhere else.

Every result is emitted as one display bundle with

* ``application/vnd.course.check+json``: the structured result, which
  ``course check`` and the grading feedback read (never screen text);
* ``text/plain``: the headless rendering (nbgrader, nbclient, terminals);
* ``text/html``: a static panel for front-ends without widgets;
* ``application/vnd.jupyter.widget-view+json``: the interactive panel with the
  hints button (``course.lab.check_panel``), only for a public check in a live
  kernel, never under nbgrader or ``course check``.

Nothing here writes to stderr: nbgrader scores a cell zero when anything does.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import warnings

CHECK_MIMETYPE = "application/vnd.course.check+json"
WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
# Set in the kernel's environment by headless runs (``course check``): text only.
HEADLESS_ENV = "COURSE_HEADLESS"


def as_text(result: dict) -> str:
    """The plain-text rendering of a check result."""
    mark = "PASS" if result["passed"] else "FAIL"
    out = [f"[{mark}] {result['grade_id']}: {result['summary']}"]
    for line, advice in zip(result["lines"], _advice_once(result)):
        out.append(f"  {'ok ' if line['passed'] else 'XX '} {line['called']}")
        if not line["passed"] and "got" in line:
            out.append(f"       got:      {line['got']}")
            out.append(f"       expected: {line['expected']}")
            if advice:
                out.append(f"       advice:   {advice}")
    return "\n".join(out)


def _advice_once(result: dict) -> list[str]:
    """Each line's advice, blank where an earlier line already gave the same advice."""
    seen, shown = set(), []
    for line in result["lines"]:
        advice = line.get("advice", "")
        shown.append("" if advice in seen else advice)
        seen.add(advice)
    return shown


def lines_html(result: dict) -> str:
    """The summary and one list item per expectation, as HTML."""
    colour = "#1b7f3b" if result["passed"] else "#b3261e"
    rows = []
    for line, advice in zip(result["lines"], _advice_once(result)):
        mark = "&#10004;" if line["passed"] else "&#10008;"
        state = "pass" if line["passed"] else "fail"
        detail = ""
        if not line["passed"] and "got" in line:
            detail = (
                f"<div style='margin-left:1.6em'>got: <code>{html.escape(line['got'])}</code><br>"
                f"expected: <code>{html.escape(line['expected'])}</code>"
            )
            if advice:
                detail += f"<br><em class='course-advice'>{html.escape(advice)}</em>"
            detail += "</div>"
        rows.append(
            f"<li class='course-check-line course-check-{state}' style='list-style:none'>"
            f"{mark} <code>{html.escape(line['called'])}</code>{detail}</li>"
        )
    return (
        f"<div style='line-height:1.45'>"
        f"<strong class='course-check-summary' style='color:{colour}'>{html.escape(result['summary'])}</strong>"
        f" <small>({html.escape(result['grade_id'])})</small>"
        f"<ul style='margin:0.3em 0;padding-left:0.5em'>{''.join(rows)}</ul></div>"
    )


def as_html(result: dict) -> str:
    """A small self-contained HTML panel for a check result."""
    colour = "#1b7f3b" if result["passed"] else "#b3261e"
    return (
        f"<div class='course-check' style='border-left:4px solid {colour};padding:0.3em 0.8em'>"
        f"{lines_html(result)}</div>"
    )


def in_live_kernel(shell) -> bool:
    """True in a kernel a person may be looking at (not nbgrader, not ``course check``)."""
    if shell is None or not hasattr(shell, "kernel"):
        return False
    return not (os.environ.get("NBGRADER_EXECUTION") or os.environ.get(HEADLESS_ENV))


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


def show_check(result: dict) -> None:
    """Display ``result`` in the running kernel, or print it outside one."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: text only
        print(as_text(result))
        return
    shell = get_ipython()
    if shell is None:
        print(as_text(result))
        return
    bundle = {
        "text/plain": as_text(result),
        "text/html": as_html(result),
        CHECK_MIMETYPE: json.loads(json.dumps(result)),
    }
    if not result.get("hidden") and in_live_kernel(shell):
        from course.lab.check_panel import build_panel

        bundle.update(widget_view(lambda: build_panel(result)))
    display(bundle, raw=True)
