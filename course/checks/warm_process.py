"""A fresh Python that keeps running (a service under test): warm when it can be, cold otherwise.

``LongRunningPython.start(arguments, env, log)`` is ``subprocess.Popen([python, *arguments])``
with stdout and stderr to ``log``, asked of this process's warm server first
(``course.checks.warm.spawn``): uvicorn serving a learner's app then starts without importing
pandas and scikit-learn again. ``ended``, ``exit_code`` and ``stop`` work the same either way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from typing import IO

from course.checks import warm
from course.checks.warm_protocol import Child, Refused

STOP_GRACE = 10  # seconds between SIGTERM and a kill


class LongRunningPython:
    """A running ``python <arguments>``: a warm child, or a cold process where warm was refused."""

    def __init__(self, child: Child | None, process: subprocess.Popen | None) -> None:
        self.child, self.process = child, process

    @classmethod
    def start(cls, arguments: list[str], env: dict[str, str], log: IO[bytes]) -> LongRunningPython:
        """``python <arguments>`` in this folder with ``env``, stdin empty, stdout and stderr to ``log``."""
        if not warm.why_cold():
            with open(os.devnull, "rb") as stdin:
                try:
                    child = warm.spawn(arguments, os.getcwd(), env, [stdin.fileno(), log.fileno(), log.fileno()])
                    return cls(child, None)
                except Refused:
                    pass
        command = [sys.executable, *arguments]
        return cls(None, subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env))

    def ended(self) -> bool:
        if self.child:
            return self.child.finished()
        return self.process is not None and self.process.poll() is not None

    def exit_code(self) -> int | None:
        """The exit code of a Python that has ended (None if it cannot be known)."""
        if self.child:
            with contextlib.suppress(Refused):
                return self.child.wait(STOP_GRACE)[0]
            return None
        return self.process.returncode if self.process else None

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM (a service shuts down cleanly), then a kill after ``grace`` seconds."""
        if self.child:
            if not self.child.finished():
                with contextlib.suppress(OSError):  # the server hung up: it kills the child itself
                    self.child.send_signal(signal.SIGTERM)
            if not self.child.finished(grace):
                self.child.abandon()  # the warm server kills the child's process group
                return
            with contextlib.suppress(Refused):
                self.child.wait(grace)
        elif self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
