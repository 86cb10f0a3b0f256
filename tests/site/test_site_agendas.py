"""Workshop agendas are built from step minutes: in order, without gaps, adding up, growing with the course."""

from __future__ import annotations

import itertools
import re

import pytest

from course.core import ways_of_working
from course.core.catalog import SITE_DIR, Step, load_steps
from site_build.agendas import (
    BREAK,
    BRIEF_MINUTES,
    CATCH_UP,
    CLOSING_REVIEW,
    DEBRIEF_MINUTES,
    FIRST_DRAFT,
    FORMATS,
    ONE_DAY,
    STEP,
    TASTER,
    TWO_DAY,
    WAYS_OF_WORKING,
    build_agenda,
    format_time,
    step_block_minutes,
    ways_of_working_moments,
)
from site_build.hooks import Context, agenda_markdown


def make_steps(*minutes: int) -> list[Step]:
    return [
        Step(number, f"{number:02d}-s", f"Step title {number}", ("n.ipynb",), f"steps/{number:02d}-s.md", m, (), ())
        for number, m in enumerate(minutes)
    ]


def all_blocks(agenda):
    return [block for day in agenda.days for block in day.blocks]


@pytest.mark.parametrize("workshop", [TASTER, ONE_DAY, TWO_DAY], ids=lambda w: w.slug)
def test_every_step_is_placed_once_in_order_or_left_for_later(workshop):
    steps = make_steps(30, 45, 40, 45, 50, 45, 40, 45, 50, 60, 60, 45, 45)
    agenda = build_agenda(workshop, steps)
    assert agenda.steps + list(agenda.left_over) == steps
    assert agenda.steps, "a format always holds step 0"


@pytest.mark.parametrize("workshop", [TASTER, ONE_DAY, TWO_DAY], ids=lambda w: w.slug)
def test_each_day_runs_without_gaps_or_overlaps(workshop):
    agenda = build_agenda(workshop, make_steps(30, 45, 40, 45, 50, 45, 40, 45, 50, 60, 60, 45, 45))
    for day in agenda.days:
        for before, after in itertools.pairwise(day.blocks):
            assert after.start == before.end, f"{before.title} ends {before.end}, {after.title} starts {after.start}"


def test_a_full_day_keeps_its_frame_times():
    agenda = build_agenda(ONE_DAY, make_steps(30, 45, 40, 45, 50, 45, 40, 45, 50, 60))
    day = agenda.days[0]
    breaks = [(format_time(b.start, True), b.title) for b in day.blocks if b.kind == BREAK]
    assert breaks == [("11:10", "Break"), ("13:10", "Lunch"), ("15:10", "Break")]
    assert format_time(day.end, True) == "17:00"
    assert sum(step_block_minutes(step) for step in agenda.steps) <= sum(ONE_DAY.days[0].sessions)


def test_a_step_that_does_not_fit_moves_to_the_next_session_leaving_catch_up_time():
    agenda = build_agenda(ONE_DAY, make_steps(60, 45))  # 100-minute first session; 68 + 53 do not fit
    kinds = [(block.kind, block.minutes) for block in agenda.days[0].blocks]
    assert kinds[1:5] == [(STEP, 68), (CATCH_UP, 32), (BREAK, 15), (STEP, 53)]


def test_a_step_block_is_its_brief_its_pair_work_and_its_debrief():
    block = build_agenda(ONE_DAY, make_steps(30)).days[0].blocks[1]
    assert block.parts == (("brief", BRIEF_MINUTES), ("pair work", 30), ("debrief", DEBRIEF_MINUTES))
    assert block.minutes == BRIEF_MINUTES + 30 + DEBRIEF_MINUTES == sum(minutes for _, minutes in block.parts)


def test_no_catch_up_after_the_last_step_of_the_course():
    agenda = build_agenda(ONE_DAY, make_steps(30))
    assert [block.kind for block in agenda.days[0].blocks] == ["plenary", STEP, "plenary"]
    assert format_time(agenda.days[0].end, True) == "10:38"  # the day ends early, honestly


def test_a_step_longer_than_a_session_gets_one_to_itself_and_pushes_the_day_back():
    agenda = build_agenda(ONE_DAY, make_steps(120, 30))
    blocks = agenda.days[0].blocks
    assert (blocks[1].kind, blocks[1].minutes) == (STEP, 128)
    assert blocks[2].kind == BREAK and format_time(blocks[2].start, True) == "11:38"


def test_the_taster_takes_the_first_steps_that_fit_in_two_hours():
    agenda = build_agenda(TASTER, make_steps(30, 45, 40))
    assert [step.number for step in agenda.steps] == [0, 1]
    assert [step.number for step in agenda.left_over] == [2]
    day = agenda.days[0]
    assert day.end - day.blocks[0].start == 120
    assert format_time(day.end, False) == "2:00"


def test_two_days_collapse_to_one_while_the_course_is_short():
    assert len(build_agenda(TWO_DAY, make_steps(30, 45)).days) == 1
    assert len(build_agenda(TWO_DAY, make_steps(*[50] * 9)).days) == 2


