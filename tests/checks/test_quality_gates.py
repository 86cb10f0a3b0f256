"""course.checks.quality_gates: step 11's gates, run on a small project and on copies with a problem planted."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from course.checks import quality_gates as gates

PYPROJECT = """
    [project]
    name = "penguins"
    requires-python = ">=3.11"

    [project.optional-dependencies]
    dev = ["pytest>=8", "ruff>=0.17,<0.18"]

    [tool.ruff]
    line-length = 100

    [tool.ruff.lint]
    select = ["E", "W", "F", "I", "B", "UP"]
    extend-select = ["N"]
"""
PRE_COMMIT = """
    repos:
      - repo: https://github.com/astral-sh/ruff-pre-commit
        rev: v0.17.6
        hooks:
          - id: ruff
            args: [--fix]
          - id: ruff-format
"""
WORKFLOW = """
    on: push
    jobs:
      checks:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v6
          - run: python -m ruff check penguins
"""
CHECKLIST = """
    # Review checklist

    ## The change
    - [ ] Does every new function have a test?
    - [x] Is the change described in one sentence?
    * [ ] Are the logs useful to whoever is on call?
"""


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def project(tmp_path) -> Path:
    """A tiny, clean project: a package, a test, the team's configuration."""
    folder = tmp_path / "project"
    write(folder, "pyproject.toml", PYPROJECT)
    write(folder, "penguins/__init__.py", '"""Penguins."""\n')
    write(folder, "penguins/size.py", "def heavy(mass_g: float) -> bool:\n    return mass_g > 5000\n")
    write(
        folder,
        "tests/test_size.py",
        "from penguins.size import heavy\n\n\ndef test_heavy() -> None:\n    assert heavy(6000)\n",
    )
    write(folder, ".pre-commit-config.yaml", PRE_COMMIT)
    write(folder, gates.WORKFLOW, WORKFLOW)
    write(folder, "REVIEW-CHECKLIST.md", CHECKLIST)
    return folder


def test_outcome_is_exit_code_0_on_a_clean_package_and_names_the_first_problem_otherwise(project):
    assert gates.outcome(project, "ruff", "check", "penguins") == "exit code 0"
    (project / "penguins" / "size.py").write_text("import os\n")
    found = gates.outcome(project, "ruff", "check", "--output-format", "concise", "penguins")
    assert found.startswith("exit code 1: ") and "F401" in found


def test_a_planted_problem_fails_the_gate_in_a_copy_and_leaves_the_folder_alone(project):
    before = sorted(path.relative_to(project) for path in project.rglob("*"))
    assert gates.passes_with(None, "ruff", "check", "penguins", folder=project) is True
    assert gates.passes_with("an unused import", "ruff", "check", "penguins", folder=project) is False
    assert gates.passes_with("a badly formatted line", "ruff", "format", "--check", "penguins", folder=project) is False
    assert sorted(path.relative_to(project) for path in project.rglob("*")) == before


def test_every_plant_is_a_python_file_in_the_package_or_its_tests(project):
    assert all(path.startswith(("penguins/", "tests/")) and path.endswith(".py") for path, _ in gates.PLANTS.values())
    with pytest.raises(KeyError):
        gates.in_copy(lambda copy: copy, "a problem nobody planted", project)


def test_selected_rules_joins_select_and_extend_select(project):
    assert gates.selected_rules(project) == {"E", "W", "F", "I", "B", "UP", "N"}
    write(project, "pyproject.toml", '[tool.ruff]\nselect = ["F"]\n')  # the older place for select
    assert gates.selected_rules(project) == {"F"}


def test_comments_switching_off_lists_the_lines_that_silence_a_check(project):
    assert gates.comments_switching_off("noqa", project) == []
    write(project, "tests/test_more.py", "import os  # noqa: F401\nx: int = 'a'  # type: ignore\n")
    assert gates.comments_switching_off("noqa", project) == ["tests/test_more.py:1"]
    assert gates.comments_switching_off(r"type:\s*ignore", project) == ["tests/test_more.py:2"]


def test_the_pre_commit_hooks_their_pin_and_their_order(project):
    assert gates.ruff_hook_ids(project) == ["ruff-check", "ruff-format"]
    assert gates.ruff_rev(project) == "v0.17.6"
    assert gates.fix_runs_before_format(project) is True
    write(
        project,
        ".pre-commit-config.yaml",
        PRE_COMMIT.replace(
            "- id: ruff\n            args: [--fix]\n          - id: ruff-format",
            "- id: ruff-format\n          - id: ruff-check\n            args: [--fix]",
        ),
    )
    assert gates.ruff_hook_ids(project) == ["ruff-format", "ruff-check"]
    assert gates.fix_runs_before_format(project) is False


