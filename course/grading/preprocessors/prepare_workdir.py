"""Step 1: while learner code runs, its folder holds only what the learner was given.

The notebook file is the public version (hidden tests stripped) and notebooks
already graded are moved aside, so the kernel cannot read hidden tests from disk.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from course.core.cells import is_graded_test, without_hidden_tests

STASH_SUFFIX = ".stash"


def stash_dir(workdir: Path) -> Path:
    """Where notebooks already graded wait while the next one runs (outside the kernel's folder)."""
    return workdir.with_name(workdir.name + STASH_SUFFIX)


def restore_stash(workdir: Path) -> None:
    """Put the notebooks ``PrepareWorkdir`` moved aside back into ``workdir``."""
    stash = stash_dir(workdir)
    if stash.is_dir():
        for path in stash.iterdir():
            shutil.move(str(path), str(workdir / path.name))
        stash.rmdir()


def public_version(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with hidden tests stripped and outputs cleared: what the learner was given."""
    public = copy.deepcopy(nb)
    for cell in public.cells:
        if is_graded_test(cell):
            cell.source = without_hidden_tests(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return public


class PrepareWorkdir(NbGraderPreprocessor):
    """Leave nothing on disk in the kernel's folder that the learner was not given."""

    def preprocess(self, nb, resources):
        workdir = Path(resources["metadata"]["path"])
        name = resources["nbgrader"]["notebook"] + ".ipynb"
        for other in workdir.glob("*.ipynb"):
            if other.name != name:
                stash_dir(workdir).mkdir(exist_ok=True)
                shutil.move(str(other), str(stash_dir(workdir) / other.name))
        nbformat.write(public_version(nb), str(workdir / name))
        return nb, resources
