"""Take in one learner's folder for one step: find, read and repair its notebooks before nbgrader runs.

Nothing here runs learner code. For each notebook the step expects it finds
the file (or the one notebook submitted under another name), reads it (a file
that is not JSON or not a notebook is reported, not crashed on), and repairs
its cells against the released notebook:

* locked cells (given code and graded tests) are restored to the released
  text when edited, re-inserted when deleted, and recognised by their text
  when the notebook lost its nbgrader metadata;
* copies of a cell (a duplicated grade id) run as plain cells.

Every repair is reported as a status; files the step does not use are
listed and left out of grading. The learner's folder itself is never read
here: ``course.grading.submission_files`` first copies it into a folder of the
grader's (refusing links, FIFOs, devices and files too big), and only that copy is read.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import nbformat

from course.core.cells import NBGRADER, grade_id_of, has_nbgrader_meta, is_protected, without_hidden_tests
from course.grading.submission_files import Copied, Refused, copy_submission, plain, read_file, shown

MAX_LISTED = 4
MAX_NESTING = 100  # JSON levels; a notebook needs about ten
MAX_CELLS = 5000


@dataclass
class Intake:
    """What grading gets from a submission folder: the repaired notebooks and the problems found."""

    notebooks: dict = field(default_factory=dict)  # expected notebook name -> repaired NotebookNode
    problems: list = field(default_factory=list)


def listed(names: list[str]) -> str:
    """'a, b, c' with at most MAX_LISTED names, then 'and N more'."""
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


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


# -- repairing ------------------------------------------------------------------------------


def fresh_copy(cell):
    """The released cell, without outputs."""
    restored = copy.deepcopy(cell)
    if restored.cell_type == "code":
        restored.outputs, restored.execution_count = [], None
    return restored


def same_text(submitted, released) -> bool:
    """True when a submitted cell still reads as released (a solution notebook's hidden tests aside)."""
    return (
        submitted.cell_type == released.cell_type
        and without_hidden_tests(submitted.source).strip() == released.source.strip()
    )


@dataclass
class Repairs:
    """Which cells were repaired, by kind (grade ids)."""

    edited: list = field(default_factory=list)
    matched: list = field(default_factory=list)
    restored: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)

    def statuses(self, name: str, code_ids: set[str]) -> list[str]:
        edited = [i for i in self.edited if i in code_ids]
        restored = [i for i in self.restored if i in code_ids]
        found = []
        if self.matched:
            found.append(
                f"metadata-restored: {name} had lost its nbgrader metadata; "
                f"{len(self.matched)} given cells were recognised by their text"
            )
        if restored:
            found.append(f"deleted-cells-restored: {name}: {listed(restored)}")
        if edited:
            found.append(f"edited-locked-cells-restored: {name}: {listed(edited)}")
        if self.duplicates:
            found.append(f"duplicate-cells: {name}: copies of {listed(self.duplicates)} ran as plain cells")
        return found


def repair(notebook, released) -> tuple[object, Repairs]:
    """``notebook`` with its given cells as ``released`` has them; and what was repaired.

    A given cell that is missing goes back just before the next given cell that
    is present, so it follows the learner's answer to it.
    """
    reference = {grade_id_of(cell): cell for cell in released.cells if grade_id_of(cell)}
    protected = [i for i, cell in reference.items() if is_protected(cell)]
    repairs, seen, cells = Repairs(), set(), []
    for cell in notebook.cells:  # cells that carry nbgrader metadata
        known = grade_id_of(cell)
        if known in reference and known not in seen:
            seen.add(known)
            if known in protected:
                if not same_text(cell, reference[known]):
                    repairs.edited.append(known)
                cell = fresh_copy(reference[known])
            else:
                cell.metadata[NBGRADER] = copy.deepcopy(reference[known].metadata[NBGRADER])
        elif has_nbgrader_meta(cell):
            if known in seen:
                repairs.duplicates.append(known)
            del cell.metadata[NBGRADER]  # a copy, or a cell this step does not have
        cells.append(cell)
    for index, cell in enumerate(cells):  # given cells that lost their metadata, recognised by their text
        if not grade_id_of(cell):
            match = next((i for i in protected if i not in seen and same_text(cell, reference[i])), None)
            if match:
                cells[index] = fresh_copy(reference[match])
                seen.add(match)
                repairs.matched.append(match)
    order = list(reference)
    for position, missing in enumerate(order):  # given cells that are gone: back before their successor
        if missing in protected and missing not in seen:
            present = [grade_id_of(cell) for cell in cells]
            later = [i for i in order[position + 1 :] if i in present]
            at = present.index(later[0]) if later else len(cells)
            cells.insert(at, fresh_copy(reference[missing]))
            seen.add(missing)
            repairs.restored.append(missing)
    notebook.cells = cells
    unique_cell_ids(notebook)
    return notebook, repairs


def unique_cell_ids(notebook) -> None:
    """Give every cell an id of its own (copies and restored cells can share one)."""
    seen = set()
    for cell in notebook.cells:
        if "id" not in cell or cell["id"] in seen:
            cell["id"] = secrets.token_hex(4)
        seen.add(cell["id"])


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
    folder: Path, expected: tuple[str, ...], release_dir: Path, ignore: list[str], scratch: str | None = None
) -> Intake:
    """Copy ``folder`` (``<learner>/<step>``) into a scratch folder of the grader's, then read and repair
    the notebooks of the copy against the released ones in ``release_dir``.

    Only the notebooks are graded: the step's own files come from the release, and
    learner files are written by the notebook's cells. ``ignore``: patterns of files nobody
    needs graded (nbgrader's ``CourseDirectory.ignore``), never looked at.
    """
    with tempfile.TemporaryDirectory(prefix="intake-", dir=scratch) as copy_dir:
        try:
            copied = copy_submission(folder, Path(copy_dir) / "submission", lambda path: is_ignored(path, ignore))
        except Refused as refused:
            return Intake(problems=[str(refused)])
        return read_copy(Path(copy_dir) / "submission", copied, expected, release_dir)


def read_copy(folder: Path, copied: Copied, expected: tuple[str, ...], release_dir: Path) -> Intake:
    """``take_in`` for ``folder``, the grader's copy of a submission (what ``copy_submission`` said of it)."""
    intake, files = Intake(), copied.files
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
    return intake
