"""Step 1: the kernel gets a scratch working folder of its own, holding only what the learner was given.

The scratch folder holds the public version of the notebook (hidden tests and
outputs stripped, made before the judges are cut out) and the step's other files,
copied from nbgrader's autograded folder (links and special files are never
copied). The kernel runs there (``GuardedExecute``), never in nbgrader's
autograded folder: nbgrader writes the autograded notebook into its own folder
and sets permissions there after the kernel ends, so links or files the kernel
leaves behind are never followed, written or read by the grader. The scratch
folder is removed when the kernel has ended (``remove_workdir``).
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from course.core.cells import is_graded_test, without_hidden_tests
from course.grading.sandbox import SCRATCH_PREFIX
from course.grading.submission_files import copy_plain_files

WORKDIR_KEY = "course_workdir"  # in nbgrader's resources: the kernel's scratch folder
_made: set[Path] = set()  # scratch folders of this process not yet removed


def public_version(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with hidden tests stripped and outputs cleared: what the learner was given."""
    public = copy.deepcopy(nb)
    for cell in public.cells:
        if is_graded_test(cell):
            cell.source = without_hidden_tests(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return public


def make_workdir(autograded: Path, name: str, nb: NotebookNode) -> Path:
    """A fresh scratch folder with the step's files from ``autograded`` and the public ``name``."""
    workdir = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    _made.add(workdir)
    try:
        copy_plain_files(autograded, workdir)
        nbformat.write(public_version(nb), str(workdir / name))
    except BaseException:
        remove_workdir(workdir)
        raise
    return workdir


def remove_workdir(workdir: Path) -> None:
    """Delete a scratch folder; links in it are removed, never followed (``shutil.rmtree`` on Linux)."""
    if workdir.name.startswith(SCRATCH_PREFIX) and not workdir.is_symlink():
        shutil.rmtree(workdir, ignore_errors=True)
    _made.discard(workdir)


def remove_leftover_workdirs() -> None:
    """Remove scratch folders made for kernels that never ran (an error between here and the kernel)."""
    for workdir in list(_made):
        remove_workdir(workdir)


class PrepareWorkdir(NbGraderPreprocessor):
    """Make the kernel's scratch working folder; ``GuardedExecute`` runs the kernel there and removes it."""

    def preprocess(self, nb, resources):
        autograded = Path(resources["metadata"]["path"])
        name = resources["nbgrader"]["notebook"] + ".ipynb"
        if resources.get(WORKDIR_KEY):
            remove_workdir(Path(resources[WORKDIR_KEY]))
        resources[WORKDIR_KEY] = str(make_workdir(autograded, name, nb))
        return nb, resources
