"""The learner's JupyterLab, driven in a real browser (Debian's chromium through Playwright).

One ``course start --no-browser`` server for the whole module, serving a
temporary workspace that holds:

* step 0 with every answer cell solved (the released exercise with the
  solution's code in its answer cells, as a learner would have it), plus the
  progress cell at the top (every notebook's first code cell);
* step 1 exactly as released (untouched);
* ``pairing.ipynb``: a pairing timer and a cell that keeps the kernel busy.

Screenshots go to ``tests/screenshots/`` (gitignored).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from browser import require_browser, screenshot_path
from course.checks.http_service import free_port
from course.core.catalog import find_step
from course.learner.workspace import update_workspace
from lab_notebooks import solved_exercise

pytestmark = pytest.mark.browser

TOKEN = "course-browser-test"
SOLVED = find_step("00")
UNTOUCHED = find_step("01")
TIMER_MINUTES = 0.1  # a six-second turn, so the swap prompt shows during the test
BUSY_SECONDS = 8


# -- the workspace ----------------------------------------------------------------


def write_workspace(workspace) -> None:
    update_workspace(workspace, [SOLVED, UNTOUCHED])
    notebook = solved_exercise(SOLVED, SOLVED.notebooks[0])  # its first code cell calls course.lab.begin
    assert any("begin(" in cell.source for cell in notebook.cells[:3])
    nbformat.write(notebook, str(workspace / SOLVED.slug / SOLVED.notebooks[0]))
    timer = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "from course.lab.pairing_timer import PairingTimer\n"
                f'PairingTimer("Ada", "Grace", minutes={TIMER_MINUTES})'
            ),
            nbformat.v4.new_code_cell(f"import time\ntime.sleep({BUSY_SECONDS})\nprint('slept')"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
    )
    nbformat.write(timer, str(workspace / "pairing.ipynb"))


# -- the server and the browser -----------------------------------------------------


def _wait_for_server(base: str, process, log, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"course start exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A running ``course start`` server: yields its base URL and the workspace."""
    require_browser()
    root = tmp_path_factory.mktemp("lab")
    workspace = root / "workspace"
    write_workspace(workspace)
    port = free_port()
    env = {
        **os.environ,
        "COURSE_NO_BOOTSTRAP": "1",
        "JUPYTER_TOKEN": TOKEN,
        # JupyterLab's own user settings and layouts stay in the test's folder
        "JUPYTERLAB_SETTINGS_DIR": str(root / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "lab-workspaces"),
    }
    log = root / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "course",
        "start",
        "--no-browser",
        "--port",
        str(port),
        "--workspace",
        str(workspace),
    ]
    with open(log, "w") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, process, log)
        yield {"base": base, "workspace": workspace, "log": log}
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server we started, and its kernels
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def page(chromium, lab):
    page = chromium.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(60_000)
    yield page
    page.close()
    _shut_down_kernels(lab["base"])


def _shut_down_kernels(base: str) -> None:
    with urllib.request.urlopen(f"{base}/api/kernels?token={TOKEN}") as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={TOKEN}", method="DELETE")
        urllib.request.urlopen(request).close()


# -- JupyterLab moves -----------------------------------------------------------------


def open_notebook(page, lab, path: str) -> None:
    """Open ``path`` alone (``reset``: no tabs restored from an earlier test) and wait for its kernel."""
    page.goto(f"{lab['base']}/lab/tree/{path}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    wait_until_idle(page)


KERNEL_IDLE = """() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
    .some(item => /[|] Idle$/.test(item.textContent.trim()))"""


def wait_until_idle(page, timeout: float = 120_000) -> None:
    """Wait until the notebook's kernel is started and idle (the status bar says so)."""
    page.wait_for_function(KERNEL_IDLE, timeout=timeout)


def run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def code_cell(page, text: str):
    """The code cell whose source contains ``text``."""
    return page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea-editor", has_text=text)).first


def show(page, element) -> None:
    """Scroll ``element`` into view and give the browser a moment to paint (for screenshots)."""
    element.scroll_into_view_if_needed()
    page.wait_for_timeout(600)


def run_cell(page, cell) -> None:
    cell.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Shift+Enter")


# -- the tests ------------------------------------------------------------------------


def test_learner_lab_has_no_instructor_panels_and_no_news(page, lab):
    open_notebook(page, lab, f"{UNTOUCHED.slug}/{UNTOUCHED.notebooks[0]}")
    page.wait_for_timeout(2000)  # the news question, when enabled, pops up a moment after loading
    menus = [label.text_content() for label in page.locator(".lm-MenuBar-itemLabel").all()]
    assert "Run" in menus and "Kernel" in menus
    assert "Nbgrader" not in menus
    tabs = " ".join(
        (tab.get_attribute("title") or "") + (tab.get_attribute("data-id") or "")
        for tab in page.locator(".lm-TabBar-tab").all()
    )
    assert "Create Assignment" not in tabs and "Formgrader" not in tabs and "Courses" not in tabs
    assert page.locator(".Toastify__toast", has_text="news").count() == 0
    config = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent)")
    assert "@jupyter/nbgrader:create-assignment" in config["disabledExtensions"]
    assert config["news"]["disabled"] is True
    assert page.request.get(f"{lab['base']}/formgrader?token={TOKEN}").status == 404
    page.screenshot(path=screenshot_path("lab-learner-menus.png"))


