"""course.checks.warm_process: a long-running fresh Python (a service under test), warm or cold, behaves the same.

Real processes: this test process's warm server (``warm.wait_ready``) for the warm runs, ``COURSE_WARM=0``
for the cold ones.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import pytest

from course.checks import warm
from course.checks.warm_process import LongRunningPython

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="warm runs fork: Linux only")

WAITS = (
    "import signal, sys, time\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(7))\nprint('up', flush=True)\n"
    "time.sleep(300)"
)
IGNORES_TERM = (
    "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('up', flush=True)\ntime.sleep(300)"
)


@pytest.fixture(params=["warm", "cold"])
def mode(request, monkeypatch):
    if request.param == "warm":
        assert warm.wait_ready()
    else:
        monkeypatch.setenv(warm.WARM_ENV, "0")
    return request.param


def _wait_for(log, text: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log.seek(0)
        if text in log.read().decode():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the log")


def _start(code: str, log) -> LongRunningPython:
    return LongRunningPython.start(["-c", code], dict(os.environ), log)


def test_it_runs_until_stopped_and_stop_ends_it_with_sigterm(mode):
    with tempfile.TemporaryFile() as log:
        before = warm.counts["warm"]
        process = _start(WAITS, log)
        assert (process.child is not None) == (mode == "warm")
        assert warm.counts["warm"] == before  # spawn does not count as a finished run
        _wait_for(log, "up")
        assert not process.ended()
        process.stop()
        assert process.ended()
        assert process.exit_code() == 7  # its SIGTERM handler ran: stop asked politely first


def test_one_that_ignores_sigterm_is_killed(mode):
    with tempfile.TemporaryFile() as log:
        process = _start(IGNORES_TERM, log)
        _wait_for(log, "up")
        started = time.monotonic()
        process.stop(grace=1)  # the kill path is the same after any grace; the default is 10 s
        assert time.monotonic() - started < 60
        if process.process is not None:
            assert process.process.poll() is not None
        else:  # the warm server killed the abandoned child: its pid is gone
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _alive(process.child.pid):
                time.sleep(0.1)
            assert not _alive(process.child.pid)


def test_one_that_ends_at_once_says_so_with_its_exit_code(mode):
    with tempfile.TemporaryFile() as log:
        process = _start("import sys; print('bye', file=sys.stderr); sys.exit(3)", log)
        deadline = time.monotonic() + 60
        while not process.ended() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.ended()
        assert process.exit_code() == 3
        log.seek(0)
        assert "bye" in log.read().decode()
        process.stop()  # stopping one that has ended is harmless


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
