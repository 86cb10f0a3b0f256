"""The checks that graded cells run: one ``Check`` per graded cell.

A graded cell builds a ``Check`` with its grade id, records expectations with
``equal``, ``true``, ``at_least`` and ``raises`` (each takes a *thunk*, a ``lambda`` that
makes the call, so one failing line never hides the next), then calls
``report()``. ``report`` shows one line per expectation (through
``course.checks.publish``), saying what was called, what came back and what was
expected, and raises ``AssertionError`` when any line failed, which is what makes
nbgrader give the cell zero. In a notebook, this is the verdict. Under ``course grade``
a graded cell's points are decided by its judge, which the grader runs in its own
process on plain data (``course.checks.probe``); the judge uses ``Check`` too.

Nothing here writes to stderr: nbgrader scores a cell zero when it does.

Public checks (the ones a learner sees) end with "public checks passed", never
"all tests passed": the graded version of the cell may hold hidden checks.
A hidden ``Check`` (``hidden=True``) shows only the behaviour's name, never
the call or the values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from course.checks import advice
from course.checks.publish import show_check
from course.core import progress as progress_store
from course.core.protocol import under_nbgrader

MAX_REPR = 300


def short_repr(value: Any) -> str:
    """A one-screen repr of ``value``: long reprs are cut in the middle."""
    try:
        text = repr(value)
    except Exception as error:  # a learner's object with a broken __repr__
        text = f"<unprintable {type(value).__name__}: {error}>"
    if len(text) > MAX_REPR:
        half = MAX_REPR // 2
        text = text[:half] + " ... " + text[-half:]
    return text


@dataclass
class Line:
    """One expectation's outcome."""

    called: str
    passed: bool
    got: str = ""
    expected: str = ""
    advice: str = ""

    def as_dict(self) -> dict:
        return {
            "called": self.called,
            "passed": self.passed,
            "got": self.got,
            "expected": self.expected,
            "advice": self.advice,
        }


