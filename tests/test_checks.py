"""The check engine: every line says what was called, what came back, what was expected."""

from __future__ import annotations

import pytest

from course.checks import Check
from course.display import as_text


def test_passing_check_says_public_checks_passed(capsys):
    check = Check("demo_pass")
    check.equal("1 + 1", lambda: 1 + 1, 2)
    check.report()
    out = capsys.readouterr()
    assert "public checks passed (1 of 1)" in out.out
    assert "all tests passed" not in out.out.lower()
    assert out.err == ""


def test_failing_line_names_call_result_and_expectation(capsys):
    check = Check("demo_fail")
    check.equal("len([1, 2])", lambda: len([1, 2]), 3)
    with pytest.raises(AssertionError, match="1 of 1 public checks failed"):
        check.report()
    out = capsys.readouterr()
    assert "len([1, 2])" in out.out and "got:      2" in out.out and "expected: 3" in out.out
    assert out.err == ""


def test_an_error_in_one_line_does_not_hide_the_next():
    check = Check("demo_errors")
    check.equal("undefined()", lambda: undefined_name(), 1)  # noqa: F821
    check.true("True", lambda: True, "True")
    assert [line.passed for line in check.lines] == [False, True]
    assert "NameError" in check.lines[0].got
    assert "argument" in check.lines[0].advice  # the refactoring advice for a NameError


def test_expected_value_may_depend_on_learner_names():
    check = Check("demo_expected_thunk")
    check.equal("x", lambda: 1, lambda: missing_name)  # noqa: F821
    assert not check.passed and "NameError" in check.lines[0].got


def test_raises_checks_type_and_message():
    def bad():
        raise ValueError("column 'Sex' is missing")

    check = Check("demo_raises")
    assert check.raises("bad()", bad, ValueError, mentions=("sex",))
    assert not check.raises("bad()", bad, ValueError, mentions=("row",))
    assert not check.raises("int('1')", lambda: int("1"), ValueError)
    assert "without raising" in check.lines[-1].got


def test_hidden_check_shows_only_the_behaviours_name():
    check = Check("demo_hidden", hidden=True)
    check.equal("an empty frame", lambda: "secret value", "other secret")
    text = as_text(check.as_dict())
    assert "an empty frame" in text
    assert "secret" not in text
    assert check.summary() == "1 of 1 hidden checks failed"


def test_no_lines_is_a_failure():
    assert not Check("demo_empty").passed


def test_frames_compare_without_raising():
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"a": [1, 2]})
    check = Check("demo_frames")
    check.equal("frame", lambda: frame, frame.copy())
    check.equal("frame", lambda: frame, frame.assign(a=[1, 3]))
    check.true("frame as truth value", lambda: frame, "a truth value")
    assert [line.passed for line in check.lines] == [True, False, False]
