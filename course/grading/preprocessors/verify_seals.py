"""Step 4: a graded cell that would score points without a valid seal and its checks' results
gets an error output, so nbgrader scores it zero; the cell's source is put back as it was.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from course.core.cells import grade_id_of, is_graded_test
from course.core.protocol import CHECK_MIMETYPE, SEAL_MIMETYPE
from course.grading.guards import INTEGRITY_ERROR, error_output, scores_zero
from course.grading.seal import checks_file_fingerprint


def seal_problem(cell, seal: dict, fingerprint: str) -> str:
    """Why ``cell``'s evidence cannot be trusted, or '' when it can."""
    grade_id = grade_id_of(cell)
    seals = [out["data"][SEAL_MIMETYPE] for out in cell.get("outputs", []) if SEAL_MIMETYPE in out.get("data", {})]
    mine = [s for s in seals if s.get("nonce") == seal["nonce"] and s.get("grade_id") == grade_id]
    if not mine:
        return "the cell did not run to its end (its seal is missing)"
    if mine[0].get("problems"):
        return "; ".join(str(p) for p in mine[0]["problems"])
    if mine[0].get("fingerprint") != fingerprint:
        return "course.checks.check was changed while the notebook ran"
    results = [
        out["data"][CHECK_MIMETYPE]
        for out in cell.get("outputs", [])
        if CHECK_MIMETYPE in out.get("data", {}) and out["data"][CHECK_MIMETYPE].get("grade_id") == grade_id
    ]
    if len(results) < seal["reports"]:
        return f"the cell showed {len(results)} of its {seal['reports']} check reports"
    if not all(result.get("passed") for result in results):
        return "a check failed without stopping the cell"
    return ""


class VerifySeals(NbGraderPreprocessor):
    """Score zero every graded cell that would earn points without valid evidence that it checked."""

    def preprocess(self, nb, resources):
        seals = resources.get("course_seals", {})
        fingerprint = checks_file_fingerprint()
        for cell in nb.cells:
            if not is_graded_test(cell) or grade_id_of(cell) not in seals:
                continue
            seal = seals[grade_id_of(cell)]
            problem = "" if scores_zero(cell) else seal_problem(cell, seal, fingerprint)
            if problem:
                cell.outputs.insert(0, error_output(INTEGRITY_ERROR, problem))
            cell.source = seal["source"]
        return nb, resources
