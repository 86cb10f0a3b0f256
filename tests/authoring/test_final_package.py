"""The package the course ends with (the last step's end state), as a reviewer runs it: its own tests cover it,
and its two paths agree.

The review behind issue #15 found the package's own tests (the ones that ship with it) covering 73% of its
lines and the command line not at all, and a batch command that predicted birds the service refused. The
course's bar: the final package's own tests cover at least 90% of every module's lines together, the
command line included, and they include the test that holds ``predict`` and ``POST /predict`` together.

The same package, exactly as the last step's cells write it, passes the gates a reviewer sets: ruff with its own
rules (which include the security rules, S), ruff format, mypy in strict mode, and its CI workflow run as
the course runs it (two Pythons, actions pinned to commits, a read-only token, the exact versions of its
lock file); each gate fails when the problem it exists for is planted.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from course.authoring.end_state import write_end_state
from course.authoring.lock import LOCK_NAME, uv
from course.checks import ci_workflow, quality_gates
from course.checks.versions import declared_version
from course.core.catalog import load_steps

COVERAGE_GATE = 90  # percent of the package's lines its own tests run
FINAL = load_steps()[-1]  # the step whose end state is the package the course ends with


def package_root(folder) -> str:
    """Where the gates look for the package: ``src`` in a src/ layout (step 13 on), else ``penguins``."""
    return "src" if (folder / "src" / "penguins").is_dir() else "penguins"


def coverage_report(folder) -> dict[str, int]:
    """``python -m pytest --cov=penguins`` in ``folder``: each module's line coverage, and ``TOTAL``."""
    # In a src/ layout the package is importable once installed; here, its folder on the path stands for that.
    env = {**os.environ, "PYTHONPATH": str(folder / "src")} if package_root(folder) == "src" else None
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=penguins", "--cov-report=term"],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    rows = re.findall(r"^(\S+)\s+\d+\s+\d+\s+(\d+)%$", run.stdout, re.M)
    return {name: int(percent) for name, percent in rows}


@pytest.mark.slow
def test_the_final_packages_own_tests_cover_it_the_command_line_included(tmp_path):
    out = tmp_path / FINAL.slug
    write_end_state(FINAL, out)
    assert (out / "tests" / "test_cli.py").is_file()
    report = coverage_report(out)
    assert report["TOTAL"] >= COVERAGE_GATE, report
    assert report[quality_gates.in_layout("penguins/cli.py", out)] >= COVERAGE_GATE, report
    agreement = "test_the_command_line_and_the_service_accept_and_refuse_the_same_birds"
    assert agreement in (out / "tests" / "test_service.py").read_text()


@pytest.mark.slow
def test_the_gate_fails_a_package_whose_command_line_is_untested(tmp_path):
    out = tmp_path / FINAL.slug
    write_end_state(FINAL, out)
    (out / "tests" / "test_cli.py").unlink()
    (out / "tests" / "test_service.py").unlink()  # it calls the command line too
    report = coverage_report(out)
    assert report[quality_gates.in_layout("penguins/cli.py", out)] < COVERAGE_GATE, report


# The gates a reviewer sets (issue #15, item 3): the final package passes them exactly as the last step's cells
# write it (no tool runs first: every step after 11 repeats step 11's files as ruff left them), and each gate
# fails when a problem it exists for is planted in a copy.


@pytest.fixture(scope="module")
def final_package(tmp_path_factory):
    """The last step's end state, written once for the gate tests (they plant their problems in copies)."""
    out = tmp_path_factory.mktemp("final") / FINAL.slug
    written = write_end_state(FINAL, out, git=False)
    assert written.commands == [], f"{FINAL.slug} runs no tool: its cells are what is on disk"
    return out


GATES = {  # {package}: where the package lives (package_root)
    "ruff check": ["ruff", "check", "{package}", "tests"],
    "ruff format --check": ["ruff", "format", "--check", "{package}", "tests"],
    "mypy": ["mypy", "{package}"],
}


def gate(name, folder) -> list[str]:
    return [argument.format(package=package_root(folder)) for argument in GATES[name]]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(GATES))
def test_the_final_package_passes_each_gate_as_written(final_package, name):
    assert quality_gates.outcome(final_package, *gate(name, final_package)) == "exit code 0"


@pytest.mark.slow
def test_its_own_configuration_is_strict_and_includes_the_security_rules(final_package):
    assert quality_gates.strict_missing(final_package) == []
    assert quality_gates.security_rules_problems(final_package) == []
    assert quality_gates.comments_switching_off("noqa", final_package) == []  # only the recorded S301 decision
    assert quality_gates.comments_switching_off(r"type:\s*ignore", final_package) == []
    assert quality_gates.outcome(final_package, "mypy", "--strict", package_root(final_package)) == "exit code 0"


@pytest.mark.slow
@pytest.mark.parametrize(
    "problem,name",
    [
        ("a badly formatted line", "ruff format --check"),
        ("an untyped function", "mypy"),
        ("a pickle load with no reason given", "ruff check"),
        ("a shell command", "ruff check"),
    ],
)
def test_each_gate_fails_the_final_package_with_its_problem_planted(final_package, problem, name):
    assert quality_gates.passes_with(problem, *gate(name, final_package), folder=final_package) is False


