"""Take in one learner's folder for one step: find, read and repair its notebooks before nbgrader runs.

Nothing here runs learner code. For each notebook the step expects it finds
the file (or the one notebook submitted under another name), reads it (a file
that is not JSON or not a notebook is reported, not crashed on), and repairs
its cells against the released notebook (``course.grading.repair``).

Every repair is reported as a status; files the step does not use are
listed and left out of grading. The learner's folder itself is never read
here: ``course.grading.submission_files`` first copies it into a folder of the
grader's (refusing links, FIFOs, devices and files too big), and only that copy is read.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import nbformat

from course.core.cells import (
    grade_id_of,
)
from course.grading.repair import repair
from course.grading.result import listed
from course.grading.submission_files import Copied, Refused, copy_submission, plain, read_file, shown
from course.grading.team import TEAM_FILES, read_team

MAX_NESTING = 100  # JSON levels; a notebook needs about ten
MAX_CELLS = 5000


@dataclass
class Intake:
    """What grading gets from a submission folder: the repaired notebooks and the problems found."""

    notebooks: dict = field(default_factory=dict)  # expected notebook name -> repaired NotebookNode
    problems: list = field(default_factory=list)
    team: list = field(default_factory=list)  # the other members its PAIR.txt names (course.grading.team)


def is_ignored(relative: PurePath, ignore: list[str]) -> bool:
    """Files nobody needs graded: hidden files, checkpoints, caches, what the notebook wrote when run."""
    return any(
        part.startswith(".") or any(fnmatch.fnmatch(part, pattern) for pattern in ignore) for part in relative.parts
    )


def nesting(data) -> int:
    """How deep JSON ``data`` nests (lists and objects), counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            stack += [(item, depth + 1) for item in (value.values() if isinstance(value, dict) else value)]
    return deepest


# -- reading ---------------------------------------------------------------------------


