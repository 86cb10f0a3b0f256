"""The course's own quality gates: one list, run the same way by pre-commit, .ci/run and CI."""

from __future__ import annotations

import re
import shutil

import yaml

from course import REPO_DIR
from course.authoring.gates import GATES, Gate, run_gates

UNUSED_IMPORT = "import os\n\n\nVALUE = 1\n"
CLEAN = "VALUE = 1\n"


def test_pre_commit_runs_exactly_the_gates():
    config = yaml.safe_load((REPO_DIR / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [(hook["id"], hook["entry"]) for hook in hooks] == [(gate.name, " ".join(gate.command)) for gate in GATES]
    assert all(hook["pass_filenames"] is False for hook in hooks)  # each gate decides its own files, as in CI


def test_ci_runs_the_gates_then_the_readme_test_command():
    commands = [line.strip() for line in (REPO_DIR / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in commands if line.startswith("python3 -m course")]
    assert commands == ["python3 -m course gates", "python3 -m course test"]
    assert "python3 -m course test" in (REPO_DIR / "README.md").read_text()


def test_the_workflow_runs_ci_with_pinned_actions_and_read_only_rights():
    workflow = yaml.safe_load((REPO_DIR / ".github" / "workflows" / "ci.yml").read_text())
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["checks"]["steps"]
    assert [step["run"] for step in steps if "run" in step] == ["bash .ci/run"]
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), (
                f"{step['uses']} is not pinned by commit"
            )


def _project(tmp_path, source: str):
    shutil.copy(REPO_DIR / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "module.py").write_text(source)
    return tmp_path


def test_a_gate_fails_on_a_planted_problem_and_names_it(tmp_path, capsys):
    lint = Gate("lint", ("ruff", "check", "."))
    assert run_gates((lint,), repo=_project(tmp_path, UNUSED_IMPORT)) == 1
    printed = capsys.readouterr().out
    assert "FAIL  lint" in printed and "F401" in printed and "1 of 1 gates failed: lint" in printed


def test_gates_pass_on_clean_code(tmp_path, capsys):
    gates = (Gate("lint", ("ruff", "check", ".")), Gate("format", ("ruff", "format", "--check", ".")))
    assert run_gates(gates, repo=_project(tmp_path, CLEAN)) == 0
    assert "all 2 gates passed" in capsys.readouterr().out
