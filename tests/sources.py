"""Read solution and hidden-test text out of source notebooks (for leak tests)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^\s*### BEGIN (SOLUTION|HIDDEN TESTS)\s*$")
END = re.compile(r"^\s*### END (SOLUTION|HIDDEN TESTS)\s*$")


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
    """Telling lines that sit between BEGIN and END HIDDEN TESTS."""
    lines, inside = set(), False
    for cell in nbformat.read(str(notebook_path), as_version=4).cells:
        for line in cell.source.splitlines():
            if "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END HIDDEN TESTS" in line:
                inside = False
            elif inside and telling(line.strip()):
                lines.add(line.strip())
    return lines
