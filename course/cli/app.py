"""The ``course`` command: one entry point for learners, facilitators and authors."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from course import REPO_DIR, __version__
from course.cli.authors import (
    cmd_bench,
    cmd_bench_all,
    cmd_bench_checks,
    cmd_bench_class,
    cmd_end_state,
    cmd_gates,
    cmd_lock,
    cmd_release,
    cmd_site,
)
from course.core.catalog import find_steps, load_steps
from course.core.errors import UsageError

# course.grading.sandbox.MODES, here so --help never imports Jupyter (a test holds the two equal)
SANDBOX_MODES = ("auto", "require", "off")


def cmd_grade(args) -> int:
    from course.grading.grade import main_grade

    return main_grade(Path(args.submitted), Path(args.out), args.jobs, args.timeout, args.sandbox, args.cluster)


def cmd_workspace(args) -> int:
    from course.learner.workspace import default_workspace, update_workspace

    workspace = Path(args.dir) if args.dir else default_workspace()
    report = update_workspace(workspace, load_steps())
    print(f"workspace {workspace}")
    for line in report.lines() or ["up to date: nothing to add"]:
        print(f"  {line}")
    return 0


def cmd_start(args) -> int:
    from course.learner.start import start
    from course.learner.workspace import default_workspace

    return start(Path(args.workspace) if args.workspace else default_workspace(), args.port, args.no_browser)


def _workspace_arg(args) -> Path:
    from course.learner.workspace import default_workspace

    return Path(args.workspace) if args.workspace else default_workspace()


def cmd_check(args) -> int:
    from course.learner.headless import check_step, failure_details, store_outcomes, table

    workspace = _workspace_arg(args)
    steps = find_steps([args.step] if args.step else [])
    outcomes = [check_step(workspace / step.slug, step, args.timeout) for step in steps]
    store_outcomes(workspace, outcomes)
    print(table(outcomes))
    details = failure_details(outcomes)
    if details:
        print("\nWhat the failing checks said:\n")
        print(details)
    return 0 if all(o.state == "done" for o in outcomes) else 1


def cmd_progress(args) -> int:
    from course.core.progress import MARKER_DIR
    from course.learner.headless import progress_outcomes

    workspace = _workspace_arg(args)
    if not (workspace / MARKER_DIR).exists():
        print(f"no workspace at {workspace}: run `course start` or `course workspace {workspace}` first")
        return 2
    outcomes, ran, stale = progress_outcomes(workspace, load_steps(), args.cached, args.rerun, args.timeout)
    for outcome in outcomes:
        note = "  (may be out of date: the notebook changed since)" if outcome.step.slug in stale else ""
        print(
            f"{outcome.state:<12} {outcome.step.slug:<28} "
            f"{outcome.wins}/{len(outcome.step.public_checks)} public checks{note}"
        )
    print(
        f"ran {len(ran)} step(s) whose stored results were out of date; stored results for the rest "
        "(`--rerun` runs every started step)"
        if not args.cached
        else "stored results only (`course progress` runs the steps whose notebooks changed)"
    )
    done = sum(o.state == "done" for o in outcomes)
    upcoming = next((o.step.slug for o in outcomes if o.state != "done"), None)
    print(f"{done} of {len(outcomes)} steps done" + (f"; next: {upcoming}" if upcoming else ": the course is complete"))
    return 0


def cmd_doctor(args) -> int:
    from course.learner.doctor import run_doctor

    return run_doctor(_workspace_arg(args))


def cmd_steps(args) -> int:
    for step in load_steps():
        print(f"{step.slug:<28} {step.minutes:>3} min  {step.points:>3} pts  {step.title}")
    return 0


# `course test --fast`: leave out what grades a class, releases the course or benchmarks, and spread the rest
# over one pytest process per core (pytest-xdist; every test keeps to its own tmp_path).
FAST_LANE = ["-m", "not slow", "-n", "auto"]


def cmd_test(args) -> int:
    lane = FAST_LANE if args.fast else []
    return subprocess.call([sys.executable, "-m", "pytest", *lane, *args.pytest_args], cwd=REPO_DIR)


def _test_args(argv: list[str]):
    """``course test [--fast] ARGS...``: every ARG goes to pytest untouched, options too (``-q``, ``-k x``)."""
    rest = argv[1:]
    fast = rest[:1] == ["--fast"]
    return argparse.Namespace(command="test", func=cmd_test, fast=fast, pytest_args=rest[1:] if fast else rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Prototype to Production: the course's command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "start", help="make or update your workspace and open JupyterLab (step 0 first, then where you left off)"
    )
    p.add_argument(
        "--workspace", help="workspace folder (default: $COURSE_WORKSPACE or ~/prototype-to-production-workspace)"
    )
    p.add_argument("--port", type=int, help="port for JupyterLab")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("workspace", help="copy new steps into a workspace, never overwriting your files")
    p.add_argument("dir", nargs="?", help="workspace folder")
    p.set_defaults(func=cmd_workspace)

    p = sub.add_parser("check", help="run the public checks of your workspace notebooks")
    p.add_argument("step", nargs="?", help="a step number or slug (default: all)")
    p.add_argument("--workspace")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("progress", help="show each step as done, partial or not started")
    p.add_argument("--workspace")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--cached", action="store_true", help="show stored results without running anything, even for changed notebooks"
    )
    mode.add_argument(
        "--rerun", action="store_true", help="run every started step again, even when its stored results are current"
    )
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser(
        "doctor", help="check Python, packages, kernel, widgets and workspace; print a fix for each problem"
    )
    p.add_argument("--workspace")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("release", help="regenerate exercises/ from solutions/ (authors)")
    p.add_argument("steps", nargs="*", help="steps to release (default: all)")
    p.add_argument("--check", action="store_true", help="only report files in exercises/ that are out of date")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("grade", help="autograde a class with nbgrader (instructors)")
    p.add_argument("submitted", help="folder of <learner>/<step>/<notebook>.ipynb")
    p.add_argument("--out", required=True, help="folder for grades.csv, feedback/ and autograded/")
    p.add_argument("--jobs", type=int, default=1, help="learners graded in parallel")
    p.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    p.add_argument("--sandbox", choices=SANDBOX_MODES, default="auto", help="run learner code in bubblewrap")
    p.add_argument(
        "--cluster",
        metavar="SPEC",
        help="grade on Dask workers instead of --jobs: tcp://HOST:PORT (a scheduler), gateway[:NAME] or "
        "jobqueue:SYSTEM (from $COURSE_CLUSTER_CONFIG or ~/.config/course/cluster.toml); needs the cluster extra",
    )
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("steps", help="list the steps")
    p.set_defaults(func=cmd_steps)

    p = sub.add_parser("bench", help="benchmark grading against bare notebook execution (authors)")
    p.add_argument("steps", nargs="*", help="steps to measure (default: all)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is shown)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser(
        "bench-class", help="benchmark grading a synthetic class: jobs 1, jobs 2, plain nbgrader (authors)"
    )
    p.add_argument("--learners", type=int, default=30, help="learners in the synthetic class")
    p.add_argument("--keep", help="build the class in this folder and keep it (default: a temporary folder)")
    p.add_argument("--sandbox", choices=SANDBOX_MODES, default="auto", help="as for `course grade`")
    p.add_argument("--repeat", type=int, default=1, help="rounds; the fastest and slowest are shown")
    p.add_argument("--every-step", action="store_true", help="a cohort: every learner submits every step")
    p.add_argument("--dask", action="store_true", help="also grade on a local two-worker Dask cluster (cluster extra)")
    p.set_defaults(func=cmd_bench_class)

    p = sub.add_parser("bench-all", help="every speed figure in one run: checks, course, a cohort (authors)")
    p.add_argument("--learners", type=int, default=30, help="learners in the cohort, each submitting every step")
    p.add_argument("--steps", nargs="*", default=None, help="only these steps (default: all)")
    p.add_argument("--sandbox", choices=SANDBOX_MODES, default="auto", help="as for `course grade`")
    p.add_argument("--no-dask", action="store_true", help="leave out the two-worker Dask cluster")
    p.set_defaults(func=cmd_bench_all)

    p = sub.add_parser("bench-checks", help="time each check cell on the reference answers (authors)")
    p.add_argument("steps", nargs="*", help="steps to measure (default: all)")
    p.add_argument("--compare", action="store_true", help="each step with fresh Pythons cold, then warm")
    p.set_defaults(func=cmd_bench_checks)

    p = sub.add_parser("site", help="serve the course's site at http://127.0.0.1:8000 (or --build it into build/site)")
    p.add_argument("--build", action="store_true", help="build build/site with mkdocs --strict instead of serving")
    p.add_argument("--port", type=int, default=8000, help="port to serve on")
    p.set_defaults(func=cmd_site)

    p = sub.add_parser(
        "gates", help="run the course's own quality gates: ruff, ruff format, mypy, import contracts (authors)"
    )
    p.set_defaults(func=cmd_gates)

    p = sub.add_parser(
        "end-state", help="write a step's reference end state as a repository to open, run and test (authors)"
    )
    p.add_argument("step", help="a step number or slug")
    p.add_argument("--into", required=True, help="a new folder for the repository (never overwritten)")
    p.set_defaults(func=cmd_end_state)

    p = sub.add_parser(
        "lock", help="make the last step's uv.lock again from its pyproject.toml (authors; needs uv and the index)"
    )
    p.add_argument("step", nargs="?", help="a step number or slug (the last step if left out)")
    p.set_defaults(func=cmd_lock)

    p = sub.add_parser(
        "test",
        help="run the course's own test suite (pytest)",
        description="Run the course's own test suite with pytest. The whole suite grades every step's "
        "notebooks through nbgrader and takes 20 minutes or more on two cores; "
        "--fast leaves those tests out.",
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help='the fast lane (under two minutes): pytest -m "not slow" -n auto, without the tests that grade a '
        "whole class, release the whole course or run a benchmark, one pytest process per core; must come first",
    )
    p.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="passed to pytest as they are (for example -q, -k NAME, a test path)",
    )
    p.set_defaults(func=cmd_test)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"] and not set(argv[1:2]) & {"-h", "--help"}:
        args = _test_args(argv)  # argparse would refuse pytest's own options
    else:
        args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as error:  # the person's input: a message, no traceback; anything else is a bug
        print(f"course {args.command}: {error}", file=sys.stderr)
        return 2
