"""course.checks.agreement: step 12's reading of WAYS-OF-WORKING.md, against its template and the CI workflow."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from course.checks import agreement
from course.core.ways_of_working import headings, template_markdown

FILLER = "We agreed on this together, wrote it down in plain words and will change it when it stops working for us."
BODIES = {
    "Who owns what": textwrap.dedent("""
        | Part | Owner |
        |------|-------|
        | the data | data engineer |
        | the model | data scientist |
        | the service | software engineer |
        | deployment | ML / platform engineer |
    """),
    "Coding standards": "We run `python -m ruff check penguins tests` and\n\n```bash\n$ python -m mypy penguins\n```\n",
    "Tests we expect": "Every change comes with tests; we run `python -m pytest -q`.",
}
CI = """
    on: push
    jobs:
      checks:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v6
          - run: |
              python -m ruff check   penguins tests
              python -m pytest -q
"""


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def agreement_text(skip: str = "", short: str = "") -> str:
    """A filled-in agreement: every section of the template, each with more than 12 words."""
    parts = ["# How the penguin team works together", "", "Agreed on 1 December 2026 by Ada and Grace."]
    for heading in headings():
        if heading == skip:
            continue
        body = (
            "Too short."
            if heading == short
            else f"<!-- the template's question -->\n{FILLER}\n{BODIES.get(heading, '')}"
        )
        parts += ["", f"## {heading}", "", body]
    return "\n".join(parts) + "\n"


@pytest.fixture
def team(tmp_path) -> Path:
    """A team's folder: its agreement, its CI workflow and one passing test."""
    folder = tmp_path / "team"
    write(folder, agreement.DOCUMENT, agreement_text())
    write(folder, ".github/workflows/ci.yml", textwrap.dedent(CI))
    write(folder, "tests/test_ok.py", "def test_ok() -> None:\n    assert 1 + 1 == 2\n")
    return folder


def test_sections_are_the_headings_with_comments_left_out(team):
    found = agreement.sections(team)
    assert list(found) == headings()
    assert "template's question" not in found["Logging"] and found["Logging"].startswith("We agreed")


def test_in_order_wants_every_heading_in_the_templates_order():
    wanted = headings()
    assert agreement.in_order(["Extra", *wanted], wanted)
    assert not agreement.in_order(wanted[1:], wanted)
    assert not agreement.in_order([wanted[1], wanted[0], *wanted[2:]], wanted)


def test_empty_sections_are_the_short_or_missing_ones(team):
    assert agreement.empty_sections(team) == []
    write(team, agreement.DOCUMENT, agreement_text(skip="Logging", short="Definition of done"))
    assert agreement.empty_sections(team) == ["Logging", "Definition of done"]


def test_the_bare_template_is_all_placeholders_and_a_filled_one_has_none(team):
    assert agreement.placeholders_left(team) == []
    write(team, agreement.DOCUMENT, template_markdown())
    assert {"<your team>", "<date>", "<names>"} <= set(agreement.placeholders_left(team))
    assert not any(mark.startswith("<!") for mark in agreement.PLACEHOLDERS)  # comments are not placeholders


def test_named_commands_come_inline_and_fenced_and_are_sorted_by_tool(team):
    assert agreement.named_commands("Coding standards", team) == [
        "python -m mypy penguins",
        "python -m ruff check penguins tests",
    ]
    assert agreement.named("Coding standards", "ruff check", team) == ["python -m ruff check penguins tests"]
    assert agreement.named("Coding standards", "pytest", team) == []
    assert agreement.first_named("Tests we expect", "pytest", team) == "python -m pytest -q"
    with pytest.raises(ValueError, match="Logging names no pytest command"):
        agreement.first_named("Logging", "pytest", team)


def test_ci_commands_are_the_workflows_run_lines_with_spaces_made_one(team):
    assert agreement.ci_commands(team) == ["python -m ruff check penguins tests", "python -m pytest -q"]


def test_the_test_command_runs_in_a_copy_and_fails_with_a_failing_test(team):
    assert agreement.test_command_outcome(folder=team) == "passed"
    failed = agreement.test_command_outcome(plant_a_failing_test=True, folder=team)
    assert failed.startswith("exit code 1: ") and "1 failed" in failed
    assert not (team / "tests" / "test_planted.py").exists()


def test_a_test_command_that_runs_no_test_does_not_pass(team):
    write(
        team,
        agreement.DOCUMENT,
        agreement_text().replace("`python -m pytest -q`", "`python -m pytest -q tests/test_none.py`"),
    )
    assert agreement.test_command_outcome(folder=team).startswith("exit code 4")


def test_roles_and_owners(team):
    assert agreement.roles_named(folder=team) == list(agreement.ROLES)
    assert agreement.owner_cells(team) == [
        "data engineer",
        "data scientist",
        "software engineer",
        "ML / platform engineer",
    ]
    assert all(agreement.names_a_role(cell) for cell in agreement.owner_cells(team))
    assert not agreement.names_a_role("Bob")
    write(team, agreement.DOCUMENT, agreement_text().replace("| software engineer |", "| Bob |"))
    assert agreement.roles_named(folder=team) == ["data scientist", "data engineer", "ML / platform engineer"]
    assert [cell for cell in agreement.owner_cells(team) if not agreement.names_a_role(cell)] == ["Bob"]


def test_owner_cells_are_empty_without_a_table(team):
    write(team, agreement.DOCUMENT, agreement_text().replace("| Part | Owner |", "Nobody owns anything."))
    assert agreement.owner_cells(team) == []
