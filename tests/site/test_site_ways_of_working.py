"""The site and the ways-of-working definition agree (course/core/ways_of_working.py).

The template page has the definition's sections and an example that says, per section,
what the course's last step on it decided; every step page says what its step writes;
every facilitator page gives the part its minutes; the kit starts the document in the
first hour and reviews it at the close, never "after the workshop".
"""

from __future__ import annotations

import re

import pytest

from course.core import ways_of_working
from course.core.catalog import SITE_DIR, load_steps
from site_build.agreement import growth_table, step_part
from site_build.hooks import fill_markers

STEPS = load_steps()
GROWING = [s for s in STEPS if ways_of_working.part_of(s.slug) and s.slug != ways_of_working.REVIEW_STEP]
PAGE = (SITE_DIR / "ways-of-working.md").read_text()


def section(markdown: str, heading: str) -> str:
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert found, f"no section {heading!r}"
    return found.group(1)


@pytest.mark.parametrize("heading", ways_of_working.headings())
def test_the_template_pages_example_says_what_the_course_decided_last(heading):
    example = section(PAGE, heading).split('??? example "The penguin team"', 1)[1]
    final = ways_of_working.last_decided(heading)
    for spellings in ways_of_working.decided_at(final.slug)[heading]:
        assert ways_of_working.uses_term(example, spellings), f"{heading}: the example never says {spellings[0]!r}"


def test_the_template_page_shows_how_the_document_grows():
    assert "<!-- registry:ways-of-working-growth -->" in PAGE
    table = growth_table(STEPS, lambda target: target)
    for step in STEPS:
        assert f"[{step.number} · {step.title}]" in table
    assert "drafts *Who owns what*" in table and "reviews the whole against the code" in table


def test_the_example_describes_the_artifacts_the_last_step_keeps():
    """Step 14 keeps every version and a prediction record: the example says so, and no longer says "writes over"."""
    models = " ".join(section(PAGE, "Models and artifacts").split())
    assert "writes over" not in models and "model.pkl" not in models
    assert "never changed or overwritten" in models and "predictions.jsonl" in models


@pytest.mark.parametrize("step", GROWING, ids=lambda step: step.slug)
def test_each_step_page_says_what_the_step_writes_and_what_its_check_reads(step):
    source = (SITE_DIR / step.page).read_text()
    checked = section(source, "How it is checked")
    assert "<!-- registry:ways-of-working-part -->" in checked
    rendered = fill_markers(checked, step.page, STEPS)
    assert rendered.count("**Our ways of working**") == 1 and step_part(step).strip() in rendered


@pytest.mark.parametrize("step", GROWING, ids=lambda step: step.slug)
def test_each_facilitator_page_gives_the_part_its_minutes(step):
    timing = section((SITE_DIR / "facilitator" / f"{step.slug}.md").read_text(), "Timing")
    parts = re.findall(r"^- (\d+) min: our ways of working\b", timing, re.M)
    assert parts == [str(ways_of_working.part_of(step.slug).minutes)], timing


def test_the_kit_drafts_the_document_first_and_reviews_it_last():
    guide = (SITE_DIR / "kit" / "facilitator-guide.md").read_text()
    after = section(guide, "After the workshop")
    assert "Start the team's" not in after and "drafted" in after
    assert "first draft" in section(guide, "During the workshop")
    retrospective = (SITE_DIR / "kit" / "retrospective.md").read_text()
    assert "**Review the document**" in retrospective and "closing review" in retrospective
    short = re.search(r"\*\*The 10-minute version\*\*.*?(?=\n\n)", retrospective, re.S).group(0)
    assert "WAYS-OF-WORKING.md" in short
    agendas = (SITE_DIR / "kit" / "agendas.md").read_text()
    assert "first draft" in agendas and "closing review" in agendas
