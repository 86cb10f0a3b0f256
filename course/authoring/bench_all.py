"""``course bench-all``: every speed figure of the course in one run, each beside its baseline.

Prints, in order, measured one after another on this machine:

1. per step, the median and slowest public check on the reference answers, fresh Pythons cold
   (``COURSE_WARM=0``) then warm (``course.authoring.bench_checks``);
2. the reference notebooks top to bottom, cold then warm (``course.authoring.bench_course``);
3. a cohort (every learner submits every step: full, partial, untouched and bad answers) graded
   with ``course grade --jobs 1``, ``--jobs 2``, on a real two-worker Dask cluster on this machine,
   by plain nbgrader and by bare nbclient (``course.authoring.bench_class``).

Numbers, not assertions: compare ratios within one run (the load average is printed with them).
A full run (30 learners, every step) takes hours on two cores; ``--learners`` and ``--steps`` make
a smaller one.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

from course.authoring import bench_checks, bench_course
from course.authoring.bench_class import run_class_benchmark
from course.core.catalog import find_step, load_steps


def _commit() -> str:
    here = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True)
        return done.stdout.strip() or "?"
    except OSError:
        return "?"


def run(learners: int = 30, step_names: list[str] | None = None, sandbox: str = "auto", dask: bool = True) -> int:
    """Run the three benchmarks one after another and print their tables; return 0."""
    steps = load_steps()
    chosen = [find_step(name, steps) for name in step_names] if step_names else steps
    names = [step.slug for step in chosen]
    print(
        f"course bench-all, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, load {bench_checks.load_average()}",
        flush=True,
    )
    print("\n== 1. public checks ==", flush=True)
    bench_checks.run(names, compare=True)
    print("\n== 2. the reference notebooks top to bottom ==", flush=True)
    bench_course.run(names, compare=True)
    print(f"\n== 3. a cohort: {learners} learners, each every step ==", flush=True)
    return run_class_benchmark(learners, None, sandbox, every_step=True, dask=dask, steps=chosen)
