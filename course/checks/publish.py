"""Show a check's result: one display bundle in a kernel, plain text anywhere else.

The bundle holds

* ``CHECK_MIMETYPE`` (``course.core.protocol``): the structured result, which
  ``course check`` and the grading feedback read (never screen text);
* ``text/plain``: the headless rendering (nbgrader, nbclient, terminals);
* ``text/html``: a static panel for front-ends without widgets;
* whatever the registered presenters add: ``course.lab.begin`` registers the
  JupyterLab panel with the hints button, which adds itself only for a public
  check in a live kernel.

The check library never imports the lab: the lab plugs itself in here.
Nothing here writes to stderr: nbgrader scores a cell zero when anything does.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from course.core.protocol import CHECK_MIMETYPE
from course.core.render import as_html, as_text

Presenter = Callable[[dict], dict]
_presenters: list[Presenter] = []


def add_presenter(presenter: Presenter) -> None:
    """Let ``presenter(result) -> extra bundle entries`` add to every later check's bundle (once)."""
    if presenter not in _presenters:
        _presenters.append(presenter)


def bundle(result: dict) -> dict:
    """The display bundle for ``result``, with what the presenters add."""
    shown = {
        "text/plain": as_text(result),
        "text/html": as_html(result),
        CHECK_MIMETYPE: json.loads(json.dumps(result)),
    }
    for presenter in list(_presenters):
        try:
            shown.update(presenter(result) or {})
        except Exception:  # a broken presenter must not hide the result (or reach stderr)
            pass
    return shown


def show_check(result: dict) -> None:
    """Display ``result`` in the running kernel, or print it outside one."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: text only
        print(as_text(result))
        return
    if get_ipython() is None:
        print(as_text(result))
        return
    display(bundle(result), raw=True)
