"""Run a notebook's public checks without a browser: ``course check`` and ``course progress`` (which re-runs only
the steps whose notebooks changed since their stored results).

The notebook runs in a fresh kernel, in its own folder, exactly as the learner
saved it; the learner's file is never written. Every check cell's structured
result is collected; a check cell that never reported (an earlier error, a
deleted cell) counts as failed. The kernel runs with ``COURSE_HEADLESS`` set,
so checks print text and build no widgets.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.core import progress as progress_store
from course.core.catalog import Step
from course.core.protocol import CHECK_MIMETYPE, HEADLESS_ENV
from course.core.render import as_text


@dataclass
class StepChecks:
    """Public check outcomes of one step: grade_id -> passed, plus any run error."""

    step: Step
    passed: dict[str, bool] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    results: dict[str, dict] = field(default_factory=dict)  # grade_id -> the structured result
    notebook_sha256: str | None = None  # digest of the notebooks as run (None: nothing was run)

    @property
    def state(self) -> str:
        """``done``, ``partial`` or ``not started``."""
        return progress_store.state_of(self.step, self.passed)[0]

    @property
    def wins(self) -> int:
        """How many of the step's public checks passed."""
        return progress_store.state_of(self.step, self.passed)[1]


def run_notebook_checks(path: Path, timeout: int = 120) -> tuple[dict[str, dict], list[str]]:
    """Execute ``path`` in a fresh kernel; return (grade_id -> public result, errors)."""
    from nbclient import NotebookClient

    notebook = nbformat.read(str(path), as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        allow_errors=True,
        kernel_name=notebook.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.parent)}},
    )
    errors = []
    try:
        client.execute(stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env={**os.environ, HEADLESS_ENV: "1"})
    except Exception as error:  # timeout or dead kernel: report, keep what ran
        errors.append(f"{path.name}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    results = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(CHECK_MIMETYPE)
            if data and not data.get("hidden"):
                results[data["grade_id"]] = data
    return results, errors


def check_step(folder: Path, step: Step, timeout: int = 120) -> StepChecks:
    """Run the public checks of every notebook of ``step`` found in ``folder``."""
    outcome = StepChecks(step, notebook_sha256=progress_store.notebooks_digest(folder, step.notebooks))
    for name in step.notebooks:
        path = folder / name
        if not path.exists():
            outcome.errors.append(f"{name} is missing from {folder}")
            continue
        try:
            results, errors = run_notebook_checks(path, timeout)
        except Exception as error:  # not valid JSON, not a notebook
            outcome.errors.append(f"{name} could not be read: {type(error).__name__}: {error}")
            continue
        outcome.errors += errors
        outcome.results.update(results)
        for grade_id, result in results.items():
            outcome.passed[grade_id] = bool(result["passed"])
    return outcome


def table(outcomes: list[StepChecks]) -> str:
    """A plain-text table of check outcomes, one line per check."""
    lines = [f"{'step':<24} {'check':<40} {'pts':>3}  result"]
    for outcome in outcomes:
        for check in outcome.step.checks:
            result = outcome.passed.get(check.id)
            word = "pass" if result else ("FAIL" if result is False else "not run")
            if check.manual:
                word = "graded by your facilitator"
            lines.append(f"{outcome.step.slug:<24} {check.id:<40} {check.points:>3}  {word}")
        for error in outcome.errors:
            lines.append(f"{outcome.step.slug:<24} ! {error}")
    passed = sum(o.wins for o in outcomes)
    total = sum(len(o.step.public_checks) for o in outcomes)
    lines.append(f"{passed} of {total} public checks passed (graded versions may run hidden checks too)")
    return "\n".join(lines)


def failure_details(outcomes: list[StepChecks]) -> str:
    """What each failing or missing check said, with the registry's first hint."""
    blocks = []
    for outcome in outcomes:
        for check in outcome.step.public_checks:
            result = outcome.results.get(check.id)
            if result is not None and result["passed"]:
                continue
            if result is None:
                text = (
                    f"[NOT RUN] {check.id}: the check cell did not report "
                    "(an earlier cell probably stopped with an error)"
                )
            else:
                text = as_text(result)
            if check.hints:
                text += f"\n  hint 1 of {len(check.hints)}: {check.hints[0]}"
            blocks.append(text)
    return "\n\n".join(blocks)


def store_outcomes(workspace: Path, outcomes: list[StepChecks]) -> None:
    """Store what a run of the saved notebooks found, with the digest of the notebooks it ran.

    A public check that did not report (an earlier cell stopped) is stored as failed.
    After a run that broke off (timeout, dead kernel, missing notebook) no digest is
    stored, so the next ``course progress`` runs that step again.
    """
    if not (workspace / progress_store.MARKER_DIR).exists():
        return
    for outcome in outcomes:
        digest = None if outcome.errors else outcome.notebook_sha256
        passed = {check.id: False for check in outcome.step.public_checks} | outcome.passed
        for grade_id, result in passed.items():
            progress_store.record_check(
                {"grade_id": grade_id, "passed": result}, start=workspace, notebook_sha256=digest
            )


def progress_outcomes(
    workspace: Path, steps: list[Step], cached: bool, rerun: bool, timeout: int = 120
) -> tuple[list[StepChecks], list[str], list[str]]:
    """``course progress``: (each step's outcome, the slugs run now, the slugs shown from out-of-date results).

    A step's stored results are shown while they came from a run of the notebooks as
    they are now (same digest); an untouched step is never run; any other step runs
    in a fresh kernel and its results are stored. ``cached``: run nothing.
    ``rerun``: run every step that is not untouched.
    """
    from course.learner.workspace import is_untouched

    stored = progress_store.load(workspace)
    outcomes, ran, stale = [], [], []
    for step in steps:
        digest = progress_store.notebooks_digest(workspace / step.slug, step.notebooks)
        current = all(progress_store.is_current(stored.get(c.id), digest) for c in step.public_checks)
        untouched = is_untouched(workspace, step)
        if cached or untouched or (current and not rerun):
            outcome = StepChecks(step, {c.id: stored[c.id]["passed"] for c in step.public_checks if c.id in stored})
            if not current and not untouched:
                stale.append(step.slug)
        else:
            outcome = check_step(workspace / step.slug, step, timeout)
            ran.append(step.slug)
            store_outcomes(workspace, [outcome])
        outcomes.append(outcome)
    return outcomes, ran, stale