def test_adding_a_step_to_the_course_adds_it_to_the_agenda():
    steps = make_steps(30, 45, 40)
    before = build_agenda(ONE_DAY, steps)
    after = build_agenda(ONE_DAY, make_steps(30, 45, 40, 45))
    assert len(after.steps) == len(before.steps) + 1
    assert after.days[0].end > before.days[0].end


# The real course, as the site shows it.
STEPS = load_steps()
AGENDAS = [build_agenda(workshop, STEPS) for workshop in FORMATS]
ROW = re.compile(r"^\| (\d+):(\d\d)–(\d+):(\d\d) \| (.*?) \| (.*?) \|$", re.M)
NAMED_MINUTES = re.compile(r"\b(\d+)[ -]min(?:ute)?s?\b")


@pytest.mark.parametrize("agenda", AGENDAS, ids=[f.slug for f in FORMATS])
def test_every_day_adds_up(agenda):
    for day, frame in zip(agenda.days, agenda.workshop.days, strict=False):
        assert sum(block.minutes for block in day.blocks) == day.end - day.start, day.title
        if agenda.left_over or day is not agenda.days[-1]:  # a full day fills its frame exactly
            assert day.end - day.start == frame.nominal_minutes, day.title
        for block in day.blocks:
            if block.kind == STEP:
                assert block.minutes == block.step.minutes + BRIEF_MINUTES + DEBRIEF_MINUTES
        if agenda.workshop.clock_start is not None:
            assert day.end <= 17 * 60, f"{day.title} ends at {format_time(day.end, True)}"


@pytest.mark.parametrize("agenda", AGENDAS, ids=[f.slug for f in FORMATS])
def test_every_activity_that_names_its_length_gets_that_length(agenda):
    markdown = agenda_markdown(agenda, Context(STEPS, "kit/agendas.md", None))
    rows = ROW.findall(markdown)
    assert len(rows) == sum(len(day.blocks) for day in agenda.days)
    for start_h, start_m, end_h, end_m, what, _notes in rows:
        length = (int(end_h) * 60 + int(end_m)) - (int(start_h) * 60 + int(start_m))
        named = [int(minutes) for minutes in NAMED_MINUTES.findall(what)]
        if named:
            assert sum(named) == length, f"{what!r} names {named} but has {length} minutes"
        if what.startswith("**[Step"):
            assert f"brief {BRIEF_MINUTES} min" in what and f"debrief {DEBRIEF_MINUTES} min" in what


def test_the_retrospectives_take_the_time_the_agendas_give_them():
    page = (SITE_DIR / "kit" / "retrospective.md").read_text()
    table = re.search(r"^## Thirty minutes, six moves\n(.*?)^\*\*The 10-minute version", page, re.M | re.S).group(1)
    assert sum(int(minutes) for minutes in re.findall(r"^\| (\d+) \|", table, re.M)) == 30
    short = re.search(r"\*\*The 10-minute version\*\*.*?(?=\n\n)", page, re.S).group(0)
    spoken = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
    assert sum(spoken[word] for word in re.findall(r"\b(one|two|three|four|five) minutes?\b", short)) == 10
    taster = [block for block in AGENDAS[0].days[0].blocks if "Retrospective" in block.title]
    assert [block.minutes for block in taster] == [10]
    for agenda in AGENDAS[1:]:
        closing = agenda.days[-1].blocks[-1]
        assert "Retrospective" in closing.title and closing.minutes == 30


# The team's ways-of-working document: every format drafts it in step 0 and reviews it at the close.
@pytest.mark.parametrize("agenda", AGENDAS, ids=[f.slug for f in FORMATS])
def test_every_agenda_holds_the_first_draft_and_the_closing_review(agenda):
    draft, review = ways_of_working_moments(agenda)
    assert draft is not None and draft.step.slug == ways_of_working.DRAFT_STEP, "no first draft of the document"
    assert review is not None, "no closing review of the document"
    last_day = agenda.days[-1]
    assert review in last_day.blocks and review.start >= max(b.end for b in last_day.blocks if b.kind == STEP)
    markdown = agenda_markdown(agenda, Context(STEPS, "kit/agendas.md", None))
    assert f"{FIRST_DRAFT} {ways_of_working.part_of(draft.step.slug).minutes} min" in markdown
    assert CLOSING_REVIEW in markdown


@pytest.mark.parametrize("agenda", AGENDAS, ids=[f.slug for f in FORMATS])
def test_each_step_row_shows_its_part_of_the_document_inside_its_pair_work(agenda):
    for day in agenda.days:
        for block in day.blocks:
            if block.kind != STEP:
                continue
            part = ways_of_working.part_of(block.step.slug)
            named = dict(block.parts)
            if part is not None and part.minutes:
                label = FIRST_DRAFT if block.step.slug == ways_of_working.DRAFT_STEP else WAYS_OF_WORKING
                assert named[label] == part.minutes, block.title
                assert named["pair work"] + named[label] == block.step.minutes, "the part is inside the budget"
