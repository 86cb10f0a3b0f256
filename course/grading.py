"""``course grade``: autograde a class with nbgrader and write grades and feedback.

Input: ``SUBMITTED/<learner>/<step>/<notebook>.ipynb``. Output:

* ``OUT/grades.csv`` with ``learner,step,score,max_score,status``, one row per
  learner and step found, broken submissions included (status says what went
  wrong, or ``ok``);
* ``OUT/feedback/<learner>/<step>/<notebook>.html`` (see ``course.feedback``);
* ``OUT/autograded/<learner>/<step>/`` the notebooks as nbgrader ran them.

nbgrader does the grading, in a scratch course directory per worker, with the
course's own ``nbgrader_config.py``. Submissions are checked before nbgrader
sees them, so one broken notebook never stops the batch.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course.catalog import CatalogError, Step, find_step, load_steps

LEARNER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CSV_FIELDS = ["learner", "step", "score", "max_score", "status"]


@dataclass
class Submission:
    """One learner's folder for one step."""

    learner: str
    step_slug: str
    folder: Path


@dataclass
class Result:
    """The outcome of grading one submission: the CSV row plus what feedback needs."""

    learner: str
    step: str
    score: float
    max_score: float
    status: str = "ok"
    # grade_id -> {"score", "max_score", "notebook"}; from the gradebook
    cells: dict = field(default_factory=dict)
    # notebook name -> path of the autograded notebook, when one was produced
    autograded: dict = field(default_factory=dict)

    def row(self) -> dict:
        return {
            "learner": self.learner,
            "step": self.step,
            "score": _number(self.score),
            "max_score": _number(self.max_score),
            "status": self.status,
        }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def find_submissions(submitted: Path, steps: list[Step]) -> tuple[list[Submission], list[Result]]:
    """Submissions to grade, and rows for folders that cannot be graded at all."""
    found, unusable = [], []
    for learner_dir in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for step_dir in sorted(p for p in learner_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            learner = learner_dir.name
            if not LEARNER_NAME.match(learner):
                unusable.append(
                    Result(learner, step_dir.name, 0, 0, "bad-learner-name: use letters, digits, '.', '_' or '-'")
                )
                continue
            try:
                step = find_step(step_dir.name, steps)
            except CatalogError:
                unusable.append(Result(learner, step_dir.name, 0, 0, "unknown-step: no such step in the course"))
                continue
            found.append(Submission(learner, step.slug, step_dir))
    return found, unusable


def check_notebooks(submission: Submission, step: Step) -> tuple[list[str], list[str]]:
    """(usable notebook names, problems) for a submission, without running anything."""
    import nbformat

    usable, problems = [], []
    for name in step.notebooks:
        path = submission.folder / name
        if not path.exists():
            others = sorted(p.name for p in submission.folder.glob("*.ipynb"))
            hint = f" (found {', '.join(others)})" if others else ""
            problems.append(f"missing-notebook: {name}{hint}")
            continue
        try:
            notebook = nbformat.read(str(path), as_version=4)
            nbformat.validate(notebook)
        except Exception as error:  # not JSON, not a notebook, or an invalid one
            problems.append(f"invalid-notebook: {name} ({type(error).__name__})")
            continue
        usable.append(name)
    return usable, problems


# -- one worker: a scratch nbgrader course directory, reused for its submissions --

_worker: dict = {}


def _worker_root(timeout: int | None):
    """This process's scratch course directory and nbgrader API (made on first use)."""
    from course.nbgrader_setup import make_api

    if "root" not in _worker:
        root = Path(tempfile.mkdtemp(prefix="course-grade-"))
        _worker.update(root=root, api=make_api(root, timeout), generated=set())
    return _worker["root"], _worker["api"], _worker["generated"]


def grade_one(submission: Submission, timeout: int | None = None) -> Result:
    """Autograde one submission in this process's scratch course directory."""
    from course.nbgrader_setup import copy_source, generate, quiet_warnings

    quiet_warnings()
    step = find_step(submission.step_slug)
    root, api, generated = _worker_root(timeout)
    if step.slug not in generated:
        copy_source(step.solution_dir, root)
        generate(api, root, step.slug)
        generated.add(step.slug)

    result = Result(submission.learner, step.slug, 0, step.points)
    usable, problems = check_notebooks(submission, step)
    target = root / "submitted" / submission.learner / step.slug
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(submission.folder, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name in step.notebooks:  # nbgrader scores a notebook it cannot read as missing
        if name not in usable and (target / name).exists():
            (target / name).unlink()

    if usable:
        outcome = api.autograde(step.slug, submission.learner)
        if not outcome.get("success"):
            problems.append("grading-error: " + _last_line(outcome.get("error") or outcome.get("log") or ""))
    _read_scores(api, result, step)
    autograded = root / "autograded" / submission.learner / step.slug
    for name in usable:
        if (autograded / name).exists():
            result.autograded[name] = str(autograded / name)
            problems += _execution_problems(autograded / name)
    result.status = "; ".join(problems) if problems else "ok"
    return result


def _read_scores(api, result: Result, step: Step) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            submission = gradebook.find_submission(step.slug, result.learner)
        except MissingEntry:
            return
        result.score = float(submission.score)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                result.cells[grade.name] = {
                    "score": float(grade.score),
                    "max_score": float(grade.max_score),
                    "notebook": notebook.name + ".ipynb",
                }


def _execution_problems(path: Path) -> list[str]:
    """Problems visible in an autograded notebook's error outputs: a timeout or a dead kernel."""
    import nbformat

    names = set()
    for cell in nbformat.read(str(path), as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                names.add(output.get("ename", ""))
    problems = []
    if "CellTimeoutError" in names:
        problems.append(f"timeout: a cell of {path.name} ran past the time limit")
    if "DeadKernelError" in names:
        problems.append(f"kernel-died: the kernel running {path.name} stopped")
    return problems


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "unknown error"


def _grade_in_worker(submission: Submission, timeout: int | None) -> Result:
    try:
        return grade_one(submission, timeout)
    except Exception as error:  # never lose a row: the batch goes on
        step = find_step(submission.step_slug)
        return Result(submission.learner, step.slug, 0, step.points, f"grading-error: {type(error).__name__}: {error}")


def grade_class(
    submitted: Path,
    out: Path,
    jobs: int = 1,
    timeout: int | None = None,
    progress=print,
) -> list[Result]:
    """Grade every submission under ``submitted``; write grades.csv, feedback and autograded copies."""
    from course import feedback

    steps = load_steps()
    submissions, results = find_submissions(submitted, steps)
    total, started = len(submissions), time.monotonic()

    def report(result: Result, done: int) -> None:
        elapsed = time.monotonic() - started
        progress(f"[{done}/{total}] {result.learner} {result.step}: {_number(result.score)}/"
                 f"{_number(result.max_score)} {result.status} ({elapsed:.0f}s)")

    if jobs <= 1:
        for done, submission in enumerate(submissions, 1):
            result = _grade_in_worker(submission, timeout)
            _keep_outputs(result, out)
            results.append(result)
            report(result, done)
    else:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_grade_in_worker, submission, timeout) for submission in submissions]
            for done, future in enumerate(as_completed(futures), 1):
                result = future.result()
                _keep_outputs(result, out)
                results.append(result)
                report(result, done)

    results.sort(key=lambda r: (r.learner, r.step))
    for result in results:
        if result.step in {step.slug for step in steps}:
            feedback.write_feedback(result, find_step(result.step, steps), out / "feedback")
    write_grades(results, out / "grades.csv")
    return results


def _keep_outputs(result: Result, out: Path) -> None:
    """Copy the autograded notebooks out of the worker's scratch directory."""
    kept = {}
    for name, path in result.autograded.items():
        target = out / "autograded" / result.learner / result.step / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        kept[name] = str(target)
    result.autograded = kept


def write_grades(results: list[Result], path: Path) -> None:
    """Write grades.csv atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for result in results:
            writer.writerow(result.row())
    partial.replace(path)


def results_as_json(results: list[Result]) -> str:
    """All results, cell scores included (for tests and tools)."""
    return json.dumps([asdict(result) for result in results], indent=1, default=str)


def main_grade(submitted: Path, out: Path, jobs: int, timeout: int | None) -> int:
    """The CLI's ``grade``: exit 0 when every submission got a row."""
    if not submitted.is_dir():
        print(f"course grade: {submitted} is not a folder. Give the folder that holds "
              "<learner>/<step>/<notebook>.ipynb.", file=sys.stderr)
        return 2
    results = grade_class(submitted, out, jobs=jobs, timeout=timeout)
    ok = sum(r.status == "ok" for r in results)
    print(f"graded {len(results)} submissions ({ok} ok, {len(results) - ok} with problems): {out / 'grades.csv'}")
    return 0
