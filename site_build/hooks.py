"""mkdocs hooks: fill registry values into the site at build time.

A page writes a marker such as ``<!-- registry:summary -->`` on a line of its
own and the build replaces it with values from ``course/core/catalog.toml``, so the site never
disagrees with the notebooks about time budgets, points, objectives or
agendas. ``MARKERS`` lists every marker with what it shows; an unknown marker
stops the build, so a typo cannot ship as an empty spot on a page.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.exceptions import PluginError  # noqa: E402

from course.core import ways_of_working  # noqa: E402
from course.core.catalog import Step, load_steps  # noqa: E402
from site_build.agendas import (  # noqa: E402
    BREAK,
    BRIEF_MINUTES,
    CATCH_UP,
    DEBRIEF_MINUTES,
    FORMATS,
    STEP,
    Agenda,
    WorkshopFormat,
    build_agenda,
    format_time,
    step_block_minutes,
)
from site_build.agreement import growth_table, step_part  # noqa: E402

# The H2 sections every step page has, in this order (tests/site/test_site.py checks it).
# Learners read these pages; what is for facilitators only is on the step's facilitator page.
STEP_PAGE_SECTIONS = (
    "Why it matters",
    "What changes in the code",
    "How it is checked",
    "Hints",
    "Key points",
    "Further reading",
)

# The H2 sections every step's facilitator page (site/facilitator/<step>.md) starts with, in
# this order; a page may add sections after them (step 12: grading the reflection).
FACILITATOR_PAGE_SECTIONS = ("Timing", "Pairing")
FACILITATOR_PAGE_MORE_SECTIONS = ("Common pitfalls", "Discussion questions")


def facilitator_page(step: Step) -> str:
    """The step's facilitator notes, apart from the page learners read (path under site/)."""
    return f"facilitator/{step.slug}.md"


# Decided: this is the course's canonical public repository. Every link to a
# notebook, the Binder launch links and the hub setup use it; mkdocs.yml's
# repo_url must say the same (tests/site/test_site_content.py checks).
REPOSITORY_URL = "https://github.com/prototype-to-production/prototype-to-production"
BRANCH = "main"
BINDER_URL = "https://mybinder.org/v2/gh/prototype-to-production/prototype-to-production/HEAD"

# A marker is a line of its own; a marker quoted in running text (`...`) is left alone.
# After it stands FALLBACK, which a reader of the raw page (on a code host) sees in
# place of the registry's values; the build replaces the marker and the fallback.
FALLBACK = "*(Filled in from the course registry when the site is built: `python3 -m course site`.)*"
MARKER = re.compile(r"^[ \t]*<!-- registry:([a-z0-9-]+) -->[ \t]*(?:" + re.escape(FALLBACK) + r")?[ \t]*$", re.M)


@dataclass(frozen=True)
class Context:
    """What a marker can draw on: the registry, the page it is on, and that page's step (if any)."""

    steps: list[Step]
    uri: str
    step: Step | None

    def link(self, target: str) -> str:
        """``target`` (a path under site/) relative to this page."""
        return posixpath.relpath(target, posixpath.dirname(self.uri) or ".")


def notebook_url(step: Step, notebook: str) -> str:
    """The released notebook on GitHub."""
    return f"{REPOSITORY_URL}/blob/{BRANCH}/exercises/{step.slug}/{notebook}"


def binder_url(step: Step, notebook: str) -> str:
    """Binder opens JupyterLab in a fresh workspace, at this notebook (see .binder/start)."""
    return f"{BINDER_URL}?urlpath=" + quote(f"lab/tree/{step.slug}/{notebook}", safe="/")


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def _plain(text: str) -> str:
    """Registry text exactly as written: it is plain text (also shown in terminals), not markdown.

    Without this, ``logging.getLogger(__name__)`` would show "name" in bold.
    """
    return MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;")


def _points(points: int) -> str:
    return f"{points} pt{'s' if points != 1 else ''}"


def step_summary(step: Step) -> str:
    """An admonition with the step's budget, points, objectives, graded checks and notebook links."""
    lines = [
        f'!!! abstract "Step {step.number} at a glance: {step.minutes} minutes, {step.points} points"',
        "",
        "    **Objectives.** After this step you can:",
        "",
    ]
    lines += [f"    - {_plain(outcome)}" for outcome in step.outcomes]
    lines += ["", "    **Graded checks** (one behaviour each):", ""]
    lines += [f"    - {_plain(check.task)} ({_points(check.points)})" for check in step.checks]
    lines += ["", "    **Notebook:**", ""]
    for name in step.notebooks:
        lines.append(
            f"    - `exercises/{step.slug}/{name}`: [read it on GitHub]({notebook_url(step, name)})"
            f" · [open it on Binder]({binder_url(step, name)}) (in your browser, nothing to install;"
            " work there is not saved)"
        )
    return "\n".join(lines) + "\n"


def key_points(step: Step) -> str:
    return "\n".join(f"- {_plain(point)}" for point in step.key_points) + "\n"


