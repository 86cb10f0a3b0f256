"""Run one pytest file against several versions of a module in ONE Python process.

``python -m course.checks.pytest_batch`` reads a JSON job from stdin:
``{"test_file": path, "module_name": "penguins_core.py", "extra": [paths],
"versions": {label: source}}`` and prints ``{label: [exit_code, passed, failed]}``
as JSON on its last line. Importing pandas and scikit-learn once instead of once
per version makes grading by mutation several times faster. Each version runs
in its own scratch folder, with the module and the test file imported afresh.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path


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


def _forget(names: set[str]) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in names:
            del sys.modules[name]


def run_version(test_file: Path, module_name: str, source: str, extra: list[Path]) -> list[int]:
    """[exit code, passed, failed] of pytest on ``test_file`` with ``module_name`` holding ``source``."""
    import pytest

    with tempfile.TemporaryDirectory(prefix="course-pytest-") as scratch:
        folder = Path(scratch)
        (folder / module_name).write_text(source, encoding="utf-8")
        shutil.copy(test_file, folder / test_file.name)
        for path in extra:
            (shutil.copytree if path.is_dir() else shutil.copy)(path, folder / path.name)
        _forget({Path(module_name).stem, test_file.stem})
        counter = _Counter()
        previous = os.getcwd()
        os.chdir(folder)
        sys.path.insert(0, str(folder))
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = pytest.main(
                    ["-q", "-p", "no:cacheprovider", "-o", "addopts=", "-o", "testpaths=", test_file.name],
                    plugins=[counter],
                )
        finally:
            sys.path.remove(str(folder))
            os.chdir(previous)
            _forget({Path(module_name).stem, test_file.stem})
    return [int(code), counter.passed, counter.failed]


def main() -> None:
    job = json.loads(sys.stdin.read())
    extra = [Path(p) for p in job.get("extra", [])]
    results = {
        label: run_version(Path(job["test_file"]), job["module_name"], source, extra)
        for label, source in job["versions"].items()
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
