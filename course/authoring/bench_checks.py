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


WARM_ENV = "COURSE_WARM"  # course.checks.warm.WARM_ENV (authoring does not import the kernel's modules)


def load_average() -> str:
    """The 1-minute load average, as ``uptime`` shows it (the machine may be shared)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def check_cell_seconds(step: Step, folder: Path, warm: bool | None = None) -> dict[str, float]:
    """grade_id -> seconds, for every check cell of ``step`` solved, run in ``folder``.

    ``warm``: force fresh Pythons warm or cold (default: as this environment says). Warm, the
    notebook's first cell (``course.lab.begin``) starts the warm server, as for a learner.
    """
    from nbclient import NotebookClient

    shutil.copytree(step.exercise_dir, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    env = {key: value for key, value in os.environ.items() if key not in (NBGRADER_ENV, HEADLESS_ENV)}
    if warm is not None:
        env[WARM_ENV] = "1" if warm else "0"
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


def _line(label: str, timings: dict[str, float], load: bool) -> str:
    if not timings:
        return f"{label:<32} {0:>6} {'-':>10} {'-':>11}  no check cell ran"
    slowest = max(timings, key=lambda grade_id: timings[grade_id])
    median = statistics.median(timings.values())
    line = f"{label:<32} {len(timings):>6} {median:>10.3f} {timings[slowest]:>11.3f}  {slowest}"
    return f"{line} (load {load_average()})" if load else line


def run(step_names: list[str], compare: bool = False) -> int:
    """Print check latency per step; return 0 (numbers, not a verdict).

    ``compare``: each step cold, then warm, side by side.
    """
    steps = load_steps()
    chosen = [find_step(name, steps) for name in step_names] if step_names else steps
    print(f"check latency on the reference answers (aim: median under {AIM_SECONDS} s)")
    print(f"{'step':<32} {'checks':>6} {'median (s)':>10} {'slowest (s)':>11}  slowest check")
    modes: list[tuple[str, bool | None]] = [("cold", False), ("warm", True)] if compare else [("", None)]
    for step in chosen:
        for label, warm in modes:
            with tempfile.TemporaryDirectory(prefix="course-bench-checks-") as scratch:
                timings = check_cell_seconds(step, Path(scratch) / step.slug, warm)
            print(_line(f"{step.slug} {label}".strip(), timings, load=bool(label)), flush=True)
    print(f"load average at the end: {load_average()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course.authoring.bench_checks", description=__doc__.split("\n")[0])
    parser.add_argument("steps", nargs="*", help="step numbers or slugs (default: every step)")
    parser.add_argument("--compare", action="store_true", help="each step with fresh Pythons cold, then warm")
    args = parser.parse_args(argv)
    return run(args.steps, compare=args.compare)


if __name__ == "__main__":
    raise SystemExit(main())
