"""Observations for step 4: the learner's pytest file run on the reference module and on planted bugs.

``probe.after("pytest", "course.checks.observe.unit_tests:pytest_on_bugs", planted=[...], hidden={...})``
runs ``test_penguins_core.py`` against ``penguins_core.py`` as the step's folder holds
it, and against each planted bug, in one pytest process (``course.checks.mutation``).
It reports what pytest said as plain data; the judge decides which bugs were caught.
"""

from __future__ import annotations

from course.checks.mutants import mutant
from course.checks.mutation import REFERENCE, PytestOutcome, Variant, outcome_for, prefetch

PYTEST_TIMEOUT = 100  # seconds for pytest on every version together


def _outcome(outcome: PytestOutcome) -> dict:
    """A pytest outcome as plain data: exit code, tests run (collected) and tests passed."""
    return {"exit_code": outcome.exit_code, "collected": outcome.collected, "passed": outcome.passed}


def pytest_on_bugs(
    tests: str = "test_penguins_core.py",
    module: str = "penguins_core.py",
    step: str = "step04",
    planted: list[str] | None = None,
    hidden: dict[str, list[list[str]]] | None = None,
) -> dict:
    """pytest's outcome for ``tests`` on ``module`` and on each planted bug, as plain data.

    ``planted`` names bugs of ``course.checks.mutants`` for ``step``; ``hidden`` maps the
    name of a bug written in a hidden block to its ``[old, new]`` replacements. Returns
    ``{"reference": outcome, "planted": {name: outcome}, "hidden": {name: outcome}}``,
    each outcome ``{"exit_code", "collected", "passed"}`` (exit code -1: pytest did not finish).
    """
    named = {name: mutant(step, name) for name in planted or []}
    secret = {
        name: Variant(name, tuple((str(old), str(new)) for old, new in replacements))
        for name, replacements in (hidden or {}).items()
    }
    prefetch(tests, module, [*named.values(), *secret.values()], timeout=PYTEST_TIMEOUT)
    return {
        "reference": _outcome(outcome_for(tests, module, REFERENCE)),
        "planted": {name: _outcome(outcome_for(tests, module, variant)) for name, variant in named.items()},
        "hidden": {name: _outcome(outcome_for(tests, module, variant)) for name, variant in secret.items()},
    }
