"""course.bootstrap, the first thing every learner runs: install once, then start at once; never install twice.

Nothing is really installed here: ``install_course`` and ``subprocess.run`` are replaced, or the
installers are fake ``uv`` and ``python`` scripts (real processes) that record their arguments.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from course import bootstrap


@pytest.fixture(autouse=True)
def own_repository(monkeypatch, tmp_path_factory):
    """A pyproject.toml of our own, so an edit to the real one during the run changes nothing here."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "pyproject.toml").write_text('[project]\nname = "course"\n')
    monkeypatch.setattr(bootstrap, "REPO_DIR", repo)


def pyproject_sha() -> str:
    return hashlib.sha256((bootstrap.REPO_DIR / "pyproject.toml").read_bytes()).hexdigest()


def stamp(prefix: Path, **fields) -> None:
    (prefix / bootstrap.STAMP_NAME).write_text(json.dumps(fields))


def test_wanted_install_hashes_pyproject_and_asks_dev_tools_only_for_dev_commands():
    assert bootstrap.wanted_install(["start"]) == {"pyproject_sha256": pyproject_sha(), "extras": []}
    assert bootstrap.wanted_install([]) == {"pyproject_sha256": pyproject_sha(), "extras": []}
    assert bootstrap.wanted_install(["test", "--fast"])["extras"] == ["dev"]
    assert bootstrap.wanted_install(["bench"])["extras"] == ["dev"]
    assert bootstrap.wanted_install(["check", "test"])["extras"] == []  # only the command counts


def test_a_stamp_covers_the_same_pyproject_and_at_least_the_extras(tmp_path):
    wanted = {"pyproject_sha256": pyproject_sha(), "extras": ["dev"]}
    stamp(tmp_path, pyproject_sha256=pyproject_sha(), extras=["dev"])
    assert bootstrap.install_is_current(tmp_path, wanted)
    assert bootstrap.install_is_current(tmp_path, {**wanted, "extras": []})  # more installed than asked is fine
    stamp(tmp_path, pyproject_sha256=pyproject_sha(), extras=[])
    assert not bootstrap.install_is_current(tmp_path, wanted)  # `course test` after `course start`: install dev
    stamp(tmp_path, pyproject_sha256="0" * 64, extras=["dev"])
    assert not bootstrap.install_is_current(tmp_path, wanted)  # pyproject.toml changed since


def test_a_missing_or_corrupt_stamp_means_install_again(tmp_path):
    wanted = {"pyproject_sha256": pyproject_sha(), "extras": []}
    assert not bootstrap.install_is_current(tmp_path, wanted)
    (tmp_path / bootstrap.STAMP_NAME).write_text('{"pyproject_sha256": "half writ')
    assert not bootstrap.install_is_current(tmp_path, wanted)


@pytest.mark.parametrize("os_name, expected", [("posix", "bin/python"), ("nt", "Scripts/python.exe")])
def test_venv_python_is_where_venv_puts_it(monkeypatch, tmp_path, os_name, expected):
    monkeypatch.setattr(bootstrap.os, "name", os_name)
    assert bootstrap.venv_python(tmp_path) == tmp_path / expected


def test_the_venv_python_really_is_there_for_this_platform(tmp_path):
    import venv

    venv.EnvBuilder(with_pip=False).create(tmp_path / "env")
    assert bootstrap.venv_python(tmp_path / "env").is_file()


@pytest.fixture
def recorder(monkeypatch, tmp_path):
    """Replace installing, venv creation and re-running; record what ensure_environment decided."""
    calls = []
    monkeypatch.delenv("COURSE_NO_BOOTSTRAP", raising=False)
    monkeypatch.setenv("COURSE_INSTALLER", "pip")  # the same decisions whether or not uv is on this machine
    monkeypatch.setattr(
        bootstrap,
        "install_course",
        lambda python, prefix, wanted, installer: calls.append(("install", python, prefix, wanted, installer)),
    )
    monkeypatch.setattr(
        bootstrap.subprocess,
        "run",
        lambda command: calls.append(("run", command)) or subprocess.CompletedProcess(command, 3),
    )
    monkeypatch.setattr(
        bootstrap.venv.EnvBuilder, "create", lambda self, target: calls.append(("create", Path(target)))
    )
    return calls


def test_no_bootstrap_does_nothing(recorder, monkeypatch):
    monkeypatch.setenv("COURSE_NO_BOOTSTRAP", "1")
    monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda: False)
    bootstrap.ensure_environment(["start"])
    assert recorder == []