def test_solved_step_passes_every_public_check(page, lab):
    open_notebook(page, lab, f"{SOLVED.slug}/{SOLVED.notebooks[0]}")
    run_all(page)
    panels = page.locator(".course-check-panel")
    expected = len(SOLVED.checks)
    try:
        page.wait_for_function(
            f"document.querySelectorAll('.course-check-panel').length >= {expected}", timeout=120_000
        )
    except Exception:
        page.screenshot(path=screenshot_path("failed-solved-step.png"))
        raise
    wait_until_idle(page)
    assert panels.count() == expected
    for index in range(expected):
        panel = panels.nth(index)
        assert "public checks passed" in panel.text_content(), panel.text_content()
        assert "course-check-passed" in panel.get_attribute("class")
    outputs = " ".join(area.text_content() for area in page.locator(".jp-OutputArea").all())
    assert "all tests passed" not in outputs.lower()
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    # the progress view at the top redraws itself as the checks report
    chip = page.locator(f".course-progress-step[data-step='{SOLVED.slug}']")
    assert chip.get_attribute("data-state") == "done"
    show(page, page.locator(".course-progress-view"))
    page.screenshot(path=screenshot_path("lab-solved-step-progress.png"))
    show(page, panels.nth(0))
    page.screenshot(path=screenshot_path("lab-solved-step-checks.png"))


def test_check_panels_survive_saving_closing_and_reopening(page, lab):
    """The learner's JupyterLab saves widget state, so panels show again without re-running."""
    path = f"{SOLVED.slug}/{SOLVED.notebooks[0]}"
    open_notebook(page, lab, path)
    run_all(page)
    page.wait_for_function(
        f"document.querySelectorAll('.course-check-panel').length >= {len(SOLVED.checks)}", timeout=120_000
    )
    wait_until_idle(page)
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000)
    saved = json.loads((lab["workspace"] / path).read_text())
    assert "widgets" in saved["metadata"], "the widget state should be saved in the notebook"
    _shut_down_kernels(lab["base"])  # the models are gone from every kernel
    open_notebook(page, lab, path)
    page.wait_for_function(f"document.querySelectorAll('.course-check-panel').length >= {len(SOLVED.checks)}")
    outputs = " ".join(area.text_content() for area in page.locator(".jp-OutputArea").all())
    assert "Error displaying widget" not in outputs
    assert outputs.count("public checks passed") >= len(SOLVED.checks)


def test_untouched_exercise_shows_the_failure_and_hints_one_at_a_time(page, lab):
    open_notebook(page, lab, f"{UNTOUCHED.slug}/{UNTOUCHED.notebooks[0]}")
    run_all(page)  # stops at the first stub, which raises NotImplementedError
    page.wait_for_selector(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], "
        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
    )
    wait_until_idle(page)
    check = UNTOUCHED.checks[0]
    cell = code_cell(page, f'Check("{check.id}")')
    run_cell(page, cell)
    panel = cell.locator(".course-check-panel")
    panel.wait_for()
    text = panel.text_content()
    assert "public checks failed" in text and "public checks passed" not in text
    assert "got:" in text and "expected:" in text and "NameError" in text
    assert check.task in text
    assert cell.locator(".course-hint").count() == 0
    button = cell.locator(".course-hint-button")
    button.click()
    cell.locator(".course-hint").first.wait_for()
    assert cell.locator(".course-hint").count() == 1
    assert check.hints[0] in cell.locator(".course-hints").text_content()
    button.click()
    page.wait_for_function(f"document.querySelectorAll('.course-hint').length >= {min(2, len(check.hints))}")
    assert check.hints[1] in cell.locator(".course-hints").text_content()
    show(page, panel)
    page.screenshot(path=screenshot_path("lab-untouched-exercise-hints.png"))


def test_pairing_timer_counts_down_while_a_cell_runs(page, lab):
    open_notebook(page, lab, "pairing.ipynb")
    run_all(page)
    timer = page.locator(".course-pairing-timer")
    timer.wait_for()
    timer.locator(".cpt-start").click()
    busy = code_cell(page, "time.sleep").locator(".jp-InputArea-prompt")
    page.wait_for_function("el => el.textContent.includes('*')", arg=busy.element_handle(), timeout=10_000)
    first = _seconds(timer.locator(".cpt-clock").text_content())
    page.wait_for_timeout(2500)
    second = _seconds(timer.locator(".cpt-clock").text_content())
    assert "*" in busy.text_content(), "the sleeping cell should still be running"
    assert first - second >= 2, (first, second)
    assert "Ada drives" in timer.locator(".cpt-roles").text_content()
    prompt = timer.locator(".cpt-prompt")
    prompt.wait_for(state="visible", timeout=15_000)
    assert "*" in busy.text_content(), "the swap prompt should show while the kernel is still busy"
    assert "Grace takes the keyboard" in prompt.text_content()
    timer.screenshot(path=str(screenshot_path("lab-pairing-timer-swap.png")))
    timer.locator(".cpt-start").click()  # "Swap and start"
    assert "Grace drives" in timer.locator(".cpt-roles").text_content()
    assert not prompt.is_visible()
    wait_until_idle(page)


def _seconds(clock: str) -> int:
    minutes, seconds = clock.strip().split(":")
    return int(minutes) * 60 + int(seconds)
