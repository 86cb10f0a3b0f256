"""A deployment as a release job makes it, without a network: build the wheel, install it into a clean
environment, run and serve the installed package from a folder outside the source tree.

``build_wheel(project, into)`` builds offline (``pip wheel --no-build-isolation --no-index``: this
environment's setuptools). ``clean_environment(where)`` is the course's stand-in for a fresh server: a
new virtual environment without pip (its Python copied, not linked), whose site-packages holds nothing
of the project; a ``.pth`` file adds this environment's site-packages *after* its own, so the installed
wheel wins and the third-party libraries (pandas, FastAPI, ...) are found offline. The ``.pth`` files of
that folder are not run, so an editable install of the project there (``pip install -e .``) stays
invisible. ``install_wheel`` installs with this environment's pip (``pip --python``), without
dependencies or an index. ``installed_package`` reports, as plain data, where a package is imported from
in that environment (from a folder outside the source tree), its version and what its commands say;
``run_installed`` runs one command and ``serving_installed`` its service (in its own process group,
stopped with SIGTERM as a platform stops one, then killed if it lingers).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import sysconfig
import tempfile
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.checks.http_service import HOST, free_port, wait_until_listening

TIMEOUT = 300  # seconds for a build, an install or one command
START_TIMEOUT = 60  # seconds for the installed service to listen
PTH_NAME = "course-libraries.pth"


@dataclass
class _Started:
    """A Popen as ``course.checks.http_service.Running``."""

    process: subprocess.Popen[bytes]

    def ended(self) -> bool:
        return self.process.poll() is not None

    def exit_code(self) -> int | None:
        return self.process.returncode


class DeployError(Exception):
    """A build or an install failed; the message says which, with the tool's last words."""


def _tail(completed: subprocess.CompletedProcess[str], lines: int = 12) -> str:
    said = [line for line in (completed.stdout + completed.stderr).splitlines() if line.strip()]
    return "\n".join(said[-lines:]) or "(no output)"


def build_wheel(project: Path, into: Path) -> Path:
    """The wheel of the project in ``project``, built offline into ``into``; DeployError with pip's last lines."""
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    command += ["--no-cache-dir", "--wheel-dir", str(into), str(project)]
    built = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    wheels = sorted(Path(into).glob("*.whl"))
    if built.returncode != 0 or not wheels:
        raise DeployError(f"the wheel did not build (read pyproject.toml's [tool.setuptools] tables):\n{_tail(built)}")
    return wheels[-1]


def clean_environment(where: Path) -> Path:
    """A new virtual environment at ``where`` (its Python returned) that sees this environment's libraries."""
    # Copies, not links to this Python: the environment lies in a learner's folder, and a tool that walks
    # the folder following links (nbgrader's autograde makes every file read-only) would change the
    # machine's interpreter through a link.
    venv.EnvBuilder(clear=True, with_pip=False, symlinks=False).create(where)
    python = Path(where).resolve() / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    )
    if own.returncode != 0 or not own.stdout.strip():
        raise DeployError(f"the new environment's Python at {python} did not start:\n{_tail(own)}")
    libraries = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(own.stdout.strip()) / PTH_NAME).write_text("".join(f"{folder}\n" for folder in sorted(libraries)))
    return python


def install_wheel(python: Path, wheel: Path) -> None:
    """Install ``wheel`` into the environment of ``python``: no dependencies, no index, no cache."""
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index"]
    installed = subprocess.run(
        [*command, "--no-cache-dir", str(wheel)], capture_output=True, text=True, timeout=TIMEOUT
    )
    if installed.returncode != 0:
        raise DeployError(f"{Path(wheel).name} did not install:\n{_tail(installed)}")


def _installed_env(python: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a server gives a command: its environment's scripts on PATH, no PYTHONPATH, the settings given."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    inherited["PATH"] = str(Path(python).parent) + os.pathsep + inherited.get("PATH", "")
    return {**inherited, **(extra or {})}


def run_installed(
    python: Path, arguments: list[str], cwd: Path, script: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGUMENTS`` in ``cwd``, with the environment a server gives it; when ``script`` names a console
    script the environment has and ``arguments`` start with ``-m MODULE``, that script with the rest instead.
    A timeout is an exit code of -1."""
    command = [str(python), *arguments]
    installed_script = Path(python).parent / (script or "")
    if script and installed_script.is_file() and arguments[:1] == ["-m"]:
        command = [str(installed_script), *arguments[2:]]
    try:
        return subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=_installed_env(python, env)
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, -1, "", f"still running after {TIMEOUT} s")


# Run by the installed environment's Python: where NAME comes from, its version, its console scripts.
_WHERE = """
import importlib, importlib.metadata, json, sys
name, distribution = sys.argv[1], sys.argv[2]
found = {"imported_from": None, "version": None, "error": None, "scripts": []}
try:
    module = importlib.import_module(name)
    found["imported_from"], found["version"] = module.__file__, getattr(module, "__version__", None)
except Exception as error:
    found["error"] = f"{type(error).__name__}: {error}"
try:
    points = importlib.metadata.distribution(distribution).entry_points
    found["scripts"] = sorted(point.name for point in points if point.group == "console_scripts")
except importlib.metadata.PackageNotFoundError:
    pass
print(json.dumps(found))
"""


def _said(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    return {"exit_code": completed.returncode, "output": (completed.stdout + completed.stderr)[-3000:]}


def _script_help(python: Path, name: str, script: str, cwd: Path) -> dict[str, Any]:
    if not (Path(python).parent / script).is_file():  # declared, but pip did not write it
        return {"exit_code": None, "output": f"{script} is not in {Path(python).parent}"}
    return _said(run_installed(python, ["-m", name, "--help"], cwd, script=script))


def installed_package(python: Path, name: str, cwd: Path, distribution: str | None = None) -> dict[str, Any]:
    """As plain data, what ``python``'s environment has of package ``name``, run in ``cwd`` (outside the
    source tree): the file it is imported from (or the import's error), its ``__version__``, what
    ``python -m NAME --help`` says, and what each console script of its distribution says to ``--help``."""
    asked = run_installed(python, ["-c", _WHERE, name, distribution or name], cwd)
    try:
        found: dict[str, Any] = json.loads(asked.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        found = {"imported_from": None, "version": None, "error": _tail(asked), "scripts": []}
    found["module_help"] = _said(run_installed(python, ["-m", name, "--help"], cwd))
    found["scripts"] = {script: _script_help(python, name, script, cwd) for script in found["scripts"]}
    return found


@contextlib.contextmanager
def serving_installed(python: Path, factory: str, cwd: Path, env: dict[str, str]) -> Iterator[int]:
    """The local port where uvicorn, from ``python``'s environment, serves ``factory``'s app; stopped on leaving."""
    port = free_port()
    command = [str(python), "-m", "uvicorn", "--factory", factory, "--host", HOST, "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command,
            cwd=cwd,
            env=_installed_env(python, env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: stopping it stops whatever it started
        )
        try:
            wait_until_listening(_Started(server), port, log, START_TIMEOUT)
            yield port
        finally:
            _stop(server)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (uvicorn finishes its requests and exits), SIGKILL after 10 s."""
    for stop, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, stop)
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