def rebuild(data: dict):
    """A valid notebook made from the cells of a JSON notebook that does not follow the format."""
    makers = {
        "code": nbformat.v4.new_code_cell,
        "markdown": nbformat.v4.new_markdown_cell,
        "raw": nbformat.v4.new_raw_cell,
    }
    notebook = nbformat.v4.new_notebook()
    cells = data.get("cells")
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str) or cell["cell_type"] not in makers:
            continue
        source = cell.get("source", "")
        source = "".join(str(line) for line in source) if isinstance(source, list) else str(source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        notebook.cells.append(makers[cell["cell_type"]](source=source, metadata=metadata))
    return notebook


def read_notebook(path: Path, name: str) -> tuple[Any, list[str]]:
    """(notebook, problems) for the file at ``path``, reported under ``name``; notebook None when unusable.

    ``path`` is in the grader's copy of the submission; a link, a FIFO or a file over
    ``submission_files.MAX_FILE_BYTES`` is refused all the same.
    """
    try:
        text = read_file(path, name).decode("utf-8")
        data = json.loads(text)
    except Refused as refused:
        return None, [str(refused).replace("refused-input: ", "invalid-notebook: ", 1)]
    except UnicodeDecodeError:
        return None, [f"invalid-notebook: {name} is not a text file"]
    except json.JSONDecodeError as error:
        return None, [f"invalid-notebook: {name} is not valid JSON (line {error.lineno}, column {error.colno})"]
    except RecursionError:
        return None, [f"invalid-notebook: {name} nests JSON more than {MAX_NESTING} levels deep"]
    except ValueError as error:  # a number too long to read, ...
        return None, [f"invalid-notebook: {name} is not valid JSON ({plain(str(error).split(';')[0], 80)})"]
    if not isinstance(data, dict) or not (isinstance(data.get("cells"), list) or "worksheets" in data):
        return None, [f"invalid-notebook: {name} is JSON but not a notebook (it has no cells)"]
    if nesting(data) > MAX_NESTING:
        return None, [f"invalid-notebook: {name} nests JSON more than {MAX_NESTING} levels deep"]
    if isinstance(data.get("cells"), list) and len(data["cells"]) > MAX_CELLS:
        return None, [f"invalid-notebook: {name} has more than {MAX_CELLS} cells"]
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
        return notebook, []
    except Exception:  # readable JSON that breaks the format: keep its cells
        return rebuild(data), [f"notebook-rebuilt: {name} did not follow the notebook format; its cells were kept"]


# -- the whole folder ---------------------------------------------------------------------------


def find_notebooks(folder: Path, expected: tuple[str, ...], files: Sequence[PurePath]) -> tuple[dict, list[str]]:
    """expected name -> the file to grade for it; and problems for the ones not found."""
    notebooks = [f for f in files if f.suffix == ".ipynb"]
    found = {name: folder / name for name in expected if PurePath(name) in notebooks}
    missing = [name for name in expected if name not in found]
    others = [f for f in notebooks if f.as_posix() not in expected]
    if len(missing) == 1 and len(others) == 1:
        found[missing[0]] = folder / others[0]
        return found, [f"misnamed-notebook: graded {shown(others[0].as_posix())} as {missing[0]}"]
    hint = f"found {listed([shown(f.as_posix()) for f in others])}" if others else "no notebook submitted"
    return found, [f"missing-notebook: {name} ({hint})" for name in missing]


def take_in(
    folder: Path,
    expected: tuple[str, ...],
    release_dir: Path,
    ignore: list[str],
    scratch: str | None = None,
    learner: str = "",
) -> Intake:
    """Copy ``folder`` (``<learner>/<step>``) into a scratch folder of the grader's, then read and repair
    the notebooks of the copy against the released ones in ``release_dir``.

    Only the notebooks are graded: the step's own files come from the release, and
    learner files are written by the notebook's cells. ``ignore``: patterns of files nobody
    needs graded (nbgrader's ``CourseDirectory.ignore``), never looked at. The team file
    (``PAIR.txt``) of ``learner``'s folder is read from the copy too.
    """
    with tempfile.TemporaryDirectory(prefix="intake-", dir=scratch) as copy_dir:
        try:
            copied = copy_submission(folder, Path(copy_dir) / "submission", lambda path: is_ignored(path, ignore))
        except Refused as refused:
            return Intake(problems=[str(refused)])
        return read_copy(Path(copy_dir) / "submission", copied, expected, release_dir, learner)


def read_copy(folder: Path, copied: Copied, expected: tuple[str, ...], release_dir: Path, learner: str = "") -> Intake:
    """``take_in`` for ``folder``, the grader's copy of a submission (what ``copy_submission`` said of it)."""
    intake, files = Intake(), [f for f in copied.files if f.as_posix() not in TEAM_FILES]
    refused = {name for name in expected if PurePath(name) in copied.refused}  # named by a refused-input status
    paths, problems = find_notebooks(folder, tuple(n for n in expected if n not in refused), files)
    intake.problems = copied.problems() + problems
    for name in expected:
        if name not in paths:
            continue
        notebook, problems = read_notebook(paths[name], name)
        intake.problems += problems
        if notebook is None:
            continue
        released = nbformat.read(str(release_dir / name), as_version=4)
        notebook.metadata = copy.deepcopy(released.metadata)  # the kernel to run it with is the course's choice
        code_ids = {grade_id_of(cell) for cell in released.cells if cell.cell_type == "code"}
        notebook, repairs = repair(notebook, released)
        intake.problems += repairs.statuses(name, code_ids)
        intake.notebooks[name] = notebook
    used = {PurePath(path.relative_to(folder)) for path in paths.values()}
    given = {PurePath(path.relative_to(release_dir)) for path in release_dir.rglob("*") if path.is_file()}
    named = len(paths) < len(expected)  # the missing-notebook status already names the other notebooks
    extra = [
        shown(f.as_posix()) for f in files if f not in used and f not in given and not (named and f.suffix == ".ipynb")
    ]
    if extra:
        intake.problems.append(f"extra-files-ignored: {listed(extra)}")
    intake.team, problems = read_team(folder, copied, learner)
    intake.problems += problems
    return intake
