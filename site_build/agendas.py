"""Workshop agendas built from the registry's time budgets.

A format (two-hour taster, one day, two days) is a fixed frame: an opening,
sessions separated by breaks, and a closing. The steps fill the sessions in
course order. A step's block is its brief, its pair work (the registry's
minutes) and its debrief, so the agenda's times are the times in the room. A
step that does not fit in what is left of a session starts the next one, and
the gap becomes catch-up time; a step longer than a whole session gets a
session to itself and pushes the rest of the day back. Steps that do not fit
in the format are listed as the self-paced follow-up.

Every format holds the team's ways-of-working document (course/core/ways_of_working.py):
each step's row shows its part of the document inside its pair work (step 0's is the
first draft), and the last day closes with a retrospective that is the closing review
of the document (``CLOSING_REVIEW``). ``ways_of_working_moments`` finds both;
tests/site/test_site_agendas.py holds every format to them.

Nothing here is written by hand per step: add a step to the registry and
every agenda changes at the next site build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.core import ways_of_working
from course.core.catalog import Step

PLENARY = "plenary"
STEP = "step"
BREAK = "break"
CATCH_UP = "catch-up"

CATCH_UP_TITLE = "Catch-up: finish the step, swap drivers, compare with another pair"

# Every step runs as brief, pair work, debrief (site/kit/facilitator-guide.md, "The rhythm of a step").
BRIEF_MINUTES = 3
DEBRIEF_MINUTES = 5


# The part of a step's pair work that writes its section of the ways-of-working document, and
# the closing review every format ends with (in its last retrospective's title).
WAYS_OF_WORKING = "ways of working"
FIRST_DRAFT = "ways of working, first draft"
CLOSING_REVIEW = "closing review of the ways-of-working document"


def step_parts(step: Step) -> tuple[tuple[str, int], ...]:
    """What happens in a step's block, with minutes: the brief, the pair work, the debrief.

    The pair work of a step that writes a part of the ways-of-working document shows that
    part on its own (its minutes are inside the registry's, not added to them).
    """
    part = ways_of_working.part_of(step.slug)
    own = part.minutes if part is not None and part.minutes and part.minutes < step.minutes else 0
    work: tuple[tuple[str, int], ...] = (("pair work", step.minutes - own),)
    if own:
        work += ((FIRST_DRAFT if step.slug == ways_of_working.DRAFT_STEP else WAYS_OF_WORKING, own),)
    return (("brief", BRIEF_MINUTES), *work, ("debrief", DEBRIEF_MINUTES))


def step_block_minutes(step: Step) -> int:
    """A step's time in the room: the registry's pair-work minutes plus the brief and the debrief."""
    return sum(minutes for _, minutes in step_parts(step))


@dataclass(frozen=True)
class Block:
    """One line of an agenda: a step, a plenary moment, a break or catch-up time."""

    start: int  # minutes after midnight, or after the start for an untimed format
    minutes: int
    kind: str
    title: str
    step: Step | None = None
    parts: tuple[tuple[str, int], ...] = ()  # a step's brief, pair work (its ways of working apart) and debrief

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class DayFrame:
    """The shape of one day: what happens around and between the sessions."""

    title: str
    opening: tuple[str, int]
    sessions: tuple[int, ...]  # minutes per session: steps (with brief and debrief) and catch-up
    breaks: tuple[tuple[str, int], ...]  # one fewer than sessions
    closing: tuple[tuple[str, int], ...]  # one or more plenary activities
    start: int | None = None  # minutes after midnight, when this day starts earlier or later than the format

    @property
    def nominal_minutes(self) -> int:
        """The day's length when every session is used."""
        return (
            self.opening[1]
            + sum(self.sessions)
            + sum(pause for _, pause in self.breaks)
            + sum(minutes for _, minutes in self.closing)
        )


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
    def start(self) -> int:
        return self.blocks[0].start

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
        """Minutes of pair work (the registry's budgets), without briefs, debriefs or catch-up."""
        return sum(step.minutes for step in self.steps)


# Decided: the taster is two hours. Steps 0 and 1 (the notebook that gives different
# answers, and the first fixes) need 91 minutes with their briefs and debriefs; 90
# minutes held step 0 alone. The session lengths below fit the registry's steps
# today; a step that grows moves to the next session and the agenda shows it.
TASTER = WorkshopFormat(
    slug="taster",
    title="Two-hour taster",
    clock_start=None,
    days=(
        DayFrame(
            title="The taster",
            opening=("Welcome: the penguin story, the four roles, form trios", 10),
            sessions=(95,),
            breaks=(),
            closing=(
                (f"Retrospective, the 10-minute version: the {CLOSING_REVIEW}, one change to it", 10),
                ("Close: what the rest of the course covers, how to go on self-paced", 5),
            ),
        ),
    ),
)

_COFFEE = ("Break", 15)
_WELCOME = ("Welcome: the story, the four roles, role cards, trios, every laptop opens step 0", 30)
_DAY_1_SESSIONS = (100, 105, 60, 65)  # with the breaks below: 9:00 to 17:00
_DAY_1_BREAKS = (_COFFEE, ("Lunch", 60), _COFFEE)

ONE_DAY = WorkshopFormat(
    slug="one-day",
    title="One-day workshop",
    clock_start=9 * 60,
    days=(
        DayFrame(
            title="The day",
            opening=_WELCOME,
            sessions=_DAY_1_SESSIONS,
            breaks=_DAY_1_BREAKS,
            closing=((f"Retrospective, 30 minutes: the {CLOSING_REVIEW}, one change to it", 30),),
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
            sessions=_DAY_1_SESSIONS,
            breaks=_DAY_1_BREAKS,
            closing=(("Check-out: one thing each trio learned, one open question", 15),),
        ),
        DayFrame(
            title="Day 2",
            opening=("Recap of day 1, engineers move to a new trio, open questions", 15),
            sessions=(105, 110, 110, 50),  # with the breaks below: 8:45 to 17:00
            breaks=(_COFFEE, ("Lunch", 45), _COFFEE),
            closing=((f"Retrospective, 30 minutes: the {CLOSING_REVIEW}, one change to it", 30),),
            start=8 * 60 + 45,
        ),
    ),
)

FORMATS = (TASTER, ONE_DAY, TWO_DAY)


def _fill_session(queue: list[Step], length: int, start: int) -> list[Block]:
    """Take steps from the front of ``queue`` while they fit in one session."""
    blocks: list[Block] = []
    used = 0
    while queue and (used + step_block_minutes(queue[0]) <= length or not blocks):
        step = queue.pop(0)
        minutes = step_block_minutes(step)
        title = f"Step {step.number} · {step.title}"
        blocks.append(Block(start + used, minutes, STEP, title, step, step_parts(step)))
        used += minutes
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
    for title, minutes in frame.closing:
        blocks.append(Block(blocks[-1].end, minutes, PLENARY, title))
    return Day(frame.title, tuple(blocks))


def build_agenda(workshop: WorkshopFormat, steps: list[Step]) -> Agenda:
    """The agenda of ``workshop`` for ``steps`` (in course order)."""
    queue = list(steps)
    days: list[Day] = []
    for frame in workshop.days:
        if days and not queue:
            break  # the course already fits in fewer days
        start = frame.start if frame.start is not None else workshop.clock_start or 0
        days.append(plan_day(frame, queue, start))
    return Agenda(workshop, tuple(days), tuple(queue))


def ways_of_working_moments(agenda: Agenda) -> tuple[Block | None, Block | None]:
    """The block that writes the document's first draft (step 0's) and the closing review, as the agenda runs them."""
    blocks = [block for day in agenda.days for block in day.blocks]
    draft = next((b for b in blocks if any(name == FIRST_DRAFT for name, _ in b.parts)), None)
    review = next((b for b in reversed(blocks) if b.kind == PLENARY and CLOSING_REVIEW in b.title), None)
    return draft, review


def format_time(minutes: int, clock: bool) -> str:
    """``09:30`` on a clock, ``0:30`` as elapsed time."""
    hours, rest = divmod(minutes, 60)
    return f"{hours:02d}:{rest:02d}" if clock else f"{hours}:{rest:02d}"
