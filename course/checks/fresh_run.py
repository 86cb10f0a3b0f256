"""Run a notebook's own code again in a fresh kernel, in a copy of its folder.

Used by checks that grade *behaviour over runs*: "gives the same result after
a restart", "works from another folder", "is safe to run twice". The learner's
code cells run in order (graded test cells are skipped, so checks never run
themselves); after each pass a collector cell reports the values the check
asked for, as JSON. Results are cached per notebook content, so two checks on
the same saved notebook pay for one run.

``run_python`` and ``run_command`` start a new Python for a command (the package
imported from disk, the command line), and ``run_fresh`` a new kernel; they come
warm from ``course.checks.warm`` (a fork of a Python that has already imported
pandas, scikit-learn and ipykernel; ``course.checks.warm_kernel`` for the kernel),
cold where that cannot be done faithfully. nbformat (and jsonschema behind it: seconds to
import) is imported only by the functions that read notebooks.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from course.checks import warm
from course.core.cells import is_graded_test

COPY_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "artifacts", "*.pyc")
MARKER = "COURSE-FRESH-RUN:"
_cache: dict[str, FreshRun] = {}


@dataclass
class FreshRun:
    """What a fresh run saw: values per pass, and the error if one stopped it."""

    passes: list[dict] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def learner_code(notebook) -> list[str]:
    """The sources of the code cells a fresh run executes, in order."""
    return [cell.source for cell in notebook.cells if cell.cell_type == "code" and not is_graded_test(cell)]


def collector_source(expressions: dict[str, str]) -> str:
    """A cell that prints the requested expressions as one JSON line."""
    items = ", ".join(f"{name!r}: {expr}" for name, expr in expressions.items())
    return f"import json as _course_json\nprint({MARKER!r} + _course_json.dumps({{{items}}}))"


def _parse_collector(cell) -> dict:
    for output in cell.get("outputs", []):
        if output.get("name") == "stdout":
            for line in output.get("text", "").splitlines():
                if line.startswith(MARKER):
                    return json.loads(line[len(MARKER) :])
    return {}


def run_fresh(
    notebook_path: str | Path,
    expressions: dict[str, str],
    passes: int = 1,
    timeout: int = 120,
) -> FreshRun:
    """Run ``notebook_path``'s code ``passes`` times in one new kernel, in a copied folder."""
    notebook_path = Path(notebook_path)
    try:
        content = notebook_path.read_bytes()
    except OSError as error:
        return FreshRun(error=f"cannot read {notebook_path}: {error.strerror}; keep the notebook's name")
    key = hashlib.sha256(content + json.dumps([expressions, passes]).encode()).hexdigest()
    if key in _cache:
        return _cache[key]
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from course.checks.warm_kernel import kernel_manager_class

    try:
        original = nbformat.reads(content.decode("utf-8"), as_version=4)
    except Exception as error:  # a file that is not a notebook
        return FreshRun(error=f"{notebook_path} is not a readable notebook: {type(error).__name__}")
    cells = []
    for _ in range(passes):
        cells += [nbformat.v4.new_code_cell(source) for source in learner_code(original)]
        cells.append(nbformat.v4.new_code_cell(collector_source(expressions)))
    fresh = nbformat.v4.new_notebook(cells=cells, metadata=original.metadata)

    copy_root = Path(tempfile.mkdtemp(prefix="course-fresh-run-"))
    folder = copy_root / notebook_path.resolve().parent.name
    shutil.copytree(notebook_path.resolve().parent, folder, ignore=COPY_IGNORE)
    result = FreshRun()
    kernel = original.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(
        fresh,
        timeout=timeout,
        kernel_name=kernel,
        kernel_manager_class=kernel_manager_class(),  # the kernel starts warm (course.checks.warm_kernel)
        resources={"metadata": {"path": str(folder)}},
    )
    try:
        # Whatever the machinery says must not reach this kernel's stderr:
        # nbgrader would score the calling cell zero.
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The kernel process inherits our stderr file descriptor; its start-up
            # warnings would land in the calling cell's stderr, so send them away.
            client.execute(stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    except CellTimeoutError:
        result.error = f"a cell ran for more than {timeout} seconds"
    except DeadKernelError:
        result.error = "the kernel died"
    except CellExecutionError as error:
        result.error = _first_line_of_error(error)
    result.passes = [_parse_collector(cell) for cell in fresh.cells if MARKER in cell.source]
    result.passes = [values for values in result.passes if values]
    shutil.rmtree(copy_root, ignore_errors=True)
    _cache[key] = result
    return result


def _first_line_of_error(error: Exception) -> str:
    """``ename: evalue`` of a failed cell, without the traceback."""
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    return f"{ename}: {evalue}"


def run_python(code: str, cwd: str | Path = ".", timeout: int = 120) -> tuple[int, str, str]:
    """Run ``code`` in a fresh Python process in ``cwd``: (exit code, stdout, last line of stderr).

    A fresh process sees only what is on disk: the package as written, not the
    functions defined in this kernel.
    """
    try:
        result = warm.python(["-c", code], cwd, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "", f"still running after {timeout} seconds"
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return result.returncode, result.stdout, lines[-1] if lines else ""


def fresh_json(code: str, cwd: str | Path = ".", timeout: int = 120):
    """The JSON value printed on the last line by ``code`` run in a fresh Python.

    Raises ``RuntimeError`` with the error's last line when the code fails, so a
    check line shows what went wrong in the fresh process.
    """
    exit_code, out, err = run_python(code, cwd, timeout)
    if exit_code != 0:
        raise RuntimeError(f"a fresh Python failed: {err}")
    return json.loads(out.strip().splitlines()[-1])


def scratch_copy(
    folder: str | Path = ".", leave_out: tuple[str, ...] = ("artifacts", "__pycache__", ".ipynb_checkpoints")
) -> Path:
    """A copy of ``folder`` in a new temporary folder, for checks that write files or run commands.

    The temporary folder is removed when the Python process (the kernel) exits.
    """
    source = Path(folder).resolve()
    parent = Path(tempfile.mkdtemp(prefix="course-copy-"))
    atexit.register(shutil.rmtree, parent, ignore_errors=True)
    target = parent / source.name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*leave_out))
    return target


def run_command(
    arguments: list[str], cwd: str | Path, timeout: int = 300, env: dict | None = None
) -> tuple[int, str, str]:
    """Run ``python <arguments>`` in ``cwd``, with ``env`` added to this process's: (exit code, stdout, stderr)."""
    import os

    try:
        result = warm.python(arguments, cwd, env={**os.environ, **(env or {})}, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "", f"still running after {timeout} seconds"
    return result.returncode, result.stdout, result.stderr
