"""The team's ways-of-working agreement: the sections every such document has.

This is the one place the list lives. The site's template page
(``site/ways-of-working.md``) must have exactly these headings, in this order
(``tests/site/test_site_content.py`` checks it), and step 12's capstone checks a
team's own document against the same list, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One section of the agreement: its heading and the question it answers."""

    heading: str
    question: str


SECTIONS = (
    Section(
        "Who owns what",
        "Who decides, builds and runs each part: the data, the features, the model, "
        "the training pipeline, the service, the product?",
    ),
    Section(
        "How model code is delivered",
        "In what form does model code reach the rest of the team, and what travels with a trained model?",
    ),
    Section(
        "Coding standards",
        "Which formatter, linter and type checker do we use, and what does a good function look like here?",
    ),
    Section(
        "Logging",
        "What do we log when we train and when we predict, at which level, with which context?",
    ),
    Section(
        "Tests we expect",
        "Which tests come with a change, and how fast must they run?",
    ),
    Section(
        "How changes land in git",
        "Branches, pull requests, review and CI: how does a change get from a laptop to main?",
    ),
    Section(
        "Definition of done",
        "What must be true before anyone calls a change done?",
    ),
)


def headings() -> list[str]:
    """The section headings, in order."""
    return [section.heading for section in SECTIONS]


def template_markdown(team: str = "<your team>") -> str:
    """The bare agreement a team copies and fills in."""
    lines = [
        f"# How {team} works together",
        "",
        "Agreed on <date> by <names>. We revisit it <when>. Keep it short: two pages at most.",
    ]
    for section in SECTIONS:
        lines += ["", f"## {section.heading}", "", f"<!-- {section.question} -->", ""]
    return "\n".join(lines) + "\n"
