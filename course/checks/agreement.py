"""The team's agreement, WAYS-OF-WORKING.md: read against its template, the CI workflow and each step's part.

Every step's ``stepNN_ways_of_working`` check reads the document with ``unwritten_of`` and
``undecided_of`` (the sections so far, written, saying what the step decided, from
``course.core.ways_of_working``); step 12's checks read it against the code.

The document is split into its ``##`` sections; the commands a section names in
backticks are compared with the commands ``.github/workflows/ci.yml`` runs, and
its test command is run, as CI would run it, in a copy of the folder. Every
function reads the files of ``folder`` (the notebook's own folder by default);
those whose name ends in ``_of`` take the document's (or the workflow's) text
instead, so a grader's judge can use them on what it was sent as data.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from course.checks.ci_run import run_script
from course.checks.ci_workflow import commands, load_workflow, parse_workflow, tool_of
from course.checks.fresh_run import scratch_copy
from course.core.ways_of_working import MIN_WORDS, decided_at, headings, template_markdown, uses_term

DOCUMENT = "WAYS-OF-WORKING.md"
ROLES = {
    "data scientist": r"data scientists?",
    "data engineer": r"data engineers?",
    "ML / platform engineer": r"\b(ml|platform)\b[^|\n]{0,14}engineers?",
    "software engineer": r"software engineers?",
}
PLACEHOLDERS = sorted(set(re.findall(r"<[^!>][^>]*>", template_markdown()))) + [
    "YOUR CODE HERE",
    "NotImplementedError",
    "YOUR ANSWER HERE",
    "YOUR TEXT HERE",  # the released stub of a Markdown answer (course.authoring.release.FILE_STUBS)
]


def document(folder: str | Path = ".") -> str:
    """The text of WAYS-OF-WORKING.md."""
    return (Path(folder) / DOCUMENT).read_text()


def sections(folder: str | Path = ".") -> dict[str, str]:
    """The document's ## sections: heading -> text (HTML comments left out)."""
    return sections_of(document(folder))


def sections_of(text: str) -> dict[str, str]:
    """``sections`` of the document's text."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.M)
    return {
        heading.strip(): re.sub(r"<!--.*?-->", "", body, flags=re.S).strip()
        for heading, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def in_order(found: list[str], wanted: list[str]) -> bool:
    """True when every wanted heading is found, in the template's order (other sections may sit between)."""
    positions = [found.index(heading) for heading in wanted if heading in found]
    return len(positions) == len(wanted) and positions == sorted(positions)


def empty_sections(folder: str | Path = ".") -> list[str]:
    """The template's headings whose section has fewer than MIN_WORDS (12) words (a missing section has none)."""
    return empty_sections_of(document(folder))


def empty_sections_of(text: str) -> list[str]:
    """``empty_sections`` of the document's text."""
    return unwritten_of(text, headings())


def placeholders_left(folder: str | Path = ".") -> list[str]:
    """The template's placeholders (and nbgrader's) still in the document."""
    return placeholders_left_of(document(folder))


def placeholders_left_of(text: str) -> list[str]:
    """``placeholders_left`` of the document's text."""
    return [mark for mark in PLACEHOLDERS if mark in text]


def named_commands(heading: str, folder: str | Path = ".") -> list[str]:
    """The commands a section names in backticks (inline or in a fenced block)."""
    return named_commands_of(document(folder), heading)


def named_commands_of(document_text: str, heading: str) -> list[str]:
    """``named_commands`` of the document's text."""
    text = sections_of(document_text).get(heading, "")
    fenced = [line.strip() for block in re.findall(r"```[\w-]*\n(.*?)```", text, re.S) for line in block.splitlines()]
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [" ".join(command.lstrip("$ ").split()) for command in fenced + inline if command.strip()]


def named(heading: str, tool: str, folder: str | Path = ".") -> list[str]:
    """The ``tool`` commands (such as "pytest" or "ruff check") that the section ``heading`` names."""
    return named_of(document(folder), heading, tool)


