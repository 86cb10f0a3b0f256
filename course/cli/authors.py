"""The authors' commands: release, the benchmarks, the site, the gates, a step's end state and its lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course import REPO_DIR
from course.core.catalog import find_step, find_steps, load_steps


def cmd_release(args) -> int:
    from course.authoring.release import release, release_differences, stray_step_folders

    steps = find_steps(args.steps)
    if args.check:
        problems = release_differences(steps)
        if not args.steps:
            problems += [
                f"stray:    exercises/{name}/ (no such step in the registry)" for name in stray_step_folders(steps)
            ]
        if problems:
            print("exercises/ is out of date with solutions/:")
            print("\n".join(f"  {line}" for line in problems))
            print("Run `course release` and commit the result.")
            return 1
        print(f"exercises/ is up to date ({len(steps)} steps)")
        return 0
    release(steps)
    print(f"released {len(steps)} steps into exercises/")
    return 0


def cmd_bench(args) -> int:
    from course.authoring.bench import run

    return run(args.steps, args.repeat)


def cmd_bench_class(args) -> int:
    from course.authoring.bench_class import run_class_benchmark

    keep = Path(args.keep) if args.keep else None
    return run_class_benchmark(args.learners, keep, args.sandbox, args.repeat, args.every_step, args.dask)


def cmd_bench_all(args) -> int:
    from course.authoring.bench_all import run

    return run(args.learners, args.steps, args.sandbox, dask=not args.no_dask)


def cmd_bench_checks(args) -> int:
    from course.authoring.bench_checks import run

    return run(args.steps, compare=args.compare)


def cmd_site(args) -> int:
    """Serve the site with live reload, or ``--build`` it into build/site, through mkdocs (the dev extra)."""
    build = ["build", "--strict", "--site-dir", str(REPO_DIR / "build" / "site")]
    serve = ["serve", "--dev-addr", f"127.0.0.1:{args.port}"]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # hides mkdocs-material's end-of-life notice
    return subprocess.call([sys.executable, "-m", "mkdocs", *(build if args.build else serve)], cwd=REPO_DIR, env=env)


def cmd_gates(args) -> int:
    from course.authoring.gates import run_gates

    return run_gates()


def cmd_lock(args) -> int:
    from course.authoring.lock import relock

    step = find_step(args.step, load_steps()) if args.step else load_steps()[-1]
    target = relock(step)
    print(f"wrote {target.relative_to(REPO_DIR)} from {step.slug}'s pyproject.toml")
    print("Now `course release` (the learner's copy) and commit both.")
    return 0


def cmd_end_state(args) -> int:
    from course.authoring.end_state import write_end_state

    step = find_step(args.step, load_steps())
    out = Path(args.into)
    written = write_end_state(step, out)
    print(f"{step.slug}'s end state: {len(written.files)} files in {out}")
    for command in written.commands:
        print(f"  ran: {command}")
    print(f"Open it as a repository: cd {out} && python -m pytest (see site/reference/end-states.md)")
    return 0
