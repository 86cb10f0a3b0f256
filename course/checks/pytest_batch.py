"""Run one pytest file against several versions of a module: ``{label: [exit code, passed, failed]}``.

``python -m course.checks.pytest_batch`` reads a JSON job from stdin:
``{"test_file": path, "module_name": "penguins_core.py", "extra": [paths],
"versions": {label: source}}`` and prints ``{label: [exit_code, passed, failed]}``
as JSON on its last line. Each version runs in its own scratch folder, with the
module and the test file imported afresh:

* warm (this batch is itself a child of a warm server, ``course.checks.warm``): each
  version is its own ``python -m pytest``, a child forked from that server (pandas,
  scikit-learn and pytest already imported), ``PARALLEL`` at a time; nothing a version's
  tests change reaches another;
* cold (``COURSE_WARM=0``, no fork here, or the server was not ready): every version runs
  in this one process, one ``pytest.main`` after another, the module and the test file
  forgotten in between, so pandas and scikit-learn are imported once, not once per version.

``passed`` counts tests whose call passed; ``failed`` counts failed reports (a
setup error too), as the ``-p course.checks.pytest_batch`` plugin hooks below count them.
Nobody reads a version's report, so pytest formats no traceback (``--tb=no``): a failure's
long traceback parses the source of every frame it passes through, seconds when those
are pandas' or scikit-learn's, for output that would be thrown away.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.checks import warm

PARALLEL = 2  # versions run at once, warm (the course targets two cores)
PLUGIN = "course.checks.pytest_batch"  # this module, as a pytest plugin (its hooks below)
COUNTS_ENV = "COURSE_PYTEST_COUNTS"  # where the plugin writes "passed failed" in a warm run
PYTEST_ARGS = ["-q", "--tb=no", "-p", "no:cacheprovider", "-o", "addopts=", "-o", "testpaths="]  # counts only


class _Counter:
    """A pytest plugin that counts passed and failed test calls."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" and report.passed:
            self.passed += 1
        elif report.failed:
            self.failed += 1


_plugin_counter = _Counter()


def pytest_runtest_logreport(report) -> None:
    """Hook of this module as a plugin (``-p course.checks.pytest_batch``): count the report."""
    _plugin_counter.pytest_runtest_logreport(report)


def pytest_unconfigure(config) -> None:
    """Hook: write the counts where ``COURSE_PYTEST_COUNTS`` says."""
    target = os.environ.get(COUNTS_ENV)
    if target:
        Path(target).write_text(f"{_plugin_counter.passed} {_plugin_counter.failed}")


def _forget(names: set[str]) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in names:
            del sys.modules[name]


def _scratch(folder: Path, test_file: Path, module_name: str, source: str, extra: list[Path]) -> None:
    """Write the version's module, and copy the test file and the extra files beside it."""
    (folder / module_name).write_text(source, encoding="utf-8")
    shutil.copy(test_file, folder / test_file.name)
    for path in extra:
        (shutil.copytree if path.is_dir() else shutil.copy)(path, folder / path.name)


def run_version(test_file: Path, module_name: str, source: str, extra: list[Path]) -> list[int]:
    """[exit code, passed, failed] of pytest on ``test_file`` with ``module_name`` holding ``source``, here."""
    import pytest

    with tempfile.TemporaryDirectory(prefix="course-pytest-") as scratch:
        folder = Path(scratch)
        _scratch(folder, test_file, module_name, source, extra)
        _forget({Path(module_name).stem, test_file.stem})
        counter = _Counter()
        previous = os.getcwd()
        os.chdir(folder)
        sys.path.insert(0, str(folder))
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = pytest.main([*PYTEST_ARGS, test_file.name], plugins=[counter])
        finally:
            sys.path.remove(str(folder))
            os.chdir(previous)
            _forget({Path(module_name).stem, test_file.stem})
    return [int(code), counter.passed, counter.failed]


def run_version_warm(test_file: Path, module_name: str, source: str, extra: list[Path]) -> list[int]:
    """The same as ``run_version``, in a ``python -m pytest`` of its own (warm when it can be)."""
    with tempfile.TemporaryDirectory(prefix="course-pytest-") as scratch:
        folder = Path(scratch) / "version"
        folder.mkdir()
        _scratch(folder, test_file, module_name, source, extra)
        counts = Path(scratch) / "counts"
        env = {**os.environ, COUNTS_ENV: str(counts), "PYTHONDONTWRITEBYTECODE": "1"}
        arguments = ["-m", "pytest", *PYTEST_ARGS, "-p", PLUGIN, test_file.name]
        code = warm.python(arguments, folder, env=env).returncode
        passed, failed = (int(n) for n in counts.read_text().split()) if counts.is_file() else (0, 0)
    return [code, passed, failed]


def main() -> None:
    job = json.loads(sys.stdin.read())
    extra = [Path(p) for p in job.get("extra", [])]
    test_file, module_name, versions = Path(job["test_file"]), job["module_name"], job["versions"]
    if not warm.inherited():  # a cold batch: starting a server for a few versions would not pay off
        results = {label: run_version(test_file, module_name, source, extra) for label, source in versions.items()}
    else:
        with ThreadPoolExecutor(PARALLEL) as pool:
            futures = {
                label: pool.submit(run_version_warm, test_file, module_name, source, extra)
                for label, source in versions.items()
            }
            results = {label: future.result() for label, future in futures.items()}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
