"""Real-browser tests: Debian's chromium driven by Playwright, shared by every browser test.

Playwright cannot download its own browser here, so the tests use Debian's
``chromium`` (``apt-get install chromium``). Where it is missing, browser tests
skip and say why, unless ``COURSE_REQUIRE_BROWSER=1`` is set (CI sets it): then
they fail, so a CI machine without a browser cannot pass them silently.

Use in a test module::

    from browser import screenshot_path

    @pytest.mark.browser
    def test_something(chromium):
        page = chromium.new_page()
        ...
        page.screenshot(path=screenshot_path("something"))

``chromium`` (registered for every module by ``pytest_plugins`` in conftest.py) is
module-scoped: one browser per test module. Do not start a second
``sync_playwright()`` in a module that uses it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
REQUIRE_BROWSER_ENV = "COURSE_REQUIRE_BROWSER"
SCREENSHOTS_DIR = Path(__file__).resolve().parent / "screenshots"  # gitignored


def browser_unavailable_reason() -> str | None:
    """Why a browser test cannot run here, or ``None`` when it can."""
    if not CHROMIUM_PATH.exists():
        return f"Debian's chromium is not installed at {CHROMIUM_PATH} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def require_browser() -> None:
    """Skip the calling test when there is no browser, or fail under ``COURSE_REQUIRE_BROWSER=1``."""
    reason = browser_unavailable_reason()
    if reason is None:
        return
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_BROWSER_ENV}=1 requires the browser tests to run")
    pytest.skip(f"{reason}; set {REQUIRE_BROWSER_ENV}=1 to make this a failure")


def launch_chromium(playwright, **options):
    """Launch Debian's chromium through ``playwright`` (from ``sync_playwright()``)."""
    args = [*CHROMIUM_ARGS, *options.pop("args", ())]
    return playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=args, **options)


@pytest.fixture(scope="module")
def chromium():
    """A running chromium ``Browser`` for the test module (skips or fails without one)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def screenshot_path(name: str) -> Path:
    """``tests/screenshots/<name>`` (``.png`` added when missing), creating the folder."""
    SCREENSHOTS_DIR.mkdir(exist_ok=True)
    return SCREENSHOTS_DIR / (name if name.endswith(".png") else f"{name}.png")
