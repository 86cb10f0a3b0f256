"""Step 11's observations: the quality gates run on the step's folder, and on copies with a problem planted.

Each function runs ruff, mypy or the CI workflow in new processes (``course.checks.quality_gates``)
and returns what they said as plain data. The configuration files themselves (pyproject.toml,
.pre-commit-config.yaml, the workflow, the checklist) are read by ``probe.file`` and judged
with the ``*_of`` functions of ``course.checks.quality_gates`` and ``course.checks.ci_workflow``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from course.checks import quality_gates


@contextlib.contextmanager
def tools_not_shadowed() -> Iterator[None]:
    """``python -m ruff`` / ``-m mypy`` run the installed tools, never a ruff.py or mypy/ in the step's folder.

    PYTHONSAFEPATH keeps the working folder off the new Python's sys.path; os.environ is restored after
    (in a notebook this runs in the learner's kernel).
    """
    before = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = before


def outcome(arguments: list[str]) -> str:
    """``python -m <arguments>`` here: "exit code 0", or the exit code and the first problem reported."""
    with tools_not_shadowed():
        return quality_gates.outcome(".", *arguments)


def passes_with(problems: list[str], arguments: list[str]) -> dict[str, bool]:
    """For each planted problem (``quality_gates.PLANTS``): does ``python -m <arguments>`` still pass?"""
    with tools_not_shadowed():
        return {problem: quality_gates.passes_with(problem, *arguments) for problem in problems}


def switched_off(word: str) -> list[str]:
    """The lines of penguins/ and tests/ that switch a check off with ``word`` (a regular expression)."""
    return quality_gates.comments_switching_off(word)


def first_failure(problem: str | None = None) -> str | None:
    """The CI workflow run here as a runner would, in a copy (``problem`` planted): its first failed step, or None."""
    return quality_gates.first_failure(problem)
