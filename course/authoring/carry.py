"""Carry a changed end state forward: the later steps start from it and keep its unchanged files.

Every step's notebook repeats the files it does not change: once, rendered, in its
``starting-point`` markdown cell ("Where we start"), and once as a collapsed,
locked ``%%writefile`` cell that writes the file unchanged. When an author fixes a
file in step N, this writes the fix into every later step that carries the file
unchanged, one step after the other:

* each fenced block of step N+1's starting point becomes the matching end-state
  cell of step N (same order; the blocks' number must match, or the author edits
  that cell by hand and runs this again);
* each locked, hidden end-state ``%%writefile`` cell of step N+1 gets step N's
  last version of its file.

A step whose end state runs tools on its files (step 11's ``ruff check --fix`` and
``ruff format``) ends with the files as the tools left them
(``course.authoring.end_state.ended_pieces``): the next step's starting point shows one
block per file and its collapsed cells write them, formatted and fixed, so what a reader
sees is what is on disk.

Cells a step writes itself (its tasks) are never touched.
``python -m course.authoring.carry SLUG`` carries SLUG's end state to the end of
the course; then release the changed steps. ``tests/authoring/test_journey.py``
holds the result.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from course.authoring.end_state import ended_pieces
from course.authoring.journey import (
    STARTING_POINT_TAG,
    code_of,
    end_state_cells,
    moved_path,
    moves_of,
    tags_of,
    written_path,
)
from course.core.catalog import SOLUTIONS_DIR, load_steps

FENCED_BLOCK = re.compile(r"(```[\w-]*\n)(.*?)(\n```)", re.S)


class CarryError(Exception):
    """A step's starting point cannot be matched with the step before it."""


def last_versions(notebook) -> dict[str, str]:
    """Each file the end state writes, in its last version (code without markers)."""
    files: dict[str, str] = {}
    for cell in end_state_cells(notebook):
        path = written_path(cell.source)
        if path:
            files[path] = code_of(cell)
    return files


def is_carried_copy(cell) -> bool:
    """A collapsed, locked cell that writes a file this step does not change."""
    nbgrader = cell.metadata.get("nbgrader", {})
    hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
    return bool(hidden and nbgrader.get("locked") and not nbgrader.get("solution") and not nbgrader.get("grade"))


def starting_pieces(notebook) -> int:
    """How many pieces the starting point shows: fenced blocks of its markdown cells, and its code cells."""
    count = 0
    for cell in notebook.cells:
        if STARTING_POINT_TAG in tags_of(cell):
            count += len(FENCED_BLOCK.findall(cell.source)) if cell.cell_type == "markdown" else 1
    return count


def carry_into(previous, notebook, name: str, pieces: list[tuple[str | None, str]] | None = None) -> bool:
    """Make ``notebook`` start from ``previous``'s end state; True when anything changed.

    ``pieces`` is that end state as ``ended_pieces`` gives it (needed when the step before ran tools);
    by default, ``previous``'s end-state cells.
    """
    if pieces is None:
        pieces = [(written_path(cell.source), code_of(cell)) for cell in end_state_cells(previous)]
    ended = [code for _, code in pieces]
    if starting_pieces(notebook) != len(ended):
        raise CarryError(
            f"{name}: its starting point shows {starting_pieces(notebook)} pieces of code, the step before ends "
            f"with {len(ended)} (a cell each, or a file each when its tools ran); edit the starting-point cells "
            "by hand, then run this again"
        )
    codes = iter(ended)
    changed = False
    for cell in notebook.cells:
        if STARTING_POINT_TAG not in tags_of(cell):
            continue
        if cell.cell_type == "markdown":
            source = FENCED_BLOCK.sub(lambda match: match.group(1) + next(codes) + match.group(3), cell.source)
        else:
            path = written_path(cell.source)
            source = f"%%writefile {path}\n{next(codes)}" if path else next(codes)
        changed |= source != cell.source
        cell.source = source
    moves = moves_of(notebook)  # a step that moves files (step 13's src/ layout) writes them in their new place
    files = {moved_path(path, moves): code for path, code in pieces if path}  # a file written twice: its last version
    for cell in end_state_cells(notebook):
        path = written_path(cell.source)
        if path in files and is_carried_copy(cell):
            source = f"%%writefile {path}\n{files[path]}"
            changed |= source != cell.source
            cell.source = source
    return changed


def carry_forward(slug: str, solutions_dir: Path = SOLUTIONS_DIR) -> list[Path]:
    """Carry step ``slug``'s end state to every later step under ``solutions_dir``; the notebooks that changed."""
    steps = load_steps()
    slugs = [step.slug for step in steps]
    if slug not in slugs:
        raise CarryError(f"no step {slug!r}; the steps are {', '.join(slugs)}")
    start = slugs.index(slug)
    previous = nbformat.read(str(solutions_dir / slug / steps[start].notebooks[-1]), as_version=4)
    changed = []
    for before, step in zip(steps[start:], steps[start + 1 :], strict=False):
        if len(step.notebooks) != 1:
            raise CarryError(f"{step.slug} has {len(step.notebooks)} notebooks; carry handles one per step")
        path = solutions_dir / step.slug / step.notebooks[0]
        notebook = nbformat.read(str(path), as_version=4)
        # ``before`` is on disk as carried so far: each changed notebook is written before the next is read.
        if carry_into(previous, notebook, step.slug, ended_pieces(before, solutions_dir)):
            nbformat.write(notebook, str(path))
            changed.append(path)
        previous = notebook
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.authoring.carry", description=__doc__.split("\n")[0])
    parser.add_argument("slug", help="the step whose end state changed, e.g. 09-pipeline-cli")
    args = parser.parse_args(argv)
    try:
        changed = carry_forward(args.slug)
    except CarryError as error:
        print(f"carry: {error}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"carried into {path}")
    print(f"{len(changed)} notebook(s) changed; now release them: python -m course.cli release <slugs>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
