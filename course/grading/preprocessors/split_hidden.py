"""Step 2: each graded cell's judge stays with the grader; its kernel gets the probe part only.

For a cell whose hidden block has a ``### JUDGE`` section (``course.checks.probe``),
``course.grading.judging.plan`` keeps the judge, the cell's source, a fresh draw and
the ``file``/``after`` probes the grader answers itself in ``resources[PLANS_KEY]``;
the kernel runs the rest. ``JudgeProbes`` judges after the kernel has ended.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from course.core.cells import grade_id_of, is_graded_test
from course.grading.judging import has_judge, plan

PLANS_KEY = "course_judge_plans"  # in nbgrader's resources: grade_id -> judging.Plan


class SplitHiddenBlocks(NbGraderPreprocessor):
    """Keep every graded cell's judge in the grader; leave the kernel the probe part."""

    def preprocess(self, nb, resources):
        plans = resources[PLANS_KEY] = {}
        for cell in nb.cells:
            if is_graded_test(cell) and has_judge(cell.source):
                cell_plan, kernel_source = plan(grade_id_of(cell), cell.source)
                plans[cell_plan.grade_id] = cell_plan
                cell.source = kernel_source
        return nb, resources
