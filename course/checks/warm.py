"""Fresh Pythons that start warm: ``python(arguments, ...)`` instead of ``subprocess.run([sys.executable, ...])``.

Checks run the learner's code in new Pythons (the package imported from disk, the command line,
the learner's tests on planted bugs) to see only what is on disk; a new Python that imports
pandas and scikit-learn costs seconds before the learner's code runs. So ``python`` asks this
process's *warm server* (``course.checks.warm_server``), which has imported ``PRELOAD`` and forks
a child per request; the child becomes the ``python -c``/``-m`` command as a new Python would
(``course.checks.warm_child``) and imports the learner's modules itself, from disk. The server
starts in the background at ``prestart()`` or at the first request; until it is ready, fresh
Pythons start cold. Results are ``subprocess.CompletedProcess`` as ``subprocess.run`` gives them,
``subprocess.TimeoutExpired`` at a timeout (the child's process group killed).

Fresh as a cold start (tests/checks/test_warm.py): the server never holds a learner's module,
whatever a child changes dies with it, and what a child could not run faithfully runs cold.
Cold also with ``COURSE_WARM=0``, off Linux (fork is unsafe on macOS, absent on Windows), or
when the server cannot start or dies: said once, on stdout (stderr would cost a graded cell its
points under nbgrader). A warm child's own fresh Pythons come from the same server (``inherit``),
so nested runs, such as a grader's after-run that starts the learner's command line, stay warm.
"""

from __future__ import annotations

import atexit
import locale
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from course.checks.warm_protocol import Child, Reader, Refused, ServerProcess, send_message
from course.core.protocol import under_nbgrader

WARM_ENV = "COURSE_WARM"  # "0": every fresh Python starts cold
PLATFORM = sys.platform  # only "linux" forks warm children
SCIENCE = ("numpy", "pandas", "sklearn.ensemble", "sklearn.model_selection", "sklearn.metrics", "sklearn.pipeline")
TOOLS = ("sklearn.preprocessing", "pytest", "ipykernel.kernelapp", "ipykernel.ipkernel")
PRELOAD = (*SCIENCE, *TOOLS, "course.checks.warm_child", "course.checks.warm")  # what the server imports first
START_TIMEOUT = 120  # seconds a server may take to import PRELOAD
ANSWER_GRACE = 30  # seconds past a request's timeout before its server counts as dead
log = logging.getLogger(__name__)
counts: Counter[str] = Counter()  # "warm" / "cold" runs (and "asked" for a server) of this process
_inherited: str | None = None
_servers: dict[tuple, ServerProcess] = {}
_announced: set[str] = set()
_unavailable: dict[tuple, str] = {}  # signature -> why its server could not start
_lock = threading.Lock()
_allowed = False  # prestart() or wait_ready() was called: this process may start a server


def inherit(socket_path: str) -> None:
    """Called in a warm child: its own fresh Pythons come from the server that forked it."""
    global _inherited
    _inherited = socket_path
    _servers.clear()
    counts.clear()


def why_cold() -> str:
    """'' when fresh Pythons may start warm here; otherwise why not."""
    if os.environ.get(WARM_ENV, "1").strip() in ("0", "false", "no", "off"):
        return f"{WARM_ENV}=0"
    if PLATFORM != "linux":
        return f"fork is not safe on {PLATFORM}: fresh Pythons start cold"
    return ""


