"""The checks in a real kernel: widgets in a live kernel, text only headless, never stderr.

Each notebook here runs through nbclient, the way nbgrader and ``course check``
run notebooks. "Live" is a kernel a person could be watching (JupyterLab);
"headless" sets ``COURSE_HEADLESS`` or ``NBGRADER_EXECUTION`` as those tools do.
"""

from __future__ import annotations

import os
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

from course.core.catalog import load_steps
from course.core.protocol import CHECK_MIMETYPE, HEADLESS_ENV, WIDGET_MIMETYPE

STEP = load_steps()[0]
PUBLIC_ID = STEP.checks[0].id

CELLS = [
    "from course.lab import begin\nbegin('00')",
    "from course.lab.pairing_timer import PairingTimer\nPairingTimer('Ada', 'Grace', minutes=5)",
    # a public check that fails on a missing name
    f"from course.checks import Check\ncheck = Check({PUBLIC_ID!r})\n"
    "check.equal('rows_used', lambda: rows_used, 329)\ncheck.report()",
    # a public check that passes, then a hidden one that fails
    f"check = Check({PUBLIC_ID!r})\ncheck.equal('1 + 1', lambda: 1 + 1, 2)\ncheck.report()\n"
    f"hidden = Check({PUBLIC_ID!r}, hidden=True)\n"
    "hidden.equal('the empty case', lambda: 'secret-got', 'secret-expected')\nhidden.report()",
    # a learner's own cell failing with a classic refactoring error
    "def clean():\n    return raw_frame\nclean()",
]


def run(env_extra: dict, tmp_path) -> list:
    """Run the demo cells in ``tmp_path``; return the executed cells."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env = {key: value for key, value in os.environ.items() if key not in ("NBGRADER_EXECUTION", HEADLESS_ENV)}
    client = NotebookClient(notebook, timeout=60, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env={**env, **env_extra}, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return notebook.cells


def outputs(cell, kind: str | None = None) -> list:
    return [output for output in cell.outputs if kind is None or output.output_type == kind]


def bundles(cell) -> list[dict]:
    return [output.data for output in cell.outputs if output.output_type == "display_data"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    return run({}, tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="module")
def headless(tmp_path_factory):
    return run({HEADLESS_ENV: "1"}, tmp_path_factory.mktemp("headless"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return run({"NBGRADER_EXECUTION": "autograde"}, tmp_path_factory.mktemp("graded"))


@pytest.mark.parametrize("mode", ["live", "headless", "graded"])
def test_nothing_reaches_stderr(mode, request):
    cells = request.getfixturevalue(mode)
    for cell in cells:
        assert [o for o in outputs(cell, "stream") if o.name == "stderr"] == [], cell.source


def test_live_public_check_shows_a_widget_with_text_and_structured_fallbacks(live):
    failing = bundles(live[2])[0]
    assert {WIDGET_MIMETYPE, CHECK_MIMETYPE, "text/plain", "text/html"} <= set(failing)
    assert failing[CHECK_MIMETYPE]["grade_id"] == PUBLIC_ID and not failing[CHECK_MIMETYPE]["passed"]
    assert "got:" in failing["text/plain"] and "NameError" in failing["text/plain"]
    assert [o.ename for o in outputs(live[2], "error")] == ["AssertionError"]  # nbgrader still scores it zero


def test_headless_checks_are_text_and_structure_only(headless, graded):
    for cells in (headless, graded):
        failing = bundles(cells[2])[0]
        assert WIDGET_MIMETYPE not in failing
        assert failing["text/plain"].startswith(f"[FAIL] {PUBLIC_ID}")
        assert CHECK_MIMETYPE in failing


def test_hidden_check_shows_only_the_behaviours_name(live, graded):
    for cells in (live, graded):
        public, hidden = bundles(cells[3])
        assert "public checks passed (1 of 1)" in public["text/plain"]
        assert WIDGET_MIMETYPE not in hidden
        assert hidden[CHECK_MIMETYPE]["lines"] == [{"called": "the empty case", "passed": False}]
        shown = " ".join(str(value) for value in hidden.values())
        assert "the empty case" in shown and "secret" not in shown


def test_progress_and_timer_cells_render_headless_and_hide_under_nbgrader(headless, graded):
    assert "not in one" in bundles(headless[0])[0]["text/plain"]  # the demo runs outside a workspace
    assert bundles(graded[0]) == []
    timer = [o for o in headless[1].outputs if o.output_type == "execute_result"][0].data
    assert timer["text/plain"].startswith("Pairing timer: Ada drives, Grace navigates")


def test_classic_error_in_a_learners_cell_gets_advice_below_the_traceback(live, graded):
    error = outputs(live[4], "error")[0]
    assert error.ename == "NameError"
    advice = bundles(live[4])[0]["text/plain"]
    assert advice.startswith("What probably happened:") and "clean()" in advice
    assert live[4].outputs.index(error) < live[4].outputs.index(outputs(live[4], "display_data")[0])
    assert bundles(graded[4]) == []  # graded runs stay exactly as nbgrader expects
    assert outputs(graded[4], "error")[0].ename == "NameError"


SERVERS_OF_THIS_KERNEL = """
import os, pathlib
def servers():
    found = []
    for stat in pathlib.Path('/proc').glob('[0-9]*/stat'):
        try:
            parent = int(stat.read_text().rsplit(')', 1)[1].split()[1])
            command = (stat.parent / 'cmdline').read_bytes().split(b'\\0')
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b'course.checks.warm_server' in command:
            found.append(stat.parent.name)
    return found
print('warm servers:', len(servers()))
"""


@pytest.mark.parametrize("headless", [{}, {"NBGRADER_EXECUTION": "autograde"}], ids=["live", "nbgrader"])
def test_begin_starts_the_warm_server_in_a_live_kernel_only(tmp_path, headless):
    """A live kernel's first cell starts the warm server in the background; a grading kernel does not."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("from course.lab import begin\nbegin('08')"),
            nbformat.v4.new_code_cell(SERVERS_OF_THIS_KERNEL),
        ]
    )
    env = {key: value for key, value in os.environ.items() if key not in ("NBGRADER_EXECUTION", HEADLESS_ENV)}
    client = NotebookClient(notebook, timeout=60, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env={**env, **headless}, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    printed = "".join(output.get("text", "") for output in notebook.cells[1].outputs)
    assert ("warm servers: 1" if not headless else "warm servers: 0") in printed, printed
