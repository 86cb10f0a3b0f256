"""A learner's progress, kept in their workspace (``.course/progress.json``).

Never in the course repository: the store is found by walking up from the
current folder to the workspace marker that ``course workspace`` writes.
Recording progress must never break a learner's notebook, so every failure
here is swallowed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

MARKER_DIR = ".course"
MARKER_FILE = "workspace.json"
PROGRESS_FILE = "progress.json"


def find_workspace(start: Path | None = None) -> Path | None:
    """The workspace folder that holds ``start`` (default: the current folder), if any."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / MARKER_DIR / MARKER_FILE).is_file():
            return folder
    return None


def load(workspace: Path) -> dict:
    """The stored results: ``{grade_id: {"passed": bool, "time": float}}``."""
    path = workspace / MARKER_DIR / PROGRESS_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def save(workspace: Path, results: dict) -> None:
    """Write the results atomically (a half-written file would lose progress)."""
    path = workspace / MARKER_DIR / PROGRESS_FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(results, indent=1, sort_keys=True))
    partial.replace(path)


def record_check(result: dict, start: Path | None = None) -> None:
    """Remember a check's outcome in the surrounding workspace, if there is one."""
    try:
        workspace = find_workspace(start)
        if workspace is None:
            return
        results = load(workspace)
        results[result["grade_id"]] = {"passed": bool(result["passed"]), "time": time.time()}
        save(workspace, results)
    except Exception:  # progress is a convenience; a learner's cell must not fail on it
        return
