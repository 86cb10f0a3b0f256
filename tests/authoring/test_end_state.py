"""`course end-state`: a step's reference end state, written as a repository that runs."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from course.authoring.carry import last_versions
from course.authoring.end_state import write_end_state
from course.cli.app import main
from course.core.catalog import find_step
from course.core.errors import UsageError


def test_the_files_are_the_steps_last_versions_with_its_data(tmp_path):
    step = find_step("04")
    out = tmp_path / "step-04"
    written = write_end_state(step, out)
    notebook = nbformat.read(str(step.solution_dir / step.notebooks[-1]), as_version=4)
    expected = last_versions(notebook)
    assert written.files == sorted(expected)
    for path, code in expected.items():
        assert (out / path).read_text() == code + "\n"
    assert (out / "data" / "penguins-raw.csv").read_bytes() == (
        step.solution_dir / "data/penguins-raw.csv"
    ).read_bytes()
    assert not list(out.rglob("*.ipynb"))
    assert "### BEGIN SOLUTION" not in "".join(path.read_text() for path in out.glob("*.py"))


def test_it_is_a_repository_whose_tests_pass(tmp_path):
    out = tmp_path / "step-04"
    write_end_state(find_step("04"), out)
    log = subprocess.run(["git", "log", "--oneline"], cwd=out, capture_output=True, text=True, check=True).stdout
    assert len(log.splitlines()) == 1
    status = subprocess.run(["git", "status", "--porcelain"], cwd=out, capture_output=True, text=True).stdout
    assert status == ""
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=out)
    assert tests.returncode == 0


def test_an_existing_folder_is_refused_and_left_as_it_was(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    with pytest.raises(UsageError, match="exists already"):
        write_end_state(find_step("04"), out)
    assert main(["end-state", "04", "--into", str(out)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert [path.name for path in out.iterdir()] == ["notes.txt"]


@pytest.mark.slow
@pytest.mark.parametrize("number", ["11", "12"])
def test_the_late_steps_end_states_are_formatted_and_their_tests_pass(tmp_path, number):
    """Step 11 runs ruff on its files; step 12 repeats them as they ended, so it needs no tool of its own."""
    out = tmp_path / f"step-{number}"
    written = write_end_state(find_step(number), out)
    assert any("ruff format" in command for command in written.commands) == (number == "11")
    assert not list(out.rglob(".ruff_cache"))
    assert (
        subprocess.run([sys.executable, "-m", "ruff", "format", "--check", "penguins", "tests"], cwd=out).returncode
        == 0
    )
    assert subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=out).returncode == 0
