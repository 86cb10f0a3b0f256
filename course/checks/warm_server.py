"""The warm server: one Python that has imported the heavy libraries and forks a new "Python" per request.

Started as ``python -m course.checks.warm_server [--socket PATH] [--listen-fd N] [--inner ADDRESS]
[--contained --keep FOLDER ...] MODULE ...`` (no interpreter option and no ``PYTHON*`` variable
but ``PYTHONPATH``: a plain start, as its children's), in an empty folder of its own, by
``course.checks.warm`` (the lab: ``--socket``) or ``course.grading.after_server`` (the grader:
``--listen-fd`` in the notebook's sandbox, ``--contained``). It reads the environment its client
asked for (one JSON line on stdin; ``null``: its own), imports the MODULEs (libraries, never the
learner's code), checks that it may fork (``warm_hygiene.fork_safety``), prints ``ready`` and
serves until its stdin closes (its client ended) or it sat idle for ``IDLE_SECONDS``.

A request (``warm_protocol``) is ``{"arguments", "cwd", "env", "timeout"}`` with three file
descriptors (stdin, stdout, stderr). The server forks; the child closes the server's sockets,
starts a session of its own, takes the descriptors as 0, 1 and 2 and becomes the command
(``warm_child.become``). The answer is ``{"pid"}``, then ``{"exit", "timed_out"}`` (a negative
exit code: killed by that signal), or ``{"refused": why}`` for what it cannot run as a new Python
would (the client then starts it cold). At a timeout, or when the client hangs up first, the
child's process group is killed; so is what is left of it when it ends. ``{"signal": n}`` goes to
the child (a kernel's interrupt); ``{"clean": true}`` ends everything and empties what runs share
(``warm_hygiene.clean_between_runs``); ``{"status": true}`` describes the server (for tests).

Forking is safe because the server never starts a thread, an event loop or a ZMQ context
(``fork_safety`` checks). OpenBLAS's worker threads, started when NumPy loads, are stopped and
restarted around a fork by OpenBLAS itself (``pthread_atfork``), as in any NumPy program that
forks. What a child changes (modules, globals, environment, folder) dies with it.
"""

from __future__ import annotations

import sys

STARTUP_MODULES = frozenset(sys.modules)  # what a new Python has imported before running anything

import argparse  # noqa: E402  (after the snapshot above, on purpose)
import contextlib  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

from course.checks.warm_hygiene import (  # noqa: E402
    as_child,
    clean_between_runs,
    fork_safety,
    guard_server,
    kill_group,
    modules_outside_install,
    preload,
    signal_child,
)
from course.checks.warm_protocol import Reader, answer, close_fds  # noqa: E402

IDLE_SECONDS = 900  # a server nobody asked for this long exits; the next request starts a new one


