"""The learner's workspace: their own copy of the exercises, never overwritten.

``update_workspace`` adds what is new in exercises/ and never overwrites the
learner's work. When the course ships a new version of a file the learner has
changed, the new version is placed beside it (``name.course-<version>.ipynb``)
with a message, so nothing is lost and nothing is silently stale. A file the
learner never changed (still byte for byte what we shipped last time) is
simply replaced by the new version. The workspace lives outside the repository, so
``git pull`` never touches it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from course import REPO_DIR
from course.core.catalog import EXERCISES_DIR, Step
from course.core.errors import UsageError
from course.core.files import copy_atomically, write_atomically
from course.core.progress import MARKER_DIR, MARKER_FILE

MANIFEST_FILE = "manifest.json"
SKIP = {".ipynb_checkpoints", "__pycache__"}


def default_workspace() -> Path:
    """``$COURSE_WORKSPACE``, or a folder in the user's home directory."""
    return Path(os.environ.get("COURSE_WORKSPACE") or Path.home() / "prototype-to-production-workspace").expanduser()


@dataclass
class WorkspaceReport:
    """What an update did, file by file (paths relative to the workspace)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # not started by the learner, so replaced
    beside: list[tuple[str, str]] = field(default_factory=list)  # (learner's file, new version)
    kept: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"added {name}" for name in self.added]
        out += [f"updated {name} (you had not changed it)" for name in self.updated]
        for mine, new in self.beside:
            out.append(f"kept your {mine}; the course's new version is beside it: {new}")
        return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shipped_files(step: Step, exercises_dir: Path) -> list[Path]:
    folder = exercises_dir / step.slug
    return sorted(p for p in folder.rglob("*") if p.is_file() and not SKIP & set(p.relative_to(folder).parts))


def _check_location(workspace: Path) -> None:
    resolved = workspace.resolve()
    if resolved == REPO_DIR or REPO_DIR in resolved.parents:
        raise UsageError(
            f"{workspace} is inside the course repository; a workspace there could be lost on "
            "`git clean`. Choose a folder outside it, for example ~/prototype-to-production-workspace."
        )


def beside_name(path: Path, digest: str) -> Path:
    """Where a new course version of ``path`` goes when the learner has their own."""
    return path.with_name(f"{path.stem}.course-{digest[:8]}{path.suffix}")


def update_workspace(workspace: Path, steps: list[Step], exercises_dir: Path = EXERCISES_DIR) -> WorkspaceReport:
    """Copy new steps and files into ``workspace``; never overwrite a file that is there."""
    _check_location(workspace)
    meta = workspace / MARKER_DIR
    meta.mkdir(parents=True, exist_ok=True)
    marker = meta / MARKER_FILE
    if not marker.exists():
        marker.write_text(json.dumps({"course": "prototype-to-production", "created": time.time()}, indent=1))
    manifest_path = meta / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    report = WorkspaceReport()
    for step in steps:
        for source in _shipped_files(step, exercises_dir):
            relative = f"{step.slug}/{source.relative_to(exercises_dir / step.slug).as_posix()}"
            target = workspace / relative
            shipped = sha256(source)
            if not target.exists():
                copy_atomically(source, target)
                report.added.append(relative)
            elif sha256(target) == shipped or manifest.get(relative) == shipped:
                # identical, or the learner's own version of a file the course has not changed since
                report.kept.append(relative)
            elif manifest.get(relative) == sha256(target):
                # still exactly as we shipped it last time: the learner has not started it
                copy_atomically(source, target)
                report.updated.append(relative)
            else:
                new = beside_name(target, shipped)
                if not new.exists():
                    copy_atomically(source, new)
                report.beside.append((relative, new.relative_to(workspace).as_posix()))
            manifest[relative] = shipped
    write_atomically(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return report


def is_untouched(workspace: Path, step: Step) -> bool:
    """True when every notebook of ``step`` in the workspace is still as shipped."""
    manifest_path = workspace / MARKER_DIR / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for name in step.notebooks:
        path = workspace / step.slug / name
        if path.exists() and manifest.get(f"{step.slug}/{name}") != sha256(path):
            return False
    return True
