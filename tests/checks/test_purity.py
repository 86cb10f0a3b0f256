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
