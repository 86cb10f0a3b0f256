"""mkdocs hooks: fill registry values into the site at build time.

A page writes a marker such as ``<!-- registry:summary -->`` and the build
replaces it with values from ``course/catalog.toml``, so the site never
disagrees with the notebooks about time budgets, points or objectives.

Markers:
  registry:summary      on a step page: time, points, objectives, checks
  registry:key-points   on a step page: the step's key points
  registry:steps-table  anywhere: every step with minutes and points
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.catalog import Step, load_steps  # noqa: E402

# The H2 sections every step page has, in this order (tests/test_site.py checks it).
STEP_PAGE_SECTIONS = (
    "Why it matters",
    "What changes in the code",
    "How it is checked",
    "Hints",
    "Facilitator notes",
    "Key points",
    "Further reading",
)


def step_summary(step: Step) -> str:
    """An admonition with the step's budget, points, objectives and graded checks."""
    lines = [
        f'!!! abstract "Step {step.number} at a glance: {step.minutes} minutes, {step.points} points"',
        "",
        "    **Objectives.** After this step you can:",
        "",
    ]
    lines += [f"    - {outcome}" for outcome in step.outcomes]
    lines += ["", "    **Graded checks** (one behaviour each):", ""]
    lines += [f"    - {check.task} ({check.points} pt{'s' if check.points > 1 else ''})" for check in step.checks]
    notebooks = ", ".join(f"`exercises/{step.slug}/{name}`" for name in step.notebooks)
    lines += ["", f"    **Notebook:** {notebooks}", ""]
    return "\n".join(lines)


def key_points(step: Step) -> str:
    return "\n".join(f"- {point}" for point in step.key_points) + "\n"


def steps_table(steps: list[Step]) -> str:
    rows = ["| step | title | minutes | points |", "| --- | --- | ---: | ---: |"]
    for step in steps:
        rows.append(f"| {step.number} | [{step.title}]({step.page}) | {step.minutes} | {step.points} |")
    total_minutes = sum(step.minutes for step in steps)
    total_points = sum(step.points for step in steps)
    rows.append(f"| | **all steps** | **{total_minutes}** | **{total_points}** |")
    return "\n".join(rows) + "\n"


def _relative_links(table: str, page_uri: str) -> str:
    """Make the step links in a table relative to the page that shows it."""
    depth = page_uri.count("/")
    return table.replace("](steps/", "](" + "../" * depth + "steps/")


def on_page_markdown(markdown: str, page, config, files) -> str:
    steps = load_steps()
    uri = page.file.src_uri
    if "<!-- registry:steps-table -->" in markdown:
        markdown = markdown.replace("<!-- registry:steps-table -->", _relative_links(steps_table(steps), uri))
    for step in steps:
        if uri == step.page:
            markdown = markdown.replace("<!-- registry:summary -->", step_summary(step))
            markdown = markdown.replace("<!-- registry:key-points -->", key_points(step))
    return markdown
