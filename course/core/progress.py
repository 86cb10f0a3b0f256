"""A learner's progress, kept in their workspace (``.course/progress.json``).

Never in the course repository: the store is found by walking up from the
current folder to the workspace marker that ``course workspace`` writes.
Recording progress must never break a learner's notebook, so every failure
here is swallowed.

``course check`` and ``course progress`` run the saved notebooks and store, with
each result, a digest of the step's notebooks as they were run
(``notebook_sha256``); ``course progress`` shows a step's stored results while
that digest still matches and re-runs only the steps whose notebooks changed.
Results recorded by a check cell in JupyterLab carry no digest (the kernel does
not know what is saved), so ``course progress`` runs such a step once to confirm.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from course.core.files import write_atomically

MARKER_DIR = ".course"
MARKER_FILE = "workspace.json"
PROGRESS_FILE = "progress.json"

DONE, PARTIAL, NOT_STARTED = "done", "partial", "not started"

# Called as listener(workspace, results) after every recorded check, so a
# progress view in the same kernel can redraw itself.
_listeners: list[Callable[[Path, dict], None]] = []


def find_workspace(start: Path | None = None) -> Path | None:
    """The workspace folder that holds ``start`` (default: the current folder), if any."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / MARKER_DIR / MARKER_FILE).is_file():
            return folder
    return None


def notebooks_digest(folder: Path, names) -> str:
    """sha256 of the notebooks ``names`` in ``folder`` (a missing one counts too): what a run saw."""
    digest = hashlib.sha256()
    for name in names:
        path = folder / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def load(workspace: Path) -> dict:
    """The stored results: ``{grade_id: {"passed": bool, "time": float[, "notebook_sha256": str]}}``."""
    path = workspace / MARKER_DIR / PROGRESS_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def save(workspace: Path, results: dict) -> None:
    """Write the results atomically (a half-written file would lose progress)."""
    path = workspace / MARKER_DIR / PROGRESS_FILE
    write_atomically(path, json.dumps(results, indent=1, sort_keys=True))


def step_state(check_ids, passed: dict) -> tuple[str, int]:
    """(``done``, ``partial`` or ``not started``; checks passed) for one step.

    ``passed`` maps grade ids to booleans; a check not in it has not passed.
    """
    check_ids = list(check_ids)
    wins = sum(bool(passed.get(grade_id)) for grade_id in check_ids)
    if check_ids and wins == len(check_ids):
        return DONE, wins
    return (PARTIAL if wins else NOT_STARTED), wins


def state_of(step, passed: dict) -> tuple[str, int]:
    """``step_state`` of a registry step: its public checks count, a manually graded cell does not."""
    return step_state((check.id for check in step.public_checks), passed)


def stored_passes(workspace: Path) -> dict[str, bool]:
    """grade_id -> passed, from the workspace's store."""
    return {
        grade_id: bool(entry.get("passed")) for grade_id, entry in load(workspace).items() if isinstance(entry, dict)
    }


def add_listener(listener: Callable[[Path, dict], None]) -> None:
    """Call ``listener(workspace, results)`` after each recorded check (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def is_current(entry, digest: str) -> bool:
    """True when a stored result was produced by running the notebooks whose digest is ``digest``."""
    return isinstance(entry, dict) and entry.get("notebook_sha256") == digest


def record_check(result: dict, start: Path | None = None, notebook_sha256: str | None = None) -> None:
    """Remember a check's outcome in the surrounding workspace, if there is one.

    ``notebook_sha256``: the ``notebooks_digest`` of what was run, when the caller
    ran the saved notebooks itself (``course check``, ``course progress``).
    """
    try:
        workspace = find_workspace(start)
        if workspace is None:
            return
        results = load(workspace)
        entry: dict[str, object] = {"passed": bool(result["passed"]), "time": time.time()}
        if notebook_sha256:
            entry["notebook_sha256"] = notebook_sha256
        results[result["grade_id"]] = entry
        save(workspace, results)
    except Exception:  # progress is a convenience; a learner's cell must not fail on it
        return
    for listener in list(_listeners):
        try:
            listener(workspace, results)
        except Exception:  # a broken view must not break the check
            continue
