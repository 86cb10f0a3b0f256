"""course.checks.ci_workflow and ci_run: a learner's GitHub Actions workflow read as data and run here (step 11)."""

from __future__ import annotations

import textwrap

import pytest

from course.checks.ci_run import run_script, run_workflow
from course.checks.ci_workflow import (
    WorkflowError,
    gate_problems,
    let_through,
    load_workflow,
    permissions_problems,
    pin_problems,
    python_versions,
    runs_on_every_push,
    tool_of,
    triggers,
)

GOOD = """
    name: CI
    on: [push, pull_request]
    jobs:
      checks:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v6
          - uses: actions/setup-python@v6
            with:
              python-version: "3.11"
          - run: python -m pip install -e ".[dev]"
          - run: ruff check penguins tests
          - run: ruff format --check penguins tests
          - run: mypy penguins
          - run: python -m pytest
"""


def workflow(tmp_path, text: str) -> dict:
    path = tmp_path / "ci.yml"
    path.write_text(textwrap.dedent(text))
    return load_workflow(path)


def test_a_bare_on_is_read_as_the_events_not_as_true(tmp_path):
    assert triggers(workflow(tmp_path, GOOD)) == {"push": {}, "pull_request": {}}


@pytest.mark.parametrize(
    "on, every_push",
    [
        ("push", True),
        ("[push]", True),
        ("{push: {branches: [main]}}", False),
        ("{push: {branches: ['**']}}", True),
        ("{pull_request: {}}", False),
    ],
)
def test_every_push_means_no_branch_filter(tmp_path, on, every_push):
    assert runs_on_every_push(workflow(tmp_path, GOOD.replace("on: [push, pull_request]", f"on: {on}"))) is every_push


@pytest.mark.parametrize(
    "command, tool",
    [
        ("ruff check .", "ruff check"),
        ("python -m ruff format --check penguins", "ruff format --check"),
        ("ruff format penguins", "ruff format"),
        ("uv run pytest -q", "pytest"),
        ("python3 -m mypy penguins", "mypy"),
        ("pip install -e '.[dev]'", "install"),
        ("uv sync", "install"),
        ("echo hi", "echo"),
    ],
)
def test_tool_of_names_what_a_command_runs(command, tool):
    assert tool_of(command) == tool


def test_a_complete_workflow_has_no_gate_problems(tmp_path):
    assert gate_problems(workflow(tmp_path, GOOD)) == []
    assert python_versions(workflow(tmp_path, GOOD)) == ["3.11"]


def test_gate_problems_name_a_missing_gate_and_a_missing_checkout(tmp_path):
    broken = GOOD.replace("          - uses: actions/checkout@v6\n", "").replace("--check ", "")
    problems = gate_problems(workflow(tmp_path, broken))
    assert "no step runs ruff format --check" in problems
    assert "job checks: no actions/checkout step before its first gate" in problems


def test_let_through_finds_continue_on_error_and_hidden_exit_codes(tmp_path):
    text = GOOD.replace(
        "- run: ruff check penguins tests", "- run: ruff check penguins tests\n            continue-on-error: true"
    )
    text = text.replace("mypy penguins", "mypy penguins || true")
    assert len(let_through(workflow(tmp_path, text))) == 2


def test_a_job_stops_at_its_first_failing_step(tmp_path):
    flow = workflow(
        tmp_path,
        """
        on: push
        jobs:
          build:
            steps:
              - uses: actions/checkout@v6
              - run: pip install nothing-at-all
              - name: works
                run: echo ok
              - name: breaks
                run: |
                  false
                  echo never
              - name: after
                run: echo skipped
              - name: report
                if: always()
                run: echo reported
    """,
    )
    result = run_workflow(flow, tmp_path)
    assert [(step.name, step.outcome) for step in result.steps] == [
        ("actions/checkout@v6", "skipped"),
        ("pip install nothing-at-all", "passed"),
        ("works", "passed"),
        ("breaks", "failed"),
        ("after", "skipped"),
        ("report", "passed"),
    ]
    assert result.first_failure == "build / breaks (exit code 1)"
    assert "never" not in result.steps[3].output  # bash -e stops the script at the failing line


def test_continue_on_error_lets_the_run_pass(tmp_path):
    flow = workflow(
        tmp_path,
        """
        on: push
        jobs:
          lint:
            steps:
              - run: exit 1
                continue-on-error: true
    """,
    )
    assert run_workflow(flow, tmp_path).passed