def test_a_pre_commit_file_without_ruff_or_without_repos_is_a_clear_error(project):
    write(project, ".pre-commit-config.yaml", "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n")
    assert gates.pre_commit(project) == []
    with pytest.raises(ValueError, match="no repo"):
        gates.ruff_rev(project)
    write(project, ".pre-commit-config.yaml", "- just a list\n")
    with pytest.raises(ValueError, match="not a mapping"):
        gates.pre_commit(project)


def test_ruff_requirement_is_the_dev_extras_range_and_matches_nothing_without_one(project):
    assert gates.ruff_requirement(project).contains("0.17.6")
    assert not gates.ruff_requirement(project).contains("0.18.0")
    write(project, "pyproject.toml", '[project]\nname = "penguins"\n')
    assert not gates.ruff_requirement(project).contains("0.17.6")


def test_first_failure_runs_the_workflow_in_a_copy(project):
    assert gates.workflow(project)["on"] == "push"
    assert gates.first_failure(folder=project) is None
    assert (
        gates.first_failure("an unused import", folder=project)
        == "checks / python -m ruff check penguins (exit code 1)"
    )


def test_boxes_are_the_open_items_or_the_ticked_ones(project):
    assert gates.boxes(folder=project) == [
        "Does every new function have a test?",
        "Are the logs useful to whoever is on call?",
    ]
    assert gates.boxes(ticked=True, folder=project) == ["Is the change described in one sentence?"]
    assert "## The change" in gates.checklist(project)


def test_a_noqa_for_s301_with_its_reason_is_the_recorded_decision_and_any_other_is_not(project):
    write(project, "penguins/store.py", "import pickle\nmodel = pickle.loads(b'')  # noqa: S301 (our own folder)\n")
    assert gates.comments_switching_off("noqa", project) == []
    write(project, "penguins/store.py", "import pickle\nmodel = pickle.loads(b'')  # noqa: S301\n")
    assert gates.comments_switching_off("noqa", project) == ["penguins/store.py:2"]
    write(project, "penguins/store.py", "import os  # noqa: F401 (we need it later)\n")
    assert gates.comments_switching_off("noqa", project) == ["penguins/store.py:1"]


STRICT = '[tool.mypy]\npython_version = "3.11"\nstrict = true\n'


def test_strict_mode_is_strict_true_or_every_flag_it_switches_on():
    assert gates.strict_missing_of(STRICT) == []
    assert gates.strict_missing_of(STRICT.replace("true", "false")) != []
    flags = "".join(f"{key} = {str(value).lower()}\n" for key, value in gates.STRICT_SETTINGS.items())
    assert gates.strict_missing_of("[tool.mypy]\n" + flags) == []
    missing = gates.strict_missing_of("[tool.mypy]\n" + flags.replace("warn_return_any = true\n", ""))
    assert missing == ["strict = true (or all of: warn_return_any = true)"]
    assert "check_untyped_defs = true" in gates.strict_missing_of('[tool.mypy]\npython_version = "3.11"\n')[0]


def test_the_security_rules_are_selected_and_switched_off_only_for_asserts_in_the_tests():
    good = '[tool.ruff.lint]\nselect = ["E", "S"]\n[tool.ruff.lint.per-file-ignores]\n"tests/**" = ["S101"]\n'
    assert gates.security_rules_problems_of(good) == []
    assert gates.security_rules_problems_of('[tool.ruff.lint]\nselect = ["ALL"]\n') == []
    assert gates.security_rules_problems_of('[tool.ruff.lint]\nselect = ["E", "SIM"]\n') == [
        "S (the security rules) is not selected"
    ]
    assert gates.security_rules_problems_of('[tool.ruff.lint]\nselect = ["S"]\nignore = ["S301", "SIM108"]\n') == [
        "S301 is ignored everywhere"
    ]
    in_package = good.replace('"tests/**"', '"penguins/artifacts.py"')
    assert gates.security_rules_problems_of(in_package) == ["S101 is ignored in penguins/artifacts.py"]


@pytest.mark.parametrize("problem", ["a pickle load with no reason given", "a shell command"])
def test_ruff_s_catches_the_security_plants_and_without_s_it_does_not(project, problem):
    assert gates.passes_with(problem, "ruff", "check", "penguins", folder=project) is True  # S not selected
    write(project, "pyproject.toml", PYPROJECT.replace('"UP"]', '"UP", "S"]'))
    assert gates.passes_with(None, "ruff", "check", "penguins", folder=project) is True
    assert gates.passes_with(problem, "ruff", "check", "penguins", folder=project) is False


def test_mypy_strict_catches_an_untyped_function_that_the_default_lets_through(project):
    assert gates.passes_with("an untyped function", "mypy", "penguins", folder=project) is True
    write(project, "pyproject.toml", PYPROJECT + "\n" + STRICT)
    assert gates.passes_with(None, "mypy", "penguins", folder=project) is True
    assert gates.passes_with("an untyped function", "mypy", "penguins", folder=project) is False
