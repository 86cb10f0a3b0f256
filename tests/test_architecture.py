"""The package's shape: who may import whom (``[tool.importlinter]`` in pyproject.toml),
no import cycles, the standard library only where the venv may not exist yet, small modules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 300


def lint_imports(cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("course", include_external_packages=True, cache_dir=None)


def test_the_import_contracts_hold():
    run = lint_imports(REPO)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_broken_contract_fails(tmp_path):
    shutil.copytree(REPO / "course", tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    with open(tmp_path / "course" / "checks" / "check.py", "a", encoding="utf-8") as check:
        check.write("\nimport course.grading.grade\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    run = lint_imports(tmp_path, env)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert "checks (the learner's kernel) imports only core" in output and "BROKEN" in output, output
    assert "course.checks.check -> course.grading.grade" in output, output


def test_no_module_imports_itself_through_others(graph):
    cycles = set()
    for module in sorted(m for m in graph.modules if m == "course" or m.startswith("course.")):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("course.") and imported != module:
                back = graph.find_shortest_chain(importer=imported, imported=module)
                if back:
                    cycles.add(" -> ".join((module, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))


@pytest.mark.parametrize("package", ["course.core", "course.bootstrap"])
def test_standard_library_only(graph, package):
    """``course.core`` and ``course.bootstrap`` (which runs before the venv exists) need nothing installed."""
    modules = {package} | graph.find_descendants(package)
    outside = {
        imported
        for module in modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] != "course" and imported.split(".")[0] not in sys.stdlib_module_names
    }
    assert not outside, f"{package} imports {sorted(outside)}"


def test_bootstrap_imports_only_course_itself(graph):
    ours = {m for m in graph.find_modules_directly_imported_by("course.bootstrap") if m.split(".")[0] == "course"}
    assert ours <= {"course"}, ours


def test_modules_are_small():
    long = {
        str(path.relative_to(REPO)): count
        for path in sorted((REPO / "course").rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