def steps_table(context: Context) -> str:
    rows = ["| step | title | minutes | points |", "| --- | --- | ---: | ---: |"]
    for step in context.steps:
        rows.append(
            f"| {step.number} | [{_plain(step.title)}]({context.link(step.page)}) | {step.minutes} | {step.points} |"
        )
    total_minutes = sum(step.minutes for step in context.steps)
    total_points = sum(step.points for step in context.steps)
    rows.append(f"| | **all steps** | **{total_minutes}** | **{total_points}** |")
    return "\n".join(rows) + "\n"


def checks_table(context: Context) -> str:
    rows = ["| step | grade id | points | what the learner does |", "| --- | --- | ---: | --- |"]
    for step in context.steps:
        link = f"[{step.number}]({context.link(step.page)}#how-it-is-checked)"
        for check in step.checks:
            rows.append(f"| {link} | `{check.id}` | {check.points} | {_plain(check.task)} |")
    return "\n".join(rows) + "\n"


def _step_range(steps: list[Step]) -> str:
    if not steps:
        return "none"
    if len(steps) == 1:
        return str(steps[0].number)
    return f"{steps[0].number}–{steps[-1].number}"


def _step_links(steps: tuple[Step, ...] | list[Step], context: Context) -> str:
    return ", ".join(f"[{step.number} · {_plain(step.title)}]({context.link(step.page)})" for step in steps)


def _agenda_row(block, clock: bool, context: Context) -> str:
    times = f"{format_time(block.start, clock)}–{format_time(block.end, clock)}"
    if block.kind == STEP:
        step = block.step
        page = context.link(step.page)
        parts = " · ".join(f"{name} {minutes} min" for name, minutes in block.parts)
        what = f"**[{_plain(block.title)}]({page})**<br>{parts}"
        notes = f"trios, {_points(step.points)} · [facilitator notes]({context.link(facilitator_page(step))})"
    elif block.kind == BREAK:
        what, notes = f"*{block.title}*", ""
    elif block.kind == CATCH_UP:
        what, notes = (
            block.title,
            "see [when a pair is stuck](" + context.link("kit/facilitator-guide.md") + "#when-a-pair-is-stuck)",
        )
    else:
        what, notes = _plain(block.title), "everyone"
    return f"| {times} | {what} | {notes} |"


def agenda_markdown(agenda: Agenda, context: Context) -> str:
    """The agenda as tables (one per day), with notes on coverage and follow-up."""
    clock = agenda.workshop.clock_start is not None
    parts = []
    for day, frame in zip(agenda.days, agenda.workshop.days, strict=False):  # a short course uses fewer days
        rows = ["| time | what | notes |", "| --- | --- | --- |"]
        rows += [_agenda_row(block, clock, context) for block in day.blocks]
        heading = [f"**{day.title}** (steps {_step_range(day.steps)})", ""] if len(agenda.workshop.days) > 1 else []
        # the agenda class keeps the time column on one line (site/stylesheets/extra.css)
        parts.append("\n".join([*heading, '<div class="agenda" markdown>', "", *rows, "", "</div>"]))
        nominal_end = day.start + frame.nominal_minutes
        if nominal_end - day.end >= 15:  # a few minutes early is the last step ending, not room for another
            name = day.title[0].lower() + day.title[1:]
            parts.append(
                '!!! info "This agenda grows with the course"\n'
                f"    The registry has {len(context.steps)} steps today, so {name} ends at "
                f"{format_time(day.end, clock)} instead of {format_time(nominal_end, clock)}. Each step added "
                "to the registry fills it further, at the next build of this site."
            )
    if len(agenda.days) < len(agenda.workshop.days):
        parts.append(
            '!!! info "The whole course fits in fewer days today"\n'
            f"    The registry's {len(context.steps)} steps need only {len(agenda.days)} of this format's "
            f"{len(agenda.workshop.days)} days. The next day appears here as steps are added."
        )
    if agenda.left_over:
        minutes = sum(step.minutes for step in agenda.left_over)
        parts.append(
            '!!! tip "After the workshop: the self-paced follow-up"\n'
            f"    These steps ({minutes} minutes for a pair) do not fit in this format. Every step starts from "
            "the reference answer of the step before it, so pairs can carry on alone or in a follow-up "
            f"session: {_step_links(agenda.left_over, context)}."
        )
    return "\n\n".join(parts) + "\n"


def reference_answers(workshop: WorkshopFormat, context: Context) -> str:
    """Where a facilitator finds each step's reference answer and notes, for the steps of one format."""
    rows = ["| step | pair work | reference answer | facilitator notes |", "| --- | ---: | --- | --- |"]
    for step in build_agenda(workshop, context.steps).steps:
        answers = ", ".join(f"`solutions/{step.slug}/{name}`" for name in step.notebooks)
        notes = f"[step {step.number}]({context.link(facilitator_page(step))})"
        rows.append(f"| {step.number} · {_plain(step.title)} | {step.minutes} min | {answers} | {notes} |")
    return "\n".join(rows) + "\n"


