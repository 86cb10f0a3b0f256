"""course.bootstrap, the first thing every learner runs: install once, then start at once; never install twice.

Nothing is really installed here: ``install_course`` and ``subprocess.run`` are replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
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
    monkeypatch.setattr(
        bootstrap, "install_course", lambda python, prefix, wanted: calls.append(("install", python, prefix, wanted))
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
        ("install", Path(sys.executable), tmp_path, {"pyproject_sha256": pyproject_sha(), "extras": ["dev"]})
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
        ("install", python, venv_dir, {"pyproject_sha256": pyproject_sha(), "extras": []}),
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
    assert commands == [
        ["/py", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", f"{bootstrap.REPO_DIR}[dev]"]
    ]
    assert json.loads((tmp_path / bootstrap.STAMP_NAME).read_text()) == {
        "pyproject_sha256": pyproject_sha(),
        "extras": ["dev"],
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