def test_inside_a_venv_installs_only_when_the_stamp_is_stale(recorder, monkeypatch, tmp_path):
    monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda: True)
    monkeypatch.setattr(bootstrap.sys, "prefix", str(tmp_path))
    bootstrap.ensure_environment(["test"])
    assert recorder == [
        ("install", Path(sys.executable), tmp_path, {"pyproject_sha256": pyproject_sha(), "extras": ["dev"]}, "pip")
    ]
    recorder.clear()
    stamp(tmp_path, pyproject_sha256=pyproject_sha(), extras=["dev"])
    bootstrap.ensure_environment(["test"])
    assert recorder == []  # current: straight to the command, in this process


def test_outside_a_venv_creates_installs_and_reruns_in_dot_venv(recorder, monkeypatch, tmp_path):
    venv_dir = tmp_path / ".venv"
    monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda: False)
    monkeypatch.setattr(bootstrap, "VENV_DIR", venv_dir)
    with pytest.raises(SystemExit) as exited:
        bootstrap.ensure_environment(["check", "0"])
    python = bootstrap.venv_python(venv_dir)
    assert exited.value.code == 3  # the re-run's exit code
    assert recorder == [
        ("create", venv_dir),
        ("install", python, venv_dir, {"pyproject_sha256": pyproject_sha(), "extras": []}, "pip"),
        ("run", [str(python), "-m", "course", "check", "0"]),
    ]


def test_outside_a_venv_with_a_current_dot_venv_only_reruns(recorder, monkeypatch, tmp_path):
    venv_dir = tmp_path / ".venv"
    python = bootstrap.venv_python(venv_dir)
    python.parent.mkdir(parents=True)
    python.write_text("")
    stamp(venv_dir, pyproject_sha256=pyproject_sha(), extras=[])
    monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda: False)
    monkeypatch.setattr(bootstrap, "VENV_DIR", venv_dir)
    with pytest.raises(SystemExit):
        bootstrap.ensure_environment(["start"])
    assert recorder == [("run", [str(python), "-m", "course", "start"])]


def test_install_course_keeps_earlier_extras_and_writes_the_stamp_only_on_success(monkeypatch, tmp_path):
    commands = []
    monkeypatch.setattr(
        bootstrap.subprocess, "run", lambda command: commands.append(command) or subprocess.CompletedProcess(command, 0)
    )
    stamp(tmp_path, pyproject_sha256="old", extras=["dev"])
    bootstrap.install_course(Path("/py"), tmp_path, {"pyproject_sha256": pyproject_sha(), "extras": []})
    assert commands == [  # the dev tools' install compiles bytecode ahead: no --no-compile
        ["/py", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", f"{bootstrap.REPO_DIR}[dev]"]
    ]
    assert json.loads((tmp_path / bootstrap.STAMP_NAME).read_text()) == {
        "pyproject_sha256": pyproject_sha(),
        "extras": ["dev"],
        "installer": "pip",
    }

    monkeypatch.setattr(bootstrap.subprocess, "run", lambda command: subprocess.CompletedProcess(command, 1))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with pytest.raises(SystemExit, match="installing the course failed"):
        bootstrap.install_course(Path("/py"), fresh, {"pyproject_sha256": pyproject_sha(), "extras": []})
    assert not (fresh / bootstrap.STAMP_NAME).exists()


def test_python_dash_m_course_skips_the_bootstrap_when_told(tmp_path):
    env = {**os.environ, "COURSE_NO_BOOTSTRAP": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "course", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("course ")
    assert "installing" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "args, helps",
    [
        (["--help"], True),
        (["-h"], True),
        (["--version"], True),
        (["check", "--help"], True),
        (["grade", "submitted", "-h"], True),
        (["test", "--help"], True),
        (["test", "-q", "--help"], False),  # pytest's own --help: pytest must be installed
        (["start"], False),
        ([], False),
        (["check", "--", "--help"], False),
    ],
)
def test_only_help_and_version_need_nothing_installed(args, helps):
    assert bootstrap.only_asks_for_help(args) is helps


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["progress", "--help"]])
def test_help_and_version_neither_create_nor_refresh_an_environment(recorder, monkeypatch, tmp_path, args):
    monkeypatch.setattr(bootstrap, "VENV_DIR", tmp_path / ".venv")
    for inside in (False, True):
        monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda inside=inside: inside)
        monkeypatch.setattr(bootstrap.sys, "prefix", str(tmp_path))  # no stamp here: stale if it were asked
        bootstrap.ensure_environment(args)  # returns: no SystemExit from a re-run
    assert recorder == []


