"""The package step 12 ends with, as a reviewer runs it: its own tests cover it, and its two paths agree.

The review behind issue #15 found the package's own tests (the ones that ship with it) covering 73% of its
lines and the command line not at all, and a batch command that predicted birds the service refused. The
course's bar: the final package's own tests cover at least 90% of every module's lines together, the
command line included, and they include the test that holds ``predict`` and ``POST /predict`` together.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from course.authoring.end_state import write_end_state
from course.core.catalog import find_step

COVERAGE_GATE = 90  # percent of the package's lines its own tests run


def coverage_report(folder) -> dict[str, int]:
    """``python -m pytest --cov=penguins`` in ``folder``: each module's line coverage, and ``TOTAL``."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=penguins", "--cov-report=term"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    rows = re.findall(r"^(\S+)\s+\d+\s+\d+\s+(\d+)%$", run.stdout, re.M)
    return {name: int(percent) for name, percent in rows}


@pytest.mark.slow
def test_the_final_packages_own_tests_cover_it_the_command_line_included(tmp_path):
    out = tmp_path / "step-12"
    write_end_state(find_step("12"), out)
    assert (out / "tests" / "test_cli.py").is_file()
    report = coverage_report(out)
    assert report["TOTAL"] >= COVERAGE_GATE, report
    assert report["penguins/cli.py"] >= COVERAGE_GATE, report
    agreement = "test_the_command_line_and_the_service_accept_and_refuse_the_same_birds"
    assert agreement in (out / "tests" / "test_service.py").read_text()


@pytest.mark.slow
def test_the_gate_fails_a_package_whose_command_line_is_untested(tmp_path):
    out = tmp_path / "step-12"
    write_end_state(find_step("12"), out)
    (out / "tests" / "test_cli.py").unlink()
    (out / "tests" / "test_service.py").unlink()  # it calls the command line too
    report = coverage_report(out)
    assert report["penguins/cli.py"] < COVERAGE_GATE, report
