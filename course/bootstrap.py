"""Create and refresh the course's virtual environment (standard library only).

The README's two commands are ``python3 -m course start`` and
``python3 -m course test``. Both arrive here first:

* outside any virtual environment, we create ``<repo>/.venv``, install the
  course into it (with the ``dev`` extra for ``test``) and re-run the same
  command with the environment's Python;
* inside a virtual environment (ours or the user's own), we install or refresh
  the course there when ``pyproject.toml`` changed since the last install.

An install stamp in the environment records what was installed, so the
second run starts at once. ``--help``, ``-h`` and ``--version`` (also after a
command: ``course check --help``) install nothing: the command-line parser
uses the standard library only, so any Python answers them at once.

The installer is uv when ``uv`` is on PATH, pip otherwise; ``COURSE_INSTALLER=uv``
or ``=pip`` forces one. uv creates the environment with ``uv venv --seed`` so that
pip is inside it: learners, the notebooks and ``course doctor`` use
``python -m pip install -e .``. When uv fails (an old uv, or a package index set
only in pip.conf, which uv does not read), pip does the same install and
nothing is lost. For a learner, neither compiles bytecode ahead of time (pip
gets ``--no-compile``): Python writes ``__pycache__`` for the modules it imports,
about 45 MB, instead of 180 MB for every module, and pip's install took 24 s
less (55.7 s against 31.5 s, side by side on 2 cores). With the ``dev`` extra
both compile ahead: the test suite starts hundreds of fresh Pythons, and where
PYTHONDONTWRITEBYTECODE is set (as on the course's own machines) each would
compile pandas again (importing JupyterLab, pandas and scikit-learn: 11 s
instead of 4.5 s). site/reference/self-paced.md
has the first-start times and sizes (``python -m course.authoring.bench_start``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from course import REPO_DIR

VENV_DIR = REPO_DIR / ".venv"
STAMP_NAME = ".prototype-to-production-install.json"
# Commands that need the test tools as well as the course itself.
DEV_COMMANDS = {"test", "bench", "gates", "site"}


HELP_FLAGS = {"-h", "--help", "--version"}
# Names the installer to use ("uv" or "pip"); unset: uv when it is on PATH.
INSTALLER_VARIABLE = "COURSE_INSTALLER"


def only_asks_for_help(args: list[str]) -> bool:
    """True when ``args`` only ask for help or the version, which needs nothing installed.

    Like ``course.cli.app.main``: after ``test`` every argument goes to pytest, so only
    ``course test -h`` / ``course test --help`` is the course's own help there; ``--``
    ends the options.
    """
    if args[:1] == ["test"]:
        return bool(set(args[1:2]) & {"-h", "--help"})
    options = args[: args.index("--")] if "--" in args else args
    return bool(set(options) & HELP_FLAGS)


def in_virtual_environment() -> bool:
    """True when this interpreter runs inside a virtual environment."""
    return sys.prefix != sys.base_prefix


def venv_python(venv_dir: Path) -> Path:
    """The Python executable of a virtual environment, on any platform."""
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def wanted_install(args: list[str]) -> dict:
    """What the command in ``args`` needs installed: a pyproject hash and extras."""
    pyproject = (REPO_DIR / "pyproject.toml").read_bytes()
    extras = ["dev"] if args and args[0] in DEV_COMMANDS else []
    return {"pyproject_sha256": hashlib.sha256(pyproject).hexdigest(), "extras": extras}


def install_is_current(prefix: Path, wanted: dict) -> bool:
    """True when the stamp in ``prefix`` covers what ``wanted`` asks for."""
    stamp = prefix / STAMP_NAME
    if not stamp.exists():
        return False
    try:
        have = json.loads(stamp.read_text())
    except ValueError:
        return False
    return have.get("pyproject_sha256") == wanted["pyproject_sha256"] and set(wanted["extras"]) <= set(
        have.get("extras", [])
    )


def choose_installer() -> tuple[str, str]:
    """("uv" or "pip", why): what COURSE_INSTALLER asks for, else uv when it is on PATH."""
    forced = os.environ.get(INSTALLER_VARIABLE, "").strip().lower()
    if forced not in ("", "uv", "pip"):
        sys.exit(f"course: {INSTALLER_VARIABLE} must be 'uv' or 'pip' (or unset), not {forced!r}")
    if forced == "pip":
        return "pip", f"{INSTALLER_VARIABLE}=pip"
    if shutil.which("uv"):
        return "uv", f"{INSTALLER_VARIABLE}=uv" if forced else f"found on PATH; {INSTALLER_VARIABLE}=pip uses pip"
    if forced:
        return "pip", f"{INSTALLER_VARIABLE}=uv, but there is no uv on PATH"
    return "pip", "no uv on PATH; with uv the first start is faster"


def uv_venv_command(venv_dir: Path) -> list[str]:
    """uv's command for the course environment: this Python, with pip inside (``--seed``)."""
    return [shutil.which("uv") or "uv", "venv", "--seed", "--quiet", "--python", sys.executable, str(venv_dir)]