@dataclass
class Check:
    """The expectations of one graded cell, reported together."""

    grade_id: str
    hidden: bool = False
    lines: list[Line] = field(default_factory=list)

    # -- recording -----------------------------------------------------------

    def _run(self, thunk: Callable[[], Any]) -> tuple[bool, Any]:
        try:
            return True, thunk()
        except Exception as error:  # any learner error becomes a failed line
            return False, error

    def _error_line(self, called: str, error: BaseException, expected: str) -> Line:
        got = f"raised {type(error).__name__}: {error}"
        return Line(called, False, got, expected, advice.for_error(error))

    def equal(self, called: str, thunk: Callable[[], Any], expected: Any, *, tolerance: float = 0.0) -> bool:
        """Expect ``thunk()`` to equal ``expected`` (numbers within ``tolerance``).

        ``expected`` may itself be a thunk when it depends on the learner's names
        (``lambda: len(X)``), so a missing name fails this line, not the cell.
        """
        if callable(expected):
            known, expected = self._run(expected)
            if not known:
                self.lines.append(self._error_line(called, expected, "(could not be worked out: see the error)"))
                return False
        ok, value = self._run(thunk)
        if not ok:
            line = self._error_line(called, value, short_repr(expected))
        else:
            line = Line(called, _same(value, expected, tolerance), short_repr(value), short_repr(expected))
            if tolerance and not line.passed:
                line.expected += f" (within {tolerance})"
            if not line.passed:
                line.advice = advice.for_wrong_value()  # says so when the kernel runs stale module code
        self.lines.append(line)
        return line.passed

    def true(self, called: str, thunk: Callable[[], Any], expected: str) -> bool:
        """Expect ``thunk()`` to be truthy; ``expected`` says in words what should hold."""
        ok, value = self._run(thunk)
        if not ok:
            line = self._error_line(called, value, expected)
        else:
            line = Line(called, _truthy(value), short_repr(value), expected)
            if not line.passed:
                line.advice = advice.for_wrong_value()
        self.lines.append(line)
        return line.passed

    def at_least(self, called: str, thunk: Callable[[], Any], minimum: float, *, note: str = "") -> bool:
        """Expect ``thunk()`` to be a number of at least ``minimum``; the line shows the number itself.

        Use it instead of ``true(..., lambda: count >= minimum, ...)``, which could only
        show ``got: False``.
        """
        expected = f"at least {minimum}" + (f" ({note})" if note else "")
        ok, value = self._run(thunk)
        if not ok:
            line = self._error_line(called, value, expected)
        else:
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            line = Line(called, number and value >= minimum, short_repr(value), expected)
            if not line.passed:
                line.advice = advice.for_wrong_value()
        self.lines.append(line)
        return line.passed

    def raises(
        self,
        called: str,
        thunk: Callable[[], Any],
        error_type: type[BaseException],
        mentions: tuple[str, ...] = (),
    ) -> bool:
        """Expect ``thunk()`` to raise ``error_type`` whose message mentions every word in ``mentions``."""
        expected = f"raises {error_type.__name__}"
        if mentions:
            expected += " with a message mentioning " + ", ".join(repr(m) for m in mentions)
        try:
            value = thunk()
        except error_type as error:
            message = str(error)
            missing = [m for m in mentions if m.lower() not in message.lower()]
            got = f"raised {type(error).__name__}: {short_repr(message)}"
            self.lines.append(Line(called, not missing, got, expected))
            return not missing
        except Exception as error:
            self.lines.append(self._error_line(called, error, expected))
            return False
        self.lines.append(Line(called, False, f"returned {short_repr(value)} without raising", expected))
        return False

    # -- reporting -----------------------------------------------------------

    @property
    def passed(self) -> bool:
        return bool(self.lines) and all(line.passed for line in self.lines)

    def summary(self) -> str:
        failed = sum(not line.passed for line in self.lines)
        if self.hidden:
            if not failed:
                return "hidden checks passed"
            return f"{failed} of {len(self.lines)} hidden checks failed"
        if not self.lines:
            return "no checks were recorded"
        if not failed:
            return f"public checks passed ({len(self.lines)} of {len(self.lines)})"
        return f"{failed} of {len(self.lines)} public checks failed"

    def as_dict(self) -> dict:
        lines = [line.as_dict() for line in self.lines]
        if self.hidden:  # a hidden check shows the behaviour's name and nothing else
            lines = [{"called": line["called"], "passed": line["passed"]} for line in lines]
        return {
            "grade_id": self.grade_id,
            "hidden": self.hidden,
            "passed": self.passed,
            "summary": self.summary(),
            "lines": lines,
        }

    def report(self) -> None:
        """Show the outcome; raise ``AssertionError`` when any expectation failed."""
        result = self.as_dict()
        show_check(result)
        if not self.hidden and not under_nbgrader():
            progress_store.record_check(result)
        if not self.passed:
            raise AssertionError(f"{self.grade_id}: {self.summary()}")


def _same(value: Any, expected: Any, tolerance: float) -> bool:
    """Equality that tolerates float noise and never raises."""
    try:
        if tolerance and isinstance(value, (int, float)) and isinstance(expected, (int, float)):
            return math.isclose(value, expected, abs_tol=tolerance)
        if hasattr(value, "equals") and type(value) is type(expected):  # pandas frames and series
            return bool(value.equals(expected))
        if type(value).__name__ == "ndarray":
            import numpy

            return bool(numpy.array_equal(value, expected))
        result = value == expected
        return bool(result)
    except Exception:  # comparing a learner's array or frame with ==
        return False


def _truthy(value: Any) -> bool:
    """``bool(value)`` that treats an object with no truth value as false."""
    try:
        return bool(value)
    except Exception:  # for example a DataFrame or an array of several items
        return False
