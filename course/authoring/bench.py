"""``course bench``: how much grading costs on top of just running a notebook.

For each chosen step it measures, in one run and on the same solution notebook:

* bare execution with nbclient in a fresh kernel (the floor: the notebook's own work);
* ``course grade`` of a one-learner class, as an instructor runs it (a subprocess,
  so Python start-up and nbgrader's imports are counted too);

and prints the medians and their ratio. Numbers, not assertions: run it before and
after a change to grading and compare.

``course bench-class`` (``course.authoring.bench_class``) times a whole class.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from course.authoring.bench_class import time_class_grade
from course.core.catalog import Step, find_step, load_steps


def time_bare_execution(step: Step) -> float:
    """Seconds to execute the step's solution notebooks with nbclient, in a scratch copy."""
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="course-bench-") as scratch:
        folder = Path(scratch) / step.slug
        shutil.copytree(step.solution_dir, folder)
        started = time.perf_counter()
        for name in step.notebooks:
            notebook = nbformat.read(str(folder / name), as_version=4)
            client = NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(folder)}})
            client.execute(stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def time_course_grade(step: Step) -> float:
    """Seconds for ``course grade`` on a class of one learner who submitted the solution."""
    with tempfile.TemporaryDirectory(prefix="course-bench-") as scratch:
        submitted = Path(scratch) / "submitted"
        shutil.copytree(step.solution_dir, submitted / "learner" / step.slug)
        return time_class_grade(submitted, 1, "auto", Path(scratch))


def run(step_names: list[str], repeat: int) -> int:
    steps = load_steps()
    chosen = [find_step(name, steps) for name in step_names] if step_names else steps
    print(f"grading overhead, median of {repeat} runs per measurement")
    print(f"{'step':<26} {'nbclient (s)':>12} {'course grade (s)':>17} {'ratio':>7}")
    for step in chosen:
        bare = statistics.median(time_bare_execution(step) for _ in range(repeat))
        graded = statistics.median(time_course_grade(step) for _ in range(repeat))
        print(f"{step.slug:<26} {bare:>12.2f} {graded:>17.2f} {graded / bare:>7.2f}")
    return 0


# -- ``course bench-class``: a synthetic class, graded four ways --------------------------------
