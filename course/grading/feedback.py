"""Feedback a learner can be given: one HTML page per learner, step and notebook.

Built from course-written text only: the registry's task and hints, each graded
cell's docstring from the course's own source, the gradebook's scores, the
statuses, and the names of the checks the grader judged (``JudgeProbes`` writes
them into the autograded notebook's cell metadata, from the course's judge code).
Nothing the learner's kernel printed or showed reaches the page, so no hidden
check's source or expected value can, however learner code disguises it. Hidden
checks are shown by name only, as exercism does; every text is HTML-escaped.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import nbformat

from course.core.catalog import Step
from course.core.cells import grade_id_of, is_graded_test
from course.core.files import write_atomically
from course.core.render import FAIL_COLOUR, PASS_COLOUR
from course.grading.guards import INTEGRITY_ERROR
from course.grading.preprocessors.judge_probes import JUDGED_KEY

DOCSTRING = re.compile(r'^\s*"""(.*?)"""', re.S)


@functools.cache
def check_docstrings(step: Step) -> dict[str, str]:
    """grade_id -> the "Check that ..." docstring of each graded cell in the step's source."""
    found = {}
    for name in step.notebooks:
        notebook = nbformat.read(str(step.solution_dir / name), as_version=4)
        for cell in notebook.cells:
            if is_graded_test(cell):
                match = DOCSTRING.match(cell.source)
                found[grade_id_of(cell)] = match.group(1).strip() if match else ""
    return found


def learner_status(status: str) -> str:
    """The status a learner sees: without the ``review:`` notes, which are for the instructor."""
    return "; ".join(part for part in status.split("; ") if not part.startswith("review:")) or "ok"


def judged_cells(autograded: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """(grade_id -> the grader's judgement of the cell, grade_id -> why its observations were not trusted).

    Both come from what the grader wrote (``JudgeProbes``: the cell's metadata and its
    integrity error), never from what the learner's kernel showed.
    """
    judged: dict[str, dict] = {}
    distrusted: dict[str, str] = {}
    notebook = nbformat.read(str(autograded), as_version=4)
    for cell in notebook.cells:
        if not is_graded_test(cell):
            continue
        grade_id = grade_id_of(cell)
        verdict = cell.get("metadata", {}).get(JUDGED_KEY)
        if isinstance(verdict, dict):
            judged[grade_id] = verdict
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == INTEGRITY_ERROR:
                distrusted[grade_id] = str(output.get("evalue", ""))
    return judged, distrusted


def _judged_html(verdict: dict) -> str:
    """The grader's lines for one cell: each check's course-written name, and whether it held."""
    lines = [line for line in verdict.get("lines", []) if isinstance(line, dict)]
    if not lines:
        return ""
    items = "".join(
        f"<li class='{'ok' if line.get('passed') else 'no'}'>{'&#10003;' if line.get('passed') else '&#10007;'} "
        f"{html.escape(str(line.get('called', ''))[:300])}</li>"
        for line in lines
    )
    return f"<p>What the grader checked:</p><ul class='judged'>{items}</ul>"


def render(result, step: Step, notebook: str, base: Path | None = None) -> str:
    """The feedback page for one notebook of one graded submission.

    ``result.autograded`` paths are relative to ``base`` when it is given.
    """
    docstrings = check_docstrings(step)
    judged: dict[str, dict] = {}
    distrusted: dict[str, str] = {}
    path = Path(result.autograded.get(notebook, ""))
    path = base / path if base is not None else path
    if notebook in result.autograded and path.is_file():
        judged, distrusted = judged_cells(path)
    rows = []
    for info in step.checks:
        cell = result.cells.get(info.id)
        if cell is None or cell["notebook"] != notebook:
            continue
        passed = cell["score"] >= cell["max_score"]
        body = _judged_html(judged.get(info.id, {}))
        if info.id in distrusted:
            body = f"<p>This check could not be trusted, so it scored 0: {html.escape(distrusted[info.id][:300])}.</p>"
        elif info.manual:
            body = "<p>A person reads and scores this answer; the score here is the automatic grader's.</p>"
        elif not body and not passed:
            body = (
                "<p>This check did not finish: its cell, or an earlier one, stopped with an error (a public"
                " check that failed stops its cell too). Run the cell in your notebook: its lines say what"
                " was called, what came back and what was expected.</p>"
            )
        hint = (
            ""
            if passed or info.manual or not info.hints
            else f"<p class='hint'><strong>Hint:</strong> {html.escape(info.hints[0])}</p>"
        )
        rows.append(
            f"<section class='{'pass' if passed else 'fail'}'>"
            f"<h3>{html.escape(info.task)} &middot; {cell['score']:g} / {cell['max_score']:g}</h3>"
            f"<p class='doc'>{html.escape(docstrings.get(info.id, ''))}</p>{body}{hint}</section>"
        )
    if not rows:
        rows.append(f"<p>No graded cells were scored: {html.escape(learner_status(result.status))}</p>")
    return PAGE.format(
        title=html.escape(f"{step.title}: feedback for {result.learner}"),
        learner=html.escape(result.learner),
        step=html.escape(step.title),
        notebook=html.escape(notebook),
        score=f"{result.score:g}",
        max_score=f"{result.max_score:g}",
        status=html.escape(learner_status(result.status)),
        body="\n".join(rows),
        pass_colour=PASS_COLOUR,
        fail_colour=FAIL_COLOUR,
    )


def write_feedback(result, step: Step, feedback_dir: Path, base: Path | None = None) -> list[Path]:
    """Write one feedback page per notebook of the step; return their paths."""
    written = []
    for notebook in step.notebooks:
        path = feedback_dir / result.learner / step.slug / (Path(notebook).stem + ".html")
        write_atomically(path, render(result, step, notebook, base))
        written.append(path)
    return written


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; line-height: 1.45; }}
section {{ border-left: 4px solid #999; padding: 0.2rem 1rem; margin: 1rem 0; }}
section.pass {{ border-color: {pass_colour}; }} section.fail {{ border-color: {fail_colour}; }}
code {{ background: #f3f3f3; padding: 0 0.2em; }} .doc {{ color: #444; }}
.hint {{ background: #fff8e1; padding: 0.4rem; }}
</style></head>
<body>
<h1>{step}</h1>
<p>Learner: <strong>{learner}</strong> &middot; notebook <code>{notebook}</code></p>
<p>Score: <strong>{score} / {max_score}</strong> &middot; status: {status}</p>
{body}
</body></html>
"""
