"""course.checks.pytest_batch: one pytest per version of a module, warm (a child each) or cold (one process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from course.checks import warm as _warm
from course.checks.warm import WARM_ENV

TESTS = """
from shapes import area

def test_square():
    assert area(3) == 9

def test_zero():
    assert area(0) == 0
"""


@pytest.fixture(params=[pytest.param("warm", marks=pytest.mark.slow), "cold"])  # warm: a server starts first
def run_batch(request):
    """The batch run warm (a child of the warm server: each version a child too) and cold (all in one process)."""
    if request.param == "warm":
        assert _warm.wait_ready()
        return lambda job: _run_batch(job, warm=True)
    return lambda job: _run_batch(job, warm=False)


def _run_batch(job: dict, warm: bool) -> dict:
    arguments = ["-m", "course.checks.pytest_batch"]
    if warm:
        result = _warm.python(arguments, ".", input=json.dumps(job), timeout=120)
    else:
        env = {**os.environ, WARM_ENV: "0"}
        result = subprocess.run(
            [sys.executable, *arguments], input=json.dumps(job), capture_output=True, text=True, timeout=120, env=env
        )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_each_version_is_tested_afresh_and_counted(tmp_path, run_batch):
    (tmp_path / "test_shapes.py").write_text(TESTS)
    job = {
        "test_file": str(tmp_path / "test_shapes.py"),
        "module_name": "shapes.py",
        "extra": [],
        "versions": {
            "right": "def area(side):\n    return side * side\n",
            "doubled": "def area(side):\n    return 2 * side * side\n",  # right at 0, wrong at 3
            "broken": "def area(side):\n    raise ValueError\n",
            "right again": "def area(side):\n    return side ** 2\n",  # a stale import of "doubled" would fail here
        },
    }
    assert run_batch(job) == {"right": [0, 2, 0], "doubled": [1, 1, 1], "broken": [1, 0, 2], "right again": [0, 2, 0]}


def test_extra_files_are_copied_beside_the_module(tmp_path, run_batch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "side.txt").write_text("3")
    (tmp_path / "test_data.py").write_text(
        "from pathlib import Path\nfrom shapes import side\n\ndef test_side():\n    assert side() == 3\n"
    )
    module = "from pathlib import Path\n\ndef side():\n    return int(Path('data/side.txt').read_text())\n"
    job = {"test_file": str(tmp_path / "test_data.py"), "module_name": "shapes.py", "versions": {"v": module}}
    assert run_batch({**job, "extra": [str(tmp_path / "data")]}) == {"v": [0, 1, 0]}
    assert run_batch({**job, "extra": []}) == {"v": [1, 0, 1]}  # without the data the test really fails


def test_a_failure_is_counted_without_its_traceback_being_formatted(tmp_path, run_batch):
    """pytest formats a failure's long traceback by showing each frame's arguments with repr (and
    parsing each frame's source file); the batch only counts, so that is never done."""
    formatted = tmp_path / "formatted"
    (tmp_path / "test_shapes.py").write_text(
        "import pytest\n"
        "from shapes import area\n\n"
        "class Side:\n"
        "    def __repr__(self):\n"
        f"        open({str(formatted)!r}, 'w').close()\n"
        "        return 'Side()'\n\n"
        "@pytest.fixture\n"
        "def side():\n"
        "    return Side()\n\n"
        "def test_square(side):\n"
        "    assert area(3) == 9\n"
    )
    job = {
        "test_file": str(tmp_path / "test_shapes.py"),
        "module_name": "shapes.py",
        "extra": [],
        "versions": {
            "right": "def area(side):\n    return side * side\n",
            "doubled": "def area(side):\n    return 2 * side * side\n",
        },
    }
    assert run_batch(job) == {"right": [0, 1, 0], "doubled": [1, 0, 1]}
    assert not formatted.exists()
