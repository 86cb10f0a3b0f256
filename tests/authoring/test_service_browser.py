"""Step 10's reference service for real: uvicorn on 127.0.0.1, its page driven in Debian's chromium.

The step is graded in-process (FastAPI's TestClient); this test proves the part a
test client cannot: that the real server starts from the package with the app
factory, serves the page, and that the page's form, in a real browser, calls
/predict and shows the answer, or the service's reason for refusing.

The package is written from the solution notebook's ``%%writefile`` cells into a
temporary folder, a model is trained with ``python -m penguins train``, and
uvicorn is started on a free port. Requests to any other host are blocked.
Screenshots: tests/screenshots/service-prediction.png and service-refusal.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from browser import require_browser, screenshot_path
from course.authoring.journey import without_markers
from course.checks.http_service import free_port
from course.core.catalog import find_step

pytestmark = pytest.mark.browser

STEP = find_step("10-service")
SEASONS = ["data/seasons/PAL0708.csv", "data/seasons/PAL0809.csv", "data/seasons/PAL0910.csv"]
GENTOO = {
    "species": "Gentoo",
    "island": "Biscoe",
    "culmen_length_mm": "50.0",
    "culmen_depth_mm": "16.3",
    "flipper_length_mm": "230",
    "body_mass_g": "5700",
}


def write_package(folder) -> list[str]:
    """Write every ``%%writefile`` cell of the solution notebook (solution markers removed) under ``folder``."""
    notebook = nbformat.read(str(STEP.solution_dir / STEP.notebooks[0]), as_version=4)
    written = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%writefile "):
            first, _, body = cell.source.partition("\n")
            target = folder / first.split()[-1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(without_markers(body).rstrip("\n") + "\n")
            written.append(first.split()[-1])
    shutil.copytree(STEP.solution_dir / "data", folder / "data")
    return written


def wait_until_healthy(url: str, server: subprocess.Popen, log, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"uvicorn stopped with code {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "health", timeout=2) as response:
                if json.load(response) == {"status": "ok"}:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the service did not answer /health within {seconds} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def service_url(tmp_path_factory):
    """The reference service, trained on three seasons, running under uvicorn on a free port."""
    require_browser()
    folder = tmp_path_factory.mktemp("service")
    written = write_package(folder)
    assert {"penguins/service.py", "penguins/static/index.html"} <= set(written)
    trained = subprocess.run(
        [sys.executable, "-m", "penguins", "train", *[arg for season in SEASONS for arg in ("--season", season)]],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert trained.returncode == 0, trained.stderr
    port, log = free_port(), folder / "uvicorn.log"
    with open(log, "w") as handle:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "penguins.service:app_from_environment",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=folder,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PENGUINS_MODEL_DIR": "artifacts"},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def page(chromium, service_url):
    """The service's page at a laptop's size; fails the test on a JavaScript error; no other host reachable."""
    errors = []
    opened = chromium.new_page(viewport={"width": 900, "height": 760})
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(service_url) else route.abort()
    )
    opened.goto(service_url, wait_until="load")
    yield opened
    opened.close()
    assert not errors, f"JavaScript errors: {errors}"


def fill(page, bird: dict) -> None:
    page.select_option("#species", bird["species"])
    page.select_option("#island", bird["island"])
    for field in ("culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"):
        page.fill(f"#{field}", bird[field])


def post_predict(url: str, bird: dict) -> dict:
    body = json.dumps({**bird, **{k: float(v) for k, v in bird.items() if k.endswith(("_mm", "_g"))}}).encode()
    request = urllib.request.Request(url + "predict", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_the_form_shows_the_services_prediction(page, service_url):
    assert page.title() == "Penguin sex predictor"
    fill(page, GENTOO)
    with page.expect_response(lambda response: response.url == service_url + "predict") as answered:
        page.get_by_role("button", name="Predict").click()
    assert answered.value.status == 200
    page.wait_for_function("document.getElementById('result').textContent.includes('probability')")
    shown = page.locator("#result").inner_text()
    expected = post_predict(service_url, GENTOO)
    assert re.fullmatch(r"(MALE|FEMALE) \(probability \d\.\d\d, model [0-9a-f]{12}\)", shown), shown
    assert shown.startswith(expected["sex"]) and expected["model_version"] in shown
    page.screenshot(path=screenshot_path("service-prediction"), full_page=True)


def test_the_form_shows_why_the_service_refuses_a_mass_in_kilograms(page, service_url):
    fill(page, {**GENTOO, "body_mass_g": "5.7"})
    with page.expect_response(lambda response: response.url == service_url + "predict") as answered:
        page.get_by_role("button", name="Predict").click()
    assert answered.value.status == 422
    page.wait_for_function("document.getElementById('result').textContent.includes('body_mass_g')")
    assert "greater than or equal to 2000" in page.locator("#result").inner_text()
    assert "error" in page.locator("#result").get_attribute("class")
    page.screenshot(path=screenshot_path("service-refusal"), full_page=True)
