"""The thread between steps: step N starts where step N-1 ended.

A step's source notebook tags the code cells that make up its end state with
``end-state``. The next step shows that code, read-only, in a markdown cell
tagged ``starting-point``. ``tests/authoring/test_journey.py`` checks the two agree, so
the starting code of step N is always the answer of step N-1. When step N-1's end state
runs tools on its files (step 11's ruff fixes and formatter), step N starts from the files
as the tools left them, one block per file (``course.authoring.end_state.ended_pieces``).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from course.core.cells import without_solution_markers as without_markers

END_STATE_TAG = "end-state"
STARTING_POINT_TAG = "starting-point"


def tags_of(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def code_of(cell) -> str:
    """A code cell's source without solution markers or a leading ``%%writefile`` line."""
    lines = without_markers(cell.source).splitlines()
    if lines and lines[0].startswith("%%writefile"):
        lines = lines[1:]
    return "\n".join(lines).strip()


def end_state_cells(notebook) -> list:
    """A step's ``end-state`` cells, in order."""
    return [cell for cell in notebook.cells if END_STATE_TAG in tags_of(cell)]


def written_path(source: str) -> str | None:
    """The file a ``%%writefile`` cell writes, or None for another cell."""
    first = source.split("\n", 1)[0]
    return first.split()[-1] if first.startswith("%%writefile") else None


def moves_of(notebook) -> dict[str, str]:
    """The folders a step moves the previous step's files into: old prefix -> new prefix.

    Read from the notebook's metadata, ``{"course": {"moves": {"penguins/": "src/penguins/"}}}``: step 13
    moves the package into a ``src/`` layout, so its collapsed cells write step 12's ``penguins/data.py``
    as ``src/penguins/data.py``, and the carry and the journey test follow the file there.
    """
    return dict(notebook.get("metadata", {}).get("course", {}).get("moves", {}))


def moved_path(path: str, moves: dict[str, str]) -> str:
    """``path`` where a step's ``moves`` put it (unchanged when no move applies)."""
    for old, new in moves.items():
        if path.startswith(old):
            return new + path[len(old) :]
    return path


def end_state_code(notebook_path: Path) -> str:
    """The code of a step's end state: its ``end-state`` cells, solved, in order."""
    notebook = nbformat.read(str(notebook_path), as_version=4)
    return "\n\n".join(code_of(cell) for cell in end_state_cells(notebook))


def starting_point_code(notebook_path: Path) -> str:
    """The code a step starts from: its ``starting-point`` cells, in order.

    A markdown cell contributes the fenced code blocks it shows; a code cell (for
    example a read-only ``%%writefile`` cell) contributes its code.
    """
    notebook = nbformat.read(str(notebook_path), as_version=4)
    blocks = []
    for cell in notebook.cells:
        if STARTING_POINT_TAG not in tags_of(cell):
            continue
        if cell.cell_type == "markdown":
            blocks += [block.strip() for block in re.findall(r"```[\w-]*\n(.*?)\n```", cell.source, re.S)]
        else:
            blocks.append(code_of(cell))
    return "\n\n".join(blocks)
