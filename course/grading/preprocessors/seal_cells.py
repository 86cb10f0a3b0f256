"""Step 2: add a seal line with a fresh nonce to each graded test cell (see ``course.grading.seal``)."""

from __future__ import annotations

import ast
import re
import secrets

from nbgrader.preprocessors import NbGraderPreprocessor

from course.core.cells import grade_id_of, is_graded_test
from course.grading.preprocessors.split_hidden import PLANS_KEY

REPORT_CALL = re.compile(r"^[^#\n]*\.report\(\s*\)", re.M)


def seal_line(grade_id: str, nonce: str) -> str:
    return f'__import__("course.grading.seal").grading.seal.seal({grade_id!r}, {nonce!r})'


def sealed_source(source: str, line: str) -> str | None:
    """``source`` with ``line`` added where it proves the cell ran; None for a cell magic.

    The line goes before a final expression (nbgrader reads a final number as
    partial credit, so it must stay last), else at the end.
    """
    if source.lstrip().startswith("%%"):
        return None
    from IPython.core.inputtransformer2 import TransformerManager

    lines = source.rstrip().split("\n")
    try:
        body = ast.parse(TransformerManager().transform_cell(source)).body
    except SyntaxError:
        body = []
    if body and isinstance(body[-1], ast.Expr) and body[-1].lineno <= len(lines):
        at = body[-1].lineno - 1
        return "\n".join(lines[:at] + [line] + lines[at:])
    return "\n".join(lines + [line])


class SealGradedCells(NbGraderPreprocessor):
    """Add a seal line with a fresh nonce to every graded test cell."""

    def preprocess(self, nb, resources):
        resources["course_seals"] = {}
        for cell in nb.cells:
            if not is_graded_test(cell) or grade_id_of(cell) in resources.get(PLANS_KEY, {}):
                continue  # a cell with a judge is judged by the grader (``JudgeProbes``), not sealed
            grade_id = grade_id_of(cell)
            nonce = secrets.token_hex(16)
            sealed = sealed_source(cell.source, seal_line(grade_id, nonce))
            if sealed is None:
                continue
            resources["course_seals"][grade_id] = {
                "nonce": nonce,
                "source": cell.source,
                "reports": len(REPORT_CALL.findall(cell.source)),
            }
            cell.source = sealed
        return nb, resources