def named_of(document_text: str, heading: str, tool: str) -> list[str]:
    """``named`` of the document's text."""
    return [command for command in named_commands_of(document_text, heading) if tool_of(command) == tool]


def first_named(heading: str, tool: str, folder: str | Path = ".") -> str:
    """The first ``tool`` command the section names; a clear error when it names none."""
    return first_named_of(document(folder), heading, tool)


def first_named_of(document_text: str, heading: str, tool: str) -> str:
    """``first_named`` of the document's text."""
    found = named_of(document_text, heading, tool)
    if not found:
        raise ValueError(f"{heading} names no {tool} command in backticks")
    return found[0]


def ci_commands(folder: str | Path = ".") -> list[str]:
    """Every command the CI workflow's steps run, with runs of spaces made one."""
    return ci_commands_in(load_workflow(Path(folder) / ".github/workflows/ci.yml"))


def ci_commands_of(workflow_text: str) -> list[str]:
    """``ci_commands`` of the workflow's text."""
    return ci_commands_in(parse_workflow(workflow_text))


def ci_commands_in(workflow: dict) -> list[str]:
    """``ci_commands`` of a parsed workflow."""
    return [
        " ".join(command.split())
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        for command in commands(step.get("run", ""))
    ]


def test_command_outcome(plant_a_failing_test: bool = False, folder: str | Path = ".") -> str:
    """Run the first test command the document names, in a copy of ``folder``: 'passed' or what went wrong."""
    command = first_named("Tests we expect", "pytest", folder)
    copy = scratch_copy(folder)
    try:
        if plant_a_failing_test:
            (copy / "tests" / "test_planted.py").write_text("def test_planted() -> None:\n    assert 1 + 1 == 3\n")
        code, output = run_script(command, copy)  # as CI would run it
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    if code == 0 and re.search(r"\d+ passed", output):
        return "passed"
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return f"exit code {code}: {lines[-1] if lines else '(no output)'}"


def roles_named(heading: str = "Who owns what", folder: str | Path = ".") -> list[str]:
    """The team's roles (``ROLES``) that the section names, in ``ROLES``' order."""
    return roles_named_of(document(folder), heading)


def roles_named_of(document_text: str, heading: str = "Who owns what") -> list[str]:
    """``roles_named`` of the document's text."""
    text = sections_of(document_text).get(heading, "").lower()
    return [role for role, pattern in ROLES.items() if re.search(pattern, text)]


def owner_cells(folder: str | Path = ".") -> list[str]:
    """The owner column of the first table in Who owns what (empty when there is no such table)."""
    return owner_cells_of(document(folder))


def owner_cells_of(document_text: str) -> list[str]:
    """``owner_cells`` of the document's text."""
    rows = [
        line.strip().strip("|").split("|")
        for line in sections_of(document_text).get("Who owns what", "").splitlines()
        if line.strip().startswith("|")
    ]
    if len(rows) < 3:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = next((i for i, name in enumerate(header) if "owner" in name or "who" in name), None)
    return [] if column is None else [row[column].strip() for row in rows[2:] if len(row) > column]


def names_a_role(cell: str) -> bool:
    """Whether ``cell`` names one of the team's roles."""
    return any(re.search(pattern, cell.lower()) for pattern in ROLES.values())


def unwritten_of(document_text: str, wanted: list[str]) -> list[str]:
    """The ``wanted`` sections that are missing or have fewer than MIN_WORDS words (comments left out)."""
    found = sections_of(document_text)
    return [heading for heading in wanted if len(found.get(heading, "").split()) < MIN_WORDS]


def undecided_of(document_text: str, slug: str) -> list[str]:
    """What step ``slug`` decided that its sections do not say yet: ``"heading: term"`` per missing term.

    The terms are ``course.core.ways_of_working``'s for the step; a term counts in any of its spellings.
    """
    found = sections_of(document_text)
    return [
        f"{heading}: {spellings[0]}"
        for heading, terms in decided_at(slug).items()
        for spellings in terms
        if not uses_term(found.get(heading, ""), spellings)
    ]
