"""Workshop agendas built from the registry's time budgets.

A format (90-minute taster, one day, two days) is a fixed frame: an opening,
sessions separated by breaks, and a closing. The steps fill the sessions in
course order. A step that does not fit in what is left of a session starts
the next one, and the gap becomes catch-up time; a step longer than a whole
session gets a session to itself and pushes the rest of the day back. Steps
that do not fit in the format are listed as the self-paced follow-up.

Nothing here is written by hand per step: add a step to the registry and
every agenda changes at the next site build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.core.catalog import Step

PLENARY = "plenary"
STEP = "step"
BREAK = "break"
CATCH_UP = "catch-up"

CATCH_UP_TITLE = "Catch-up: finish the step, swap roles, compare with another pair"


@dataclass(frozen=True)
class Block:
    """One line of an agenda: a step, a plenary moment, a break or catch-up time."""

    start: int  # minutes after midnight, or after the start for an untimed format
    minutes: int
    kind: str
    title: str
    step: Step | None = None

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class DayFrame:
    """The shape of one day: what happens around and between the sessions."""

    title: str
    opening: tuple[str, int]
    sessions: tuple[int, ...]  # minutes of pair work per session
    breaks: tuple[tuple[str, int], ...]  # one fewer than sessions
    closing: tuple[str, int]

    @property
    def nominal_minutes(self) -> int:
        """The day's length when every session is used."""
        return self.opening[1] + sum(self.sessions) + sum(pause for _, pause in self.breaks) + self.closing[1]


@dataclass(frozen=True)
class WorkshopFormat:
    """A workshop format: one or more days, starting at a clock time (or untimed)."""

    slug: str
    title: str
    days: tuple[DayFrame, ...]
    clock_start: int | None  # minutes after midnight; None shows elapsed time


@dataclass(frozen=True)
class Day:
    title: str
    blocks: tuple[Block, ...]

    @property
    def steps(self) -> list[Step]:
        return [block.step for block in self.blocks if block.step is not None]

    @property
    def end(self) -> int:
        return self.blocks[-1].end


@dataclass(frozen=True)
class Agenda:
    workshop: WorkshopFormat
    days: tuple[Day, ...]
    left_over: tuple[Step, ...] = field(default=())

    @property
    def steps(self) -> list[Step]:
        return [step for day in self.days for step in day.steps]

    @property
    def pair_minutes(self) -> int:
        return sum(step.minutes for step in self.steps)


TASTER = WorkshopFormat(
    slug="taster",
    title="90-minute taster",
    clock_start=None,
    days=(
        DayFrame(
            title="The taster",
            opening=("Welcome: the penguin story, the four roles, form mixed pairs", 10),
            sessions=(75,),
            breaks=(),
            closing=("Close: what the rest of the course covers, how to go on self-paced", 5),
        ),
    ),
)

_LUNCH = ("Lunch", 60)
_COFFEE = ("Break", 15)
_WELCOME = ("Welcome: the story, the four roles, role cards, pairs, check every laptop opens step 0", 30)
_FULL_DAY_SESSIONS = (90, 75, 90, 75)  # with the breaks below: 9:00 to about 17:00
_FULL_DAY_BREAKS = (_COFFEE, _LUNCH, _COFFEE)

ONE_DAY = WorkshopFormat(
    slug="one-day",
    title="One-day workshop",
    clock_start=9 * 60,
    days=(
        DayFrame(
            title="The day",
            opening=_WELCOME,
            sessions=_FULL_DAY_SESSIONS,
            breaks=_FULL_DAY_BREAKS,
            closing=("Retrospective and one change for your team's ways of working", 30),
        ),
    ),
)

TWO_DAY = WorkshopFormat(
    slug="two-day",
    title="Two-day workshop",
    clock_start=9 * 60,
    days=(
        DayFrame(
            title="Day 1",
            opening=_WELCOME,
            sessions=_FULL_DAY_SESSIONS,
            breaks=_FULL_DAY_BREAKS,
            closing=("Check-out: one thing each pair learned, one open question", 15),
        ),
        DayFrame(
            title="Day 2",
            opening=("Recap of day 1, new pairs (rotate), open questions", 15),
            sessions=_FULL_DAY_SESSIONS,
            breaks=_FULL_DAY_BREAKS,
            closing=("Retrospective and your team's ways of working", 30),
        ),
    ),
)

FORMATS = (TASTER, ONE_DAY, TWO_DAY)


def _fill_session(queue: list[Step], length: int, start: int) -> list[Block]:
    """Take steps from the front of ``queue`` while they fit in one session."""
    blocks: list[Block] = []
    used = 0
    while queue and (used + queue[0].minutes <= length or not blocks):
        step = queue.pop(0)
        blocks.append(Block(start + used, step.minutes, STEP, f"Step {step.number} · {step.title}", step))
        used += step.minutes
    if queue and used < length:
        blocks.append(Block(start + used, length - used, CATCH_UP, CATCH_UP_TITLE))
    return blocks


def plan_day(frame: DayFrame, queue: list[Step], start: int) -> Day:
    """Lay out one day, taking its steps from the front of ``queue``.

    The day stops after the last session that has steps in it: when the course
    runs out of steps, the closing follows the last step.
    """
    title, minutes = frame.opening
    blocks = [Block(start, minutes, PLENARY, title)]
    for index, length in enumerate(frame.sessions):
        if not queue:
            break
        if index > 0:
            name, pause = frame.breaks[index - 1]
            blocks.append(Block(blocks[-1].end, pause, BREAK, name))
        blocks += _fill_session(queue, length, blocks[-1].end)
    title, minutes = frame.closing
    blocks.append(Block(blocks[-1].end, minutes, PLENARY, title))
    return Day(frame.title, tuple(blocks))


def build_agenda(workshop: WorkshopFormat, steps: list[Step]) -> Agenda:
    """The agenda of ``workshop`` for ``steps`` (in course order)."""
    queue = list(steps)
    days: list[Day] = []
    for frame in workshop.days:
        if days and not queue:
            break  # the course already fits in fewer days
        days.append(plan_day(frame, queue, workshop.clock_start or 0))
    return Agenda(workshop, tuple(days), tuple(queue))


def format_time(minutes: int, clock: bool) -> str:
    """``09:30`` on a clock, ``0:30`` as elapsed time."""
    hours, rest = divmod(minutes, 60)
    return f"{hours:02d}:{rest:02d}" if clock else f"{hours}:{rest:02d}"
