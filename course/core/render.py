"""How a check result reads: one renderer, as text and as HTML, for the kernel and the grader.

A result is the dict ``Check.as_dict`` makes (and the check MIME type carries):
``grade_id``, ``hidden``, ``passed``, ``summary`` and ``lines``, each line with
``called`` and ``passed`` and, for a public check, ``got``, ``expected`` and
``advice``. Standard library only.
"""

from __future__ import annotations

import html
from collections.abc import Callable

PASS_COLOUR = "#1b7f3b"
FAIL_COLOUR = "#b3261e"
ADVICE_COLOUR = "#b26a00"  # advice boxes, and partly done steps
NEUTRAL_COLOUR = "#777"
PASS_MARK, FAIL_MARK = "&#10004;", "&#10008;"


def colour(passed: bool) -> str:
    """The colour of a passing or failing result."""
    return PASS_COLOUR if passed else FAIL_COLOUR


def advice_once(result: dict) -> list[str]:
    """Each line's advice, blank where an earlier line already gave the same advice."""
    seen, shown = set(), []
    for line in result["lines"]:
        advice = line.get("advice", "")
        shown.append("" if advice in seen else advice)
        seen.add(advice)
    return shown


def as_text(result: dict) -> str:
    """The plain-text rendering of a check result."""
    mark = "PASS" if result["passed"] else "FAIL"
    out = [f"[{mark}] {result['grade_id']}: {result['summary']}"]
    for line, advice in zip(result["lines"], advice_once(result), strict=True):
        out.append(f"  {'ok ' if line['passed'] else 'XX '} {line['called']}")
        if not line["passed"] and "got" in line:
            out.append(f"       got:      {line['got']}")
            out.append(f"       expected: {line['expected']}")
            if advice:
                out.append(f"       advice:   {advice}")
    return "\n".join(out)


def line_html(line: dict, advice: str = "", text: Callable[[object], str] | None = None) -> str:
    """The mark, the call and, for a failing public line, what came back and what was expected.

    ``text`` turns a value into escaped HTML (default ``html.escape(str(value))``);
    grading passes one that also scrubs hidden test lines.
    """
    text = text or (lambda value: html.escape(str(value)))
    body = f"{PASS_MARK if line.get('passed') else FAIL_MARK} <code>{text(line.get('called', ''))}</code>"
    if not line.get("passed") and "got" in line:
        body += (
            f"<div style='margin-left:1.6em'>got: <code>{text(line.get('got', ''))}</code><br>"
            f"expected: <code>{text(line.get('expected', ''))}</code>"
        )
        if advice:
            body += f"<br><em class='course-advice'>{text(advice)}</em>"
        body += "</div>"
    return body


def lines_html(result: dict) -> str:
    """The summary and one list item per expectation, as HTML."""
    rows = []
    for line, advice in zip(result["lines"], advice_once(result), strict=True):
        state = "pass" if line["passed"] else "fail"
        rows.append(
            f"<li class='course-check-line course-check-{state}' style='list-style:none'>{line_html(line, advice)}</li>"
        )
    return (
        f"<div style='line-height:1.45'>"
        f"<strong class='course-check-summary' style='color:{colour(result['passed'])}'>"
        f"{html.escape(result['summary'])}</strong>"
        f" <small>({html.escape(result['grade_id'])})</small>"
        f"<ul style='margin:0.3em 0;padding-left:0.5em'>{''.join(rows)}</ul></div>"
    )


def as_html(result: dict) -> str:
    """A small self-contained HTML panel for a check result."""
    return (
        f"<div class='course-check' style='border-left:4px solid {colour(result['passed'])};padding:0.3em 0.8em'>"
        f"{lines_html(result)}</div>"
    )


def advice_html(text: str) -> str:
    """The box shown below a failing cell's traceback: what probably happened."""
    return (
        f"<div class='course-advice' style='border-left:4px solid {ADVICE_COLOUR};padding:0.2em 0.8em'>"
        f"<strong>What probably happened:</strong> {html.escape(text)}</div>"
    )