def _base_python() -> str:
    """This Python outside any virtual environment (what a learner's fresh clone runs)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return base


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["check", "--help"]])
def test_help_in_a_fresh_clone_answers_at_once_and_creates_no_venv(tmp_path, args):
    import shutil
    import time

    from course import REPO_DIR

    clone = tmp_path / "clone"
    shutil.copytree(REPO_DIR / "course", clone / "course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_DIR / "pyproject.toml", clone / "pyproject.toml")
    env = {k: v for k, v in os.environ.items() if k not in {"COURSE_NO_BOOTSTRAP", "VIRTUAL_ENV", "PYTHONPATH"}}
    env["PIP_NO_INDEX"] = "1"  # were it to install anyway, fail fast instead of downloading
    started = time.monotonic()
    result = subprocess.run(
        [_base_python(), "-m", "course", *args], cwd=clone, env=env, capture_output=True, text=True, timeout=120
    )
    elapsed = time.monotonic() - started
    assert not (clone / ".venv").exists(), result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stdout + result.stderr
    assert ("course 0." in result.stdout) if args == ["--version"] else ("usage: course" in result.stdout)
    assert elapsed < 10


# --- the installer: uv when it is on PATH, pip otherwise, COURSE_INSTALLER forces one, uv falls back to pip ---

FAKE_UV = """#!/bin/sh
# A stand-in for uv: records its arguments; `uv venv ... DIR` puts a fake python in DIR/bin.
printf '%s\\n' "uv $*" >> "$FAKE_LOG"
if [ "$1" = venv ]; then
    for last; do :; done
    mkdir -p "$last/bin" && cp "$FAKE_PYTHON" "$last/bin/python"
    exit "${FAKE_UV_VENV_EXIT:-0}"
