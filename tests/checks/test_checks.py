"""The check engine: every line says what was called, what came back, what was expected."""

from __future__ import annotations

import pytest

from course.checks import Check
from course.core.render import as_text


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
    assert "function" in check.lines[0].advice  # the refactoring advice for a NameError


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


# -- the text output headless runs show (nbgrader, nbclient, course check) -------------


def test_text_output_gives_each_advice_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no module of the course counts as the learner's
    check = Check("demo_advice_once")
    check.equal("a", lambda: missing_a, 1)  # noqa: F821
    check.equal("b", lambda: missing_b, 1)  # noqa: F821
    check.equal("c", lambda: 2, 1)
    text = as_text(check.as_dict())
    assert text.count("advice:") == 2  # one per distinct advice; the plain mismatch has none
    assert text.splitlines()[0] == "[FAIL] demo_advice_once: 3 of 3 public checks failed"
    assert "got:      2" in text and "expected: 1" in text


def test_hidden_result_carries_no_values_anywhere():
    check = Check("demo_hidden_values", hidden=True)
    check.equal("the empty case", lambda: "secret-got", "secret-expected")
    check.raises("the error case", lambda: 1, ValueError)
    result = check.as_dict()
    assert all(set(line) == {"called", "passed"} for line in result["lines"])
    assert "secret" not in repr(result) and "secret" not in as_text(result)
    assert "public" not in result["summary"]


def test_passing_text_never_says_all_tests_passed():
    check = Check("demo_words")
    check.true("True", lambda: True, "True")
    text = as_text(check.as_dict())
    assert "public checks passed (1 of 1)" in text
    assert "all tests" not in text.lower()


def test_report_outside_a_kernel_prints_text_and_writes_no_stderr(capsys):
    check = Check("demo_plain")
    check.equal("1", lambda: 1, 1)
    check.report()
    out = capsys.readouterr()
    assert out.out.startswith("[PASS] demo_plain") and out.err == ""


def test_widgets_only_in_a_live_kernel(monkeypatch):
    from course.core.protocol import HEADLESS_ENV
    from course.lab.display import in_live_kernel

    class Shell:
        kernel = object()

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv(HEADLESS_ENV, raising=False)
    assert in_live_kernel(Shell())
    assert not in_live_kernel(None)
    assert not in_live_kernel(object())  # a terminal IPython has no kernel
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert not in_live_kernel(Shell())
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv(HEADLESS_ENV, "1")
    assert not in_live_kernel(Shell())


# -- the JupyterLab panel ------------------------------------------------------------


def _failing(grade_id: str):
    check = Check(grade_id)
    check.equal("f()", lambda: 1, 2)
    return check.as_dict()


def test_panel_reveals_the_registry_hints_one_at_a_time():
    from course.core.catalog import all_checks
    from course.lab.check_panel import HintButton, build_panel

    grade_id, (_step, info) = next((k, v) for k, v in all_checks().items() if len(v[1].hints) >= 2)
    panel = build_panel(_failing(grade_id))
    heading, button, area = panel.children
    assert f"Task: {info.task}" in heading.value and "1 of 1 public checks failed" in heading.value
    assert "got: <code>1</code>" in heading.value
    assert area.value == "" and button.description == f"Show a hint (1 of {len(info.hints)})"
    button.click()
    assert "Hint 1:" in area.value and "Hint 2:" not in area.value
    assert _html_text(info.hints[0]) in area.value
    for _ in info.hints[1:]:
        button.click()
    assert f"Hint {len(info.hints)}:" in area.value and button.disabled
    button.click()  # a click on a finished button changes nothing
    assert area.value.count("course-hint'") == len(info.hints)
    shown = [area.value.index(f"Hint {n}:") for n in range(1, len(info.hints) + 1)]
    assert shown == sorted(shown)  # in the registry's order, each once
    fresh = HintButton(info.hints)
    assert (fresh.shown, fresh.area.value, fresh.button.disabled) == (0, "", False)  # a new panel starts closed


def test_panel_for_a_passing_or_unregistered_check_has_no_hint_button():
    from course.core.catalog import all_checks
    from course.lab.check_panel import build_panel

    grade_id = next(iter(all_checks()))
    passing = Check(grade_id)
    passing.equal("1", lambda: 1, 1)
    assert len(build_panel(passing.as_dict()).children) == 1
    assert len(build_panel(_failing("demo_not_registered")).children) == 1
    assert "Task:" not in build_panel(_failing("demo_not_registered")).children[0].value


def _html_text(text: str) -> str:
    import html

    return html.escape(text)


def test_at_least_shows_the_number_that_came_back():
    check = Check("demo_at_least")
    assert not check.at_least("len(tests)", lambda: 5, 8, note="cases count one each")
    assert check.at_least("len(more)", lambda: 9, 8)
    assert not check.at_least("a flag", lambda: True, 1)  # a bool is not a count
    assert not check.at_least("broken()", lambda: 1 / 0, 1)
    assert [(line.got, line.expected) for line in check.lines[:2]] == [
        ("5", "at least 8 (cases count one each)"),
        ("9", "at least 8"),
    ]
    assert "ZeroDivisionError" in check.lines[3].got


def test_step4_test_count_check_reports_the_count_not_a_boolean(monkeypatch):
    """The released check cell, with pytest's outcome faked: 5 test cases ran."""
    import types

    import nbformat

    from course.checks import mutation
    from course.core.catalog import find_step, load_steps
    from course.core.cells import grade_id_of

    step = find_step("4", load_steps())
    notebook = nbformat.read(str(step.exercise_dir / step.notebooks[0]), as_version=4)
    source = next(c.source for c in notebook.cells if grade_id_of(c) == "step04_tests_pass_on_reference")
    monkeypatch.setattr(mutation, "prefetch", lambda *args: None)
    monkeypatch.setattr(mutation, "outcome_for", lambda *args: types.SimpleNamespace(all_passed=True, collected=5))
    reported = []
    monkeypatch.setattr(Check, "report", lambda self: reported.append(self))
    exec(source, {})
    count = next(line for line in reported[0].lines if "number of test cases" in line.called)
    assert not count.passed
    assert count.got == "5" and count.expected.startswith("at least 8")


def test_step8_test_count_check_reports_the_count_not_a_boolean():
    """Step 8's count of tests, like step 4's, shows the number that came back."""
    import nbformat

    from course.core.catalog import find_step, load_steps
    from course.core.cells import grade_id_of

    step = find_step("8", load_steps())
    notebook = nbformat.read(str(step.exercise_dir / step.notebooks[0]), as_version=4)
    source = next(c.source for c in notebook.cells if grade_id_of(c) == "step08_tests_pass")
    assert 'check.at_least("the number of tests pytest ran"' in source
    assert ">= 15" not in source
