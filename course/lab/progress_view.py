"""The compact progress view at the top of each notebook.

One chip per step (done, partial, not started), the current step outlined,
and a line for the current step's public checks. The view is read from the
learner's workspace store (``course.core.progress``); in a live kernel it
redraws itself each time a check in the same kernel reports.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from course.core import progress as progress_store
from course.core.catalog import Step, find_step, load_steps
from course.core.protocol import under_nbgrader
from course.core.render import ADVICE_COLOUR, NEUTRAL_COLOUR, PASS_COLOUR
from course.lab.display import in_live_kernel, widget_view

SYMBOL = {progress_store.DONE: "&#10004;", progress_store.PARTIAL: "&#9680;", progress_store.NOT_STARTED: "&#183;"}
COLOUR = {
    progress_store.DONE: PASS_COLOUR,
    progress_store.PARTIAL: ADVICE_COLOUR,
    progress_store.NOT_STARTED: NEUTRAL_COLOUR,
}
NOT_IN_WORKSPACE = (
    "Progress is kept in your workspace, and this notebook is not in one. "
    "Start the course with `course start` to work in your own workspace."
)

_live_views: dict[str, Any] = {}  # step slug -> the HTML widget showing it


def states(steps: list[Step], passed: dict[str, bool]) -> list[tuple[Step, str, int]]:
    """(step, state, checks passed) for every step."""
    return [(step, *progress_store.state_of(step, passed)) for step in steps]


def as_text(rows: list[tuple[Step, str, int]], current: Step) -> str:
    """One line: every step's state, then the current step's checks."""
    marks = {progress_store.DONE: "done", progress_store.PARTIAL: "partial", progress_store.NOT_STARTED: "-"}
    steps = "  ".join(f"{step.number:02d}:{marks[state]}" for step, state, _ in rows)
    return f"Progress  {steps}\n{_current_line(rows, current)}"


def as_html(rows: list[tuple[Step, str, int]], current: Step) -> str:
    """A row of chips, one per step, and the current step's line."""
    chips = []
    for step, state, wins in rows:
        outline = "2px solid #333" if step.slug == current.slug else f"1px solid {COLOUR[state]}"
        title = html.escape(f"{step.slug}: {state} ({wins} of {len(step.public_checks)} public checks)")
        chips.append(
            f"<span class='course-progress-step' data-step='{step.slug}' data-state='{state}' title='{title}' "
            f"style='display:inline-block;margin:1px;padding:0 0.4em;border:{outline};border-radius:0.7em;"
            f"color:{COLOUR[state]}'>{step.number:02d} {SYMBOL[state]}</span>"
        )
    line = html.escape(_current_line(rows, current)).replace("`course progress`", "<code>course progress</code>")
    return (
        f"<div class='course-progress'><div>{''.join(chips)}</div>"
        f"<div class='course-progress-current' style='font-size:90%'>{line}</div></div>"
    )


def _current_line(rows: list[tuple[Step, str, int]], current: Step) -> str:
    for step, state, wins in rows:
        if step.slug == current.slug:
            return (
                f"Step {step.number} · {step.title}: {wins} of {len(step.public_checks)} public checks passed "
                f"({state}). `course progress` in a terminal shows every step."
            )
    return ""


def _render(workspace: Path, current: Step, steps: list[Step]) -> tuple[str, str]:
    """(text, html) for the workspace's stored progress."""
    rows = states(steps, progress_store.stored_passes(workspace))
    return as_text(rows, current), as_html(rows, current)


def _redraw(workspace: Path, _results: dict) -> None:
    """Listener: redraw every live view after a check reports."""
    steps = load_steps()
    for slug, view in list(_live_views.items()):
        view.value = _render(workspace, find_step(slug, steps), steps)[1]


def show_progress(step: str) -> None:
    """Show the progress view for the notebook of ``step`` (slug or number).

    Runs in a kernel (it needs IPython). Silent under nbgrader; a short note
    instead of the view for an unknown step or outside a workspace, so a typo
    in the first cell never stops Run All.
    """
    if under_nbgrader():
        return
    from IPython import get_ipython
    from IPython.display import display

    try:
        steps = load_steps()
        current = find_step(str(step), steps)
    except Exception as error:  # a typo in the cell must not stop Run All
        display({"text/plain": f"course: {error}"}, raw=True)
        return
    workspace = progress_store.find_workspace()
    if workspace is None:
        display({"text/plain": NOT_IN_WORKSPACE, "text/html": f"<em>{html.escape(NOT_IN_WORKSPACE)}</em>"}, raw=True)
        return
    text, rich = _render(workspace, current, steps)
    bundle = {"text/plain": text, "text/html": rich}
    if in_live_kernel(get_ipython()):
        bundle.update(widget_view(lambda: _live_view(current, rich)))
    display(bundle, raw=True)


def _live_view(current: Step, rich: str):
    import ipywidgets as widgets

    view = widgets.HTML(rich)
    view.add_class("course-progress-view")
    _live_views[current.slug] = view
    progress_store.add_listener(_redraw)
    return view
