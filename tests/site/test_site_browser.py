"""The built site in a real browser (Debian's chromium): nav, search, admonitions, tabs, phone layout.

The site is built once, served on 127.0.0.1 by the standard library, and every
request to any other host is blocked, so the test needs no network. Screenshots
go to tests/screenshots/ (gitignored): site-home.png, site-search.png,
site-step-00.png, site-agendas.png, site-facilitator-00.png and the *-phone.png versions.
"""

from __future__ import annotations

import re

import pytest

from browser import require_browser, screenshot_path
from course.core.catalog import SITE_DIR, load_steps
from site_build.agendas import TASTER, build_agenda
from site_build.hooks import facilitator_page
from site_helpers import build_site, serve

pytestmark = pytest.mark.browser

STEPS = load_steps()
FIRST = STEPS[0]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    require_browser()
    with serve(build_site(tmp_path_factory.mktemp("site"))) as url:
        yield url


@pytest.fixture
def open_page(chromium, site_url):
    """Opens a site page by path at a viewport size; fails the test on any JavaScript error."""
    opened, errors = [], []

    def _open(path: str, viewport=DESKTOP):
        page = chromium.new_page(viewport=viewport)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site_url) else route.abort())
        page.goto(site_url + path, wait_until="load")
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.close()
    assert not errors, f"JavaScript errors: {errors}"


def full_page_screenshot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # so the sticky header is drawn at the top
    page.wait_for_timeout(300)
    page.screenshot(path=screenshot_path(name), full_page=True)


def step_path(step) -> str:
    return step.page.removesuffix(".md") + "/"


def test_home_page_shows_the_nav_the_search_box_and_the_content(open_page):
    page = open_page("")
    assert "Prototype to Production" in page.title()
    tabs = page.locator(".md-tabs__link").all_inner_texts()
    for section in ("Home", "Learner path", "Workshop kit", "Instructor guide", "Ways of working", "Reference"):
        assert section in [tab.strip() for tab in tabs], tabs
    assert page.locator(".md-search__input").count() == 1
    assert page.locator(".grid.cards li").count() == 4
    page.get_by_text("In the browser (Binder)", exact=True).click()
    assert page.get_by_role("link", name="open the course on Binder").is_visible()
    full_page_screenshot(page, "site-home")


def test_search_finds_the_step_that_explains_checksums(open_page):
    page = open_page("")
    page.wait_for_load_state("networkidle")  # the search index has arrived in its web worker
    page.locator(".md-search__input").click()
    page.locator(".md-search__input").press_sequentially("checksum", delay=30)  # keys, as a person types
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    hrefs = page.locator(".md-search-result__item a").evaluate_all("links => links.map(a => a.href)")
    assert any("steps/01-reproducible" in href for href in hrefs), hrefs
    page.screenshot(path=screenshot_path("site-search"))


def test_step_page_renders_the_summary_hints_and_role_tabs(open_page):
    page = open_page(step_path(FIRST))
    summary = page.locator(".admonition.abstract").first
    assert summary.is_visible()
    assert f"Step {FIRST.number} at a glance: {FIRST.minutes} minutes, {FIRST.points} points" in summary.inner_text()
    assert summary.get_by_role("link", name="open it on Binder").count() == len(FIRST.notebooks)
    hints = page.locator("details.tip")
    assert hints.count() >= 1
    assert all(hints.nth(i).get_attribute("open") is None for i in range(hints.count())), "hints start collapsed"
    hints.first.locator("summary").click()
    assert hints.first.get_attribute("open") is not None
    page.locator(".tabbed-labels label", has_text="Software engineer").first.click()
    assert page.locator(".tabbed-block", has_text="web app").first.is_visible()
    active = page.locator(".md-nav__link--active").all_inner_texts()
    assert any(FIRST.title in text for text in active), active
    full_page_screenshot(page, "site-step-00")