@pytest.mark.slow
def test_its_ci_workflow_tests_two_pythons_pinned_read_only_and_passes_as_the_course_runs_it(final_package):
    workflow = quality_gates.workflow(final_package)
    assert sorted(set(ci_workflow.python_versions(workflow))) == ["3.11", "3.13"]
    assert ci_workflow.pin_problems(workflow, (final_package / quality_gates.WORKFLOW).read_text()) == []
    assert ci_workflow.permissions_problems(workflow) == []
    assert quality_gates.first_failure(folder=final_package) is None
    assert quality_gates.first_failure("a type error", folder=final_package) is not None


# Packaging a reviewer accepts (issue #15, item 3): the version written once (pyproject.toml reads
# penguins.__version__), a `penguins` console script, and the web libraries only in the `service` extra,
# read from the wheel a build really makes, offline, as a deployment would build it.


def wheel_metadata(folder, into) -> tuple[Message, dict[str, str]]:
    """Build ``folder``'s wheel offline into ``into``: (its METADATA, its console scripts by name)."""
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            into,
            folder,
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    [wheel] = Path(into).glob("penguins-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = next(name.split("/")[0] for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = configparser.ConfigParser()
        if f"{info}/entry_points.txt" in archive.namelist():
            entry_points.read_string(archive.read(f"{info}/entry_points.txt").decode())
    scripts = dict(entry_points["console_scripts"]) if entry_points.has_section("console_scripts") else {}
    return metadata, scripts


def web_requirements_outside_the_service_extra(metadata: Message) -> list[str]:
    """Requirements on FastAPI or uvicorn that an install without the ``service`` extra would pull in."""
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist", [])]
    return [
        str(requirement)
        for requirement in requirements
        if requirement.name in ("fastapi", "uvicorn")
        and (requirement.marker is None or requirement.marker.evaluate({"extra": ""}))
    ]


@pytest.mark.slow
def test_its_wheel_has_one_version_a_console_script_and_the_web_libraries_in_an_extra(final_package, tmp_path):
    pyproject = quality_gates.pyproject(final_package)
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    metadata, scripts = wheel_metadata(final_package, tmp_path)
    init = final_package / quality_gates.in_layout("penguins/__init__.py", final_package)
    assert metadata["Version"] == declared_version(init.read_text())
    assert scripts["penguins"] == "penguins.cli:main"  # (step 13 adds penguins-smoke)
    assert web_requirements_outside_the_service_extra(metadata) == []
    assert "service" in metadata.get_all("Provides-Extra", [])


@pytest.mark.slow
def test_the_metadata_reading_sees_web_libraries_made_hard_dependencies_again(final_package, tmp_path):
    planted = tmp_path / "planted"
    shutil.copytree(final_package, planted)
    pyproject = planted / "pyproject.toml"
    hard = '    "scikit-learn>=1.5,<2",\n    "fastapi>=0.115,<1",\n'
    pyproject.write_text(pyproject.read_text().replace('    "scikit-learn>=1.5,<2",\n', hard, 1))
    metadata, _ = wheel_metadata(planted, tmp_path / "wheel")
    assert web_requirements_outside_the_service_extra(metadata) == ["fastapi<1,>=0.115"]


# The lock file (issue #15, item 3): the final package's CI installs the exact versions uv.lock names with
# `uv sync --locked`. uv itself (the course's dev extra installs it) says whether the lock matches
# pyproject.toml, and installs from it for real; the package's own tests then pass in that environment.


def workflow_commands(folder) -> list[str]:
    """Every command the ``run:`` steps of ``folder``'s CI workflow run, in order."""
    workflow = quality_gates.workflow(folder)
    return [
        command
        for job in ci_workflow.jobs(workflow).values()
        for step in ci_workflow.steps(job)
        for command in ci_workflow.commands(step.get("run", ""))
    ]


def locked_versions(folder) -> dict[str, str]:
    """Each package's exact version in ``folder``'s uv.lock (the project itself has none)."""
    lock = tomllib.loads((folder / LOCK_NAME).read_text(encoding="utf-8"))
    return {package["name"]: package["version"] for package in lock["package"] if "version" in package}


@pytest.mark.slow
def test_its_lock_file_matches_its_pyproject_and_goes_stale_when_a_dependency_changes(final_package, tmp_path):
    copy = tmp_path / "package"
    shutil.copytree(final_package, copy)
    current = uv(copy, "lock", "--check")
    assert current.returncode == 0, current.stderr
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pandas>=2.2,<4",', '"pandas>=2.2,<4",\n    "rich>=13",'))
    stale = uv(copy, "lock", "--check")
    assert stale.returncode != 0, stale.stderr
    assert "uv lock" in stale.stderr  # uv says how to make it again


@pytest.mark.slow
def test_its_ci_installs_the_locked_versions_and_its_tests_pass_there(final_package, tmp_path):
    assert any(command.startswith("uv sync --locked") for command in workflow_commands(final_package))
    copy, environment = tmp_path / "package", tmp_path / "locked-environment"
    shutil.copytree(final_package, copy)
    synced = uv(
        copy,
        *("sync", "--locked", "--all-extras", "--no-editable", "--python", sys.executable),
        extra_environment={"UV_PROJECT_ENVIRONMENT": str(environment)},
    )
    assert synced.returncode == 0, synced.stderr[-3000:]
    python = environment / "bin" / "python"
    installed = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('pandas'), m.version('scikit-learn'))"],
        capture_output=True,
        text=True,
    )
    locked = locked_versions(copy)
    assert installed.stdout.split() == [locked["pandas"], locked["scikit-learn"]]
    tests = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=copy, capture_output=True, text=True
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
