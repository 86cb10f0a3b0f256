"""The site's view of the ways-of-working document's growth (course/core/ways_of_working.py).

Two markers use it: ``ways-of-working-growth`` on the template page (every step with the
sections it drafts, adds, revises or reviews) and ``ways-of-working-part`` on a step page
(what the step writes and what its check looks for). Both read the one definition, so the
site never disagrees with the notebooks' checks.
"""

from __future__ import annotations

from course.core import ways_of_working
from course.core.catalog import Step


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _terms(heading: str, slug: str) -> str:
    return _and([f'"{spellings[0]}"' for spellings in ways_of_working.decided_at(slug)[heading]])


def what_it_writes(step: Step) -> str:
    """What a step does to the document, in words: "adds *X* and revises *Y*"."""
    part = ways_of_working.part_of(step.slug)
    if part is None:
        return "nothing"
    sections = [f"*{heading}*" for heading in part.headings]
    if step.slug == ways_of_working.DRAFT_STEP:
        return f"drafts {_and(sections)}, as things are today"
    if step.slug == ways_of_working.REVIEW_STEP:
        return f"reviews the whole against the code and rewrites the title, {_and(sections)}"
    added = ways_of_working.added_at(step.slug)
    words = []
    if added:
        words.append("adds " + _and([f"*{heading}*" for heading in added]))
    revised = [f"*{heading}*" for heading in part.headings if heading not in added]
    if revised:
        words.append("revises " + _and(revised))
    return " and ".join(words)


def growth_table(steps: list[Step], link) -> str:
    """Every step that writes the document, with what it writes and the minutes it takes."""
    rows = ["| step | what it does to `WAYS-OF-WORKING.md` | minutes |", "| --- | --- | ---: |"]
    for step in steps:
        part = ways_of_working.part_of(step.slug)
        if part is None:
            continue
        minutes = f"{part.minutes}" if part.minutes else f"the whole step ({step.minutes})"
        rows.append(f"| [{step.number} · {step.title}]({link(step.page)}) | {what_it_writes(step)} | {minutes} |")
    return "\n".join(rows) + "\n"


def step_part(step: Step) -> str:
    """The bullet a step page's *How it is checked* gives the step's part of the document."""
    part = ways_of_working.part_of(step.slug)
    if part is None or step.slug == ways_of_working.REVIEW_STEP:
        return ""
    said = "; ".join(f"*{heading}* mentions {_terms(heading, step.slug)}" for heading in part.headings)
    return (
        f"- **Our ways of working** ({part.minutes} minutes): this step {what_it_writes(step)} in the team's "
        f"`WAYS-OF-WORKING.md`, which keeps every earlier section. The check reads the file: every section "
        f"so far, in order, each written ({ways_of_working.MIN_WORDS} words at least, no placeholder left), "
        f"and what this step decided: {said}.\n"
    )
