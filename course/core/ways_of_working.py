"""The team's ways-of-working agreement: its sections, and how the document grows, step by step.

This is the one place both live.

``SECTIONS``
    Every section the document has, in the document's order, with the question it
    answers. The site's template page (``site/ways-of-working.md``) has exactly these
    headings, in this order (``tests/site/test_site_content.py``); ``template_markdown``
    is the bare template the site offers.

``GROWTH``
    Per step, the sections its part *Our ways of working* adds or revises, what each of
    them must then say (a few required terms: what the step's practice decided), and
    the minutes the part takes. Step 0 drafts the document as things are today (a
    notebook, one owner); each later step adds or revises the section its practice
    decides; step 12 (``REVIEW``) reviews the whole against the code, with checks of
    its own (``course/checks/agreement.py``).

How the definition is used (decided, issue #14):

* Each step's notebook writes the whole document as of that step in one
  ``%%writefile WAYS-OF-WORKING.md`` answer cell: the sections of earlier steps as
  given text, exactly the previous step's reference text (the document grows, nothing
  is lost), and the step's own sections as answers. A revised section's previous
  version is quoted in the markdown cell above it. ``tests/authoring/test_ways_of_working.py``
  holds every notebook to this.
* The graded cell ``stepNN_ways_of_working`` (1 point, steps 0-11), its public lines and
  the grader's judge all read ``headings_at`` and ``decided_at``: the sections so far, in
  this order, each written (``MIN_WORDS`` words at least, no placeholder), and this
  step's sections naming what the step decided. A term is found case-insensitively, at
  the start of a word, in any one of its spellings.
* The part's minutes are counted inside the step's pair work (the registry's
  ``minutes``), not added to it: adding them would push step 1 out of the taster and
  step 12 out of the two-day workshop. Each step's facilitator page gives the part its
  own line in *Timing*, and the agendas show it in every step's row
  (``site_build/agendas.py``), with the first draft (step 0) and a closing review in
  every format.
"""

from __future__ import annotations

import re
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
        "Data we trust",
        "Which data may the model learn from, how do we know it is the data we meant, "
        "and what happens to a batch or a row that breaks the rules?",
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
        "Configuration",
        "Where do the settings of a run live, who changes them, and how is a value checked and overridden?",
    ),
    Section(
        "Models and artifacts",
        "What is a trained model on disk, what says what it is, and when may a new one replace it?",
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
        "How a change reaches production",
        "How does a new model or a change of code reach the people who use the predictions, "
        "and how do we know which model answers?",
    ),
    Section(
        "Definition of done",
        "What must be true before anyone calls a change done?",
    ),
)

MIN_WORDS = 12  # a written section has at least this many words (comments left out)


@dataclass(frozen=True)
class Decision:
    """What one step decides in one section: terms the section must then use, each in any of its spellings."""

    heading: str
    terms: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class StepPart:
    """A step's part of the document: the sections it adds or revises, and the minutes it takes."""

    slug: str
    decisions: tuple[Decision, ...]
    minutes: int

    @property
    def number(self) -> int:
        return int(self.slug[:2])

    @property
    def headings(self) -> list[str]:
        """The sections this step adds or revises, in the document's order."""
        mine = {decision.heading for decision in self.decisions}
        return [heading for heading in headings() if heading in mine]


def _part(slug: str, minutes: int, **sections: tuple[tuple[str, ...], ...]) -> StepPart:
    by_name = {heading.lower().replace(" ", "_"): heading for heading in (s.heading for s in SECTIONS)}
    return StepPart(slug, tuple(Decision(by_name[name], terms) for name, terms in sections.items()), minutes)


CHECKSUM = ("checksum", "SHA-256", "SHA256")

