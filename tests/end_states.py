"""Steps' reference end states, written out for a test, and observations made inside one."""

from __future__ import annotations

from pathlib import Path

from course.authoring.end_state import write_end_state
from course.core.catalog import find_step


def written_end_state(folder: Path, number: str) -> Path:
    """Step ``number``'s reference end state, written into ``folder`` (which must not exist yet)."""
    write_end_state(find_step(number), folder, git=False)
    return folder


def observed(folder, monkeypatch, observe):
    """``observe()`` run with ``folder`` as the working directory, as a check runs it in the learner's."""
    monkeypatch.chdir(folder)
    return observe()
