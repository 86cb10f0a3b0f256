"""The check panel a learner sees in JupyterLab: one line per check and a hints button.

Built with ipywidgets. The lines are the same HTML as the static panel; the
task and the hints come from the registry (``course/core/catalog.toml``) by grade
id. Each click on the hints button reveals one more hint, in order, so a
learner takes only as much help as they need. Hints are public text: the
panel never shows anything of a hidden check.
"""

from __future__ import annotations

import html
from functools import lru_cache

import ipywidgets as widgets

from course.core.render import colour as result_colour
from course.core.render import lines_html


@lru_cache(maxsize=1)
def _registry() -> dict:
    from course.core.catalog import all_checks

    return all_checks()


def task_and_hints(grade_id: str) -> tuple[str, tuple[str, ...]]:
    """The registry's task and hints for ``grade_id``; empty when it is not registered."""
    try:
        _step, info = _registry()[grade_id]
    except Exception:  # not a registered check (a demo, a broken registry)
        return "", ()
    return info.task, info.hints


class HintButton:
    """A button that reveals ``hints`` one at a time, and the area they appear in."""

    def __init__(self, hints: tuple[str, ...]):
        self.hints = hints
        self.shown = 0
        self.button = widgets.Button(icon="lightbulb", layout=widgets.Layout(width="auto"))
        self.button.add_class("course-hint-button")
        self.area = widgets.HTML()
        self.area.add_class("course-hints")
        self.button.on_click(self.reveal_next)
        self._refresh()

    def reveal_next(self, _button=None) -> None:
        """Show one more hint (a click on the button)."""
        if self.shown < len(self.hints):
            self.shown += 1
        self._refresh()

    def _refresh(self) -> None:
        total = len(self.hints)
        if self.shown == 0:
            self.button.description = f"Show a hint (1 of {total})"
        elif self.shown < total:
            self.button.description = f"Show the next hint ({self.shown + 1} of {total})"
        else:
            self.button.description = "No more hints: talk it through with your pair"
            self.button.disabled = True
        items = "".join(
            f"<li class='course-hint'><strong>Hint {number}:</strong> {html.escape(text)}</li>"
            for number, text in enumerate(self.hints[: self.shown], start=1)
        )
        self.area.value = (
            f"<ul style='margin:0.2em 0;padding-left:1.2em;line-height:1.45'>{items}</ul>" if items else ""
        )


def build_panel(result: dict) -> widgets.VBox:
    """The widget for one public check result (as made by ``Check.as_dict``)."""
    task, hints = task_and_hints(result["grade_id"])
    heading = lines_html(result)
    if task:
        heading = f"<div class='course-task' style='line-height:1.45'>Task: {html.escape(task)}</div>" + heading
    children = [widgets.HTML(heading)]
    if hints and not result["passed"]:
        hint_button = HintButton(hints)
        children += [hint_button.button, hint_button.area]
    border = f"4px solid {result_colour(result['passed'])}"
    layout = widgets.Layout(border_left=border, padding="0.2em 0.8em", align_items="flex-start")
    panel = widgets.VBox(children, layout=layout)
    panel.add_class("course-check-panel")
    panel.add_class("course-check-passed" if result["passed"] else "course-check-failed")
    return panel
