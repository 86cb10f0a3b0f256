"""The course command, run in-process: check, progress, workspace, steps, release --check."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import pytest

from course.cli import main
from course.core.catalog import load_steps

STEPS = load_steps()
FIRST = STEPS[0]


def test_python_dash_m_course_runs(tmp_path):
    env = {**os.environ, "COURSE_NO_BOOTSTRAP": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "course", "steps"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
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


@pytest.mark.slow  # releases the whole course into a scratch folder
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


@pytest.mark.slow  # a benchmark: runs the first step bare and through `course grade`
def test_bench_prints_the_ratio_of_the_times_it_measured_on_a_real_grading(capsys, monkeypatch):
    from course.authoring import bench

    graded_rows = []
    real_time_class_grade = bench.time_class_grade

    def time_class_grade(submitted, jobs, sandbox, scratch):
        seconds = real_time_class_grade(submitted, jobs, sandbox, scratch)
        with open(scratch / f"out-jobs{jobs}" / "grades.csv", newline="") as handle:
            graded_rows.extend(csv.DictReader(handle))
        return seconds

    monkeypatch.setattr(bench, "time_class_grade", time_class_grade)
    assert bench.run([FIRST.slug], repeat=1) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["step", "nbclient", "(s)", "course", "grade", "(s)", "ratio"]
    slug, bare, graded, ratio = lines[2].split()
    assert slug == FIRST.slug
    # the timed run really graded: one learner, the solution, full marks
    assert [(row["learner"], row["step"], row["status"], row["score"]) for row in graded_rows] == [
        ("learner", FIRST.slug, "ok", str(FIRST.points))
    ]
    # the ratio is the quotient of the printed times (each rounded to 0.005)
    bare, graded, ratio = float(bare), float(graded), float(ratio)
    assert bare > 0 and graded > 0
    low, high = (graded - 0.005) / (bare + 0.005), (graded + 0.005) / max(bare - 0.005, 1e-9)
    assert low - 0.005 <= ratio <= high + 0.005


@pytest.mark.slow  # a benchmark: runs the first step's check cells in a live kernel
def test_bench_checks_prints_each_steps_median_and_slowest_check(capsys):
    from course.authoring.bench_checks import run

    assert run([FIRST.slug]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == ["step", "checks"]
    slug, count, median, slowest, name = lines[2].split()
    assert slug == FIRST.slug and int(count) == len(FIRST.checks)
    assert name in {check.id for check in FIRST.checks}  # every check cell ran and was timed
    assert 0 <= float(median) <= float(slowest)


def test_course_test_fast_leaves_out_the_slow_tests_and_passes_everything_else_to_pytest(monkeypatch, capsys):
    from course.cli import app

    calls = []
    monkeypatch.setattr(app.subprocess, "call", lambda command, cwd: calls.append(command) or 0)
    assert main(["test", "--fast", "-q", "-k", "registry", "tests/core"]) == 0
    assert main(["test", "-x", "tests/cli"]) == 0
    assert calls == [
        [sys.executable, "-m", "pytest", "-m", "not slow", "-n", "auto", "-q", "-k", "registry", "tests/core"],
        [sys.executable, "-m", "pytest", "-x", "tests/cli"],
    ]
    with pytest.raises(SystemExit):
        main(["test", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert 'the fast lane (under two minutes): pytest -m "not slow" -n auto' in shown


def test_progress_reruns_only_steps_whose_notebooks_changed_since_their_stored_results(tmp_path, capsys, monkeypatch):
    import nbformat

    from course.authoring.solved import solved_exercise
    from course.learner import headless

    workspace = tmp_path / "ws"
    main(["workspace", str(workspace)])
    notebook = workspace / FIRST.slug / FIRST.notebooks[0]
    nbformat.write(solved_exercise(FIRST, FIRST.notebooks[0]), str(notebook))
    assert main(["check", "0", "--workspace", str(workspace)]) == 0  # stores results with the notebook's digest

    real_check_step = headless.check_step
    ran = []

    def counting_check_step(folder, step, timeout=120):
        ran.append(step.slug)
        return real_check_step(folder, step, timeout)

    monkeypatch.setattr(headless, "check_step", counting_check_step)
    capsys.readouterr()
    assert main(["progress", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out
    assert ran == []  # nothing changed since `course check`: stored results, no kernel
    assert any(line.startswith("done") and FIRST.slug in line for line in out.splitlines())

    solved = nbformat.read(str(notebook), as_version=4)
    solved.cells.append(nbformat.v4.new_markdown_cell("my notes"))
    nbformat.write(solved, str(notebook))
    assert main(["progress", "--workspace", str(workspace), "--cached"]) == 0
    out = capsys.readouterr().out
    assert ran == [] and "may be out of date" in out  # --cached runs nothing, but says so
    assert main(["progress", "--workspace", str(workspace)]) == 0
    assert ran == [FIRST.slug]  # the changed step only; untouched steps are never run
    assert main(["progress", "--workspace", str(workspace)]) == 0
    assert ran == [FIRST.slug]  # its new results are stored with the new digest
    assert main(["progress", "--workspace", str(workspace), "--rerun"]) == 0
    assert ran == [FIRST.slug, FIRST.slug]
    assert "done" in capsys.readouterr().out.splitlines()[0]


def test_progress_runs_a_step_whose_results_a_check_cell_stored_in_the_lab(tmp_path, capsys, monkeypatch):
    from course.core import progress as progress_store
    from course.learner import headless

    workspace = tmp_path / "ws"
    main(["workspace", str(workspace)])
    shutil.copy(FIRST.solution_dir / FIRST.notebooks[0], workspace / FIRST.slug / FIRST.notebooks[0])
    for check in FIRST.public_checks:  # as a check cell in JupyterLab records it: no digest
        progress_store.record_check({"grade_id": check.id, "passed": True}, start=workspace)
    ran = []
    digest = progress_store.notebooks_digest(workspace / FIRST.slug, FIRST.notebooks)

    def no_check_reports(folder, step, timeout=120):  # as when an early cell stops the run
        ran.append(step.slug)
        return headless.StepChecks(step, notebook_sha256=digest)

    monkeypatch.setattr(headless, "check_step", no_check_reports)
    main(["progress", "--workspace", str(workspace)])
    assert ran == [FIRST.slug]
    stored = progress_store.load(workspace)  # what the run found replaces what the lab stored, with the digest
    assert all(
        stored[c.id] | {"time": 0} == {"passed": False, "time": 0, "notebook_sha256": digest}
        for c in FIRST.public_checks
    )
