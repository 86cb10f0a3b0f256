"""Read solution and hidden-test text out of source notebooks (for leak tests)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^\s*### BEGIN (SOLUTION|HIDDEN TESTS)\s*$")
END = re.compile(r"^\s*### END (SOLUTION|HIDDEN TESTS)\s*$")
HIDDEN_BEGIN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
HIDDEN_END = re.compile(r"^\s*### END HIDDEN TESTS\s*$")


def split_lines(notebook_path: Path) -> tuple[set[str], set[str]]:
    """(secret lines, given lines): stripped lines inside and outside solution/hidden regions."""
    secret, given = set(), set()
    notebook = nbformat.read(str(notebook_path), as_version=4)
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            if BEGIN.match(line):
                inside = True
                continue
            if END.match(line):
                inside = False
                continue
            (secret if inside else given).add(line.strip())
    return secret, given


GENERIC = re.compile(r"^[\w.\"']+[,)\]]*$")  # a lone name or argument, such as `SchemaError,`


def telling(line: str) -> bool:
    """A line long and specific enough that finding it elsewhere means a leak."""
    return (
        len(line) >= 12
        and not line.startswith("#")
        and not GENERIC.match(line)
        and line not in {'"""', "hidden.report()", "check.report()"}
    )


def hidden_test_lines(notebook_path: Path) -> set[str]:
    """Every non-blank line between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, stripped.

    Read straight from the solution notebook, with no length or content filter,
    so it does not share ``course.grading.feedback.hidden_lines``'s notion of
    what is worth hiding.
    """
    lines, inside = set(), False
    for cell in nbformat.read(str(notebook_path), as_version=4).cells:
        for line in cell.source.splitlines():
            if HIDDEN_BEGIN.match(line):
                inside = True
            elif HIDDEN_END.match(line):
                inside = False
            elif inside and line.strip():
                lines.add(line.strip())
    return lines


def secret_hidden_lines(steps) -> set[str]:
    """The hidden test lines of every step that appear nowhere outside a hidden block of the same notebook.

    A line the public checks share (``)``, ``check.report()``) gives nothing away.
    """
    hidden = set()
    for step in steps:
        for name in step.notebooks:
            _, given = split_lines(step.solution_dir / name)
            hidden |= hidden_test_lines(step.solution_dir / name) - given
    return hidden


def assert_pages_hide_hidden_tests(pages: list[Path], hidden: set[str]) -> None:
    """No feedback page shows a hidden test line, a traceback or a code arrow."""
    assert hidden and pages
    for page in pages:
        text = html.unescape(page.read_text())
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{page} shows hidden test lines: {leaked[:3]}"
        assert "Traceback" not in text and "---->" not in text and "most recent call last" not in text