class Server:
    """The state of one warm server: what it preloaded, and the children it runs."""

    def __init__(self, options: argparse.Namespace, start_env: dict[str, str]) -> None:
        self.options = options
        self.start_env = start_env
        self.env_additions: dict[str, str] = {}
        here = os.path.realpath(os.getcwd())  # -m put the server's own (empty) folder first: children do not have it
        self.base_path = [path for index, path in enumerate(sys.path) if index or os.path.realpath(path) != here]
        self.preload_warnings: list[str] = []
        self.children: dict[int, dict] = {}  # pid -> {"conn", "deadline", "timed_out"}
        self.readers: dict[socket.socket, Reader] = {}
        self.listeners: list[socket.socket] = []
        self.connections: list[socket.socket] = []
        self.wake_read, self.wake_write = socket.socketpair()
        self.last_active = time.monotonic()

    def preload(self, modules: list[str]) -> None:
        self.preload_warnings = preload(modules)
        self.env_additions = {key: value for key, value in os.environ.items() if self.start_env.get(key) != value}
        self.shadowable = {name.split(".")[0] for name in sys.modules} - {n.split(".")[0] for n in STARTUP_MODULES}

    def listen(self) -> None:
        """Listen at ``--socket``, on the ``--listen-fd`` socket the client passed, and at ``--inner``."""
        options = self.options
        if options.listen_fd is not None:
            self.listeners.append(socket.socket(fileno=options.listen_fd))
        for address in (options.socket, options.inner):
            if address:
                listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                listener.bind(address.replace("@", "\0", 1) if address.startswith("@") else address)
                listener.listen(64)
                self.listeners.append(listener)
        # what this server's children use for their own fresh Pythons
        self.address = (options.inner or options.socket or "").replace("@", "\0", 1)
        for sock in (*self.listeners, self.wake_read, self.wake_write):
            sock.setblocking(False)
        signal.set_wakeup_fd(self.wake_write.fileno(), warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def serve(self) -> None:
        connections = self.connections
        while True:
            waiting = [*self.listeners, self.wake_read, sys.stdin, *connections]
            readable, _, _ = select.select(waiting, [], [], self._next_wake())
            for ready in readable:
                if ready is sys.stdin:
                    if not os.read(sys.stdin.fileno(), 4096):
                        return  # the client is gone
                elif ready in self.listeners:
                    try:
                        conn, _ = ready.accept()
                    except BlockingIOError:
                        continue
                    conn.settimeout(10)  # a request arrives whole, at once; a client that stalls is dropped
                    connections.append(conn)
                    self.readers[conn] = Reader(conn)
                elif ready is self.wake_read:
                    with contextlib.suppress(BlockingIOError):
                        while self.wake_read.recv(4096):
                            pass
                    self._reap()
                elif isinstance(ready, socket.socket):
                    self._from_client(ready)
            self._enforce_timeouts()
            if not self.children and time.monotonic() - self.last_active > IDLE_SECONDS:
                return

    def _next_wake(self) -> float:
        deadlines = [child["deadline"] for child in self.children.values() if child["deadline"]]
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else 30.0

    def _from_client(self, conn: socket.socket) -> None:
        running = next((pid for pid, child in self.children.items() if child["conn"] is conn), None)
        try:
            message, fds = self.readers[conn].receive(max_fds=0 if running else 3)
        except (OSError, ValueError):
            message, fds = None, []
        if running is not None:
            if message is None:  # the client hung up before its child ended
                kill_group(running)
                self.children[running]["conn"] = None
                self._drop(conn)
            elif isinstance(message.get("signal"), int):
                signal_child(running, message["signal"])
            return
        if message is None:
            close_fds(fds)
            self._drop(conn)
            return
        self.last_active = time.monotonic()
        if message.get("status"):
            status = {"pid": os.getpid(), "modules": sorted(sys.modules), "outside": modules_outside_install()}
            answer(conn, {"status": {**status, "warnings": self.preload_warnings, "env_additions": self.env_additions}})
            return
        if message.get("clean"):
            self._clean()
            answer(conn, {"cleaned": True})
            return
        self._start(conn, message, fds)

    def _clean(self) -> None:
        """Between two of the grader's runs: end every child and what it left, empty what runs share."""
        for pid, child in list(self.children.items()):
            kill_group(pid)
            if child["conn"] is not None:
                self._drop(child["conn"])
        self.children.clear()
        clean_between_runs(self.options.contained, self.options.keep)

    def _start(self, conn: socket.socket, request: dict, fds: list[int]) -> None:
        from course.checks import warm_child

        try:
            if len(fds) != 3:
                raise warm_child.Unsupported("three file descriptors are needed")
            command = warm_child.parse(list(request["arguments"]))
            given = self.start_env if request.get("env") is None else request["env"]  # None: the server's own
            env = {str(key): str(value) for key, value in given.items()}
            why = warm_child.refusal(
                command, str(request["cwd"]), env, self.start_env, self.env_additions, self.shadowable
            )
            if why:
                raise warm_child.Unsupported(why)
        except (warm_child.Unsupported, KeyError, TypeError, AttributeError) as error:
            close_fds(fds)
            answer(conn, {"refused": str(error)})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            try:
                self._child(command, request, env, fds)
            finally:
                os._exit(70)
        close_fds(fds)
        timeout = request.get("timeout")
        deadline = time.monotonic() + float(timeout) if timeout else None
        self.children[pid] = {"conn": conn, "deadline": deadline, "timed_out": False}
        answer(conn, {"pid": pid})

    def _child(self, command, request: dict, env: dict, fds: list[int]) -> None:
        from course.checks import warm, warm_child

        signal.set_wakeup_fd(-1)
        for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        for sock in (*self.listeners, self.wake_read, self.wake_write, *self.connections):
            sock.close()
        as_child()
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        close_fds([fd for fd in fds if fd > 2])
        warm.inherit(self.address)  # a fresh Python this child starts comes from the same server
        warm_child.become(command, str(request["cwd"]), env, self.env_additions, self.base_path)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            kill_group(pid)  # what the child left running in its session
            conn = child["conn"]
            if conn is None:  # its client hung up
                continue
            answer(conn, {"exit": os.waitstatus_to_exitcode(status), "timed_out": child["timed_out"]})
            self._drop(conn)
            self.last_active = time.monotonic()

    def _drop(self, conn: socket.socket) -> None:
        if conn in self.connections:
            self.connections.remove(conn)
        self.readers.pop(conn, None)
        conn.close()

    def _enforce_timeouts(self) -> None:
        now = time.monotonic()
        for pid, child in self.children.items():
            if child["deadline"] and now >= child["deadline"] and not child["timed_out"]:
                child["timed_out"] = True
                kill_group(pid)


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m course.checks.warm_server")
    parser.add_argument("--socket", help="listen at this path")
    parser.add_argument("--listen-fd", type=int, help="accept on this listening socket, passed by the client")
    parser.add_argument("--inner", help="listen here for the children's own fresh Pythons (@name: abstract)")
    parser.add_argument("--contained", action="store_true", help="a sandbox of its own: clean /tmp between runs")
    parser.add_argument("--keep", action="append", default=[], help="a folder bound into the sandbox (emptied)")
    parser.add_argument("modules", nargs="*", help="modules to import before serving")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    options = parse_options(argv)
    given = json.loads(sys.stdin.readline())  # the environment the client asked for; null: this one
    server = Server(options, dict(os.environ) if given is None else given)
    server.preload(options.modules)
    why = fork_safety(server.preload_warnings)
    if why:
        print(f"refused: {why}", flush=True)
        return 1
    guard_server()
    server.listen()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    gc.freeze()  # the preloaded objects stay shared with the children instead of being copied
    print("ready", json.dumps(server.env_additions), flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    try:
        server.serve()
    finally:
        for pid in list(server.children):
            kill_group(pid)
        if options.socket:  # its client's private folder goes too, even if the client was killed
            folder = os.path.dirname(options.socket)
            with contextlib.suppress(OSError):
                os.unlink(options.socket)
            if os.path.basename(folder).startswith("course-warm-"):
                shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
