"""Write a step's reference end state as a repository a reviewer can open, run and test.

The end state is what the step's ``end-state`` cells leave on disk, in order, as
the next step starts from it: each ``%%writefile`` cell writes its file (solution
markers removed), and each other end-state cell's shell lines (``!{sys.executable}
-m ruff format ...``) run in the folder with this Python. The step's data files
come along, so the repository runs as it did in the notebook. The folder becomes a
git repository with one commit, so two steps' end states can be compared with
``git diff --no-index``.

``course end-state STEP --into DIR``; DIR must not exist yet (nothing is overwritten).

``ended_pieces`` is what the next step starts from. For most steps that is the end-state
cells themselves. A step whose end state runs tools on its files (step 11: ``ruff check
--fix`` and ``ruff format``) ends with the files as those tools left them on disk, so the
next step repeats those files, formatted and fixed, and needs no tool cell of its own:
its cells, as a reader sees them, are what is on disk (the journey test and the carry
both use this).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.authoring.journey import code_of, end_state_cells, written_path
from course.core.catalog import SOLUTIONS_DIR, Step
from course.core.errors import UsageError

TOOL_CACHES = (".ipynb_checkpoints", "__pycache__", ".ruff_cache", ".mypy_cache", ".pytest_cache")
NOT_COPIED = shutil.ignore_patterns("*.ipynb", *TOOL_CACHES)


@dataclass(frozen=True)
class EndState:
    """What was written: the files of the step's cells and the commands that ran."""

    files: list[str]
    commands: list[str]


def shell_lines(code: str) -> list[str]:
    """The ``!`` lines of a notebook cell, with ``{sys.executable}`` made this Python."""
    return [
        line[1:].strip().replace("{sys.executable}", sys.executable)
        for line in code.splitlines()
        if line.startswith("!")
    ]


def write_end_state(step: Step, out: Path, solutions_dir: Path = SOLUTIONS_DIR, git: bool = True) -> EndState:
    """Write ``step``'s end state into the new folder ``out``."""
    if out.exists():
        raise UsageError(f"{out} exists already; name a new folder (nothing is overwritten)")
    notebook = nbformat.read(str(solutions_dir / step.slug / step.notebooks[-1]), as_version=4)
    shutil.copytree(solutions_dir / step.slug, out, ignore=NOT_COPIED)
    written, commands = [], []
    for cell in end_state_cells(notebook):
        path = written_path(cell.source)
        if path is not None:
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code_of(cell) + "\n", encoding="utf-8")
            written.append(path)
            continue
        for command in shell_lines(code_of(cell)):
            # As in the notebook, a ``!`` line's exit code does not stop the cell (``ruff check --fix`` exits 1
            # on what only the ``ruff format`` after it fixes); the commands are the course's own text.
            finished = subprocess.run(command, shell=True, cwd=out, capture_output=True)  # noqa: S602
            commands.append(f"{command}  (exit code {finished.returncode})")
    for cache in TOOL_CACHES:
        for found in out.rglob(cache):
            shutil.rmtree(found)
    if git and shutil.which("git"):
        commit_all(out, f"{step.title}: the reference end state of step {step.slug}")
    return EndState(files=sorted(set(written)), commands=commands)


def runs_tools(cells: list) -> bool:
    """Whether end-state cells run commands (``!`` lines) on the files they wrote, as step 11's do."""
    return any(written_path(cell.source) is None and shell_lines(code_of(cell)) for cell in cells)


def ended_pieces(step: Step, solutions_dir: Path = SOLUTIONS_DIR) -> list[tuple[str | None, str]]:
    """What the next step starts from, piece by piece: (the file a piece writes, or None; its code).

    Without tools: each end-state cell as written, except that a file written twice (step 15 writes
    ``logging_setup.py`` unchanged, then as a task's answer) is one piece, where it was first written,
    in its last version. With tools: each file the cells write, once, in the order they first write it,
    as the tools left it (read back from the end state written out here).
    """
    notebook = nbformat.read(str(solutions_dir / step.slug / step.notebooks[-1]), as_version=4)
    cells = end_state_cells(notebook)
    if not runs_tools(cells):
        last = {path: code_of(cell) for cell in cells if (path := written_path(cell.source))}
        pieces: list[tuple[str | None, str]] = []
        for cell in cells:
            path = written_path(cell.source)
            if path is None:
                pieces.append((None, code_of(cell)))
            elif path in last:
                pieces.append((path, last.pop(path)))
        return pieces
    paths = list(dict.fromkeys(path for cell in cells if (path := written_path(cell.source))))
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / step.slug
        write_end_state(step, out, solutions_dir, git=False)
        return [(path, (out / path).read_text(encoding="utf-8").strip()) for path in paths]


def commit_all(folder: Path, message: str) -> None:
    """Make ``folder`` a git repository with everything in one commit."""
    identity = ["-c", "user.name=course", "-c", "user.email=course@example.invalid"]
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)
