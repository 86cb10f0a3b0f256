"""course.checks.fresh_run: the notebook's code again in a new kernel or a new Python, never in this one."""

from __future__ import annotations

import json
import os
import sys

import nbformat
import pytest

from course.checks import fresh_run
from course.checks.fresh_run import (
    MARKER,
    collector_source,
    fresh_json,
    learner_code,
    run_command,
    run_fresh,
    run_python,
    scratch_copy,
)
from course.core.cells import NBGRADER


def _test_cell(source: str):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata[NBGRADER] = {
        "grade": True,
        "grade_id": "t",
        "locked": True,
        "points": 1,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    return cell


def _notebook(folder, *cells, name="nb.ipynb"):
    notebook = nbformat.v4.new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(folder / name))
    return folder / name


def test_learner_code_is_every_code_cell_but_the_graded_tests():
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# title"),
            nbformat.v4.new_code_cell("a = 1"),
            _test_cell("assert a == 1"),
            nbformat.v4.new_code_cell("b = a + 1"),
        ]
    )
    assert learner_code(notebook) == ["a = 1", "b = a + 1"]


def test_the_collector_prints_one_marked_json_line():
    namespace = {"a": 2}
    source = collector_source({"double": "a * 2", "name": "'x'"})
    lines = []
    exec(source, {**namespace, "print": lines.append})
    assert len(lines) == 1 and lines[0].startswith(MARKER)
    assert json.loads(lines[0][len(MARKER) :]) == {"double": 4, "name": "x"}


def test_two_passes_in_one_fresh_kernel_see_state_on_disk_but_not_this_process(tmp_path):
    folder = tmp_path / "step"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "count.txt").write_text("0")
    path = _notebook(
        folder,
        nbformat.v4.new_code_cell(
            "from pathlib import Path\n"
            "n = int(Path('data/count.txt').read_text()) + 1\n"
            "Path('data/count.txt').write_text(str(n))\n"
            "import os\nhere = os.path.basename(os.getcwd())"
        ),
        _test_cell("raise AssertionError('graded test cells never run')"),
    )
    run = run_fresh(path, {"n": "n", "here": "here", "pid": "__import__('os').getpid()"}, passes=2)
    assert run.ok, run.error
    assert [p["n"] for p in run.passes] == [1, 2]  # the second pass sees the first one's file: one kernel, two passes
    assert {p["here"] for p in run.passes} == {"step"}  # runs in a copy of the notebook's folder, named alike
    assert run.passes[0]["pid"] != os.getpid()
    assert (folder / "data" / "count.txt").read_text() == "0"  # the original folder is left alone
    assert run_fresh(path, {"n": "n", "here": "here", "pid": "__import__('os').getpid()"}, passes=2) is run  # cached


def test_a_failing_cell_stops_the_run_with_its_error(tmp_path):
    path = _notebook(tmp_path / "bad", nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0"))
    run = run_fresh(path, {"x": "x"})
    assert not run.ok and run.error == "ZeroDivisionError: division by zero"
    assert run.passes == []


def test_a_missing_or_broken_notebook_is_an_error_not_a_crash(tmp_path):
    missing = run_fresh(tmp_path / "gone.ipynb", {"x": "1"})
    assert missing.error.startswith(f"cannot read {tmp_path / 'gone.ipynb'}") and missing.error.endswith(
        "keep the notebook's name"
    )
    (tmp_path / "garbled.ipynb").write_text("{ not json")
    assert "is not a readable notebook" in run_fresh(tmp_path / "garbled.ipynb", {"x": "1"}).error


def test_run_python_starts_a_new_process_and_returns_the_last_error_line(tmp_path):
    code, out, err = run_python("import os; print(os.getcwd())", cwd=tmp_path)
    assert (code, out.strip(), err) == (0, str(tmp_path), "")
    code, _, err = run_python("raise ValueError('nope')")
    assert code == 1 and err == "ValueError: nope"
    assert run_python("import time; time.sleep(5)", timeout=1) == (-1, "", "still running after 1 seconds")


def test_fresh_json_reads_the_last_line_or_raises_with_the_error():
    assert fresh_json("print('noise'); import json; print(json.dumps({'a': [1, 2]}))") == {"a": [1, 2]}
    with pytest.raises(RuntimeError, match="a fresh Python failed: NameError: name 'undefined' is not defined"):
        fresh_json("print(undefined)")


def test_scratch_copy_leaves_out_artifacts_and_the_original_alone(tmp_path):
    source = tmp_path / "project"
    (source / "artifacts").mkdir(parents=True)
    (source / "artifacts" / "model.pkl").write_text("big")
    (source / "code.py").write_text("x = 1")
    copy = scratch_copy(source)
    assert copy.name == "project" and copy.parent != tmp_path
    assert sorted(p.name for p in copy.iterdir()) == ["code.py"]
    (copy / "code.py").write_text("changed")
    assert (source / "code.py").read_text() == "x = 1"


def test_run_command_runs_this_python_with_extra_environment(tmp_path):
    code, out, err = run_command(
        ["-c", "import os, sys; print(os.environ['COURSE_X'], sys.executable)"], tmp_path, env={"COURSE_X": "42"}
    )
    assert (code, out.split(), err) == (0, ["42", sys.executable], "")
    code, _, err = run_command(["-c", "import sys; sys.exit('bad')"], tmp_path)
    assert code == 1 and err.strip() == "bad"


def test_the_cache_is_per_notebook_content(tmp_path):
    path = _notebook(tmp_path / "c", nbformat.v4.new_code_cell("v = 1"))
    first = run_fresh(path, {"v": "v"})
    _notebook(tmp_path / "c", nbformat.v4.new_code_cell("v = 2"))
    second = run_fresh(path, {"v": "v"})
    assert [first.passes, second.passes] == [[{"v": 1}], [{"v": 2}]]
    assert len({key for key, run in fresh_run._cache.items() if run in (first, second)}) == 2
