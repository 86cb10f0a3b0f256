"""Step 12's observations: the commands WAYS-OF-WORKING.md names, run here as CI would run them.

The document itself is read by ``probe.file`` and judged with the ``*_of`` functions of
``course.checks.agreement``; what needs running (its test command, its gate commands) runs
here, in new processes, and comes back as plain data.
"""

from __future__ import annotations

from course.checks import agreement
from course.checks.ci_run import run_script

GATES = ("ruff check", "ruff format --check", "mypy")


def run_test_command(plant_a_failing_test: bool = False) -> str:
    """The first pytest command of Tests we expect, run in a copy of this folder: "passed" or what went wrong.

    With ``plant_a_failing_test``, a failing test is written to tests/ in the copy first.
    """
    return agreement.test_command_outcome(plant_a_failing_test=plant_a_failing_test)


def gate_exit_codes() -> list[list]:
    """Each lint, format and type-check command Coding standards names, run here: [command, exit code]."""
    named = [command for tool in GATES for command in agreement.named("Coding standards", tool)]
    return [[command, run_script(command, ".")[0]] for command in named]
