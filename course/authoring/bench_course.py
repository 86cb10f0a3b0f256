"""The whole course top to bottom: each step's reference notebooks run with nbclient, timed per step.

``python -m course.authoring.bench_course [STEP ...] [--cold] [--compare]`` runs
``solutions/NN-slug/*.ipynb`` in a scratch copy of the step's folder, in a fresh
kernel, as the closing notes measure "the reference solutions top to bottom". The
reference notebooks hold their hidden tests, so every check runs, ``after``
probes included (in the kernel, as a learner's copy would run them).

``--cold`` sets ``COURSE_WARM=0`` in the kernels (fresh Pythons started cold, as
before ``course.checks.warm``); ``--compare`` runs each step cold, then warm, in
the same run, and prints both. Warm is what a learner gets: the notebook's first
cell (``course.lab.begin``) starts the warm server in the background.
Numbers, not assertions: the aim is 60 s for the whole course. The load average is
printed with the figures, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from course.authoring.bench_checks import WARM_ENV, load_average
from course.core.catalog import Step, find_step, load_steps

AIM_SECONDS = 60.0


def time_step(step: Step, warm: bool = True) -> float:
    """Seconds to run the step's reference notebooks top to bottom, each in a fresh kernel."""
    with tempfile.TemporaryDirectory(prefix="course-bench-course-") as scratch:
        folder = copy_reference(step, Path(scratch))
        started = time.perf_counter()
        run_top_to_bottom(folder, step.notebooks, warm)
        return time.perf_counter() - started


def copy_reference(step: Step, parent: Path) -> Path:
    """A copy of the step's reference folder at ``parent/<slug>`` (no checkpoints, no bytecode)."""
    folder = parent / step.slug
    shutil.copytree(step.solution_dir, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return folder


def links_leaving(folder: Path) -> list[str]:
    """Each symbolic link under ``folder`` whose target lies outside it, as ``"link -> target"``.

    A tool that walks a graded folder and follows links (nbgrader's autograde makes every file
    it finds read-only, through links) changes what such a link points at: a notebook must
    leave none behind. A link that cannot be resolved (a loop) is named too.
    """
    inside = folder.resolve()
    leaving = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not _resolves_inside(path, inside):
            leaving.append(f"{path.relative_to(folder)} -> {os.readlink(path)}")
    return leaving


def _resolves_inside(link: Path, inside: Path) -> bool:
    try:
        return link.resolve().is_relative_to(inside)
    except (OSError, RuntimeError):  # a loop: Python 3.11 raises RuntimeError, 3.13 OSError
        return False


def run_top_to_bottom(folder: Path, notebooks: Sequence[str], warm: bool = True) -> None:
    """Run each notebook in ``folder`` in a fresh kernel, in order, hidden tests included, in place.

    Raises nbclient's ``CellExecutionError`` at the first cell that fails: a hidden check runs
    where it stands, so one that needs a file a later cell writes fails here.
    """
    import nbformat
    from nbclient import NotebookClient

    env = {**os.environ, WARM_ENV: "1" if warm else "0"}
    for name in notebooks:
        notebook = nbformat.read(str(folder / name), as_version=4)
        client = NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(folder)}})
        client.execute(env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def run(step_names: list[str], cold: bool = False, compare: bool = False) -> int:
    """Print seconds per step and the total; return 0 (numbers, not a verdict)."""
    steps = load_steps()
    chosen = [find_step(name, steps) for name in step_names] if step_names else steps
    modes = {"cold": False, "warm": True} if compare else {"cold" if cold else "warm": not cold}  # label: warm
    print(f"the reference notebooks top to bottom (aim: the whole course under {AIM_SECONDS:.0f} s)")
    print(f"{'step':<26}" + "".join(f" {label + ' (s)':>16}" for label in modes) + f" {'load':>6}")
    totals = dict.fromkeys(modes, 0.0)
    for step in chosen:
        seconds = {label: time_step(step, warm) for label, warm in modes.items()}
        for label, value in seconds.items():
            totals[label] += value
        print(f"{step.slug:<26}" + "".join(f" {value:>16.1f}" for value in seconds.values()) + f" {load_average():>6}")
        sys.stdout.flush()
    print(f"{'total':<26}" + "".join(f" {value:>16.1f}" for value in totals.values()) + f" {load_average():>6}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.authoring.bench_course", description=__doc__.split("\n")[0])
    parser.add_argument("steps", nargs="*", help="step numbers or slugs (default: every step)")
    parser.add_argument("--cold", action="store_true", help="start every fresh Python cold (COURSE_WARM=0)")
    parser.add_argument("--compare", action="store_true", help="run each step cold, then warm, and print both")
    args = parser.parse_args(argv)
    return run(args.steps, cold=args.cold, compare=args.compare)


if __name__ == "__main__":
    sys.exit(main())
