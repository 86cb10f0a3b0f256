"""Run one ``after`` probe: a course function that observes the step's files, as plain data.

``probe.after("restart", "course.checks.observe.fresh:restart_values", notebook="x.ipynb")``
names a function in ``course.checks`` and literal arguments. In a notebook it runs at
once, in the kernel. Under ``course grade`` the grader runs this module in a fresh,
sandboxed Python whose working folder is a copy of the step's folder as the notebook
left it (``course.grading.behaviours``)::

    python -m course.checks.behaviour '{"function": "...", "arguments": {...}}'

It prints one line of JSON, ``{"value": ...}`` or ``{"error": "..."}``, last.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from course.checks.plain_data import plain

ALLOWED_PREFIX = "course.checks."
RESULT_MARK = "course-behaviour-result: "


def observe(function: str, arguments: dict[str, Any]) -> dict:
    """``{"value": <plain result>}`` of ``function(**arguments)``, or ``{"error": ...}``."""
    module_name, _, name = function.partition(":")
    if not module_name.startswith(ALLOWED_PREFIX) or not name:
        return {"error": f"ProbeError: {function} is not a function in {ALLOWED_PREFIX}*"}
    try:
        result = getattr(importlib.import_module(module_name), name)(**arguments)
        return {"value": plain(result)}
    except Exception as error:  # the learner's files made it fail: that is the observation
        return {"error": f"{type(error).__name__}: {str(error)[:2000]}"}


def main(argv: list[str]) -> int:
    request = json.loads(argv[0])
    outcome = observe(request["function"], request.get("arguments") or {})
    sys.stdout.write("\n" + RESULT_MARK + json.dumps(outcome) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
