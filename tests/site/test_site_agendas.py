"""Workshop agendas are built from step minutes: in order, without gaps, growing with the course."""

from __future__ import annotations

import itertools

import pytest

from course.core.catalog import Step
from site_build.agendas import BREAK, CATCH_UP, ONE_DAY, STEP, TASTER, TWO_DAY, build_agenda, format_time


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
    assert breaks == [("11:00", "Break"), ("12:30", "Lunch"), ("15:00", "Break")]
    assert format_time(day.end, True) == "17:00"
    assert sum(step.minutes for step in agenda.steps) <= sum(ONE_DAY.days[0].sessions)


def test_a_step_that_does_not_fit_moves_to_the_next_session_leaving_catch_up_time():
    agenda = build_agenda(ONE_DAY, make_steps(60, 45))  # 90-minute first session
    kinds = [(block.kind, block.minutes) for block in agenda.days[0].blocks]
    assert kinds[1:5] == [(STEP, 60), (CATCH_UP, 30), (BREAK, 15), (STEP, 45)]


def test_no_catch_up_after_the_last_step_of_the_course():
    agenda = build_agenda(ONE_DAY, make_steps(30))
    assert [block.kind for block in agenda.days[0].blocks] == ["plenary", STEP, "plenary"]
    assert format_time(agenda.days[0].end, True) == "10:30"  # the day ends early, honestly


def test_a_step_longer_than_a_session_gets_one_to_itself_and_pushes_the_day_back():
    agenda = build_agenda(ONE_DAY, make_steps(120, 30))
    blocks = agenda.days[0].blocks
    assert (blocks[1].kind, blocks[1].minutes) == (STEP, 120)
    assert blocks[2].kind == BREAK and format_time(blocks[2].start, True) == "11:30"


def test_the_taster_takes_the_first_steps_that_fit_in_90_minutes():
    agenda = build_agenda(TASTER, make_steps(30, 45, 40))
    assert [step.number for step in agenda.steps] == [0, 1]
    assert [step.number for step in agenda.left_over] == [2]
    day = agenda.days[0]
    assert day.end - day.blocks[0].start == 90
    assert format_time(day.end, False) == "1:30"


def test_two_days_collapse_to_one_while_the_course_is_short():
    assert len(build_agenda(TWO_DAY, make_steps(30, 45)).days) == 1
    assert len(build_agenda(TWO_DAY, make_steps(*[50] * 9)).days) == 2


def test_adding_a_step_to_the_course_adds_it_to_the_agenda():
    steps = make_steps(30, 45, 40)
    before = build_agenda(ONE_DAY, steps)
    after = build_agenda(ONE_DAY, make_steps(30, 45, 40, 45))
    assert len(after.steps) == len(before.steps) + 1
    assert after.days[0].end > before.days[0].end
