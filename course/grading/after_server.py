"""The grader's after-runs of one notebook, forked from one warm server inside the notebook's sandbox.

``course.grading.behaviours`` runs each ``after`` probe in a fresh Python on a copy of the
step's folder. When a notebook asks for several, starting a sandbox and a Python that
imports pandas and scikit-learn again for each (and again for every Python each starts)
costs seconds per run. ``AfterServer`` starts one ``course.checks.warm_server`` per
notebook, in the same bubblewrap sandbox and under the same limits a run had
(``course.grading.sandbox``), and asks it for each run::

    python -I -m course.checks.behaviour REQUEST     # in scratch/run-N, a copy of the folder

forked from the server; the Pythons a run starts itself come from the same server. What
a run's answer is worth is decided as before: only the exit the server reports for it,
and the result line it printed, count.

What keeps runs as separate as one sandbox per run kept them:

* The grader talks to the server through a socket it created outside the sandbox and
  passed in (``--listen-fd``): no path in the sandbox leads to it, and no learner's
  process holds it (the server closes it in every child). The runs' own fresh Pythons
  use an abstract socket of the sandbox's private network namespace (``--inner``).
* The server is not dumpable and is the subreaper of everything below it
  (``course.checks.warm_hygiene``): code running as the same user cannot ptrace it or
  read its memory. Between two runs it kills every process the last run left, and empties
  what the sandbox shares: ``/tmp`` (home included), the bound folders, ``/dev/shm``, the
  System V IPC objects (``--contained``). The grader then removes the run's copy itself.
* A server that stops answering (a run killed it, a timeout passed its grace) is ended with
  its whole sandbox; that run and every later one of the notebook run the old way, one
  sandbox each (``None`` from ``run``). Nothing a dead server's children printed is read.

Without a sandbox (``--sandbox off``) the server runs unsandboxed, as the runs did; it then
only kills what a run left running (there is no private ``/tmp`` to empty).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from course.checks.behaviour import RESULT_MARK
from course.checks.warm import PRELOAD, START_TIMEOUT, why_cold
from course.checks.warm_hygiene import empty
from course.checks.warm_protocol import Reader, send_message
from course.grading.sandbox import BWRAP_ENV, SCRATCH_PREFIX, bwrap_command, hand_over
from course.grading.submission_files import FolderTooLarge, copy_plain_files

GRACE = 30  # seconds past a run's timeout before the server counts as dead
CLEAN_TIMEOUT = 60  # seconds the server may take to clean between runs
TAIL_BYTES = 1 << 20  # of a run's output, only the end is read
MIN_RUNS = 2  # a notebook with fewer after-runs keeps one plain sandbox per run: a server would not pay off


class Unavailable(RuntimeError):
    """The server could not start or stopped answering: runs go the old way."""


def outcome_of(tail: str, exit_code: int) -> dict:
    """The observation in the last result line of a run's output (``course.checks.behaviour``)."""
    marked = [line for line in tail.splitlines() if line.startswith(RESULT_MARK)]
    if not marked:
        return {"error": f"ProbeError: the run ended (exit code {exit_code}) without a result"}
    try:
        outcome = json.loads(marked[-1][len(RESULT_MARK) :])
    except ValueError:
        return {"error": "ProbeError: the run's result was not JSON"}
    if not isinstance(outcome, dict) or not ({"value"} <= set(outcome) or {"error"} <= set(outcome)):
        return {"error": "ProbeError: the run's result had neither a value nor an error"}
    return {"value": outcome["value"]} if "value" in outcome else {"error": str(outcome["error"])[:2000]}


def tail_of(handle) -> str:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - TAIL_BYTES))
    return handle.read().decode("utf-8", errors="replace")


def wanted(after_runs: int) -> bool:
    """Whether a notebook with this many distinct after-runs gets a server (not with ``COURSE_WARM=0``)."""
    return after_runs >= MIN_RUNS and not why_cold()


