"""Feedback a learner can be given: one HTML page per learner, step and notebook.

Built from the gradebook's scores and the structured check results in the
autograded notebook (``application/vnd.course.check+json``), never from raw
cell outputs: tracebacks and hidden test source never reach the page. For a
hidden check only the behaviour's name is shown, as exercism does.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

from course.catalog import Step
from course.display import CHECK_MIMETYPE

DOCSTRING = re.compile(r'^\s*"""(.*?)"""', re.S)


def check_docstrings(step: Step) -> dict[str, str]:
    """grade_id -> the "Check that ..." docstring of each graded cell in the step's source."""
    found = {}
    for name in step.notebooks:
        notebook = nbformat.read(str(step.solution_dir / name), as_version=4)
        for cell in notebook.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                match = DOCSTRING.match(cell.source)
                found[meta["grade_id"]] = match.group(1).strip() if match else ""
    return found


def check_results(autograded: Path) -> dict[str, list[dict]]:
    """grade_id -> the check results (public and hidden) shown in an autograded notebook."""
    results: dict[str, list[dict]] = {}
    notebook = nbformat.read(str(autograded), as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(CHECK_MIMETYPE)
            if data:
                results.setdefault(data["grade_id"], []).append(data)
    return results


def _lines_html(results: list[dict]) -> str:
    parts = []
    for result in results:
        if result.get("hidden"):
            missed = [line["called"] for line in result["lines"] if not line["passed"]]
            if missed:
                items = "".join(f"<li>{html.escape(name)}</li>" for name in missed)
                parts.append(f"<p>Not yet handled (from the graded checks):</p><ul>{items}</ul>")
            continue
        for line in result["lines"]:
            mark = "&#10004;" if line["passed"] else "&#10008;"
            text = f"{mark} <code>{html.escape(line['called'])}</code>"
            if not line["passed"]:
                text += (f"<br>got: <code>{html.escape(line.get('got', ''))}</code>"
                         f"<br>expected: <code>{html.escape(line.get('expected', ''))}</code>")
            parts.append(f"<div class='line'>{text}</div>")
    return "".join(parts)


def render(result, step: Step, notebook: str) -> str:
    """The feedback page for one notebook of one graded submission."""
    docstrings = check_docstrings(step)
    shown = check_results(Path(result.autograded[notebook])) if notebook in result.autograded else {}
    rows = []
    for info in step.checks:
        cell = result.cells.get(info.id)
        if cell is None or cell["notebook"] != notebook:
            continue
        passed = cell["score"] >= cell["max_score"]
        body = _lines_html(shown.get(info.id, []))
        if not shown.get(info.id) and not passed:
            body = "<p>This check did not run: an earlier cell probably stopped with an error.</p>"
        hint = "" if passed or not info.hints else f"<p class='hint'><strong>Hint:</strong> {html.escape(info.hints[0])}</p>"
        rows.append(
            f"<section class='{'pass' if passed else 'fail'}'>"
            f"<h3>{html.escape(info.task)} &middot; {cell['score']:g} / {cell['max_score']:g}</h3>"
            f"<p class='doc'>{html.escape(docstrings.get(info.id, ''))}</p>{body}{hint}</section>"
        )
    if not rows:
        rows.append(f"<p>No graded cells were scored: {html.escape(result.status)}</p>")
    return PAGE.format(
        title=html.escape(f"{step.title}: feedback for {result.learner}"),
        learner=html.escape(result.learner),
        step=html.escape(step.title),
        notebook=html.escape(notebook),
        score=f"{result.score:g}",
        max_score=f"{result.max_score:g}",
        status=html.escape(result.status),
        body="\n".join(rows),
    )


def write_feedback(result, step: Step, feedback_dir: Path) -> list[Path]:
    """Write one feedback page per notebook of the step; return their paths."""
    written = []
    for notebook in step.notebooks:
        path = feedback_dir / result.learner / step.slug / (Path(notebook).stem + ".html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(result, step, notebook), encoding="utf-8")
        written.append(path)
    return written


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; line-height: 1.45; }}
section {{ border-left: 4px solid #999; padding: 0.2rem 1rem; margin: 1rem 0; }}
section.pass {{ border-color: #1b7f3b; }} section.fail {{ border-color: #b3261e; }}
code {{ background: #f3f3f3; padding: 0 0.2em; }} .doc {{ color: #444; }} .hint {{ background: #fff8e1; padding: 0.4rem; }}
</style></head>
<body>
<h1>{step}</h1>
<p>Learner: <strong>{learner}</strong> &middot; notebook <code>{notebook}</code></p>
<p>Score: <strong>{score} / {max_score}</strong> &middot; status: {status}</p>
{body}
</body></html>
"""
