"""Probes: what a graded cell's hidden block asks the learner's kernel, as plain data.

The kernel answers, the grader judges. A hidden block has two parts::

    ### BEGIN HIDDEN TESTS
    probe = Probe("step01_file_sha256")                      # asked in the kernel
    probe.value("empty", lambda: file_sha256(EMPTY_FILE))
    probe.raises("refused", lambda: read_verified_csv(CHANGED, EXPECTED_SHA256))
    probe.file("workflow", ".github/workflows/ci.yml")
    probe.after("restart", "course.checks.observe.fresh:restart_values", notebook="x.ipynb")
    seen = probe.send()
    ### JUDGE
    hidden = Check("step01_file_sha256", hidden=True)       # judged by the grader
    hidden.equal("the checksum of an empty file", lambda: seen["empty"], "e3b0c4...")
    hidden.true("a changed file is refused", lambda: seen.raised("refused", "ValueError"), "ValueError")
    hidden.report()
    ### END HIDDEN TESTS

Run in a notebook, the whole cell runs in the kernel: the judge sees exactly the
plain data the grader would (``send`` round-trips it through JSON). Under
``course grade`` the grader cuts the judge out before the kernel sees the cell
(``course.grading.judging``), takes the observations from the cell's output,
reads ``file`` probes and runs ``after`` probes itself once the kernel has
ended (a fresh sandboxed Python on a copy of the folder), and runs the judge in
its own process. Expected values and judging code never enter the kernel; the
kernel can only send values, which must be the right ones to pass.

A judge may use ``seen``, ``Check``, ``course_file`` and what it imports itself,
never a name from the notebook: it runs where the notebook's names do not exist.
"""

from __future__ import annotations

import json
import os
import random
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from course.checks.plain_data import NotPlainData, plain
from course.core.protocol import PROBE_MIMETYPE, under_nbgrader

__all__ = ["NotPlainData", "Probe", "Seen", "Unobserved", "course_file", "plain", "read_file"]

MAX_FILE_BYTES = 1 << 20  # a file probe reads at most this much
MAX_MESSAGE = 2000  # characters kept of an error message
DRAW_RANGE = 1 << 30


def _error(error: BaseException) -> dict:
    return {"error": f"{type(error).__name__}: {str(error)[:MAX_MESSAGE]}"}


def read_file(folder: Path, relative: str) -> dict:
    """The observation of a file probe: the text of ``folder/relative``, read as data.

    A link, a folder, a missing file or one past ``MAX_FILE_BYTES`` is an error
    observation; no part of the path is followed through a link.
    """
    parts = Path(relative).parts
    if not parts or Path(relative).is_absolute() or ".." in parts:
        return {"error": f"ProbeError: {relative} is not inside the step's folder"}
    try:
        handle = _open_inside(folder, parts)
    except OSError as error:
        return {"error": f"FileNotFoundError: {relative}: {error.strerror}"}
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            return {"error": f"ProbeError: {relative} is not a regular file"}
        if info.st_size > MAX_FILE_BYTES:
            return {"error": f"ProbeError: {relative} is larger than {MAX_FILE_BYTES} bytes"}
        data = os.read(handle, MAX_FILE_BYTES + 1)
    finally:
        os.close(handle)
    return {"value": data.decode("utf-8", errors="replace")}


def _open_inside(folder: Path, parts: tuple[str, ...]) -> int:
    """Open ``folder/parts...`` one part at a time, each folder and the file itself refused when a link."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=handle)
            os.close(handle)
            handle = inner
        return os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | nonblocking, dir_fd=handle)
    finally:
        os.close(handle)


class Probe:
    """The observations one graded cell's hidden block makes, sent as plain data."""

    def __init__(self, grade_id: str, draw: int | None = None):
        self.grade_id = grade_id
        self.draw = random.SystemRandom().randrange(DRAW_RANGE) if draw is None else draw
        self.observed: dict[str, dict] = {}
        self.files: dict[str, str] = {}
        self.afters: dict[str, tuple[str, dict]] = {}

    def value(self, name: str, thunk: Callable[[], Any]) -> None:
        """Observe ``thunk()``: its value as plain data, or the error it raised."""
        try:
            self.observed[name] = {"value": plain(thunk())}
        except Exception as error:  # the learner's error is an observation
            self.observed[name] = _error(error)

    def raises(self, name: str, thunk: Callable[[], Any]) -> None:
        """Observe whether ``thunk()`` raises: the error's class names and message, or that it returned."""
        try:
            thunk()
        except Exception as error:
            names = [cls.__name__ for cls in type(error).__mro__]
            self.observed[name] = {"value": {"raised": names, "message": str(error)[:MAX_MESSAGE]}}
        else:
            self.observed[name] = {"value": {"raised": [], "message": ""}}

    def file(self, name: str, relative: str) -> None:
        """Observe the text of the file at ``relative`` (read by the grader after the kernel ends)."""
        self.files[name] = relative
        if not under_nbgrader():
            self.observed[name] = read_file(Path.cwd(), relative)

    def after(self, name: str, function: str, **arguments: Any) -> None:
        """Observe ``function(**arguments)`` (``"module:name"``), run in the step's folder.

        Under ``course grade`` the grader runs it in a fresh sandboxed Python, on a copy
        of the folder as the notebook left it; here it runs now. Arguments are literals.
        """
        self.afters[name] = (function, arguments)
        if not under_nbgrader():
            from course.checks.behaviour import observe

            self.observed[name] = observe(function, plain(arguments))

    def send(self) -> Seen:
        """Publish the observations (under grading) and return them as the judge sees them."""
        message = {"grade_id": self.grade_id, "draw": self.draw, "seen": self.observed}
        message = json.loads(json.dumps(message))
        if under_nbgrader():
            from IPython.display import display

            display({PROBE_MIMETYPE: message, "text/plain": f"[{self.grade_id}: observations sent]"}, raw=True)
        return Seen(message["seen"], message["draw"])


class Unobserved(Exception):
    """A probe that could not observe its value (the learner's code raised, or a file was missing)."""


class Seen:
    """The observations, as the judge reads them: ``seen["name"]`` is a plain value."""

    def __init__(self, observed: dict, draw: int):
        self._observed = observed
        self.draw = draw

    def __getitem__(self, name: str) -> Any:
        entry = self._observed.get(name)
        if not isinstance(entry, dict) or ("value" not in entry and "error" not in entry):
            raise Unobserved(f"{name} was not observed")
        if "error" in entry:
            raise Unobserved(str(entry["error"])[:MAX_MESSAGE])
        return entry["value"]

    def __contains__(self, name: str) -> bool:
        return name in self._observed

    def raised(self, name: str, error_name: str, mentions: Iterable[str] = ()) -> bool:
        """Whether the ``raises`` probe ``name`` raised ``error_name`` (or a subclass) mentioning each word."""
        value = self[name]
        if not isinstance(value, dict) or error_name not in (value.get("raised") or []):
            return False
        message = str(value.get("message", "")).lower()
        return all(str(word).lower() in message for word in mentions)


def course_file(relative: str) -> Path:
    """A file the course gave the step (its data), for a judge to compute expected values from.

    In a notebook: the step's folder. Under ``course grade`` the judge gets the grader's
    own ``course_file`` instead, reading its copy of the released step.
    """
    return Path(relative)
