"""Feedback a learner can be given: one HTML page per learner, step and notebook.

Built from the gradebook's scores and the structured check results
(``application/vnd.course.check+json``) that each graded cell showed in the
autograded notebook, never from raw cell outputs: tracebacks and hidden test
source never reach the page. On top of that:

* only results a graded cell showed about itself count, and none from a cell
  whose seal failed (``course.grading.preprocessors.verify_seals``): learner code cannot put
  forged results on the page;
* for a hidden check only the behaviour's name is shown, as exercism does;
* every text that reaches the page is scrubbed of the step's hidden test
  lines, in case learner code managed to read them and echo them back.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import nbformat

from course.core.catalog import Step
from course.core.cells import grade_id_of, hidden_test_lines, is_graded_test
from course.core.files import write_atomically
from course.core.protocol import CHECK_MIMETYPE
from course.core.render import FAIL_COLOUR, PASS_COLOUR, line_html
from course.grading.guards import INTEGRITY_ERROR

DOCSTRING = re.compile(r'^\s*"""(.*?)"""', re.S)
SCRUBBED = "[hidden]"
MIN_SECRET_LENGTH = 12  # shorter lines (")", "hidden.report()") say nothing and appear everywhere


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


@functools.cache
def hidden_lines(step: Step) -> frozenset[str]:
    """Lines of the step's hidden tests that appear nowhere else in its source (stripped)."""
    hidden: set[str] = set()
    given: set[str] = set()
    for name in step.notebooks:
        for cell in nbformat.read(str(step.solution_dir / name), as_version=4).cells:
            for line, inside in hidden_test_lines(cell.source):
                (hidden if inside else given).add(line.strip())
    return frozenset(line for line in hidden - given if len(line) >= MIN_SECRET_LENGTH and not line.startswith("#"))


def scrub(text, secrets: frozenset[str]) -> str:
    """``text`` as a string, with every hidden test line in it replaced by SCRUBBED."""
    text = str(text)
    for line in secrets:
        if line in text:
            text = text.replace(line, SCRUBBED)
    return text


def learner_status(status: str) -> str:
    """The status a learner sees: without the ``review:`` notes, which are for the instructor."""
    return "; ".join(part for part in status.split("; ") if not part.startswith("review:")) or "ok"


def check_results(autograded: Path) -> tuple[dict[str, list[dict]], dict[str, str]]:
    """(grade_id -> check results each graded cell showed about itself, grade_id -> why it is not trusted)."""
    results: dict[str, list[dict]] = {}
    distrusted: dict[str, str] = {}
    notebook = nbformat.read(str(autograded), as_version=4)
    for cell in notebook.cells:
        if cell.get("cell_type") != "code" or not is_graded_test(cell):
            continue
        grade_id = grade_id_of(cell)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == INTEGRITY_ERROR:
                distrusted[grade_id] = str(output.get("evalue", ""))
            data = output.get("data", {}).get(CHECK_MIMETYPE)
            if isinstance(data, dict) and data.get("grade_id") == grade_id:
                results.setdefault(grade_id, []).append(data)
    for grade_id in distrusted:
        results.pop(grade_id, None)
    return results, distrusted


def _lines_html(results: list[dict], secrets: frozenset[str]) -> str:
    def text(value) -> str:
        return html.escape(scrub(value, secrets))

    parts = []
    for result in results:
        lines = [line for line in result.get("lines", []) if isinstance(line, dict)]
        if result.get("hidden"):
            missed = [line.get("called", "") for line in lines if not line.get("passed")]
            if missed:
                items = "".join(f"<li>{text(name)}</li>" for name in missed)
                parts.append(f"<p>Not yet handled (from the graded checks):</p><ul>{items}</ul>")
            continue
        for line in lines:  # the kernel's renderer; advice spoke of the learner's kernel, not the grader's
            parts.append(f"<div class='line'>{line_html(line, text=text)}</div>")
    return "".join(parts)


def render(result, step: Step, notebook: str, base: Path | None = None) -> str:
    """The feedback page for one notebook of one graded submission.

    ``result.autograded`` paths are relative to ``base`` when it is given.
    """
    secrets = hidden_lines(step)
    docstrings = check_docstrings(step)
    shown: dict[str, list[dict]] = {}
    distrusted: dict[str, str] = {}
    path = Path(result.autograded.get(notebook, ""))
    path = base / path if base is not None else path
    if notebook in result.autograded and path.is_file():
        shown, distrusted = check_results(path)
    rows = []
    for info in step.checks:
        cell = result.cells.get(info.id)
        if cell is None or cell["notebook"] != notebook:
            continue
        passed = cell["score"] >= cell["max_score"]
        body = _lines_html(shown.get(info.id, []), secrets)
        if info.id in distrusted:
            body = (
                "<p>This check could not be trusted, so it scored 0: "
                f"{html.escape(scrub(distrusted[info.id], secrets))}.</p>"
            )
        elif info.manual:
            body = "<p>A person reads and scores this answer; the score here is the automatic grader's.</p>"
        elif not shown.get(info.id) and not passed:
            body = "<p>This check did not run: an earlier cell probably stopped with an error.</p>"
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
        rows.append(f"<p>No graded cells were scored: {html.escape(scrub(learner_status(result.status), secrets))}</p>")
    return PAGE.format(
        title=html.escape(f"{step.title}: feedback for {result.learner}"),
        learner=html.escape(result.learner),
        step=html.escape(step.title),
        notebook=html.escape(notebook),
        score=f"{result.score:g}",
        max_score=f"{result.max_score:g}",
        status=html.escape(scrub(learner_status(result.status), secrets)),
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
