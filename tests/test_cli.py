"""The course command, run in-process: check, progress, workspace, steps, release --check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from course import REPO_DIR
from course.core.catalog import load_steps
from course.cli import main

STEPS = load_steps()
FIRST = STEPS[0]


def test_python_dash_m_course_runs(tmp_path):
    env = {**os.environ, "COURSE_NO_BOOTSTRAP": "1"}
    result = subprocess.run([sys.executable, "-m", "course", "steps"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for step in STEPS:
        assert step.slug in result.stdout


def test_check_passes_on_a_solved_step_and_records_progress(tmp_path, capsys):
    workspace = tmp_path / "ws"
    assert main(["workspace", str(workspace)]) == 0
    shutil.copy(FIRST.solution_dir / FIRST.notebooks[0], workspace / FIRST.slug / FIRST.notebooks[0])
    capsys.readouterr()
    assert main(["check", "0", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out
    assert f"{len(FIRST.checks)} of {len(FIRST.checks)} public checks passed" in out
    assert "all tests passed" not in out.lower()
    assert main(["progress", "--workspace", str(workspace), "--cached"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("done") and FIRST.slug in line for line in lines)
    assert any(line.startswith("not started") and STEPS[1].slug in line for line in lines)


def test_check_fails_on_an_untouched_step_and_leaves_the_notebook_alone(tmp_path, capsys):
    workspace = tmp_path / "ws"
    main(["workspace", str(workspace)])
    notebook = workspace / FIRST.slug / FIRST.notebooks[0]
    before = notebook.read_bytes()
    capsys.readouterr()
    assert main(["check", FIRST.slug, "--workspace", str(workspace)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and f"0 of {len(FIRST.checks)} public checks passed" in out
    assert notebook.read_bytes() == before


def test_check_reports_a_missing_notebook(tmp_path, capsys):
    workspace = tmp_path / "ws"
    main(["workspace", str(workspace)])
    (workspace / FIRST.slug / FIRST.notebooks[0]).unlink()
    capsys.readouterr()
    assert main(["check", "0", "--workspace", str(workspace)]) == 1
    assert "is missing" in capsys.readouterr().out


def test_unknown_step_is_a_clear_error(capsys):
    assert main(["check", "99"]) == 2
    assert "no step called '99'" in capsys.readouterr().err


def test_release_check_passes_from_the_cli(capsys):
    assert main(["release", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_start_builds_a_jupyterlab_command_that_works_as_root(tmp_path):
    from course.learner.start import jupyterlab_command

    command = jupyterlab_command(tmp_path, "00-meet-the-prototype/meet-the-prototype.ipynb", 8899, True)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--no-browser" in command and "--ServerApp.port=8899" in command
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    assert REPO_DIR.exists()


def test_bench_prints_a_ratio(capsys):
    from course.authoring.bench import run

    assert run([FIRST.slug], repeat=1) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[-1] == "ratio"
    row = lines[2].split()
    assert row[0] == FIRST.slug and float(row[3]) > 0


def test_bench_checks_prints_a_median_per_step(capsys):
    from course.authoring.bench_checks import run

    assert run([FIRST.slug]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == ["step", "checks"]
    row = lines[2].split()
    assert row[0] == FIRST.slug and int(row[1]) == len(FIRST.checks) and float(row[2]) >= 0
