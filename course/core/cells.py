"""What an nbgrader cell is, read from its metadata and markers: one definition for every tool of the course.

nbgrader keeps a cell's role in ``cell.metadata["nbgrader"]`` and marks, inside
a cell's source, the answer (``### BEGIN/END SOLUTION``, replaced by a stub on
release) and the hidden tests (``### BEGIN/END HIDDEN TESTS``, removed on release).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

NBGRADER = "nbgrader"  # the metadata key
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
# nbgrader finds a hidden tests marker anywhere in a line, by these words
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS = f"### {BEGIN_HIDDEN}", f"### {END_HIDDEN}"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"  # nbgrader's Python stub for a solution region
SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata (empty when it has none, or when it is not a dict)."""
    meta = cell.get("metadata", {}).get(NBGRADER, {})
    return meta if isinstance(meta, dict) else {}


def has_nbgrader_meta(cell) -> bool:
    """True when the cell carries nbgrader metadata at all."""
    return NBGRADER in cell.get("metadata", {})


def grade_id_of(cell) -> str:
    """The cell's nbgrader grade id, or "" when it has none (or one that is not a string)."""
    grade_id = nbgrader_meta(cell).get("grade_id")
    return grade_id if isinstance(grade_id, str) else ""


def is_graded_test(cell) -> bool:
    """An autograder-tests cell: code, graded, not an answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer(cell) -> bool:
    """A code cell the learner writes and the tests exercise: a solution, not graded itself."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("solution")) and not meta.get("grade")


def is_solution(cell) -> bool:
    """Any cell nbgrader treats as the learner's (code answer or manually graded text)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_protected(cell) -> bool:
    """A cell the learner may not change: locked, or a graded test."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("locked")) or (bool(meta.get("grade")) and not meta.get("solution"))


def without_solution_markers(source: str) -> str:
    """A solution cell's source with the BEGIN/END SOLUTION marker lines removed."""
    return "\n".join(line for line in source.splitlines() if not SOLUTION_MARKER.match(line))


def hidden_test_lines(source: str) -> Iterator[tuple[str, bool]]:
    """(line, inside a hidden tests region) for every line of ``source`` but the markers themselves."""
    inside = False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        else:
            yield line, inside


def without_hidden_tests(source: str) -> str:
    """``source`` without its BEGIN/END HIDDEN TESTS regions (as nbgrader releases it)."""
    return "\n".join(line for line, inside in hidden_test_lines(source) if not inside)