def test_the_taster_agenda_renders_as_a_table_with_one_row_per_block(open_page):
    page = open_page("kit/agendas/")
    rows = page.locator("h2#taster ~ .agenda table").first.locator("tbody tr")
    assert rows.count() == len(build_agenda(TASTER, STEPS).days[0].blocks)
    assert page.locator(".admonition").count() >= 2
    full_page_screenshot(page, "site-agendas")


def test_agenda_times_stay_on_one_line_on_a_desktop(open_page):
    page = open_page("kit/agendas/")
    cells = page.locator("h2#one-day ~ .agenda table").first.locator("tbody td:first-child")
    assert cells.count() > 5
    lines = cells.evaluate_all(
        """cells => cells.map(c => {
            const text = document.createRange();
            text.selectNodeContents(c);
            return new Set([...text.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )
    assert set(lines) == {1}, f"time cells over more than one line: {lines}"


def facilitator_phrases(step) -> list[str]:
    """Sentences from the step's facilitator page that a learner should not meet on the step page."""
    source = (SITE_DIR / facilitator_page(step)).read_text()
    pairing = re.search(r"^## Pairing\n\n(.+?)\n", source, re.M).group(1)
    pitfall = re.search(r"^## Common pitfalls\n\n- (.+?)\n", source, re.M).group(1)
    return [pairing.split(";")[0], pitfall.split(":")[0].split("`")[0].strip()]


@pytest.mark.slow
def test_learners_do_not_see_facilitator_notes_and_facilitators_do(open_page):
    step = STEPS[0]
    learner = open_page(step_path(step))
    text = learner.locator("article").inner_text()
    assert "let the pair discover" not in text.lower()
    assert not learner.get_by_role("heading", name="Facilitator notes").count()
    assert not learner.get_by_role("heading", name="Common pitfalls").count()
    for phrase in facilitator_phrases(step):
        assert phrase not in text, phrase
    notes = open_page(facilitator_page(step).removesuffix(".md") + "/")
    assert notes.get_by_role("heading", name="Common pitfalls").first.is_visible()
    assert notes.get_by_text("Let the pair discover this", exact=False).first.is_visible()
    for phrase in facilitator_phrases(step):
        assert notes.get_by_text(phrase, exact=False).first.is_visible(), phrase
    full_page_screenshot(notes, "site-facilitator-00")


A4_HEIGHT_PX = 297 / 25.4 * 96  # CSS pixels at 96 per inch


@pytest.mark.slow
def test_each_role_card_prints_on_half_an_a4_sheet_without_splitting(open_page):
    page = open_page("kit/role-cards/", viewport={"width": round(210 / 25.4 * 96), "height": 1123})
    page.emulate_media(media="print")
    cards = page.locator(".role-card")
    assert cards.count() == 4
    for i in range(4):
        card = cards.nth(i)
        assert card.evaluate("c => getComputedStyle(c).breakInside") == "avoid"
        height = card.bounding_box()["height"]
        assert height <= A4_HEIGHT_PX / 2, f"card {i + 1} is {height:.0f}px, more than half an A4 sheet"
    assert not page.locator(".role-cards-intro").is_visible()
    pdf = page.pdf(format="A4", margin={"top": "12mm", "bottom": "12mm", "left": "12mm", "right": "12mm"})
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages <= 2, f"four role cards print on {pages} A4 pages"


@pytest.mark.parametrize(
    "path, name",
    [
        ("", "site-home"),
        ("steps/00-meet-the-prototype/", "site-step-00"),
        ("kit/agendas/", "site-agendas"),
        ("facilitator/day-one-day/", "site-day-sheet"),
    ],
)
def test_pages_fit_a_phone_screen(open_page, path, name):
    page = open_page(path, viewport=PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path or 'home'} is {overflow}px wider than a phone screen"
    assert page.locator("label.md-header__button[for='__drawer']").is_visible(), "the menu button opens the nav"
    full_page_screenshot(page, f"{name}-phone")
