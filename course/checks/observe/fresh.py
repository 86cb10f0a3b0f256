"""Fresh runs of a notebook: what its code gives after a restart, pass after pass.

``probe.after("fresh", "course.checks.observe.fresh:restart_values", notebook=..., values=..., passes=2)``
runs the saved notebook's own code cells (graded cells left out) in one new kernel,
in a copy of the step's folder, ``passes`` times in a row without a restart, and
reports the requested values after each pass. Step 1 judges "the same after a
restart" and "safe to run twice" from them.
"""

from __future__ import annotations

from course.checks.fresh_run import run_fresh

MAX_PASSES = 3


def restart_values(notebook: str, values: dict[str, str], passes: int = 1) -> dict:
    """``{"passes": [values after pass 1, ...], "error": ""}`` of fresh runs of ``notebook``.

    ``values`` maps a name to a Python expression evaluated in the fresh kernel after
    each pass (it must give JSON data, e.g. ``"float(accuracy)"``). ``error`` is the
    first line of the error that stopped the run, or ``""``; the passes completed
    before it are kept.
    """
    if not isinstance(passes, int) or not 1 <= passes <= MAX_PASSES:
        raise ValueError(f"passes must be a whole number from 1 to {MAX_PASSES}")
    if not all(isinstance(name, str) and isinstance(expression, str) for name, expression in values.items()):
        raise ValueError("values maps names to Python expressions, both str")
    run = run_fresh(notebook, dict(values), passes=passes)
    return {"passes": run.passes, "error": run.error}
