"""The site as a facilitator uses it: who drives, notes apart from learners' pages, day sheets, one output folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course import REPO_DIR
from course.core.catalog import SITE_DIR, load_steps
from driving import engineer_drives
from site_build.agendas import BRIEF_MINUTES, DEBRIEF_MINUTES, FORMATS
from site_build.hooks import (
    FACILITATOR_PAGE_MORE_SECTIONS,
    FACILITATOR_PAGE_SECTIONS,
    STEP_PAGE_SECTIONS,
    facilitator_page,
)
from site_helpers import load_mkdocs_config

STEPS = load_steps()
SLUGS = [step.slug for step in STEPS]
SNIPPETS = REPO_DIR / "site_build" / "snippets"

# Pages that say who drives: every step page, every facilitator page, the guide, pairing, the shared snippets.
PAIRING_PAGES = sorted(
    [
        *(SITE_DIR / step.page for step in STEPS),
        *(SITE_DIR / "facilitator").glob("*.md"),
        SITE_DIR / "kit" / "facilitator-guide.md",
        SITE_DIR / "kit" / "pairing.md",
        *SNIPPETS.glob("*.md"),
    ]
)


def test_the_check_recognises_the_statements_it_is_for():
    for statement in (
        "The software engineer drives the layout and `pyproject.toml`.",
        "the engineer drives Task 3 while the data scientist explains",
        "The ML/platform engineer drives `from_environment` and the precedence",
        "The data engineer drives the command line",
        "The ML / platform engineer drives the configuration and the workflow",
        "Here the engineer takes the keyboard.",
        "The step is driven by the software engineer.",
    ):
        assert engineer_drives(statement), statement
    for statement in (
        "The data scientist drives; the engineer navigates.",
        "the engineer never takes the keyboard",
        "the engineer explains the layout as the data scientist types it",
        "the data scientist spends the day watching the engineer, who has done this before, type.",
    ):
        assert not engineer_drives(statement), statement


@pytest.mark.parametrize("page", PAIRING_PAGES, ids=lambda page: page.name)
def test_no_page_says_an_engineer_drives(page):
    assert not engineer_drives(page.read_text()), f"{page.relative_to(REPO_DIR)}: {engineer_drives(page.read_text())}"


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_every_step_has_the_data_scientist_drive_and_the_engineer_navigate(step):
    pairing = section(facilitator_source(step), "Pairing")
    assert re.search(r"data scientists?\b[^.;]{0,40}?\b(?:drives?|types)\b", pairing), pairing
    assert re.search(r"engineers? navigates?", pairing), pairing


def facilitator_source(step) -> str:
    return (SITE_DIR / facilitator_page(step)).read_text()


def section(markdown: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"no section {heading!r}"
    return match.group(1)


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_every_step_has_a_facilitator_page_with_its_sections(step):
    markdown = facilitator_source(step)
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings[: len(FACILITATOR_PAGE_SECTIONS)] == list(FACILITATOR_PAGE_SECTIONS), headings
    assert set(FACILITATOR_PAGE_MORE_SECTIONS) <= set(headings), headings
    assert "<!-- registry:facilitator-summary -->" in markdown


FACILITATOR_ONLY = re.compile(
    r"let the pair|facilitator notes|common pitfalls|discussion questions|\bdebrief\b|scores? zero", re.I
)


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_learner_pages_carry_no_facilitator_notes(step):
    markdown = (SITE_DIR / step.page).read_text()
    assert "Facilitator notes" not in STEP_PAGE_SECTIONS
    assert not FACILITATOR_ONLY.findall(markdown), f"{step.page}: {FACILITATOR_ONLY.findall(markdown)}"
    assert "facilitator/" not in markdown, "learner pages do not point learners at the notes"


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_a_steps_timing_adds_up_to_its_budget_between_brief_and_debrief(step):
    timing = section(facilitator_source(step), "Timing")
    parts = [int(minutes) for minutes in re.findall(r"^- (\d+) min:", timing, re.M)]
    assert sum(parts) == step.minutes, f"{step.slug}: {parts} add up to {sum(parts)}, the registry says {step.minutes}"
    assert f"{BRIEF_MINUTES}-minute brief" in timing and f"{DEBRIEF_MINUTES}-minute debrief" in timing


def test_notes_name_notebook_tasks_as_notebook_tasks():
    for page in (SITE_DIR / "facilitator").glob("*.md"):
        assert not re.search(r"\bTasks? \d", page.read_text()), f"{page.name}: say 'notebook task N'"


def test_the_facilitator_guide_and_the_agendas_agree_on_brief_and_debrief():
    guide = (SITE_DIR / "kit" / "facilitator-guide.md").read_text()
    assert f"**Brief ({BRIEF_MINUTES} minutes).**" in guide
    assert f"**Debrief ({DEBRIEF_MINUTES} minutes).**" in guide
    assert "minute-by-minute" not in guide, "the notes give parts of 5 to 30 minutes, not a minute-by-minute plan"


def test_facilitator_pages_are_in_their_own_nav_section_with_every_step():
    nav = load_mkdocs_config()["nav"]
    section_ = next(item["Facilitators"] for item in nav if isinstance(item, dict) and "Facilitators" in item)
    flat = re.findall(r"facilitator/[\w.-]+\.md", str(section_))
    for step in STEPS:
        assert facilitator_page(step) in flat
    for workshop in FORMATS:
        assert f"facilitator/day-{workshop.slug}.md" in flat
    assert "facilitator/projector.md" in flat
    index = (SITE_DIR / "facilitator" / "index.md").read_text()
    for step in STEPS:
        assert f"]({step.slug}.md)" in index, f"facilitator/index.md does not list {step.slug}"


@pytest.mark.parametrize("workshop", FORMATS, ids=[f.slug for f in FORMATS])
def test_each_format_has_a_day_sheet_with_what_the_day_needs(workshop):
    sheet = (SITE_DIR / "facilitator" / f"day-{workshop.slug}.md").read_text()
    headings = re.findall(r"^## (.+)$", sheet, re.M)
    for heading in (
        "Groups",
        "The day, with minutes",
        "Reference answers",
        "Laptop pre-check",
        "Collecting and grading",
    ):
        assert heading in headings, f"day-{workshop.slug}.md: no section {heading!r}"
    assert f"<!-- registry:agenda-{workshop.slug} -->" in sheet
    assert f"<!-- registry:answers-{workshop.slug} -->" in sheet
    snippets = "".join((SNIPPETS / name).read_text() for name in re.findall(r'--8<-- "([\w.-]+)"', sheet))
    for needed in ("python3 -m course doctor", "0.85 GB", "WSL", "course grade submitted --out grades-out --jobs 2"):
        assert needed in snippets, f"day-{workshop.slug}.md lacks {needed!r}"


def test_the_projector_page_has_what_the_notes_ask_for():
    projector = (SITE_DIR / "facilitator" / "projector.md").read_text()
    headings = re.findall(r"^## (.+)$", projector, re.M)
    assert [h.split(":")[0] for h in headings] == ["Step 4", "Step 5", "Step 8"]
    five = section(projector, headings[1])
    assert len(re.findall(r"^\| [1-5] · ", five, re.M)) == 5, "five broken batches, one row each"
    for note, anchor in (("04", "step-4"), ("05", "step-5"), ("08", "step-8")):
        page = next((SITE_DIR / "facilitator").glob(f"{note}-*.md")).read_text()
        assert f"projector.md#{anchor}" in page


def site_text_files() -> list[Path]:
    return [
        *SITE_DIR.rglob("*.md"),
        *SNIPPETS.glob("*.md"),
        REPO_DIR / "README.md",
        *(REPO_DIR / "hosting").rglob("*.md"),
        *(REPO_DIR / "hosting").rglob("*.sh"),
        *(REPO_DIR / "hosting").rglob("*.yaml"),
    ]


def test_one_grading_output_folder_everywhere_and_git_ignores_it():
    for path in site_text_files():
        text = path.read_text()
        for match in re.finditer(r"--out (\S+)", text):
            assert match.group(1).strip("`") in ("grades-out", "OUT", "OUT]"), (
                f"{path.relative_to(REPO_DIR)}: {match.group(0)}"
            )
    assert "grades-out/" in (REPO_DIR / ".gitignore").read_text().splitlines()


def test_no_page_names_a_release_tag_that_does_not_exist():
    for path in site_text_files():
        assert not re.search(r"\bv\d+\.\d+\.\d+\b", path.read_text()), f"{path.relative_to(REPO_DIR)} names a tag"


def test_hub_setup_time_is_the_same_everywhere():
    for page in ("kit/facilitator-guide.md", "kit/index.md", "instructor/index.md", "instructor/tljh.md"):
        text = (SITE_DIR / page).read_text()
        assert re.search(r"\ban afternoon\b", text), f"{page}: a hub on one server takes an afternoon"
        assert not re.search(r"Plan a day for the first setup", text)


def test_the_open_questions_are_answered_on_the_site():
    guide = (SITE_DIR / "kit" / "facilitator-guide.md").read_text()
    answers = section(guide, "Questions facilitators ask")
    for question in (
        "has no data engineer",
        "Whose notebook does a trio submit",
        "Where does a trio's own code go",
        "a notebook of your own",
        "How long does grading take",
    ):
        assert question in answers, question
    assert "course bench-class" in answers
    assert "## Code of conduct and surveys" in guide
