"""A deployment as a release job makes it, without a network: build the wheel, install it into a clean
environment, run and serve the installed package from a folder outside the source tree.

``build_wheel(project, into)`` builds offline (``pip wheel --no-build-isolation --no-index``: this
environment's setuptools). ``clean_environment(where)`` is the course's stand-in for a fresh server: a
new virtual environment without pip, whose site-packages holds nothing of the project; a ``.pth`` file
adds this environment's site-packages *after* its own, so the installed wheel wins and the
third-party libraries (pandas, FastAPI, ...) are found offline. The ``.pth`` files of that folder are
not run, so an editable install of the project there (``pip install -e .``) stays invisible.
``install_wheel`` installs with this environment's pip (``pip --python``), without dependencies or an
index. ``run_installed`` and ``serving_installed`` run the installed package's commands and service.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import sysconfig
import tempfile
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    venv.EnvBuilder(clear=True, with_pip=False, symlinks=os.name != "nt").create(where)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    )
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
    """``SCRIPT ARGS`` (the environment's console script, when ``script`` names one it has, with
    ``arguments`` after ``-m MODULE``) or else ``python ARGUMENTS``, in ``cwd``."""
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


@contextlib.contextmanager
def serving_installed(python: Path, factory: str, cwd: Path, env: dict[str, str]) -> Iterator[int]:
    """The local port where uvicorn, from ``python``'s environment, serves ``factory``'s app; stopped on leaving."""
    port = free_port()
    command = [str(python), "-m", "uvicorn", "--factory", factory, "--host", HOST, "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command, cwd=cwd, env=_installed_env(python, env), stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
        try:
            wait_until_listening(_Started(server), port, log, START_TIMEOUT)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