def test_a_file_that_is_not_a_workflow_is_refused(tmp_path):
    with pytest.raises(WorkflowError, match="no jobs"):
        workflow(tmp_path, "on: push\n")
    with pytest.raises(WorkflowError, match="no workflow"):
        load_workflow(tmp_path / "missing.yml")


HARDENED = """
    name: CI
    on: [push, pull_request]
    permissions:
      contents: read
    jobs:
      checks:
        runs-on: ubuntu-latest
        strategy:
          matrix:
            python-version: ["3.11", "3.13"]
        steps:
          - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8  # v6.0.1
          - uses: actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c  # v6.0.0
            with:
              python-version: ${{ matrix.python-version }}
          - run: python -m pip install -e ".[dev]"
          - run: ruff check penguins tests
          - run: ruff format --check penguins tests
          - run: mypy penguins
          - run: python -m pytest
"""


def hardened_with(old: str, new: str) -> str:
    assert old in HARDENED
    return textwrap.dedent(HARDENED.replace(old, new))


def test_a_hardened_workflow_tests_two_pythons_pins_its_actions_and_only_reads(tmp_path):
    ci = workflow(tmp_path, HARDENED)
    assert python_versions(ci) == ["3.11", "3.13"]
    assert pin_problems(ci, textwrap.dedent(HARDENED)) == []
    assert permissions_problems(ci) == []
    assert gate_problems(ci) == [] and let_through(ci) == []


def test_an_action_pinned_by_tag_or_branch_is_named(tmp_path):
    text = hardened_with("@e797f83bcb11b83ae66e0230d6156d7c80228e7c  # v6.0.0", "@v6")
    assert pin_problems(workflow(tmp_path, text), text) == [
        "actions/setup-python@v6: pin it to a full 40-hex commit SHA"
    ]
    text = hardened_with("@8e8c483db84b4bee98b60c0593521ed34d9990e8  # v6.0.1", "@main")
    assert pin_problems(workflow(tmp_path, text), text) == ["actions/checkout@main: pin it to a full 40-hex commit SHA"]
    short = hardened_with("@8e8c483db84b4bee98b60c0593521ed34d9990e8", "@8e8c483")  # a short SHA can collide
    assert len(pin_problems(workflow(tmp_path, short), short)) == 1


def test_a_pin_without_its_tag_in_a_comment_is_named(tmp_path):
    text = hardened_with("  # v6.0.1", "")
    assert pin_problems(workflow(tmp_path, text), text) == [
        "actions/checkout@8e8c483...: name its tag in a comment (# v6.0.1)"
    ]
    text = hardened_with("# v6.0.1", "# the checkout")
    assert len(pin_problems(workflow(tmp_path, text), text)) == 1


def test_permissions_missing_or_writing_are_named(tmp_path):
    missing = workflow(tmp_path, hardened_with("    permissions:\n      contents: read\n", ""))
    assert permissions_problems(missing) == [
        "no top-level permissions: (the token gets the repository's default, often write)"
    ]
    assert permissions_problems(workflow(tmp_path, hardened_with("contents: read", "contents: write"))) == [
        "workflow: contents: write"
    ]
    everything = hardened_with("permissions:\n      contents: read", "permissions: write-all")
    assert permissions_problems(workflow(tmp_path, everything)) == ["workflow: permissions: write-all"]
    in_a_job = hardened_with(
        "runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n        permissions:\n          packages: write"
    )
    assert permissions_problems(workflow(tmp_path, in_a_job)) == ["job checks: packages: write"]


def test_one_python_is_one_version_and_a_matrix_is_each(tmp_path):
    one = hardened_with("${{ matrix.python-version }}", '"3.11"')
    assert python_versions(workflow(tmp_path, one)) == ["3.11"]


def test_a_src_layout_projects_package_is_importable_where_its_skipped_install_would_have_put_it(tmp_path):
    (tmp_path / "src" / "birdpkg").mkdir(parents=True)
    (tmp_path / "src" / "birdpkg" / "__init__.py").write_text("NAME = 'installed'\n")
    script = 'pip install ".[dev]"\npython -c "import birdpkg; print(birdpkg.NAME)"'
    assert run_script(script, tmp_path)[0] != 0  # no pyproject.toml: not a project, nothing is added
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "birdpkg"\n')
    code, output = run_script(script, tmp_path)
    assert (code, output.strip().splitlines()[-1]) == (0, "installed")