class AfterServer:
    """One notebook's warm server for its after-runs (sandboxed when ``sandboxed``)."""

    def __init__(self, env: dict, sandboxed: bool) -> None:
        self.sandboxed = sandboxed
        self.runs = 0
        self.scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))  # the runs' copies: bound into the sandbox
        self.private = Path(tempfile.mkdtemp(prefix="course-after-"))  # bound too: the sandbox's own folder
        self.control = Path(tempfile.mkdtemp(prefix="course-warm-"))  # the grader's: never in the sandbox
        self.address = str(self.control / "server.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.address)
        listener.listen(8)
        command = [sys.executable, "-m", "course.checks.warm_server", "--listen-fd", str(listener.fileno())]
        command += ["--inner", f"@course-warm-{secrets.token_hex(8)}"] if sandboxed else ["--socket", self._inner()]
        if sandboxed:
            command += ["--contained", "--keep", str(self.scratch), "--keep", str(self.private)]
            hand_over(str(self.scratch))
            hand_over(str(self.private))
            command = bwrap_command(str(self.scratch), str(self.private), env) + command
        plain = {key: value for key, value in env.items() if not key.startswith("PYTHON")}  # runs are -I: no PYTHONPATH
        try:
            self.process = subprocess.Popen(
                [*command, *PRELOAD],
                cwd=self.scratch,
                env=dict(BWRAP_ENV) if sandboxed else plain,  # bwrap sets the sandbox's own
                pass_fds=[listener.fileno()],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as error:
            self.close()
            raise Unavailable(f"the after-run server could not start: {error}") from None
        finally:
            listener.close()  # the server holds it now
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((json.dumps(None if sandboxed else env) + "\n").encode())
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        if not ready or not self.process.stdout.readline().startswith(b"ready"):
            self.close()
            raise Unavailable("the after-run server did not start")

    def _inner(self) -> str:
        """Without a sandbox: a path in the grader's own folder, for the runs' fresh Pythons."""
        return str(self.control / "inner.sock")

    def run(self, workdir: Path, function: str, arguments: dict, timeout: float, limit: int) -> dict:
        """The observation of ``function(**arguments)`` on a copy of ``workdir`` (``limit`` bytes at most).

        ``Unavailable`` when the server failed: the caller runs it, and the rest, the old way.
        """
        self.runs += 1
        copy = self.scratch / f"run-{self.runs}"
        copy.mkdir()
        try:
            copy_plain_files(workdir, copy, notebooks=True, limit=limit)
        except FolderTooLarge as error:
            shutil.rmtree(copy, ignore_errors=True)
            return {"error": f"ProbeError: {error}"}
        if self.sandboxed:
            hand_over(str(copy))
        request = json.dumps({"function": function, "arguments": arguments})
        message = {"arguments": ["-I", "-m", "course.checks.behaviour", request], "cwd": str(copy), "timeout": timeout}
        try:
            with tempfile.TemporaryFile() as output, open(os.devnull, "rb") as nothing, open(os.devnull, "wb") as sink:
                finished = self._ask({**message, "env": None}, [nothing.fileno(), output.fileno(), sink.fileno()])
                self._clean()  # first: nothing the run left may write into its output once it is read
                outcome = outcome_of(tail_of(output), finished["exit"])
            if finished.get("timed_out"):
                outcome = {"error": f"TimeoutError: still running after {timeout:.0f} s"}
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        return outcome

    def _ask(self, message: dict, fds: list[int]) -> dict:
        """Send a request; the server's final answer for it (``Unavailable`` when there is none)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.settimeout(START_TIMEOUT)
                conn.connect(self.address)
                send_message(conn, message, fds)
                reader = Reader(conn)
                started, _ = reader.receive()
                if started is None or "pid" not in started:
                    raise OSError(f"it refused a run: {(started or {}).get('refused')}")
                conn.settimeout(float(message["timeout"]) + GRACE)
                finished, _ = reader.receive()
            except (OSError, ValueError) as error:
                self.close()
                raise Unavailable(f"the after-run server failed: {error}") from None
        if finished is None or "exit" not in finished:
            self.close()
            raise Unavailable("the after-run server hung up")
        return finished

    def _clean(self) -> None:
        """The server ends what the last run left and empties what runs share; the grader empties the copies' folder."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.settimeout(CLEAN_TIMEOUT)
                conn.connect(self.address)
                send_message(conn, {"clean": True})
                answer, _ = Reader(conn).receive()
            except (OSError, ValueError):
                answer = None
        if not answer or not answer.get("cleaned"):
            self.close()
            raise Unavailable("the after-run server did not clean up after a run")
        empty(str(self.scratch))

    def close(self) -> None:
        """End the server and its sandbox; remove the folders."""
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            try:
                if process.stdin:
                    process.stdin.close()  # the server ends when its stdin closes
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for folder in (self.scratch, self.private, self.control):
            shutil.rmtree(folder, ignore_errors=True)
