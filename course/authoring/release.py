"""``course release``: make exercises/ from solutions/ through nbgrader.

The output is deterministic: no outputs, no execution counts, no checkpoints,
notebooks written the same way every time, so a diff of exercises/ shows only
what changed in solutions/. ``--check`` regenerates into a scratch folder and
names every file that differs from what is committed.

nbgrader replaces every answer region with its Python stub (``# YOUR CODE HERE`` and
``raise NotImplementedError()``). In a ``%%writefile`` answer cell that writes an
HTML, Markdown, TOML or YAML file that stub would be text of the file (and its
``raise`` line makes a TOML or YAML file invalid), so the release puts a comment of
that file's own kind in its place (``FILE_STUBS``).
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

import nbformat

from course.core.catalog import EXERCISES_DIR, Step
from course.core.cells import CODE_STUB, is_solution
from course.grading.nbgrader_setup import copy_source, generate, make_api

# The stub of an answer region in a %%writefile cell, by the written file's suffix.
FILE_STUBS = {
    ".html": "<!-- YOUR HTML HERE: replace this comment -->",
    ".md": "<!-- YOUR TEXT HERE: replace this comment -->",
    ".toml": "# YOUR TOML HERE: replace this comment",
    ".yaml": "# YOUR YAML HERE: replace this comment",
    ".yml": "# YOUR YAML HERE: replace this comment",
}


def file_stub(source: str) -> str | None:
    """The stub for ``source``'s answer regions when it is a ``%%writefile`` cell of a file in ``FILE_STUBS``."""
    first = source.split("\n", 1)[0].split()
    if len(first) < 2 or first[0] != "%%writefile":
        return None
    return FILE_STUBS.get(Path(first[-1]).suffix.lower())


def _update_checksum(cell) -> None:
    """Recompute nbgrader's checksum of a cell whose released text we changed, as nbgrader would."""
    from nbgrader.utils import compute_checksum

    if "checksum" in cell.metadata.get("nbgrader", {}):
        cell.metadata.nbgrader["checksum"] = compute_checksum(cell)


def normalise_notebook(path: Path) -> None:
    """Strip outputs and execution counts, give file answers their own stubs, write the notebook in a stable form."""
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            stub = file_stub(cell.source) if is_solution(cell) else None
            if stub and CODE_STUB in cell.source:
                cell.source = cell.source.replace(CODE_STUB, stub)
                _update_checksum(cell)
    nbformat.write(notebook, str(path))


def build_release(steps: list[Step], out_dir: Path) -> None:
    """Write the released version of each step into ``out_dir/<slug>``."""
    with tempfile.TemporaryDirectory(prefix="course-release-") as scratch:
        root = Path(scratch)
        api = make_api(root)
        for step in steps:
            copy_source(step.solution_dir, root)
            generate(api, root, step.slug)
            released = root / "exercises" / step.slug
            for notebook in released.rglob("*.ipynb"):
                normalise_notebook(notebook)
            target = out_dir / step.slug
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(released, target)


def release(steps: list[Step], exercises_dir: Path = EXERCISES_DIR) -> None:
    """Regenerate ``exercises/<slug>`` for every step in ``steps``."""
    exercises_dir.mkdir(exist_ok=True)
    build_release(steps, exercises_dir)


def _files(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def release_differences(steps: list[Step], exercises_dir: Path = EXERCISES_DIR) -> list[str]:
    """Every file under exercises/ that a fresh release would add, change or remove."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="course-release-check-") as scratch:
        fresh_dir = Path(scratch)
        build_release(steps, fresh_dir)
        for step in steps:
            fresh, committed = fresh_dir / step.slug, exercises_dir / step.slug
            fresh_files, committed_files = _files(fresh), _files(committed)
            for name in sorted(fresh_files - committed_files):
                problems.append(f"missing:  exercises/{step.slug}/{name}")
            for name in sorted(committed_files - fresh_files):
                problems.append(f"stray:    exercises/{step.slug}/{name}")
            for name in sorted(fresh_files & committed_files):
                if not filecmp.cmp(fresh / name, committed / name, shallow=False):
                    problems.append(f"outdated: exercises/{step.slug}/{name}")
    return problems


def stray_step_folders(steps: list[Step], exercises_dir: Path = EXERCISES_DIR) -> list[str]:
    """Folders in exercises/ that no step in the registry owns."""
    known = {step.slug for step in steps}
    if not exercises_dir.exists():
        return []
    return sorted(p.name for p in exercises_dir.iterdir() if p.is_dir() and p.name not in known)