GROWTH = (
    _part(
        "00-meet-the-prototype",
        8,
        who_owns_what=(("data scientist",),),
        how_model_code_is_delivered=(("notebook",), ("pickle", ".pkl")),
        definition_of_done=(("accuracy",),),
    ),
    _part("01-reproducible", 5, data_we_trust=(CHECKSUM,), definition_of_done=(("restart",), ("seed",))),
    _part("02-safety-net", 5, tests_we_expect=(("golden master", "golden-master"),)),
    _part("03-pure-functions", 5, coding_standards=(("function",), ("argument",))),
    _part("04-unit-tests", 5, tests_we_expect=(("pytest",), ("golden master", "golden-master"))),
    _part("05-data-validation", 5, data_we_trust=(("quarantine",), CHECKSUM)),
    _part("06-logging", 5, logging=(("logger",), ("INFO",), ("WARNING",))),
    _part("07-configuration", 5, configuration=(("config.toml",), ("environment",))),
    _part(
        "08-package",
        5,
        how_model_code_is_delivered=(("package",), ("notebook",)),
        tests_we_expect=(("pytest",), ("tests/",)),
    ),
    _part("09-pipeline-cli", 5, models_and_artifacts=(("model.json",), ("refuse", "force", "exit code 3"))),
    _part("10-service", 5, how_a_change_reaches_production=(("service",), ("/version",), ("restart",))),
    _part(
        "11-quality-gates",
        5,
        coding_standards=(("ruff",), ("mypy",), ("argument",)),
        how_changes_land_in_git=(("pull request",), ("CI",)),
    ),
)

# Step 12 reviews the document against the code: it rewrites the title and the sections
# that have gone stale since they were drafted; its own checks hold them to the code.
REVIEW = _part(
    "12-ways-of-working",
    0,  # the whole step is the review
    who_owns_what=(
        ("data scientist",),
        ("data engineer",),
        ("platform engineer", "ML engineer"),
        ("software engineer",),
    ),
    coding_standards=(("ruff check",), ("mypy",)),
    tests_we_expect=(("pytest",),),
    definition_of_done=(("CI",), ("review",)),
)
# After the review, the document keeps growing: each later step revises the sections its practice changes.
AFTER_REVIEW = (
    _part(
        "13-first-deployment",
        5,
        coding_standards=(("ruff check",), ("mypy",), ("src",)),
        how_a_change_reaches_production=(("wheel",), ("ready",), ("smoke",)),
    ),
    _part(
        "14-model-versions",
        5,
        models_and_artifacts=(("version",), ("promote",), ("rollback", "roll back"), ("record",)),
    ),
    _part(
        "15-field-libraries",
        5,
        data_we_trust=(("pandera",), ("lazy", "lazily", "every failure"), ("quarantine",)),
        logging=(("JSON",),),
        configuration=(("pydantic-settings", "pydantic settings"), ("environment",)),
    ),
    _part(
        "16-preprocessing-pipeline",
        5,
        models_and_artifacts=(("Pipeline",), ("raw",), ("trust",), ("retrain",)),
    ),
    _part("17-watching-the-model", 5, data_we_trust=(("drift",), ("threshold",))),
)
DRAFT_STEP = GROWTH[0].slug
REVIEW_STEP = REVIEW.slug
PARTS = (*GROWTH, REVIEW, *AFTER_REVIEW)  # every step's part, in course order


def headings() -> list[str]:
    """The section headings, in order."""
    return [section.heading for section in SECTIONS]


def question(heading: str) -> str:
    """The question the section ``heading`` answers."""
    return next(section.question for section in SECTIONS if section.heading == heading)


def _number(slug: str) -> int:
    return int(slug[:2]) if slug[:2].isdigit() else -1


def part_of(slug: str) -> StepPart | None:
    """The part step ``slug`` writes (step 12's review included), or None for a step without one."""
    return next((part for part in PARTS if part.slug == slug), None)


def headings_at(slug: str) -> list[str]:
    """The sections the document has once step ``slug`` is done, in the document's order."""
    present = {d.heading for part in PARTS if part.number <= _number(slug) for d in part.decisions}
    return [heading for heading in headings() if heading in present]


def decided_at(slug: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """The sections step ``slug`` adds or revises, each with the terms it must then use."""
    part = part_of(slug)
    return {} if part is None else {decision.heading: decision.terms for decision in part.decisions}


def added_at(slug: str) -> list[str]:
    """The sections step ``slug`` adds to the document (not there before it); the others it decides, it revises."""
    before = set(headings_at(f"{_number(slug) - 1:02d}-")) if _number(slug) > 0 else set()
    return [heading for heading in headings_at(slug) if heading in decided_at(slug) and heading not in before]


def last_decided(heading: str) -> StepPart:
    """The last step that adds or revises ``heading`` (the review included): its final version."""
    return [part for part in PARTS if heading in decided_at(part.slug)][-1]


def uses_term(text: str, spellings: tuple[str, ...]) -> bool:
    """Whether ``text`` uses one of ``spellings``, case-insensitively, at the start of a word."""
    return any(
        re.search((r"(?<!\w)" if spelling[:1].isalnum() else "") + re.escape(spelling), text, re.I)
        for spelling in spellings
    )


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
