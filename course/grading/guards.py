"""nbgrader preprocessors that make autograding hold up against bad and hostile notebooks.

The preprocessors (``course.grading.preprocessors``, one per module) run in
nbgrader's autograde pass, around its own ``Execute`` (see
``course.grading.nbgrader_setup.course_config``), in this order:

1. ``PrepareWorkdir``: while learner code runs, the notebook file in its folder
   is the public version (hidden tests stripped), in a scratch folder of its own,
   so the kernel cannot read hidden tests from disk;
2. ``SplitHiddenBlocks``: each graded cell's judge stays in the grader; the
   kernel gets the probe part only, with a draw of this run (``course.grading.judging``);
3. ``GuardedExecute``: nbgrader's ``Execute``, plus: a kernel that dies scores
   zero for the rest of the notebook instead of failing the whole submission,
   a time budget per notebook, a cap on each cell's output; once the kernel has
   ended, the grader reads the files and runs the ``after`` probes itself
   (``course.grading.behaviours``);
4. ``JudgeProbes``: the grader judges each graded cell from plain data; a cell
   whose judge fails, or whose observations are missing or not this run's, gets
   an error output, so nbgrader scores it zero.

This module holds what they share (the error names they leave in a cell),
``findings``, which reads an autograded notebook back and names what went wrong,
and ``review_flags``, which names machinery learner code should not touch.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from course.core.cells import grade_id_of, is_protected
from course.grading.result import listed
from course.grading.submission_files import plain

INTEGRITY_ERROR = "GradingIntegrityError"
HIDDEN_FAILED = "HiddenChecksFailed"  # the grader's judge of a cell failed
KERNEL_DIED = "DeadKernelError"
NOTEBOOK_TIME_LIMIT = "NotebookTimeLimit"
CELL_TIMEOUT = "CellTimeoutError"
STUCK = "the cell ignored the interrupt after the time limit: the kernel was stopped"
MEMORY_ERROR = "MemoryError"
OUTPUT_CUT = "[course grade: output cut"
FLOOD_MARKS = (OUTPUT_CUT, "... Output truncated ...")  # ours, and nbgrader's LimitOutput


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An error output as nbclient records one (nbgrader scores a cell with one zero)."""
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def scores_zero(cell) -> bool:
    """True when nbgrader will score the cell zero anyway (an error, or anything on stderr)."""
    return any(
        out.get("output_type") == "error" or (out.get("output_type") == "stream" and out.get("name") == "stderr")
        for out in cell.get("outputs", [])
    )


def cell_label(cell, index: int) -> str:
    grade_id = grade_id_of(cell)
    return f"cell {index + 1} ({grade_id})" if grade_id else f"cell {index + 1}"


def findings(path: Path) -> list[str]:
    """Statuses for what went wrong while ``path`` (an autograded notebook) ran."""
    timeouts, dead, budget, tampered, flooded, memory = [], [], [], [], [], []
    stuck = False
    for index, cell in enumerate(nbformat.read(str(path), as_version=4).cells):
        for output in cell.get("outputs", []):
            name = output.get("ename") if output.get("output_type") == "error" else None
            if name == CELL_TIMEOUT:
                timeouts.append(cell_label(cell, index))
                stuck = stuck or output.get("evalue") == STUCK
            elif name == MEMORY_ERROR and cell_label(cell, index) not in memory:
                memory.append(cell_label(cell, index))
            elif name == KERNEL_DIED and output.get("evalue", "").startswith("the kernel stopped"):
                dead.append(cell_label(cell, index))
            elif name == NOTEBOOK_TIME_LIMIT:
                budget.append(cell_label(cell, index))
            elif name == INTEGRITY_ERROR:
                tampered.append((grade_id_of(cell), output.get("evalue", "")))
            elif output.get("output_type") == "stream" and any(mark in output.get("text", "") for mark in FLOOD_MARKS):
                if cell_label(cell, index) not in flooded:
                    flooded.append(cell_label(cell, index))
    problems = []
    if timeouts:
        problems.append(
            f"timeout: {path.name} {', '.join(timeouts)} ran past the time limit"
            + ("; it ignored the interrupt, so the kernel was stopped and later cells scored 0" if stuck else "")
        )
    if memory:
        problems.append(f"memory: {path.name} {', '.join(memory[:3])} ran out of memory")
    if dead:
        problems.append(f"kernel-died: the kernel running {path.name} stopped in {dead[0]}; later cells scored 0")
    if budget:
        problems.append(f"notebook-time-limit: {path.name} ran out of time; {len(budget)} cells were not run")
    if tampered:
        ids = listed([grade_id for grade_id, _ in tampered])
        problems.append(f"tampered: {len(tampered)} graded cells scored 0 because {plain(tampered[0][1])} ({ids})")
    if flooded:
        problems.append(f"output-flood: output of {path.name} {', '.join(flooded[:3])} was cut")
    return problems


# Things learner code has no reason to touch in this course; finding one does not change
# the score (the judges decide that) but asks the instructor to read the autograded notebook.
REVIEW_WORDS = (
    "input_transformers",
    "ast_transformers",
    "input_transformer_manager",
    "course.checks",
    "course.grading",
    "os._exit",
    "run_cell",
    "events.register",
)


def review_flags(notebook, name: str) -> list[str]:
    """A 'review' status when the learner's own cells mention machinery they should not touch."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and not is_protected(cell):
            found += [word for word in REVIEW_WORDS if word in cell.source and word not in found]
    if not found:
        return []
    return [f"review: {name} learner code mentions {listed(found)} (read the autograded notebook)"]