def facilitator_summary(step: Step, context: Context) -> str:
    """The head of a step's facilitator page: the learner page, the time in the room, the answer."""
    answers = ", ".join(f"`solutions/{step.slug}/{name}`" for name in step.notebooks)
    return (
        f'!!! info "For facilitators: step {step.number} takes {step_block_minutes(step)} minutes in the room"\n'
        f"    Brief {BRIEF_MINUTES} min, pair work {step.minutes} min, debrief {DEBRIEF_MINUTES} min. "
        f"Learners read [the step page]({context.link(step.page)}); this page is not linked from it. "
        f"The reference answer is {answers} (in a clone of the repository; on a hub, readable by "
        "instructors only).\n"
    )


def agenda_summary(context: Context) -> str:
    rows = [
        "| format | length | steps | pair work | left for self-paced follow-up |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for workshop in FORMATS:
        agenda = build_agenda(workshop, context.steps)
        title = f"[{workshop.title}]({context.link('kit/agendas.md')}#{workshop.slug})"
        if workshop.clock_start is None:
            length = f"{workshop.days[0].nominal_minutes} min"
        else:
            length = f"{len(workshop.days)} day{'s' if len(workshop.days) > 1 else ''}"
        left = f"steps {_step_range(list(agenda.left_over))}" if agenda.left_over else "nothing"
        rows.append(f"| {title} | {length} | {_step_range(agenda.steps)} | {agenda.pair_minutes} min | {left} |")
    return "\n".join(rows) + "\n"


def ways_of_working_template(context: Context) -> str:
    body = ways_of_working.template_markdown()
    indented = "\n".join(f"    {line}" if line else "" for line in ["```markdown", *body.splitlines(), "```"])
    return '??? example "The bare template, to copy into your repository as `WAYS-OF-WORKING.md`"\n\n' + indented + "\n"


def _on_facilitator_page(context: Context) -> str:
    step = next((step for step in context.steps if facilitator_page(step) == context.uri), None)
    if step is None:
        raise PluginError(f"{context.uri}: this registry marker works on a step's facilitator page only")
    return facilitator_summary(step, context)


def _on_step_page(render: Callable[[Step], str]) -> Callable[[Context], str]:
    def marker(context: Context) -> str:
        if context.step is None:
            raise PluginError(f"{context.uri}: this registry marker works on step pages only")
        return render(context.step)

    return marker


def _agenda_marker(workshop) -> Callable[[Context], str]:
    return lambda context: agenda_markdown(build_agenda(workshop, context.steps), context)


def _answers_marker(workshop) -> Callable[[Context], str]:
    return lambda context: reference_answers(workshop, context)


def markers_table(context: Context) -> str:
    rows = ["| marker | shows |", "| --- | --- |"]
    rows += [f"| `<!-- registry:{name} -->` | {description} |" for name, (description, _) in MARKERS.items()]
    return "\n".join(rows) + "\n"


# marker name -> (what it shows, the function that writes its markdown)
MARKERS: dict[str, tuple[str, Callable[[Context], str]]] = {
    "summary": ("on a step page: time, points, objectives, graded checks, notebook links", _on_step_page(step_summary)),
    "key-points": ("on a step page: the step's key points", _on_step_page(key_points)),
    "facilitator-summary": (
        "on a step's facilitator page: its time in the room, the learner page, the reference answer",
        _on_facilitator_page,
    ),
    "steps-table": ("every step with its minutes and points", steps_table),
    "checks-table": ("every graded check: step, grade id, points, task", checks_table),
    "agenda-summary": ("each workshop format with the steps it covers", agenda_summary),
    **{
        f"agenda-{workshop.slug}": (
            f"the {workshop.title.lower()} agenda, built from the minutes",
            _agenda_marker(workshop),
        )
        for workshop in FORMATS
    },
    **{
        f"answers-{workshop.slug}": (
            f"the {workshop.title.lower()}'s steps with their reference answers and facilitator notes",
            _answers_marker(workshop),
        )
        for workshop in FORMATS
    },
    "ways-of-working-template": (
        "the bare ways-of-working template (course/core/ways_of_working.py)",
        ways_of_working_template,
    ),
    "ways-of-working-growth": (
        "every step with what it writes in the ways-of-working document, and its minutes",
        lambda context: growth_table(context.steps, context.link),
    ),
    "ways-of-working-part": (
        "on a step page: the step's part of the ways-of-working document and what its check reads",
        _on_step_page(step_part),
    ),
    "markers-table": ("this table", markers_table),
}


def fill_markers(markdown: str, uri: str, steps: list[Step]) -> str:
    """Replace every registry marker in ``markdown`` (the page at ``uri``)."""
    context = Context(steps, uri, next((step for step in steps if step.page == uri), None))

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in MARKERS:
            raise PluginError(f"{uri}: unknown marker <!-- registry:{name} -->; known: {', '.join(MARKERS)}")
        return MARKERS[name][1](context)

    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return fill_markers(markdown, page.file.src_uri, load_steps())
