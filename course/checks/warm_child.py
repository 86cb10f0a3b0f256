"""Become ``python [-IEsPBu] -c CODE | -m MODULE [ARGS]`` in a process forked from the warm server.

``course.checks.warm_server`` forks a child per request; the child calls ``become``,
which sets up what a new Python would have and runs the command, then exits with
the code a new Python would exit with:

* ``sys.argv``, a new ``__main__`` module, ``sys.orig_argv``;
* ``sys.path``: the server's (the interpreter's own and ``PYTHONPATH``'s, without
  the server's folder), with the working folder put first for
  ``-m`` (its full path) and ``""`` for ``-c``, unless ``-I``, ``-P`` or
  ``PYTHONSAFEPATH`` keep it out; the import system's caches are invalidated;
* ``os.environ`` replaced by the request's environment (``TZ`` re-read, the
  temporary folder re-read, ``sys.dont_write_bytecode`` from ``-B`` or
  ``PYTHONDONTWRITEBYTECODE``, ``-u``/``PYTHONUNBUFFERED`` honoured);
* the random generators re-seeded (``random`` does it itself after a fork; NumPy's
  global generator does not, so the child re-seeds it from the OS): an unseeded
  model is as random as in a new Python;
* at the end, as a new Python finishes: an uncaught exception printed with its
  traceback (exit code 1), ``SystemExit`` turned into its code, non-daemon threads
  waited for, ``atexit`` functions run, the streams flushed.

What the child cannot undo is refused before the fork (``refusal``), and the
caller then starts a cold Python instead: a flag other than ``-IEsPBu``, a
script path, a ``PYTHON*`` variable other than the three above (``PYTHONHASHSEED``,
``PYTHONWARNINGS``...), a ``PYTHONPATH`` other than the server's, a start-up variable (locale, thread
counts, library settings read at import) that differs from the server's, a
working folder that holds a module named like one the server has imported (a
``logging.py`` or a ``pandas/`` would shadow it in a new Python, not here).
``sys.flags`` is a look-alike of the real one (a named tuple) with the command's
options. Known differences stay, all from the server having imported its preloads: string
hashes use the server's random seed (one per server; a request that sets ``PYTHONHASHSEED``
runs cold), and what the preloaded libraries set when imported (scikit-learn's ``KMP_*``
variables, numpy's and IPython's warning filters) is there even in a child that does not
import them; a child that imports them is as a new Python would be (tests/checks/test_warm.py).
"""

from __future__ import annotations

import builtins
import importlib
import importlib.machinery
import io
import os
import signal
import sys
import tempfile
import time
import types
from dataclasses import dataclass

FLAGS = frozenset("IEsPBu")
HONOURED = frozenset({"PYTHONDONTWRITEBYTECODE", "PYTHONSAFEPATH", "PYTHONUNBUFFERED"})
PATH = "PYTHONPATH"  # the server starts with its client's (in its own os.environ): a request must have the same
# Variables read when the interpreter or a preloaded library starts: a request must match the server on them.
STARTUP_PREFIXES = (
    "LANG",
    "LC_",
    "OMP_",
    "OPENBLAS_",
    "MKL_",
    "KMP_",
    "GOTO_",
    "BLIS_",
    "NUMEXPR_",
    "SKLEARN_",
    "JOBLIB_",
    "LOKY_",
    "PANDAS_",
    "NUMPY_",
    "MPL",
    "PYDEVD_",
)
MODULE_SUFFIXES = tuple(importlib.machinery.all_suffixes())


class Unsupported(ValueError):
    """A command line the warm server cannot run as a new Python would."""


@dataclass(frozen=True)
class Command:
    """A parsed ``python`` command line: ``mode`` is ``-c`` or ``-m``."""

    mode: str
    target: str
    args: tuple[str, ...]
    flags: frozenset[str]

    def ignores_environment(self) -> bool:
        return bool({"I", "E"} & self.flags)

    def safe_path(self, env: dict[str, str]) -> bool:
        return bool({"I", "P"} & self.flags) or (not self.ignores_environment() and bool(env.get("PYTHONSAFEPATH")))


def parse(arguments: list[str]) -> Command:
    """The command in ``arguments`` (what follows the interpreter's path); ``Unsupported`` if it is not one."""
    flags: set[str] = set()
    for index, argument in enumerate(arguments):
        if not argument.startswith("-") or argument.startswith("--") or argument == "-":
            raise Unsupported(f"{argument!r}: only -c CODE and -m MODULE run warm")
        for position, letter in enumerate(argument[1:], start=1):
            if letter in "cm":
                rest = argument[position + 1 :]
                if rest:
                    return Command(f"-{letter}", rest, tuple(arguments[index + 1 :]), frozenset(flags))
                if index + 1 >= len(arguments):
                    raise Unsupported(f"-{letter} needs an argument")
                return Command(f"-{letter}", arguments[index + 1], tuple(arguments[index + 2 :]), frozenset(flags))
            if letter not in FLAGS:
                raise Unsupported(f"the flag -{letter} does not run warm")
            flags.add(letter)
    raise Unsupported("no -c or -m")


