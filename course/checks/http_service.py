"""A service under test, started in a new Python on a free local port, and asked over HTTP.

``listening(arguments, env)`` starts ``python <arguments>`` (warm when it can be, see
``course.checks.warm_process``), waits until it listens on the port it was given and stops it
on leaving. The arguments name the port with ``PORT``: ``["-m", "uvicorn", ..., "--port", PORT]``.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import time
from collections.abc import Iterator
from typing import IO, Protocol

from course.checks.warm_process import LongRunningPython

HOST = "127.0.0.1"
PORT = "{port}"  # stands for the free port in ``listening``'s arguments
START_TIMEOUT = 60  # seconds for a service to start listening


def free_port() -> int:
    """A local TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def last_line(log: IO[bytes]) -> str:
    """The last non-empty line a service wrote to ``log`` (what it said before it stopped)."""
    log.seek(0)
    lines = [line for line in log.read().decode("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1].strip()[:2000] if lines else "(no output)"


class Running(Protocol):
    """A started process: a ``LongRunningPython``, or anything else that can say whether it ended."""

    def ended(self) -> bool: ...

    def exit_code(self) -> int | None: ...


def wait_until_listening(server: Running, port: int, log: IO[bytes], timeout: float = START_TIMEOUT) -> None:
    """Return once ``port`` accepts connections; RuntimeError saying why when ``server`` stops or never listens."""
    deadline = time.monotonic() + timeout
    while True:
        if server.ended():
            raise RuntimeError(f"the service stopped (exit code {server.exit_code()}): {last_line(log)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the service did not listen within {timeout:g} s: {last_line(log)}")
        time.sleep(0.1)


@contextlib.contextmanager
def listening(arguments: list[str], env: dict[str, str]) -> Iterator[int]:
    """The port where ``python <arguments>`` (``PORT`` replaced by it) listens; stopped on leaving."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = LongRunningPython.start([argument.replace(PORT, str(port)) for argument in arguments], env, log)
        try:
            wait_until_listening(server, port, log)
            yield port
        finally:
            server.stop()
