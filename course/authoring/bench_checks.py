"""``course bench-checks``: how long a learner waits for each check cell, on the reference answers.

Each step runs as a learner who finished it would have it (``course.authoring.solved``),
in a live kernel (widgets built, as in JupyterLab); each check cell's time comes
from nbclient's timing metadata. Prints the median and the slowest check per
step. The aim is a median under half a second; checks that re-run the whole
notebook by design (step 1's restart checks) are slower, which the median allows.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import nbformat

from course.authoring.solved import solved_exercise
from course.core.catalog import Step, find_step, load_steps
from course.core.cells import grade_id_of, is_graded_test
from course.core.protocol import HEADLESS_ENV, NBGRADER_ENV

AIM_SECONDS = 0.5


def _seconds_between(start: str, end: str) -> float:
    def parse(stamp: str) -> datetime:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))

    return (parse(end) - parse(start)).total_seconds()


def check_cell_seconds(step: Step, folder: Path) -> dict[str, float]:
    """grade_id -> seconds, for every check cell of ``step`` solved, run in ``folder``."""
    from nbclient import NotebookClient

    shutil.copytree(step.exercise_dir, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    env = {key: value for key, value in os.environ.items() if key not in (NBGRADER_ENV, HEADLESS_ENV)}
    timings = {}
    for name in step.notebooks:
        notebook = solved_exercise(step, name)
        nbformat.write(notebook, str(folder / name))  # checks that re-run the saved notebook read it
        client = NotebookClient(
            notebook, timeout=300, allow_errors=True, record_timing=True, resources={"metadata": {"path": str(folder)}}
        )
        client.execute(env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        for cell in notebook.cells:
            execution = cell.metadata.get("execution", {})
            if is_graded_test(cell) and "shell.execute_reply" in execution:
                timings[grade_id_of(cell)] = _seconds_between(
                    execution["iopub.execute_input"], execution["shell.execute_reply"]
                )
    return timings


def run(step_names: list[str]) -> int:
    """Print check latency per step; return 0 (numbers, not a verdict)."""
    steps = load_steps()
    chosen = [find_step(name, steps) for name in step_names] if step_names else steps
    print(f"check latency on the reference answers (aim: median under {AIM_SECONDS} s)")
    print(f"{'step':<26} {'checks':>6} {'median (s)':>10} {'slowest (s)':>11}  slowest check")
    for step in chosen:
        with tempfile.TemporaryDirectory(prefix="course-bench-checks-") as scratch:
            timings = check_cell_seconds(step, Path(scratch) / step.slug)
        if not timings:
            print(f"{step.slug:<26} {0:>6} {'-':>10} {'-':>11}  no check cell ran")
            continue
        slowest = max(timings, key=lambda grade_id: timings[grade_id])
        print(
            f"{step.slug:<26} {len(timings):>6} {statistics.median(timings.values()):>10.3f} "
            f"{timings[slowest]:>11.3f}  {slowest}"
        )
    return 0
