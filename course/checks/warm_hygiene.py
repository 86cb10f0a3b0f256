"""What the warm server holds, what keeps it safe to fork from, and each run as clean as a new sandbox's.

* ``preload``: the libraries it imports (pytest's installed plugins through pytest's own
  assertion rewriter, as a pytest run imports them).
* ``fork_safety``: the server forks only with one Python thread, no ZMQ context, and only
  modules from the installation (never a learner's: ``modules_outside_install`` must be empty).
* ``guard_server``: the server is not dumpable (a learner's code running as the same user
  cannot ptrace it or read its memory through ``/proc``) and it is a *subreaper*: whatever a
  child leaves running, even in a new session, is re-parented to the server, which can
  end it. ``as_child`` makes a forked child dumpable again, as a new process is.
* ``clean_between_runs`` (the grader's after-runs, one server per notebook in its sandbox):
  every process the last run left is killed, and in a sandbox of its own the server empties
  what the sandbox shares between runs: ``/tmp`` (home included) but the folders the grader
  bound into it, which it empties too, ``/dev/shm`` and the System V IPC objects. The next
  run then starts from what a new sandbox would hold.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36


def install_dirs() -> list[str]:
    """Folders a preloaded module may come from: the interpreter, its packages, the course package."""
    import site
    import sysconfig

    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    folders |= {sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    folders.add(str(Path(__file__).resolve().parents[1]))
    return sorted({os.path.realpath(folder) for folder in folders if folder})


def modules_outside_install() -> list[str]:
    """Modules this process imported from anywhere but ``install_dirs`` (a learner's folder): must be none."""
    allowed = tuple(folder.rstrip(os.sep) + os.sep for folder in install_dirs())
    outside = []
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if origin and not os.path.realpath(origin).startswith(allowed):
            outside.append(name)
    return sorted(outside)


def fork_safety(preload_warnings: tuple[str, ...] | list[str] = ()) -> str:
    """'' when forking this process is safe and faithful; otherwise why not.

    ``preload_warnings``: warnings the preloads showed; a child would not show them again, a new Python would.
    """
    if preload_warnings:
        return f"the preloaded libraries warned: {preload_warnings[0]}"
    if sys.platform != "linux":
        return f"fork is not safe on {sys.platform}"
    if threading.active_count() != 1:
        return f"{threading.active_count()} Python threads run in the server"
    zmq = sys.modules.get("zmq")
    if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
        return "a ZMQ context exists in the server"
    outside = modules_outside_install()
    if outside:
        return f"the server imported modules from outside the installation: {', '.join(outside[:5])}"
    return ""


def preload(modules: list[str]) -> list[str]:
    """Import ``modules`` into the server as a new Python's main module would; the warnings that showed.

    Each import runs in a namespace named ``__main__``, so a warning aimed at the importer shows
    as it would in a new Python; the warning filters libraries add when imported stay in place.
    No bytecode is written into the installation.
    """
    import warnings

    sys.dont_write_bytecode = True
    shown: list[str] = []
    original = warnings.showwarning

    def record(message, category, filename, lineno, file=None, line=None) -> None:
        shown.append(f"{category.__name__}: {message} ({filename}:{lineno})")

    warnings.showwarning = record
    try:
        for name in modules:
            try:
                exec(f"import {name}", {"__name__": "__main__"})
            except ImportError:
                pass  # a library this environment lacks: its children import it (or fail) themselves
        if "pytest" in sys.modules:
            _load_pytest_plugins()
    finally:
        warnings.showwarning = original
    return shown


def _load_pytest_plugins() -> None:
    """Import pytest's installed plugins (entry points) as a pytest run does: through its assertion rewriter.

    A child's pytest then finds them imported, and rewritten as it would have rewritten them itself
    (it warns about a plugin imported any other way): it skips seconds of entry-point imports.
    """
    import pytest

    here = os.getcwd()  # the server's own empty folder: nothing to collect, no configuration file
    arguments = ["-q", "--collect-only", "-p", "no:cacheprovider", "--noconftest", "-c", os.devnull, "--rootdir", here]
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), contextlib.redirect_stderr(devnull):
        pytest.main([*arguments, here])


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}, {value}) failed")


def guard_server() -> None:
    """Not dumpable (no ptrace, no /proc/PID/mem for its own user), and the subreaper of what its children leave."""
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def as_child() -> None:
    """Undo ``guard_server`` in a forked child: a new process is dumpable and reaps nobody's orphans."""
    _prctl(PR_SET_CHILD_SUBREAPER, 0)
    _prctl(PR_SET_DUMPABLE, 1)


def kill_group(pid: int) -> None:
    """SIGKILL the process group ``pid`` leads (a child of the server and what it started in its session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def signal_child(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except (ProcessLookupError, PermissionError, ValueError):
        pass


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (its children, theirs, ...), from /proc."""
    found: list[int] = []
    waiting = [pid]
    while waiting:
        parent = waiting.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            for child in children:
                if child not in found:
                    found.append(child)
                    waiting.append(child)
    return found


def kill_descendants(rounds: int = 20) -> int:
    """SIGKILL every process below this one, until none is left (a fork loop gets several rounds); how many."""
    killed = 0
    for _ in range(rounds):
        left = descendants(os.getpid())
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        _reap_all()
    return killed


def _reap_all() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def empty(folder: str) -> None:
    """Remove what ``folder`` holds (not the folder), never following a link, never crossing into a mount."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False) and not os.path.ismount(entry.path):
                shutil.rmtree(entry.path, ignore_errors=True)
            elif not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            pass


def clean_between_runs(contained: bool, bound: list[str]) -> int:
    """Kill what the last run left running; in a sandbox of its own, empty what runs would share. Processes killed."""
    killed = kill_descendants()
    if contained:
        for folder in bound:
            empty(folder)
        kept = {os.path.realpath(folder) for folder in bound}
        for entry in list(os.scandir("/tmp")) if os.path.isdir("/tmp") else []:
            path = os.path.realpath(entry.path)
            if path in kept or any(folder.startswith(path + os.sep) for folder in kept):
                continue  # a bound folder (emptied above), or a folder above one
            if entry.name == "home" and entry.is_dir(follow_symlinks=False):
                empty(entry.path)  # the sandbox's HOME: bwrap made it, its content is the runs'
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass
        empty("/dev/shm")
        if shutil.which("ipcrm"):
            subprocess.run(["ipcrm", "--all"], capture_output=True, timeout=30)
    return killed
