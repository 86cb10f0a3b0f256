"""Show a check's outcome: HTML in JupyterLab, plain text anywhere else.

Every result is also emitted as ``application/vnd.course.check+json`` so that
``course check`` and the grading feedback read results, not screen text.
"""

from __future__ import annotations

import html
import json

CHECK_MIMETYPE = "application/vnd.course.check+json"


def as_text(result: dict) -> str:
    """The plain-text rendering of a check result."""
    mark = "PASS" if result["passed"] else "FAIL"
    out = [f"[{mark}] {result['grade_id']}: {result['summary']}"]
    for line in result["lines"]:
        out.append(f"  {'ok ' if line['passed'] else 'XX '} {line['called']}")
        if not line["passed"] and "got" in line:
            out.append(f"       got:      {line['got']}")
            out.append(f"       expected: {line['expected']}")
            if line.get("advice"):
                out.append(f"       hint:     {line['advice']}")
    return "\n".join(out)


def as_html(result: dict) -> str:
    """A small self-contained HTML panel for a check result."""
    colour = "#1b7f3b" if result["passed"] else "#b3261e"
    rows = []
    for line in result["lines"]:
        mark = "&#10004;" if line["passed"] else "&#10008;"
        detail = ""
        if not line["passed"] and "got" in line:
            detail = (
                f"<div style='margin-left:1.6em'>got: <code>{html.escape(line['got'])}</code><br>"
                f"expected: <code>{html.escape(line['expected'])}</code>"
            )
            if line.get("advice"):
                detail += f"<br><em>{html.escape(line['advice'])}</em>"
            detail += "</div>"
        rows.append(f"<li style='list-style:none'>{mark} <code>{html.escape(line['called'])}</code>{detail}</li>")
    return (
        f"<div class='course-check' style='border-left:4px solid {colour};padding:0.3em 0.8em'>"
        f"<strong style='color:{colour}'>{html.escape(result['summary'])}</strong>"
        f" <small>({html.escape(result['grade_id'])})</small>"
        f"<ul style='margin:0.3em 0;padding-left:0.5em'>{''.join(rows)}</ul></div>"
    )


def show_check(result: dict) -> None:
    """Display ``result`` in the running kernel, or print it outside one."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: text only
        print(as_text(result))
        return
    if get_ipython() is None:
        print(as_text(result))
        return
    bundle = {
        "text/plain": as_text(result),
        "text/html": as_html(result),
        CHECK_MIMETYPE: json.loads(json.dumps(result)),
    }
    display(bundle, raw=True)
