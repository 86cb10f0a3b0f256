"""Step 5: the grader judges each graded cell from plain data; a cell whose judge fails scores zero.

For every cell ``SplitHiddenBlocks`` planned, the observations are the one probe
message the cell itself showed (``PROBE_MIMETYPE``, with the draw this run chose)
and what the grader observed after the kernel ended (``GuardedExecute``: files and
``after`` runs). ``course.grading.judging.judge`` runs the judge here. A cell that
already scores zero stays at zero; one with no message, several, or a stale draw
gets ``GradingIntegrityError``; one whose judge fails gets ``HiddenChecksFailed``.
The judge's lines (course text and pass/fail) go into the cell's metadata for the
feedback page, and the cell's source is put back as the course wrote it.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from course.core.catalog import find_step
from course.core.cells import grade_id_of, is_graded_test
from course.core.protocol import PROBE_MIMETYPE
from course.grading.behaviours import TIMED_OUT
from course.grading.guards import CELL_TIMEOUT, HIDDEN_FAILED, INTEGRITY_ERROR, error_output, scores_zero
from course.grading.judging import judge
from course.grading.preprocessors.split_hidden import PLANS_KEY
from course.grading.result import listed

AFTER_KEY = "course_observed_after"  # in nbgrader's resources: grade_id -> name -> observation
JUDGED_KEY = "course_judged"  # in a graded cell's metadata: {"passed": bool, "lines": [...]}


def probe_messages(cell, grade_id: str) -> list[dict]:
    messages = [out["data"][PROBE_MIMETYPE] for out in cell.get("outputs", []) if PROBE_MIMETYPE in out.get("data", {})]
    return [m for m in messages if isinstance(m, dict) and m.get("grade_id") == grade_id]


def _timed_out(entry) -> bool:
    return isinstance(entry, dict) and str(entry.get("error", "")).startswith(TIMED_OUT)


def judged_cells(nb, plans: dict) -> dict:
    """The plans of the cells the judge will run: not those that already score zero (no observation can help)."""
    failed = {grade_id_of(cell) for cell in nb.cells if is_graded_test(cell) and scores_zero(cell)}
    return {grade_id: cell_plan for grade_id, cell_plan in plans.items() if grade_id not in failed}


class JudgeProbes(NbGraderPreprocessor):
    """Judge every planned graded cell in the grader's process."""

    def preprocess(self, nb, resources):
        plans = resources.get(PLANS_KEY, {})
        after = resources.get(AFTER_KEY, {})
        reference = find_step(resources["nbgrader"]["assignment"]).solution_dir
        for cell in nb.cells:
            if not is_graded_test(cell):
                continue
            cell.metadata.pop(JUDGED_KEY, None)  # only the grader writes it
            cell_plan = plans.get(grade_id_of(cell))
            if cell_plan is None:
                continue
            cell.source = cell_plan.source
            if scores_zero(cell):
                cell.metadata[JUDGED_KEY] = {"passed": False, "lines": []}
                continue
            messages = probe_messages(cell, cell_plan.grade_id)
            if len(messages) != 1 or messages[0].get("draw") != cell_plan.draw:
                problem = "its observations were missing" if not messages else "its observations could not be trusted"
                cell.outputs.insert(0, error_output(INTEGRITY_ERROR, problem))
                cell.metadata[JUDGED_KEY] = {"passed": False, "lines": []}
                continue
            seen = messages[0].get("seen")
            observed = dict(seen) if isinstance(seen, dict) else {}
            observed.update(after.get(cell_plan.grade_id, {}))
            late = [name for name, entry in after.get(cell_plan.grade_id, {}).items() if _timed_out(entry)]
            if late:  # the learner's files made the grader's own run of a check too slow: a named timeout
                cell.outputs.insert(0, error_output(CELL_TIMEOUT, f"the grader's run of {listed(late)} took too long"))
            verdict = judge(cell_plan, observed, reference)
            if not verdict.passed:
                failed = sum(not line["passed"] for line in verdict.lines)
                cell.outputs.insert(
                    0, error_output(HIDDEN_FAILED, f"{failed} of {len(verdict.lines)} graded checks failed")
                )
            cell.metadata[JUDGED_KEY] = {"passed": verdict.passed, "lines": verdict.lines}
        return nb, resources
