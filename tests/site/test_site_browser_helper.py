"""The shared browser helper skips without chromium, and fails instead when CI requires the browser."""

from __future__ import annotations

from pathlib import Path

import pytest

import browser


def test_without_chromium_browser_tests_skip_and_say_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM_PATH", tmp_path / "no-chromium")
    monkeypatch.delenv(browser.REQUIRE_BROWSER_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        browser.require_browser()


def test_without_chromium_browser_tests_fail_when_ci_requires_them(tmp_path, monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM_PATH", tmp_path / "no-chromium")
    monkeypatch.setenv(browser.REQUIRE_BROWSER_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="COURSE_REQUIRE_BROWSER=1"):
        browser.require_browser()


def test_screenshots_go_to_the_ignored_folder():
    assert browser.screenshot_path("x").name == "x.png"
    assert browser.screenshot_path("x.png").name == "x.png"
    assert browser.SCREENSHOTS_DIR.relative_to(Path(__file__).parents[1]).as_posix() == "screenshots"
    gitignore = (Path(__file__).parents[2] / ".gitignore").read_text().splitlines()
    assert "tests/screenshots/" in gitignore