fi
exit "${FAKE_UV_INSTALL_EXIT:-0}"
"""

FAKE_PYTHON = """#!/bin/sh
# A stand-in for the environment's Python: records its arguments (pip installs, the re-run).
printf '%s\\n' "python $*" >> "$FAKE_LOG"
exit "${FAKE_PYTHON_EXIT:-0}"
"""

posix_only = pytest.mark.skipif(os.name == "nt", reason="the fake installers are shell scripts")


def _script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@dataclass
class Fakes:
    """The fake installers on PATH, and what they were given."""

    log: Path
    uv: str
    python: Path
    created: list[Path]  # environments Python's venv module was asked to create

    def __call__(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def fakes(monkeypatch, tmp_path) -> Fakes:
    """A PATH whose first folder holds a fake uv, and a fake python to put in environments."""
    log = tmp_path / "installers.log"
    fake_bin = tmp_path / "fake-bin"
    _script(fake_bin / "uv", FAKE_UV)
    fake_python = _script(tmp_path / "fake-python", FAKE_PYTHON)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_PYTHON", str(fake_python))
    monkeypatch.delenv("COURSE_INSTALLER", raising=False)
    monkeypatch.delenv("COURSE_NO_BOOTSTRAP", raising=False)
    created: list[Path] = []
    monkeypatch.setattr(bootstrap.venv.EnvBuilder, "create", lambda self, target: created.append(Path(target)))
    return Fakes(log, str(fake_bin / "uv"), fake_python, created)


@posix_only
def test_uv_on_path_is_chosen_and_pip_without_it(fakes, monkeypatch, tmp_path):
    assert bootstrap.choose_installer()[0] == "uv"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    installer, why = bootstrap.choose_installer()
    assert installer == "pip" and "no uv on PATH" in why


@posix_only
def test_course_installer_forces_one_and_refuses_a_misspelling(fakes, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_INSTALLER", "pip")
    assert bootstrap.choose_installer() == ("pip", "COURSE_INSTALLER=pip")  # uv is on PATH, pip is asked for
    monkeypatch.setenv("COURSE_INSTALLER", "UV")
    assert bootstrap.choose_installer() == ("uv", "COURSE_INSTALLER=uv")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    installer, why = bootstrap.choose_installer()
    assert installer == "pip" and "no uv on PATH" in why  # asked for uv, none there: pip, and it says so
    monkeypatch.setenv("COURSE_INSTALLER", "conda")
    with pytest.raises(SystemExit, match="must be 'uv' or 'pip'"):
        bootstrap.choose_installer()


@posix_only
def test_each_installer_gets_an_editable_install_into_the_course_python(fakes):
    python, target = Path("/env/bin/python"), "/repo[dev]"
    uv = bootstrap.install_command("uv", python, target)
    assert uv == [fakes.uv, *"pip install --quiet --python /env/bin/python --editable /repo[dev]".split()]
    pip = bootstrap.install_command("pip", python, target)
    assert pip == "/env/bin/python -m pip install --disable-pip-version-check --no-compile -q -e /repo[dev]".split()
    # the test suite's fresh Pythons: bytecode compiled once, ahead
    uv = bootstrap.install_command("uv", python, target, bytecode=True)
    assert uv == [
        fakes.uv,
        *"pip install --quiet --python /env/bin/python --compile-bytecode --editable /repo[dev]".split(),
    ]
    pip = bootstrap.install_command("pip", python, target, bytecode=True)
    assert pip == "/env/bin/python -m pip install --disable-pip-version-check -q -e /repo[dev]".split()
    # pip stays in a uv-made environment (--seed): learners and `course doctor` run `python -m pip install -e .`
    assert bootstrap.uv_venv_command(Path("/env")) == [
        fakes.uv,
        "venv",
        "--seed",
        "--quiet",
        "--python",
        sys.executable,
        "/env",
    ]


@posix_only
def test_a_fresh_clone_with_uv_creates_installs_and_reruns_with_uv_only(fakes, monkeypatch, tmp_path, capsys):
    venv_dir = tmp_path / ".venv"
    monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda: False)
    monkeypatch.setattr(bootstrap, "VENV_DIR", venv_dir)
    with pytest.raises(SystemExit) as exited:
        bootstrap.ensure_environment(["start"])
    assert exited.value.code == 0
    python = venv_dir / "bin" / "python"
    assert fakes() == [
        f"uv venv --seed --quiet --python {sys.executable} {venv_dir}",
        f"uv pip install --quiet --python {python} --editable {bootstrap.REPO_DIR}",
        "python -m course start",
    ]
    assert fakes.created == []  # Python's venv was not needed
    assert json.loads((venv_dir / bootstrap.STAMP_NAME).read_text())["installer"] == "uv"
    assert "installer: uv (found on PATH" in capsys.readouterr().out


@posix_only
def test_when_uv_cannot_install_pip_does_it_in_the_same_environment(fakes, monkeypatch, tmp_path, capsys):
    venv_dir = tmp_path / ".venv"
    monkeypatch.setenv("FAKE_UV_INSTALL_EXIT", "2")
    monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda: False)
    monkeypatch.setattr(bootstrap, "VENV_DIR", venv_dir)
    with pytest.raises(SystemExit) as exited:
        bootstrap.ensure_environment(["start"])
    assert exited.value.code == 0
    python = venv_dir / "bin" / "python"
    assert fakes() == [
        f"uv venv --seed --quiet --python {sys.executable} {venv_dir}",
        f"uv pip install --quiet --python {python} --editable {bootstrap.REPO_DIR}",
        f"python -m pip install --disable-pip-version-check --no-compile -q -e {bootstrap.REPO_DIR}",
        "python -m course start",
    ]
    assert json.loads((venv_dir / bootstrap.STAMP_NAME).read_text())["installer"] == "pip"
    assert "uv could not install the course (see above); installing with pip instead" in capsys.readouterr().out


@posix_only
def test_when_uv_cannot_create_the_environment_python_venv_and_pip_do(fakes, monkeypatch, tmp_path, capsys):
    venv_dir = tmp_path / ".venv"
    monkeypatch.setenv("FAKE_UV_VENV_EXIT", "1")
    monkeypatch.setattr(bootstrap, "VENV_DIR", venv_dir)
    assert bootstrap.create_environment(venv_dir, "uv") == "pip"
    assert fakes.created == [venv_dir]
    assert "using Python's venv instead" in capsys.readouterr().out
    assert bootstrap.create_environment(tmp_path / "other", "pip") == "pip"  # pip asked for: uv is never run
    assert fakes() == [f"uv venv --seed --quiet --python {sys.executable} {venv_dir}"]


@posix_only
def test_when_uv_and_pip_both_fail_it_stops_and_writes_no_stamp(fakes, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_UV_INSTALL_EXIT", "1")
    monkeypatch.setenv("FAKE_PYTHON_EXIT", "1")
    wanted = {"pyproject_sha256": pyproject_sha(), "extras": []}
    with pytest.raises(SystemExit, match="installing the course failed"):
        bootstrap.install_course(fakes.python, tmp_path, wanted, "uv")
    assert [line.split()[:3] for line in fakes()] == [["uv", "pip", "install"], ["python", "-m", "pip"]]
    assert not (tmp_path / bootstrap.STAMP_NAME).exists()


@posix_only
def test_inside_a_venv_uv_installs_into_this_python(fakes, monkeypatch, tmp_path):
    monkeypatch.setattr(bootstrap, "in_virtual_environment", lambda: True)
    monkeypatch.setattr(bootstrap.sys, "prefix", str(tmp_path))
    bootstrap.ensure_environment(["test"])
    assert fakes() == [
        f"uv pip install --quiet --python {sys.executable} --compile-bytecode --editable {bootstrap.REPO_DIR}[dev]"
    ]
    assert fakes.created == []
