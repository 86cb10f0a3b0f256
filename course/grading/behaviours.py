"""Observations the grader makes itself once a learner's kernel has ended: files, and ``after`` runs.

``probe.file`` asks for a file's text: the grader reads it from the kernel's
folder as data (``course.checks.probe.read_file``: a regular file, no link at its
last part, at most 1 MiB). ``probe.after`` asks for a course function run on the
step's files: for each one the grader copies the folder as the notebook left it
(folders and regular files only, up to ``MAX_COPY_BYTES``) and runs
``python -m course.checks.behaviour`` there, in the same sandbox and under the same
limits as a kernel when grading is sandboxed, and reads back the last line it printed.
Each run may take ``AFTER_TIMEOUT`` seconds and all of a notebook's runs ``AFTER_BUDGET``;
a run past either is an observation that starts with ``TIMED_OUT``, which
``JudgeProbes`` turns into a ``timeout`` status.
Nothing the learner left behind is run in the grader's own process.

A notebook with several after-runs gets one warm server for them, in one sandbox
(``course.grading.after_server``): each run is then forked from a Python that has already
imported pandas and scikit-learn, and the sandbox is cleaned between runs. If that server
cannot start or fails, the runs go the way described above, one sandbox each.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course.checks.probe import read_file
from course.grading.after_server import AfterServer, Unavailable, outcome_of, tail_of, wanted
from course.grading.judging import Plan
from course.grading.sandbox import BWRAP_ENV, SCRATCH_PREFIX, bwrap_command, hand_over
from course.grading.submission_files import FolderTooLarge, copy_plain_files

AFTER_TIMEOUT = 300  # seconds for one ``after`` run
AFTER_BUDGET = 600  # seconds for all the ``after`` runs of one notebook
TIMED_OUT = "TimeoutError: "  # how a timed-out run's observation starts
MAX_COPY_BYTES = 200 << 20  # what a step folder may hold for an ``after`` run


def observe_after_kernel(workdir: Path, plans: dict[str, Plan], sandboxed: bool) -> dict[str, dict]:
    """grade_id -> name -> observation, for every ``file`` and ``after`` probe of ``plans``."""
    observed: dict[str, dict] = {}
    runs: dict[str, dict] = {}  # cells that ask for the same run share it: the folder is the same
    deadline = time.monotonic() + AFTER_BUDGET
    distinct = {
        json.dumps(after, sort_keys=True) for cell_plan in plans.values() for after in cell_plan.afters.values()
    }
    server: AfterServer | None = None
    use_server = wanted(len(distinct))
    try:
        for grade_id, cell_plan in plans.items():
            seen = observed.setdefault(grade_id, {})
            for name, relative in cell_plan.files.items():
                seen[name] = read_file(workdir, relative)
            for name, (function, arguments) in cell_plan.afters.items():
                key = json.dumps([function, arguments], sort_keys=True)
                left = deadline - time.monotonic()
                if key in runs:
                    pass
                elif left < 1:
                    runs[key] = {"error": f"{TIMED_OUT}the notebook's checks used up their {AFTER_BUDGET} s"}
                elif use_server:
                    try:
                        server = server or AfterServer(_after_env(), sandboxed)
                        runs[key] = server.run(workdir, function, arguments, min(AFTER_TIMEOUT, left), MAX_COPY_BYTES)
                    except Unavailable:
                        server, use_server = None, False  # this run and the next go one sandbox each
                if key not in runs:
                    left = deadline - time.monotonic()
                    runs[key] = run_after(workdir, function, arguments, sandboxed, timeout=min(AFTER_TIMEOUT, left))
                seen[name] = runs[key]
    finally:
        if server is not None:
            server.close()
    return observed


def _after_env() -> dict:
    """The environment of an after-run: the grader's, without nbgrader's marker, writing no bytecode."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("NBGRADER_EXECUTION", None)
    return env


def run_after(workdir: Path, function: str, arguments: dict, sandboxed: bool, timeout: float = AFTER_TIMEOUT) -> dict:
    """``function(**arguments)`` run in a fresh (sandboxed) Python on a copy of ``workdir``."""
    copy = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    private = Path(tempfile.mkdtemp(prefix="course-after-"))
    try:
        try:
            copy_plain_files(workdir, copy, notebooks=True, limit=MAX_COPY_BYTES)
        except FolderTooLarge as error:
            return {"error": f"ProbeError: {error}"}
        request = json.dumps({"function": function, "arguments": arguments})
        command = [sys.executable, "-I", "-m", "course.checks.behaviour", request]  # -I: nothing from the folder
        env = _after_env()
        if sandboxed:
            hand_over(str(copy))
            hand_over(str(private))
            command = bwrap_command(str(copy), str(private), env) + command
            env = dict(BWRAP_ENV)
        return _run(command, copy, env, timeout)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


def _run(command: list[str], cwd: Path, env: dict, timeout: float) -> dict:
    """Run ``command``, keep only the end of its output, and read the result line from it."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return {"error": f"{TIMED_OUT}still running after {timeout:.0f} s"}
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        tail = tail_of(output)
    return outcome_of(tail, process.returncode)
