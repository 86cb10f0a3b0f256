"""``course release``: make exercises/ from solutions/ through nbgrader.

The output is deterministic: no outputs, no execution counts, no checkpoints,
notebooks written the same way every time, so a diff of exercises/ shows only
what changed in solutions/. ``--check`` regenerates into a scratch folder and
names every file that differs from what is committed.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

import nbformat

from course.core.catalog import EXERCISES_DIR, Step
from course.grading.nbgrader_setup import copy_source, generate, make_api


def normalise_notebook(path: Path) -> None:
    """Strip outputs and execution counts and write the notebook in a stable form."""
    notebook = nbformat.read(str(path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
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
