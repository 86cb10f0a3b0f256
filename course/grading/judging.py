"""The grader's half of a hidden block: cut the judge out, then judge the kernel's plain answers.

A graded cell's hidden block is a probe part and a judge part (``course.checks.probe``
shows the format). Before the kernel runs, ``split`` keeps the judge in the grader and
gives the kernel only the probe part, with a draw the grader chose. After the kernel
has ended, ``judge`` runs the judge in this process on the observations (plain data
parsed from JSON, so no learner object ever reaches the grader) and returns course-written
lines: the labels of the judge's checks and whether each held.

``python -m course.grading.judging lint NOTEBOOK...`` lists names a judge uses that
it would not have in the grader (a notebook's names), so authors find them at once.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.checks.check import Check
from course.checks.probe import DRAW_RANGE, Seen
from course.core.cells import BEGIN_HIDDEN, END_HIDDEN

JUDGE_MARK = "### JUDGE"
JUDGE_NAMES = {"seen", "Check", "course_file"}  # what the grader gives a judge


class JudgeError(RuntimeError):
    """A judge that cannot run: a bug in the course's own hidden block, never the learner's doing."""


@dataclass
class Plan:
    """What the grader keeps of one graded cell while its kernel runs."""

    grade_id: str
    source: str  # the cell as the course wrote it, put back after grading
    judge: str
    draw: int
    files: dict[str, str] = field(default_factory=dict)
    afters: dict[str, tuple[str, dict]] = field(default_factory=dict)


def split(source: str) -> tuple[str, str]:
    """(what the kernel runs, the judge): the judge is the hidden block's lines after ``### JUDGE``."""
    kernel: list[str] = []
    judge: list[str] = []
    inside = judging = False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = judging = False
        elif inside and line.strip() == JUDGE_MARK:
            judging = True
            continue
        (judge if judging else kernel).append(line)
    return "\n".join(kernel), "\n".join(judge)


def has_judge(source: str) -> bool:
    return any(line.strip() == JUDGE_MARK for line in source.split("\n"))


def plan(grade_id: str, source: str) -> tuple[Plan, str]:
    """The grader's plan for a cell and the source its kernel runs (the probe given a fresh draw)."""
    kernel, judge = split(source)
    draw = secrets.randbelow(DRAW_RANGE)
    call = re.compile(r"Probe\(\s*" + re.escape(json.dumps(grade_id)) + r"\s*\)")
    kernel = call.sub(f"Probe({json.dumps(grade_id)}, draw={draw})", kernel)
    found = Plan(grade_id, source, judge, draw)
    for method, args, keywords in _probe_calls(kernel):
        if method == "file" and len(args) == 2:
            found.files[str(args[0])] = str(args[1])
        elif method == "after" and len(args) == 2:
            found.afters[str(args[0])] = (str(args[1]), keywords)
    return found, kernel


def _probe_calls(source: str) -> list[tuple[str, list, dict]]:
    """``probe.file(...)`` and ``probe.after(...)`` calls with literal arguments, as written."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError as error:
        raise JudgeError(f"the cell's probe part does not parse: {error}") from error
    calls = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("file", "after")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "probe"
        ):
            try:
                args = [ast.literal_eval(arg) for arg in node.args]
                keywords = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
            except ValueError as error:
                raise JudgeError(f"probe.{node.func.attr} takes literal arguments only (line {node.lineno})") from error
            calls.append((node.func.attr, args, keywords))
    return calls


class _JudgedCheck(Check):
    """A ``Check`` whose report is kept by the judge instead of shown (or raised)."""

    reports: list[dict]

    def report(self) -> None:
        self.reports.append(self.as_dict())


@dataclass
class Verdict:
    """The judge's outcome: whether every line held, and the lines (course text and pass/fail)."""

    passed: bool
    lines: list[dict]


def judge(cell_plan: Plan, observed: dict, reference_dir: Path) -> Verdict:
    """Run ``cell_plan``'s judge on ``observed`` (plain data) in this process."""
    reports: list[dict] = []

    class JudgedCheck(_JudgedCheck):
        pass

    JudgedCheck.reports = reports

    def course_file(relative: str) -> Path:
        path = Path(relative)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"course_file({relative!r}): give a path inside the step's folder")
        return reference_dir / path

    namespace: dict[str, Any] = {
        "__builtins__": builtins,
        "__name__": "course_judge",
        "seen": Seen(observed, cell_plan.draw),
        "Check": JudgedCheck,
        "course_file": course_file,
    }
    try:
        exec(compile(cell_plan.judge, f"<judge of {cell_plan.grade_id}>", "exec"), namespace)
    except Exception as error:
        raise JudgeError(f"the judge of {cell_plan.grade_id} failed: {type(error).__name__}: {error}") from error
    if not reports:
        raise JudgeError(f"the judge of {cell_plan.grade_id} reported nothing")
    lines = [
        {"called": line["called"], "passed": bool(line["passed"])} for report in reports for line in report["lines"]
    ]
    return Verdict(all(report["passed"] for report in reports), lines)


def free_names(judge_source: str) -> set[str]:
    """Names the judge reads but neither defines, imports, nor gets from the grader or builtins."""
    tree = ast.parse(judge_source)
    bound = set(JUDGE_NAMES) | set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arguments):
            bound |= {arg.arg for arg in [*node.posonlyargs, *node.args, *node.kwonlyargs]}
            bound |= {arg.arg for arg in (node.vararg, node.kwarg) if arg}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return used - bound


def lint(notebook: Path) -> list[str]:
    """Problems of ``notebook``'s judges: names they would not have in the grader, or no judge at all."""
    import nbformat

    from course.core.cells import grade_id_of, is_graded_test

    problems = []
    for cell in nbformat.read(str(notebook), as_version=4).cells:
        if not is_graded_test(cell) or cell.cell_type != "code":
            continue
        grade_id = grade_id_of(cell)
        if not has_judge(cell.source):
            problems.append(f"{grade_id}: no {JUDGE_MARK} section")
            continue
        _, judge_source = split(cell.source)
        try:
            missing = free_names(judge_source)
        except SyntaxError as error:
            problems.append(f"{grade_id}: the judge does not parse: {error}")
            continue
        if missing:
            problems.append(f"{grade_id}: the judge uses names it will not have in the grader: {sorted(missing)}")
    return problems


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "lint":
        print("usage: python -m course.grading.judging lint NOTEBOOK...", file=sys.stderr)
        return 2
    problems = [f"{path}: {problem}" for path in argv[1:] for problem in lint(Path(path))]
    print("\n".join(problems) if problems else "judges: no problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