def refusal(
    command: Command,
    cwd: str,
    env: dict[str, str],
    server_env: dict[str, str],
    added: dict[str, str],
    shadowable: set[str],
) -> str:
    """Why ``command`` in ``cwd`` with ``env`` cannot run as a new Python would here; '' when it can.

    ``server_env`` is the environment the server started with, ``added`` what its start and its
    preloads added to it (a child of a child has those too).
    """
    if not os.path.isdir(cwd):
        return f"no folder {cwd}"
    if not command.ignores_environment():
        unhonoured = sorted(
            key for key, value in env.items() if key.startswith("PYTHON") and value and key not in HONOURED | {PATH}
        )
        if unhonoured:
            return f"{', '.join(unhonoured)} set"
    server_path = os.environ.get(PATH, "")  # what the server started with: on its sys.path
    if env.get(PATH, "") != server_path and not command.ignores_environment():
        return f"{PATH} differs from the warm server's"
    if server_path and command.ignores_environment():
        return f"the warm server's sys.path holds {PATH}, which -E and -I leave out"
    for key in sorted(set(env) | set(server_env)):
        if key.startswith(STARTUP_PREFIXES) and env.get(key) not in (
            server_env.get(key),
            added.get(key, server_env.get(key)),
        ):
            return f"{key} differs from the warm server's"
    if not command.safe_path(env):
        shadowed = sorted(shadowable & names_in(cwd))
        if shadowed:
            return f"{cwd} holds {', '.join(shadowed)}, which a new Python would import from there"
    return ""


def user_site_on_path() -> str:
    """The user's site-packages folder when this interpreter put it on ``sys.path`` (not in a virtual environment)."""
    import site

    return site.USER_SITE if site.ENABLE_USER_SITE and site.USER_SITE in sys.path else ""


def names_in(folder: str) -> set[str]:
    """The top-level module names a folder on ``sys.path`` would provide."""
    names: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return names
    for entry in entries:
        if entry.name.endswith(MODULE_SUFFIXES):
            names.add(entry.name.split(".", 1)[0])
        elif entry.is_dir() and os.path.exists(os.path.join(entry.path, "__init__.py")):
            names.add(entry.name)
    return names


def become(
    command: Command,
    cwd: str,
    env: dict[str, str],
    env_additions: dict[str, str],
    base_path: list[str],
) -> None:
    """Set up this forked process as a new Python running ``command`` in ``cwd``, run it, and exit."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    # what starting the interpreter and importing the preloads set, as a new Python that imports them has it
    for key, value in env_additions.items():
        os.environ.setdefault(key, value)
    if hasattr(time, "tzset"):
        time.tzset()
    tempfile.tempdir = None
    uses_env = not command.ignores_environment()
    sys.dont_write_bytecode = "B" in command.flags or (uses_env and bool(env.get("PYTHONDONTWRITEBYTECODE")))
    path = list(base_path)
    if not command.safe_path(env):
        path.insert(0, "" if command.mode == "-c" else os.getcwd())
    sys.path[:] = path
    importlib.invalidate_caches()
    sys.flags = _flags(command, env)
    if "u" in command.flags or (uses_env and env.get("PYTHONUNBUFFERED")):
        _unbuffered_streams()
    _reseed()
    main = types.ModuleType("__main__")
    main.__dict__.update(__builtins__=builtins, __loader__=importlib.machinery.BuiltinImporter, __annotations__={})
    sys.modules["__main__"] = main
    sys.orig_argv = [sys.executable, *([f"-{''.join(sorted(command.flags))}"] if command.flags else [])]
    sys.orig_argv += [command.mode, command.target, *command.args]
    sys.argv = [command.mode, *command.args]
    os._exit(_finish(_run(command, main)))


def _run(command: Command, main: types.ModuleType) -> int:
    """Run the command as a new Python's main module; the exit code it asked for."""
    try:
        if command.mode == "-c":
            exec(compile(command.target, "<string>", "exec"), main.__dict__)
        else:
            import runpy

            runpy._run_module_as_main(command.target, alter_argv=True)  # type: ignore[attr-defined]  # what -m runs
    except SystemExit as error:
        return _exit_code(error)
    except KeyboardInterrupt as error:
        _print_uncaught(error)
        return -signal.SIGINT
    except BaseException as error:
        _print_uncaught(error)
        return 1
    return 0


def _print_uncaught(error: BaseException) -> None:
    """The traceback a new Python prints, without this module's frame (its first)."""
    traceback = error.__traceback__.tb_next if error.__traceback__ else None
    sys.excepthook(type(error), error.with_traceback(traceback), traceback)


def _exit_code(error: SystemExit) -> int:
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def _finish(code: int) -> int:
    """What a new Python does after its main module: threads, atexit, flushing the streams."""
    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()  # waits for non-daemon threads, as a new Python does at its end
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            code = code or 120
    if code == -signal.SIGINT:  # a new Python dies of the signal after printing the traceback
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return code & 0xFF


def _flags(command: Command, env: dict[str, str]):
    """``sys.flags`` as a new Python with the command's options would show them (the server runs with none)."""
    import collections

    names = type(sys.flags).__match_args__
    values = {name: getattr(sys.flags, name) for name in names}
    values.update(
        isolated=int("I" in command.flags),
        ignore_environment=int(command.ignores_environment()),
        no_user_site=int(bool({"I", "s"} & command.flags)),
        safe_path=command.safe_path(env),
        dont_write_bytecode=int(sys.dont_write_bytecode),
    )
    return collections.namedtuple("flags", names)(**values)


def _unbuffered_streams() -> None:
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        stream = io.TextIOWrapper(
            io.FileIO(fd, "w", closefd=False), encoding=old.encoding, errors=old.errors, write_through=True
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _reseed() -> None:
    """Fresh seeds from the OS for the generators a fork would copy (``random`` re-seeds itself)."""
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()
