"""Where grading results live between runs of ``course grade`` into the same ``--out`` folder.

``OUT/results/<learner>/<step>.json`` holds the latest result of each
submission ever graded into OUT; it is the class gradebook. ``grades.csv``,
``feedback/`` and ``autograded/`` are rebuilt from it. Rules:

* a new result replaces the stored one, unless grading itself failed (the
  learner's work was not graded): then the earlier result stays, and its row
  says the regrade failed;
* every file is written to a temporary name and renamed into place, so a run
  that is stopped halfway leaves each file either old or new, never half written;
* only the ``course grade`` process writes here (workers hand results back),
  and a lock keeps two runs from writing to one OUT at once.

To drop a submission from the class, delete its ``results/<learner>/<step>.json``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

from course.core.files import write_atomically, write_folder_atomically
from course.grading.result import CSV_FIELDS, Result

RESULTS = "results"
AUTOGRADED = "autograded"
LOCK = ".course-grade.lock"


class OutFolderBusy(RuntimeError):
    """Another ``course grade`` run is writing to the same --out folder."""


@contextlib.contextmanager
def locked(out: Path):
    """Hold the --out folder for this run; raise ``OutFolderBusy`` when another run holds it."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one run at a time is up to the instructor
        yield
        return
    with open(out / LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise OutFolderBusy(
                f"another `course grade` is writing to {out}: wait for it, or use another --out"
            ) from error
        yield


def result_path(out: Path, learner: str, step: str) -> Path:
    return out / RESULTS / learner / f"{step}.json"


def read_entry(path: Path) -> dict | None:
    """A stored entry ({"result", "failed_regrade"}), or None when there is none or it is unreadable."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        Result.from_dict(entry["result"])
        return entry
    except (OSError, ValueError, KeyError, TypeError):
        return None


def as_reported(entry: dict) -> Result:
    """The result a stored entry stands for, its status saying when a regrade failed."""
    result = Result.from_dict(entry["result"])
    if entry.get("failed_regrade"):
        kept = f"regrade failed, earlier result kept ({entry['failed_regrade']})"
        result.status = kept if result.status == "ok" else f"{result.status}; {kept}"
    return result


def record(out: Path, result: Result) -> Result:
    """Store ``result`` (see the module's rules); return the result to report for the submission."""
    path = result_path(out, result.learner, result.step)
    earlier = read_entry(path)
    if result.failed and earlier is not None and not earlier["result"].get("failed"):
        entry = {"result": earlier["result"], "failed_regrade": result.status}
    else:
        entry = {"result": result.as_dict(), "failed_regrade": ""}
    write_atomically(path, json.dumps(entry, indent=1, sort_keys=True, default=str))
    return as_reported(entry)


def stored_results(out: Path) -> list[Result]:
    """Every result in the store, as reported, sorted by learner and step."""
    results = []
    for path in sorted((out / RESULTS).glob("*/*.json")):
        entry = read_entry(path)
        if entry is not None:
            results.append(as_reported(entry))
    return sorted(results, key=lambda r: (r.learner, r.step))


def keep_autograded(out: Path, result: Result, notebooks: dict[str, str]) -> None:
    """Write a result's autograded notebooks (name -> text) to OUT/autograded, replacing the earlier ones.

    The folder is replaced as a whole; ``result.autograded`` is set to the
    notebooks' paths relative to ``out``.
    """
    target = out / AUTOGRADED / result.learner / result.step
    write_folder_atomically(target, notebooks)
    result.autograded = {name: (target / name).relative_to(out).as_posix() for name in notebooks}


def write_grades(results: list[Result], path: Path) -> None:
    """Write grades.csv atomically, one row per result."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(result.row() for result in results)
    write_atomically(path, text.getvalue())