def python(
    arguments: list[str],
    cwd: str | Path = ".",
    env: dict | None = None,
    timeout: float | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess:
    """``python <arguments>`` in ``cwd``, as ``subprocess.run(..., capture_output=True, text=True)`` would run it.

    ``env`` is the whole environment (default: this process's). stdin is ``input``, or empty.
    Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds, the child and its group killed.
    """
    arguments = [str(argument) for argument in arguments]
    env = {str(key): str(value) for key, value in (os.environ if env is None else env).items()}
    why = why_cold()
    if not why:
        try:
            completed = _warm(arguments, os.path.abspath(cwd), env, timeout, input)
            counts["warm"] += 1
            return completed
        except Refused as refusal:
            log.info("a fresh Python starts cold: %s", refusal)
    elif not why.startswith(WARM_ENV):
        _announce(why)
    counts["cold"] += 1
    return cold(arguments, cwd, env, timeout, input)


def cold(arguments: list[str], cwd, env: dict, timeout: float | None, input: str | None) -> subprocess.CompletedProcess:
    """The same command in a new Python, started cold."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=env,
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def server_socket(env: dict) -> str:
    """The socket of the warm server for ``env``: the one this process came from, or its own; ``Refused``.

    A process starts a server of its own only if it is a kernel (it lives long and runs checks
    again and again) or was asked to (``prestart``, ``wait_ready``): a short-lived process would
    not repay it. A kernel under nbgrader runs each check once: it starts one at its second
    fresh Python, not its first (a notebook that needs one fresh Python pays no server).
    """
    if _inherited:
        return _inherited
    counts["asked"] += 1
    if not (_allowed or (_in_a_kernel() and counts["asked"] >= (2 if under_nbgrader() else 1))):
        raise Refused("no warm server in this process (a kernel, prestart() or wait_ready() starts one)")
    return _server_for(env)


def inherited() -> bool:
    """Whether this process is a warm child, with its server's children to ask for."""
    return _inherited is not None


def _in_a_kernel() -> bool:
    app = sys.modules.get("ipykernel.kernelapp")
    return bool(app is not None and app.IPKernelApp.initialized())


def spawn(arguments: list[str], cwd: str, env: dict, fds: list[int], timeout: float | None = None) -> Child:
    """Ask the warm server for ``python <arguments>`` with ``fds`` as its stdin, stdout and stderr.

    ``Refused`` when it cannot be run warm (the caller then starts it cold).
    """
    socket_path = server_socket(env)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(socket_path)
        send_message(conn, {"arguments": arguments, "cwd": cwd, "env": env, "timeout": timeout}, fds)
        conn.settimeout(START_TIMEOUT)
        reader = Reader(conn)
        started, _ = reader.receive()
    except (OSError, ValueError) as error:  # no server, or it died: this run and the next start cold
        conn.close()
        _forget(socket_path, f"the warm server stopped answering ({type(error).__name__})")
        raise Refused("no warm server") from None
    if started is None or "pid" not in started:
        conn.close()
        if started is None:
            _forget(socket_path, "the warm server hung up")
        raise Refused(str((started or {}).get("refused", "no warm server")))
    return Child(conn, reader, int(started["pid"]), lambda: _forget(socket_path, "the warm server hung up"))


def _warm(arguments: list[str], cwd: str, env: dict, timeout: float | None, input: str | None):
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        if input is not None:
            stdin.write(input.encode(locale.getpreferredencoding(False)))
            stdin.seek(0)
        child = spawn(arguments, cwd, env, [stdin.fileno(), stdout.fileno(), stderr.fileno()], timeout)
        code, timed_out = child.wait(None if timeout is None else timeout + ANSWER_GRACE)
        out, err = _text(stdout), _text(stderr)
    command = [sys.executable, *arguments]
    if timed_out:
        raise subprocess.TimeoutExpired(command, timeout or 0, output=out, stderr=err)
    return subprocess.CompletedProcess(command, code, out, err)


def _text(handle) -> str:
    """What a child wrote, decoded as ``subprocess.run(text=True)`` decodes it."""
    handle.seek(0)
    data = handle.read().decode(locale.getpreferredencoding(False), errors="strict")
    return data.replace("\r\n", "\n").replace("\r", "\n")


def _signature(env: dict) -> tuple:
    """What a server's children share with it: ``PYTHONPATH`` and the start-up variables of ``STARTUP_PREFIXES``."""
    from course.checks.warm_child import STARTUP_PREFIXES

    return tuple(sorted((k, v) for k, v in env.items() if k.startswith(STARTUP_PREFIXES) or k == "PYTHONPATH"))


STARTING, READY, WAIT = "starting", "ready", "wait"  # what ``_server_for`` waits for


def _server_for(env: dict, until: str = READY) -> str:
    """The socket of this process's server for ``env``'s start-up variables, started if needed.

    ``until``: STARTING returns at once; READY raises ``Refused`` while the server is still
    importing (that fresh Python starts cold, the server goes on starting); WAIT waits for it.
    A server that could not start is not tried again by this process.
    """
    key = _signature(env)
    with _lock:
        if key in _unavailable:
            raise Refused(_unavailable[key])
        server = _servers.get(key) or next((each for each in _servers.values() if each.may_serve(env)), None)
        if server is not None and not server.alive() and server.ready:  # it served, then ended
            if server.process.returncode != 0:
                _announce(f"the warm server ended with exit code {server.process.returncode}; a new one starts")
            server.stop()
            server = None
        if server is None:
            try:
                server = ServerProcess(env, PRELOAD, START_TIMEOUT)
            except OSError as error:
                server = None
                why = f"the warm server could not start ({error}): fresh Pythons start cold"
        if server is not None:
            key = next((known for known, each in _servers.items() if each is server), key)
            _servers[key] = server
            try:
                if until == STARTING or server.wait_ready(None if until == WAIT else 0):
                    return server.socket_path
            except RuntimeError as error:
                del _servers[key]
                why = f"the warm server will not serve ({error}): fresh Pythons start cold"
            else:
                raise Refused("the warm server is still starting")
        _unavailable[key] = why
        _announce(why)
        raise Refused(why)


def prestart(env: dict | None = None) -> None:
    """Start this process's warm server in the background now, so that the first fresh Python finds it ready.

    (Otherwise the first fresh Python starts it, and starts cold itself.)
    """
    global _allowed
    if not why_cold() and not _inherited:  # a warm child asks the server that forked it
        _allowed = True
        try:
            _server_for(dict(os.environ if env is None else env), until=STARTING)
        except Refused:
            pass


def wait_ready(env: dict | None = None) -> bool:
    """Start the server if needed and wait until it serves; False if it will not (for tests and benchmarks)."""
    global _allowed
    _allowed = True
    try:
        _server_for(dict(os.environ if env is None else env), until=WAIT)
        return True
    except Refused:
        return False


def _forget(socket_path: str, why: str) -> None:
    _announce(f"{why}: the next fresh Python starts a new one")
    with _lock:
        for key, server in list(_servers.items()):
            if server.socket_path == socket_path:
                server.stop()
                del _servers[key]


def _announce(why: str) -> None:
    """Say once per process why fresh Pythons start cold (stdout: stderr would fail a graded cell)."""
    log.warning("%s", why)
    if why not in _announced:
        _announced.add(why)
        print(f"[course] {why}", flush=True)


def status() -> dict:
    """The server's process id, the modules it has imported and its preload warnings (for tests)."""
    socket_path = _inherited or _server_for(dict(os.environ), until=WAIT)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(socket_path)
        send_message(conn, {"status": True})
        answer, _ = Reader(conn).receive()
    return (answer or {}).get("status", {})


def stop_servers() -> None:
    """Stop every server this process started (also done at exit)."""
    with _lock:
        for server in _servers.values():
            server.stop()
        _servers.clear()


atexit.register(stop_servers)
