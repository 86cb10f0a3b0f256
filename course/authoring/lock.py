"""The final package's lock file: every package it installs, at one exact version, made by uv.

The last step's ``pyproject.toml`` is written by its cells; ``uv.lock`` beside it is course material in
``solutions/<step>/`` (released to the learner with the step), because making it needs the package index
and the grading machines have no network. ``course lock`` makes it again from the end state as written:
run it whenever the last step's dependencies change, and commit the result. The package's CI installs
with ``uv sync --locked``, which fails while the lock is out of date (tests/authoring/test_final_package.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from course.authoring.end_state import write_end_state
from course.core.catalog import SOLUTIONS_DIR, Step
from course.core.errors import UsageError

LOCK_NAME = "uv.lock"


def find_uv() -> str:
    """The ``uv`` command: this environment's (the course's dev extra installs it), else one on PATH."""
    scripts = str(Path(sys.executable).parent)
    found = shutil.which("uv", path=os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    if found is None:
        raise UsageError("uv is not installed: `python -m pip install 'uv>=0.9,<1'`, then run this again")
    return found


def uv(
    folder: Path, *arguments: str, extra_environment: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``uv ARGUMENTS`` in ``folder`` (the project there, not this environment) and keep its output."""
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    environment.update(extra_environment or {})
    return subprocess.run(
        [find_uv(), *arguments], cwd=folder, capture_output=True, text=True, timeout=timeout, env=environment
    )


def relock(step: Step, solutions_dir: Path = SOLUTIONS_DIR) -> Path:
    """Make ``step``'s ``uv.lock`` again from its end state's ``pyproject.toml``; return where it was written."""
    with tempfile.TemporaryDirectory(prefix="course-lock-") as scratch:
        out = Path(scratch) / step.slug
        write_end_state(step, out, solutions_dir, git=False)
        (out / LOCK_NAME).unlink(missing_ok=True)  # made from nothing: no old pin survives
        made = uv(out, "lock")
        if made.returncode != 0:
            raise UsageError(f"`uv lock` failed in {step.slug}'s end state:\n{made.stderr.strip()}")
        target = solutions_dir / step.slug / LOCK_NAME
        shutil.copyfile(out / LOCK_NAME, target)
    return target
