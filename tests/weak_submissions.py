"""Weak but plausible answers, and the points they must NOT earn.

Each entry replaces the solution region of one answer cell (between BEGIN and
END SOLUTION) with a weak answer a learner might write, and names graded cells
that must then score zero. They prove the grading discriminates: a test that
asserts nothing earns nothing, a net that records too little misses the
planted changes it cannot see.
"""

from __future__ import annotations

import re

import nbformat

# step slug -> list of (learner id, answer cell grade_id, weak solution code, cells that must score 0)
WEAK = {
    "02-safety-net": [
        (
            "weak-asserts-nothing",
            "step02_compare",
            "return None",
            [
                "step02_check_names_the_difference",
                "step02_passes_on_harmless_refactor",
                "step02_catches_changed_filter",
                "step02_catches_different_default",
                "step02_catches_reordered_columns",
            ],
        ),
        (
            "weak-accuracy-only",
            "step02_snapshot",
            'return {"accuracy": round(float(run["accuracy"]), 6), "rows": 1, "version": 1, "model": "forest"}',
            ["step02_catches_changed_filter", "step02_catches_different_default"],
        ),
    ],
}

REGION = re.compile(r"(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?### END SOLUTION", re.S)


def with_weak_answer(notebook_path, grade_id: str, code: str):
    """The source notebook with one answer cell's solution region replaced by ``code``."""
    notebook = nbformat.read(str(notebook_path), as_version=4)
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            def replace(match):
                indent = match.group("indent")
                return "\n".join(indent + line for line in code.splitlines())

            cell.source = REGION.sub(replace, cell.source, count=1)
            return notebook
    raise KeyError(f"{notebook_path} has no cell {grade_id}")
