"""The warm server's wire format, and the handle of a server a client started.

Used by ``course.checks.warm`` (the client), ``course.checks.warm_server`` and the grader's
``course.grading.after_server``. A message is a 4-byte big-endian length, then that many bytes
of JSON; file descriptors (a request's stdin, stdout and stderr) travel with its first byte
(``SCM_RIGHTS``), so a child writes straight into the caller's files.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable

HEADER = struct.Struct("!I")
MAX_MESSAGE = 64 << 20


def send_message(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    """Send one JSON message (length-prefixed), with ``fds`` attached to its first byte."""
    data = json.dumps(message).encode()
    packet = HEADER.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [packet], fds)
        sock.sendall(packet[sent:])
    else:
        sock.sendall(packet)


class Refused(Exception):
    """The server cannot run this request as a new Python would, or is not there: run it cold."""


class Child:
    """A child the warm server forked for a client: signal it, wait for its exit code.

    ``lost`` is called when the server hangs up instead of answering (then ``Refused``).
    """

    def __init__(self, conn: socket.socket, reader: Reader, pid: int, lost: Callable[[], None]) -> None:
        self.conn, self.reader, self.pid, self.lost = conn, reader, pid, lost
        self.result: tuple[int, bool] | None = None  # what ``wait`` read

    def send_signal(self, number: int) -> None:
        """Deliver signal ``number`` to the child (the server does it: it may live in another PID namespace)."""
        send_message(self.conn, {"signal": int(number)})

    def finished(self, timeout: float = 0) -> bool:
        """Whether the child has ended (or was given up), waiting ``timeout`` seconds at most."""
        if self.result is not None or self.reader.buffer or self.conn.fileno() < 0:
            return True
        readable, _, _ = select.select([self.conn], [], [], timeout)
        return bool(readable)

    def abandon(self) -> None:
        """Hang up: the server kills the child's process group if it still runs."""
        self.conn.close()

    def wait(self, timeout: float | None = None) -> tuple[int, bool]:
        """(exit code, whether the server killed it at its own timeout), waiting ``timeout`` seconds at most."""
        if self.result is not None:
            return self.result
        if self.conn.fileno() < 0:
            raise Refused("the child was given up")
        self.conn.settimeout(timeout)
        try:
            finished, _ = self.reader.receive()
        except (OSError, ValueError):
            finished = None
        finally:
            self.conn.close()
        if finished is None:
            self.lost()
            raise Refused("no warm server")
        self.result = int(finished["exit"]), bool(finished.get("timed_out"))
        return self.result


def answer(conn: socket.socket, message: dict) -> None:
    """Send ``message`` if the peer is still there (a client that hung up gets nothing)."""
    try:
        send_message(conn, message)
    except OSError:
        pass


def close_fds(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class Reader:
    """Reads length-prefixed JSON messages from one socket, keeping what arrived past a message."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def receive(self, max_fds: int = 0) -> tuple[dict | None, list[int]]:
        """The next message and the descriptors attached to it; ``(None, fds)`` when the peer hung up."""
        fds: list[int] = []
        while True:
            if len(self.buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self.buffer)
                if size > MAX_MESSAGE:
                    raise ValueError("message too large")
                if len(self.buffer) >= HEADER.size + size:
                    data = self.buffer[HEADER.size : HEADER.size + size]
                    self.buffer = self.buffer[HEADER.size + size :]
                    return json.loads(data), fds
            if max_fds and not fds:
                chunk, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, max_fds)
            else:
                chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None, fds
            self.buffer += chunk


class ServerProcess:
    """A warm server a client started (``python -m course.checks.warm_server --socket PATH MODULE...``).

    It listens on ``socket_path`` in a private folder; it exits when its stdin closes (``stop``).
    """

    def __init__(self, env: dict, preload: tuple[str, ...], start_timeout: float) -> None:
        self.start_timeout = start_timeout
        self.owner = os.getpid()  # a process forked from the owner must not stop the owner's server
        self.folder = tempfile.mkdtemp(prefix="course-warm-")
        self.socket_path = os.path.join(self.folder, "server.sock")
        self.log = open(os.path.join(self.folder, "server.log"), "w")  # noqa: SIM115  (open while the server runs)
        command = [sys.executable, "-m", "course.checks.warm_server", "--socket", self.socket_path, *preload]
        self.process = subprocess.Popen(
            command,
            cwd=self.folder,
            env={key: value for key, value in env.items() if key == "PYTHONPATH" or not key.startswith("PYTHON")},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(env) + "\n").encode())
        self.process.stdin.flush()
        self.start_env = env
        self.additions: dict[str, str] | None = None  # what the server's start and preloads set, once ready
        self.ready = False

    def may_serve(self, env: dict) -> bool:
        """Whether a request with ``env`` would find this server's start-up variables (the server decides)."""
        from course.checks.warm_child import STARTUP_PREFIXES

        for key in {*env, *self.start_env}:
            if not (key.startswith(STARTUP_PREFIXES) or key == "PYTHONPATH"):
                continue
            now, then = env.get(key), self.start_env.get(key)
            if now == then or (self.additions is not None and now == self.additions.get(key)):
                continue
            if self.additions is None and then is None:
                continue  # gained since (importing scikit-learn sets KMP_*): the server will say
            return False
        return True

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Whether the server has imported its preloads, waiting ``timeout`` seconds at most (None: its start
        timeout); ``RuntimeError`` if it will not serve."""
        if self.ready:
            return True
        assert self.process.stdout is not None
        waited = self.start_timeout if timeout is None else timeout
        ready, _, _ = select.select([self.process.stdout], [], [], waited)
        if not ready and timeout is not None and timeout < self.start_timeout and self.alive():
            return False  # still importing
        answer = self.process.stdout.readline().decode(errors="replace").strip() if ready else "no answer"
        word, _, additions = answer.partition(" ")
        if word != "ready":
            self.stop()
            raise RuntimeError(answer or f"exit code {self.process.poll()}")
        self.additions = json.loads(additions or "{}")
        self.ready = True
        return True

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if os.getpid() != self.owner:
            return
        try:
            if self.process.stdin:
                self.process.stdin.close()  # the server exits when its stdin closes
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
