"""Step 12's checks: the team's agreement, WAYS-OF-WORKING.md, read against its template and the CI workflow.

The document is split into its ``##`` sections; the commands a section names in
backticks are compared with the commands ``.github/workflows/ci.yml`` runs, and
its test command is run, as CI would run it, in a copy of the folder. Every
function reads the files of ``folder`` (the notebook's own folder by default).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from course.checks.ci_run import run_script
from course.checks.ci_workflow import commands, load_workflow, tool_of
from course.checks.fresh_run import scratch_copy
from course.core.ways_of_working import headings, template_markdown

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
    parts = re.split(r"^## +(.+?)\s*$", document(folder), flags=re.M)
    return {
        heading.strip(): re.sub(r"<!--.*?-->", "", body, flags=re.S).strip()
        for heading, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def in_order(found: list[str], wanted: list[str]) -> bool:
    """True when every wanted heading is found, in the template's order (other sections may sit between)."""
    positions = [found.index(heading) for heading in wanted if heading in found]
    return len(positions) == len(wanted) and positions == sorted(positions)


def empty_sections(folder: str | Path = ".") -> list[str]:
    """The template's headings whose section has fewer than 12 words (a missing section has none)."""
    text = sections(folder)
    return [heading for heading in headings() if len(text.get(heading, "").split()) < 12]


def placeholders_left(folder: str | Path = ".") -> list[str]:
    """The template's placeholders (and nbgrader's) still in the document."""
    text = document(folder)
    return [mark for mark in PLACEHOLDERS if mark in text]


def named_commands(heading: str, folder: str | Path = ".") -> list[str]:
    """The commands a section names in backticks (inline or in a fenced block)."""
    text = sections(folder).get(heading, "")
    fenced = [line.strip() for block in re.findall(r"```[\w-]*\n(.*?)```", text, re.S) for line in block.splitlines()]
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [" ".join(command.lstrip("$ ").split()) for command in fenced + inline if command.strip()]


def named(heading: str, tool: str, folder: str | Path = ".") -> list[str]:
    """The ``tool`` commands (such as "pytest" or "ruff check") that the section ``heading`` names."""
    return [command for command in named_commands(heading, folder) if tool_of(command) == tool]


def first_named(heading: str, tool: str, folder: str | Path = ".") -> str:
    """The first ``tool`` command the section names; a clear error when it names none."""
    found = named(heading, tool, folder)
    if not found:
        raise ValueError(f"{heading} names no {tool} command in backticks")
    return found[0]


def ci_commands(folder: str | Path = ".") -> list[str]:
    """Every command the CI workflow's steps run, with runs of spaces made one."""
    workflow = load_workflow(Path(folder) / ".github/workflows/ci.yml")
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
    text = sections(folder).get(heading, "").lower()
    return [role for role, pattern in ROLES.items() if re.search(pattern, text)]


def owner_cells(folder: str | Path = ".") -> list[str]:
    """The owner column of the first table in Who owns what (empty when there is no such table)."""
    rows = [
        line.strip().strip("|").split("|")
        for line in sections(folder).get("Who owns what", "").splitlines()
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
