"""The site builds strictly, and every step page has its fixed sections and registry values."""

from __future__ import annotations

import re

import pytest

from course.core.catalog import SITE_DIR, load_steps
from site_build.hooks import STEP_PAGE_SECTIONS
from site_helpers import build_site

STEPS = load_steps()
SLUGS = [step.slug for step in STEPS]


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_step_page_has_the_fixed_sections_in_order(step):
    text = (SITE_DIR / step.page).read_text()
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == list(STEP_PAGE_SECTIONS), f"{step.page} sections: {headings}"
    for marker in ("<!-- registry:summary -->", "<!-- registry:key-points -->"):
        assert marker in text


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_built_step_page_shows_the_registry_values(built_site, step):
    html = (built_site / step.page.replace(".md", "") / "index.html").read_text()
    assert f"{step.minutes} minutes, {step.points} points" in html
    for outcome in step.outcomes:
        assert outcome.replace("'", "&#39;") in html or outcome in html
    assert "registry:" not in html


def test_home_page_lists_every_step(built_site):
    html = (built_site / "index.html").read_text()
    for step in STEPS:
        assert step.title in html
