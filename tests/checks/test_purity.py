"""course.checks.purity: a function that reads a notebook global or changes its input is caught; a pure one is not."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from course.checks.purity import call_isolated, changes_its_input, isolated

SEED = 42  # a "notebook variable" the impure function reaches for


def pure_scale(values, factor):
    return [math.floor(v * factor) for v in values]


def impure_scale(values):
    return [v * SEED for v in values]


def helper_using_pure_scale(values):
    return pure_scale(values, 2)


def add_column(frame):
    frame["doubled"] = frame["x"] * 2
    return frame


def with_column(frame):
    return frame.assign(doubled=frame["x"] * 2)


def drop_rows_in_place(frame):
    frame.drop(index=0, inplace=True)


def test_a_pure_function_runs_isolated_with_only_what_it_imports():
    assert call_isolated(pure_scale, ["math"], [1.5, 2.5], 2) == [3, 5]
    assert call_isolated(helper_using_pure_scale, ["pure_scale"], [1]) == [2]


def test_reading_a_notebook_variable_fails_and_names_it():
    assert impure_scale([1]) == [42]  # fine with the notebook's globals
    with pytest.raises(
        NameError, match="impure_scale reads 'SEED' from the notebook instead of taking it as an argument"
    ):
        call_isolated(impure_scale, ["math"], [1])


def test_a_missing_allowed_name_is_reported_too():
    with pytest.raises(NameError, match="reads 'math'"):
        call_isolated(pure_scale, [], [1.0], 2)


def test_the_isolated_copy_keeps_defaults_and_keyword_defaults():
    def f(a, b=2, *, c=3):
        return a + b + c

    copy = isolated(f, [])
    assert copy(1) == 6 and copy(1, c=10) == 13
    assert copy.__globals__.keys() == {"__builtins__", "__name__"}


def test_changing_the_input_frame_is_seen_and_a_copy_is_not():
    frame = pd.DataFrame({"x": [1, 2, 3]})
    assert changes_its_input(add_column, frame)
    assert changes_its_input(drop_rows_in_place, pd.DataFrame({"x": [1, 2, 3]}))
    untouched = pd.DataFrame({"x": [1, 2, 3]})
    assert not changes_its_input(with_column, untouched)
    assert list(untouched.columns) == ["x"]


def test_the_advice_names_the_learners_function_and_the_variable_it_read():
    from course.checks import advice

    with pytest.raises(NameError) as caught:
        call_isolated(impure_scale, ["math"], [1])
    text = advice.for_error(caught.value)
    assert "impure_scale()" in text and "'SEED'" in text
    assert "call_isolated" not in text and "course" not in text and "this name" not in text


def test_a_name_defined_nowhere_keeps_pythons_error_and_names_the_function():
    from course.checks import advice

    def typo(values):
        return [v * SEEED for v in values]  # noqa: F821 - the typo under test

    with pytest.raises(NameError, match="SEEED") as caught:
        call_isolated(typo, [], [1])
    text = advice.for_error(caught.value)
    assert "typo()" in text and "'SEEED'" in text and "call_isolated" not in text


def test_step3_check_line_for_a_function_reading_a_setting_names_both(tmp_path):
    """A Check line as step 3's purity check builds it: the advice a learner sees."""
    from course.checks import Check

    check = Check("demo_purity")
    check.equal("len(impure_scale([1])) seeing only imports", lambda: len(call_isolated(impure_scale, [], [1])), 1)
    line = check.lines[0]
    assert "impure_scale reads 'SEED'" in line.got
    assert "impure_scale()" in line.advice and "'SEED'" in line.advice and "call_isolated" not in line.advice
