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
"""

from __future__ import annotations

import hashlib
import json
import os
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


def install_course(python: Path, prefix: Path, wanted: dict) -> None:
    """pip-install the course (editable) into the environment of ``python``."""
    stamp = prefix / STAMP_NAME
    extras = set(wanted["extras"])
    if stamp.exists():  # keep extras installed earlier, so start/test do not flip-flop
        try:
            extras |= set(json.loads(stamp.read_text()).get("extras", []))
        except ValueError:
            pass
    target = str(REPO_DIR) + (f"[{','.join(sorted(extras))}]" if extras else "")
    print(f"course: installing the course into {prefix} (first run takes a minute or two)...", flush=True)
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target]
    result = subprocess.run(command)
    if result.returncode != 0:
        sys.exit(
            "course: installing the course failed (see pip's message above).\n"
            "  Check your network connection to PyPI, then run the same command again."
        )
    stamp.write_text(json.dumps({**wanted, "extras": sorted(extras)}, indent=1))


def ensure_environment(args: list[str]) -> None:
    """Make sure the course is installed, re-running in ``.venv`` when needed."""
    if os.environ.get("COURSE_NO_BOOTSTRAP") or only_asks_for_help(args):
        return
    wanted = wanted_install(args)
    if in_virtual_environment():
        prefix = Path(sys.prefix)
        if not install_is_current(prefix, wanted):
            install_course(Path(sys.executable), prefix, wanted)
        return
    python = venv_python(VENV_DIR)
    if not python.exists():
        print(f"course: creating the course environment in {VENV_DIR}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV_DIR)
    if not install_is_current(VENV_DIR, wanted):
        install_course(python, VENV_DIR, wanted)
    result = subprocess.run([str(python), "-m", "course", *args])
    sys.exit(result.returncode)
