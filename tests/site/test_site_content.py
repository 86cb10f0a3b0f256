"""The built site: registry values, agendas, notebook and Binder links, ways of working, no broken link."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from mkdocs.exceptions import PluginError

from course import REPO_DIR
from course.core.catalog import SITE_DIR, load_steps
from course.core.ways_of_working import headings, template_markdown
from site_build.agendas import FORMATS, build_agenda, format_time
from site_build.hooks import BINDER_URL, REPOSITORY_URL, binder_url, fill_markers, notebook_url
from site_helpers import build_site, load_mkdocs_config

STEPS = load_steps()
SLUGS = [step.slug for step in STEPS]
SITE = "http://site.test/"  # a stand-in origin for resolving relative links


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("site"))


def built_page(site: Path, page: str) -> str:
    """The HTML of a page given by its source path under site/ (``kit/agendas.md``)."""
    stem = page.removesuffix(".md")
    folder = "" if stem == "index" else stem.removesuffix("/index")
    return (site / folder / "index.html").read_text()


def text_of(page_html: str) -> str:
    """The page's visible text, tags removed and entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page_html)))


class _Links(HTMLParser):
    """Collects the links (href, src) and the element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src") and value:
                self.links.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(errors="replace"))
    return parser


def _target_file(site: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site / path
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


def test_no_internal_link_in_the_built_site_is_broken(built_site):
    pages = sorted(built_site.rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    broken = []
    for page, links in parsed.items():
        page_url = urljoin(SITE, page.relative_to(built_site).as_posix())
        for link in links.links:
            url = urljoin(page_url, link)
            if not url.startswith(SITE):
                continue  # external: another site, mailto:, data:
            target = _target_file(built_site, url)
            fragment = urlsplit(url).fragment
            if not target.is_file():
                broken.append(f"{page.relative_to(built_site)}: {link} (no {target.relative_to(built_site)})")
            elif fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{page.relative_to(built_site)}: {link} (no id {fragment!r})")
    assert len(pages) > 15
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_no_registry_marker_is_left_unfilled(built_site):
    left = [str(p.relative_to(built_site)) for p in built_site.rglob("*.html") if "<!-- registry:" in p.read_text()]
    assert not left, f"pages with an unfilled registry marker: {left}"


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_step_page_links_its_notebook_on_github_and_binder(built_site, step):
    page_html = built_page(built_site, step.page)
    for name in step.notebooks:
        assert (REPO_DIR / "exercises" / step.slug / name).is_file(), "the linked notebook must exist"
        assert f'href="{html.escape(notebook_url(step, name))}"' in page_html
        link = binder_url(step, name)
        assert f'href="{html.escape(link)}"' in page_html
        assert link.endswith(f"urlpath=lab/tree/{step.slug}/{name}"), "Binder opens the workspace's copy"


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_step_page_lists_every_graded_check_with_its_points(built_site, step):
    text = text_of(built_page(built_site, step.page))
    for check in step.checks:
        assert f"{check.task} ({check.points} pt" in text
    for point in step.key_points:
        assert point in text


def test_registry_page_lists_every_graded_check(built_site):
    text = text_of(built_page(built_site, "reference/registry.md"))
    for step in STEPS:
        for check in step.checks:
            assert re.search(rf"{step.number} {re.escape(check.id)} {check.points} {re.escape(check.task)}", text)


@pytest.mark.parametrize("workshop", FORMATS, ids=[f.slug for f in FORMATS])
def test_agenda_page_shows_the_agenda_built_from_the_registry(built_site, workshop):
    text = text_of(built_page(built_site, "kit/agendas.md"))
    agenda = build_agenda(workshop, STEPS)
    clock = workshop.clock_start is not None
    assert agenda.steps, "every format holds at least step 0"
    for day in agenda.days:
        for block in day.blocks:
            times = f"{format_time(block.start, clock)}–{format_time(block.end, clock)}"
            assert f"{times} {block.title}" in text, f"{workshop.slug}: missing {times} {block.title}"
    for step in agenda.left_over:
        assert f"{step.number} · {step.title}" in text


def test_agendas_cover_the_steps_in_order_and_the_taster_fits_in_two_hours():
    for workshop in FORMATS:
        agenda = build_agenda(workshop, STEPS)
        assert agenda.steps + list(agenda.left_over) == STEPS
    taster = build_agenda(FORMATS[0], STEPS)
    assert taster.days[0].end - taster.days[0].blocks[0].start <= 120


def test_kit_home_summarises_every_format(built_site):
    text = text_of(built_page(built_site, "kit/index.md"))
    for workshop in FORMATS:
        agenda = build_agenda(workshop, STEPS)
        assert f"{workshop.title}" in text
        assert f"{agenda.pair_minutes} min" in text


def test_ways_of_working_page_has_the_stable_sections_in_order():
    source = (SITE_DIR / "ways-of-working.md").read_text()
    assert re.findall(r"^## (.+)$", source, re.M) == headings()
    assert "<!-- registry:ways-of-working-template -->" in source


def test_ways_of_working_page_offers_the_bare_template(built_site):
    page_html = built_page(built_site, "ways-of-working.md")
    for line in template_markdown().splitlines():
        if line:
            assert html.escape(line, quote=False) in page_html or line in text_of(page_html)


def test_an_unknown_or_misplaced_marker_stops_the_build():
    with pytest.raises(PluginError, match="unknown marker"):
        fill_markers("Intro\n<!-- registry:steps-tabel -->\n", "index.md", STEPS)
    with pytest.raises(PluginError, match="step pages only"):
        fill_markers("<!-- registry:summary -->\n", "kit/index.md", STEPS)


def test_a_marker_quoted_in_running_text_is_left_alone():
    text = "Write `<!-- registry:summary -->` at the top of the page.\n"
    assert fill_markers(text, "reference/authoring.md", STEPS) == text


def test_generated_links_are_relative_to_the_page():
    table = fill_markers("<!-- registry:steps-table -->\n", "kit/agendas.md", STEPS)
    assert f"](../{STEPS[0].page})" in table


def test_the_site_and_the_links_name_the_same_canonical_repository():
    config = load_mkdocs_config()
    assert config["repo_url"] == REPOSITORY_URL
    owner_and_name = REPOSITORY_URL.removeprefix("https://github.com/")
    assert BINDER_URL == f"https://mybinder.org/v2/gh/{owner_and_name}/HEAD"


def test_learner_path_nav_has_one_numbered_line_per_step():
    nav = load_mkdocs_config()["nav"]
    learner_path = next(item["Learner path"] for item in nav if isinstance(item, dict) and "Learner path" in item)
    entries = [item for item in learner_path if isinstance(item, dict)]
    assert [list(entry.values())[0] for entry in entries] == [step.page for step in STEPS]
    for entry, step in zip(entries, STEPS, strict=True):
        assert list(entry)[0].startswith(f"{step.number} · "), entry


def test_registry_text_is_shown_exactly_as_written():
    import markdown

    from course.core.catalog import CheckInfo, Step
    from site_build.hooks import step_summary

    special = "Call logging.getLogger(__name__) with *args, [x] and a|b <tag>"
    step = Step(0, "00-x", "X", ("x.ipynb",), "steps/00-x.md", 5, (special,), (), (CheckInfo("id", 1, special, ()),))
    rendered = markdown.markdown(step_summary(step), extensions=["admonition", "tables"])
    assert text_of(rendered).count(special) == 2, text_of(rendered)
