"""nbgrader, set up on a scratch course directory with the course's own config.

``course release`` and ``course grade`` never run nbgrader inside the
repository: they copy what they need into a scratch directory and point
nbgrader there. That keeps solutions/ clean (nbgrader leaves files behind)
and keeps the gradebook out of the repo.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from course import REPO_DIR

CONFIG_FILE = REPO_DIR / "nbgrader_config.py"


def course_config(root: Path, timeout: int | None = None, guarded: bool = False, sandboxed: bool = False):
    """The course's nbgrader config, pointed at the scratch course directory ``root``.

    ``guarded`` puts ``course.grading.preprocessors`` around nbgrader's Execute (for
    ``course grade``); ``sandboxed`` starts kernels inside bubblewrap
    (``course.grading.sandbox``). Plain nbgrader, run on nbgrader_config.py, has neither.
    """
    config = load_file_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    if timeout is not None:
        config.Execute.timeout = timeout
    if guarded:
        config.Autograde.autograde_preprocessors = guarded_preprocessors()
    if sandboxed:
        from course.grading.sandboxed_kernel import SandboxedKernelManager

        config.Execute.kernel_manager_class = SandboxedKernelManager
    return config


def load_file_config():
    """nbgrader_config.py, read as nbgrader reads it."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()


def guarded_preprocessors() -> list:
    """nbgrader's own autograde preprocessors, with Execute replaced by the guarded sequence."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from course.grading.preprocessors import (
        GuardedExecute,
        JudgeProbes,
        PrepareWorkdir,
        SplitHiddenBlocks,
    )

    chain = []
    for preprocessor in Autograde.class_traits()["autograde_preprocessors"].default():
        chain += (
            [PrepareWorkdir, SplitHiddenBlocks, GuardedExecute, JudgeProbes]
            if preprocessor is Execute
            else [preprocessor]
        )
    return chain


def ignore_patterns() -> list[str]:
    """The file patterns nbgrader must never copy (from the course config)."""
    return list(load_file_config().CourseDirectory.ignore)


def quiet_warnings() -> None:
    """Silence SQLAlchemy's session warnings that nbgrader 0.9 triggers on every autograde."""
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")


def put_scripts_on_path() -> None:
    """Make this environment's scripts findable: nbgrader runs ``alembic`` by name."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def make_api(root: Path, timeout: int | None = None, guarded: bool = False, sandboxed: bool = False):
    """An ``NbGraderAPI`` working in ``root``, quiet on stderr (see ``course_config`` for the options)."""
    from nbgrader.apps import NbGraderAPI

    put_scripts_on_path()
    api = NbGraderAPI(config=course_config(root, timeout, guarded, sandboxed))
    api.log.setLevel(logging.ERROR)
    return api


def written_by_cells(source_dir: Path) -> list[str]:
    """Files the step's notebooks write with ``%%writefile``: answers, never to be released as files."""
    import nbformat

    names = []
    for notebook_path in source_dir.glob("*.ipynb"):
        for cell in nbformat.read(str(notebook_path), as_version=4).cells:
            first = cell.source.split("\n", 1)[0] if cell.cell_type == "code" else ""
            if first.startswith("%%writefile"):
                names.append(first.split()[-1])
    return names


def copy_source(source_dir: Path, root: Path) -> Path:
    """Copy one step's source folder into ``root/solutions``, leaving out ignored and cell-written files."""
    target = root / "solutions" / source_dir.name
    if target.exists():
        shutil.rmtree(target)
    written = set(written_by_cells(source_dir))

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = shutil.ignore_patterns(*ignore_patterns())(folder, names)
        relative = Path(folder).relative_to(source_dir)
        return skipped | {name for name in names if (relative / name).as_posix() in written}

    shutil.copytree(source_dir, target, ignore=ignore)
    return target


def generate(api, root: Path, slug: str) -> None:
    """Run nbgrader's generate_assignment for ``slug``; raise with nbgrader's log on failure."""
    result = api.generate_assignment(slug)
    if not result.get("success"):
        raise RuntimeError(
            f"nbgrader generate_assignment failed for {slug}:\n{result.get('log') or result.get('error')}"
        )