def install_command(installer: str, python: Path, target: str, bytecode: bool = False) -> list[str]:
    """The command that installs ``target`` (editable) into the environment of ``python``.

    ``bytecode``: compile every module ahead of time (the test suite's hundreds of fresh Pythons pay for it once).
    """
    if installer == "uv":
        command = [shutil.which("uv") or "uv", "pip", "install", "--quiet", "--python", str(python)]
        return command + (["--compile-bytecode"] if bytecode else []) + ["--editable", target]
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    return command + ([] if bytecode else ["--no-compile"]) + ["-q", "-e", target]


def succeeded(command: list[str]) -> bool:
    """Run ``command``; True when it exits 0 (a missing program is a failure, not a crash)."""
    try:
        return subprocess.run(command).returncode == 0
    except OSError:
        return False


def create_environment(venv_dir: Path, installer: str) -> str:
    """Create the course environment with ``installer``; return the installer that made it."""
    print(f"course: creating the course environment in {venv_dir}", flush=True)
    if installer == "uv":
        if succeeded(uv_venv_command(venv_dir)):
            return "uv"
        print("course: uv could not create the environment (see above); using Python's venv instead", flush=True)
    venv.EnvBuilder(with_pip=True).create(venv_dir)
    return "pip"


def install_course(python: Path, prefix: Path, wanted: dict, installer: str = "pip") -> None:
    """Install the course (editable) into the environment of ``python``; uv falls back to pip."""
    stamp = prefix / STAMP_NAME
    extras = set(wanted["extras"])
    if stamp.exists():  # keep extras installed earlier, so start/test do not flip-flop
        try:
            extras |= set(json.loads(stamp.read_text()).get("extras", []))
        except ValueError:
            pass
    target = str(REPO_DIR) + (f"[{','.join(sorted(extras))}]" if extras else "")
    pace = "under a minute" if installer == "uv" else "a minute or two"
    print(f"course: installing the course into {prefix} with {installer} (first run takes {pace})...", flush=True)
    bytecode = "dev" in extras
    if installer == "uv" and not succeeded(install_command("uv", python, target, bytecode)):
        print("course: uv could not install the course (see above); installing with pip instead", flush=True)
        installer = "pip"
    if installer == "pip" and not succeeded(install_command("pip", python, target, bytecode)):
        sys.exit(
            "course: installing the course failed (see pip's message above).\n"
            "  Check your network connection to PyPI, then run the same command again."
        )
    stamp.write_text(json.dumps({**wanted, "extras": sorted(extras), "installer": installer}, indent=1))


def ensure_environment(args: list[str]) -> None:
    """Make sure the course is installed, re-running in ``.venv`` when needed."""
    if os.environ.get("COURSE_NO_BOOTSTRAP") or only_asks_for_help(args):
        return
    wanted = wanted_install(args)
    if in_virtual_environment():
        prefix = Path(sys.prefix)
        if not install_is_current(prefix, wanted):
            install_course(Path(sys.executable), prefix, wanted, announce_installer())
        return
    python = venv_python(VENV_DIR)
    if not python.exists() or not install_is_current(VENV_DIR, wanted):
        installer = announce_installer()
        if not python.exists():
            installer = create_environment(VENV_DIR, installer)
        install_course(python, VENV_DIR, wanted, installer)
    result = subprocess.run([str(python), "-m", "course", *args])
    sys.exit(result.returncode)


def announce_installer() -> str:
    """Choose the installer and say which, and why."""
    installer, why = choose_installer()
    print(f"course: installer: {installer} ({why})", flush=True)
    return installer
