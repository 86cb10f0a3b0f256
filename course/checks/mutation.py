"""Wheat and chaff: grade a learner's tests by the bugs they catch.

A *variant* is a planted change to a piece of reference code, named by the
behaviour it breaks ("keeps birds of exactly 6 kg"). A learner's test earns a
chaff's points when it passes on the reference (wheat) and fails on the
variant (chaff). The variant's code is never shown to the learner, only its
name, so feedback points at the behaviour left untested, not at the bug.

Two ways to run code under test:

* ``run_script``: execute a script (a pipeline written from a notebook cell)
  in a fresh namespace and return its variables (step 2's golden master);
* ``prefetch`` / ``outcome_for`` / ``catches``: run a learner's pytest file
  against the reference module and its variants in a subprocess
  (``course.checks.pytest_batch``), so a failing test really fails (step 4);
  ``package_tests_fail`` runs a package's own tests on a variant (step 8 on).

Those subprocesses are fresh Pythons from ``course.checks.warm``: forked from a
Python that has imported pandas, scikit-learn and pytest, never the learner's code.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course.checks import warm


class VariantError(ValueError):
    """A variant does not apply to the code: an authoring mistake, not a learner's."""


@dataclass(frozen=True)
class Variant:
    """A named change to reference code: each ``(old, new)`` must match exactly once."""

    name: str
    replacements: tuple[tuple[str, str], ...] = ()

    def apply(self, source: str) -> str:
        for old, new in self.replacements:
            count = source.count(old)
            if count != 1:
                raise VariantError(f"variant {self.name!r}: {old!r} occurs {count} times, expected once")
            source = source.replace(old, new)
        return source


REFERENCE = Variant("the reference")


_script_runs: dict[tuple[str, str], dict] = {}


def run_script(path: str | Path, variant: Variant = REFERENCE) -> dict:
    """Execute the script at ``path`` (changed by ``variant``) and return its variables.

    The script runs in its own folder, as it would from a terminal; what it
    prints is swallowed so checks stay quiet. Runs are cached by the script's
    text and folder, so several check cells share one run of each variant:
    treat the returned variables as read-only.
    """
    path = Path(path)
    source = variant.apply(path.read_text(encoding="utf-8"))
    key = (str(path.resolve()), source)
    if key not in _script_runs:
        _script_runs[key] = _execute(path, source)
    return _script_runs[key]


def _execute(path: Path, source: str) -> dict:
    namespace = {"__name__": "__main__", "__file__": str(path)}
    previous = Path.cwd()
    os.chdir(path.resolve().parent)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, str(path), "exec"), namespace)
    finally:
        os.chdir(previous)
    return namespace


@dataclass(frozen=True)
class PytestOutcome:
    """What pytest said: exit code, tests collected and passed, and its last lines."""

    exit_code: int
    collected: int
    passed: int
    summary: str

    @property
    def all_passed(self) -> bool:
        return self.exit_code == 0 and self.collected > 0

    @property
    def failed(self) -> bool:
        """True when pytest ran tests and at least one failed (an error counts)."""
        return self.exit_code == 1


_outcomes: dict[str, PytestOutcome] = {}


def _key(test_file: Path, module_name: str, source: str) -> str:
    import hashlib

    return hashlib.sha256(test_file.read_bytes() + b"\0" + source.encode() + b"\0" + module_name.encode()).hexdigest()


def prefetch(test_file: str | Path, module_file: str | Path, variants: list[Variant], timeout: int = 300) -> None:
    """Run the tests against the reference and every variant in one subprocess; cache the outcomes."""
    import json

    test_file, module_file = Path(test_file), Path(module_file)
    reference = module_file.read_text(encoding="utf-8")
    versions = {}
    for variant in [REFERENCE, *variants]:
        source = variant.apply(reference)
        if _key(test_file, module_file.name, source) not in _outcomes:
            versions[variant.name] = source
    if not versions:
        return
    data = test_file.parent / "data"
    job = {
        "test_file": str(test_file.resolve()),
        "module_name": module_file.name,
        "extra": [str(data.resolve())] if data.is_dir() else [],
        "versions": versions,
    }
    try:
        result = warm.python(["-m", "course.checks.pytest_batch"], ".", input=json.dumps(job), timeout=timeout)
        counts = json.loads(result.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError):
        counts = {name: [-1, 0, 0] for name in versions}
    for name, source in versions.items():
        code, passed, failed = counts.get(name, [-1, 0, 0])
        _outcomes[_key(test_file, module_file.name, source)] = PytestOutcome(
            code, passed + failed, passed, f"{passed} passed, {failed} failed"
        )


def outcome_for(test_file: str | Path, module_file: str | Path, variant: Variant = REFERENCE) -> PytestOutcome:
    """pytest's outcome for ``test_file`` against ``module_file`` changed by ``variant`` (cached)."""
    test_file, module_file = Path(test_file), Path(module_file)
    source = variant.apply(module_file.read_text(encoding="utf-8"))
    key = _key(test_file, module_file.name, source)
    if key not in _outcomes:
        prefetch(test_file, module_file, [variant])
    return _outcomes[key]


def catches(test_file: str | Path, module_file: str | Path, variant: Variant) -> bool:
    """True when the tests pass on the reference module and fail on ``variant``."""
    return outcome_for(test_file, module_file).all_passed and outcome_for(test_file, module_file, variant).failed


def package_tests_fail(folder: str | Path, module: str, variant: Variant, timeout: int = 300) -> bool:
    """True when ``python -m pytest tests`` fails in a copy of ``folder`` with ``module`` changed by ``variant``.

    ``module`` is a path inside the folder, such as ``penguins/features.py``.
    """
    folder = Path(folder).resolve()
    with tempfile.TemporaryDirectory(prefix="course-package-") as scratch:
        copy = Path(scratch) / folder.name
        shutil.copytree(
            folder, copy, ignore=shutil.ignore_patterns("artifacts", "__pycache__", ".ipynb_checkpoints", "*.ipynb")
        )
        target = copy / module
        target.write_text(variant.apply(target.read_text(encoding="utf-8")), encoding="utf-8")
        command = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            result = warm.python(command, copy, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
    return result.returncode == 1
