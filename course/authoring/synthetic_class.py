"""The synthetic class the grading benchmarks grade: the course's own answers, some spoilt on purpose.

``build_class(folder, learners, every_step)`` writes ``<learner>/<step>/`` submissions made from the
reference and released notebooks: full answers, partial ones (one answer cell left as its stub),
untouched exercises and a few bad ones (invalid JSON, stripped metadata, a deleted test cell, a
kernel that dies, an answer that raises).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from course.core.catalog import Step, load_steps
from course.core.cells import NBGRADER, is_answer, is_graded_test, nbgrader_meta

KINDS = ("full", "partial", "full", "untouched", "partial", "bad")  # a third full, a third partial
# a cohort (every learner, every step): half full, 30% partial, 10% untouched, 10% bad
COHORT_KINDS = ("full", "partial", "full", "untouched", "full", "partial", "full", "bad", "full", "partial")
BAD_KINDS = ("invalid-json", "stripped-metadata", "deleted-test", "kernel-dies", "answer-raises")


def _submission(step: Step, kind: str, variant: int):
    """(notebook name -> notebook or raw text) for one synthetic submission of ``kind``."""
    import nbformat

    made = {}
    for name in step.notebooks:
        notebook = nbformat.read(str(step.solution_dir / name), as_version=4)
        released = nbformat.read(str(step.exercise_dir / name), as_version=4)
        answers = [cell for cell in notebook.cells if is_answer(cell)]
        if kind == "untouched":
            notebook = released
        elif kind == "partial" and answers:
            stubs = {nbgrader_meta(c)["grade_id"]: c.source for c in released.cells if nbgrader_meta(c)}
            cell = answers[variant % len(answers)]
            cell.source = stubs[nbgrader_meta(cell)["grade_id"]]
        elif kind == "bad":
            bad = BAD_KINDS[variant % len(BAD_KINDS)]
            if bad == "invalid-json":
                made[name] = '{"cells": [ not json'
                continue
            if bad == "stripped-metadata":
                for cell in notebook.cells:
                    cell.metadata.pop(NBGRADER, None)
            elif bad == "deleted-test" and any(map(is_graded_test, notebook.cells)):
                notebook.cells.remove(next(cell for cell in notebook.cells if is_graded_test(cell)))
            elif bad in ("kernel-dies", "answer-raises") and answers:
                answers[0].source += (
                    "\nimport os\nos._exit(1)" if bad == "kernel-dies" else "\nraise ValueError('oops')"
                )
        made[name] = notebook
    return made


def build_class(
    folder: Path, learners: int, every_step: bool = False, steps: list[Step] | None = None
) -> list[tuple[str, str, str]]:
    """Write the class's submissions under ``folder``; (learner, step slug, kind) per submission.

    One step per learner, round-robin over the registry's steps, kinds from ``KINDS``; with
    ``every_step`` (a cohort) every learner submits every step, kinds from ``COHORT_KINDS``.
    Kinds: full, partial (one answer cell left as its stub), untouched, and bad (invalid
    JSON, stripped metadata, a deleted test cell, a kernel that dies, an answer that raises).
    """
    import nbformat

    steps, made = steps or load_steps(), []
    chosen = [
        (number, step_index if every_step else number % len(steps))
        for number in range(learners)
        for step_index in (range(len(steps)) if every_step else [0])
    ]
    for number, step_index in chosen:
        step = steps[step_index]
        place = number * len(steps) + step_index
        kind = COHORT_KINDS[place % len(COHORT_KINDS)] if every_step else KINDS[number % len(KINDS)]
        learner = f"learner{number:02d}"
        target = folder / learner / step.slug
        shutil.copytree(step.exercise_dir, target, ignore=shutil.ignore_patterns("*.ipynb"))
        for name, notebook in _submission(step, kind, place if every_step else number).items():
            if isinstance(notebook, str):
                (target / name).write_text(notebook)
            else:
                nbformat.write(notebook, str(target / name))
        made.append((learner, step.slug, kind))
    return made
