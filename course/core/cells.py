"""What an nbgrader cell is, read from its metadata: one definition for every tool of the course."""

from __future__ import annotations


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata (empty when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_graded_test(cell) -> bool:
    """An autograder-tests cell: code, graded, not an answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer(cell) -> bool:
    """A code cell the learner writes and the tests exercise: a solution, not graded itself."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("solution")) and not meta.get("grade")
