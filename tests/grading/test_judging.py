"""The kernel answers, the grader judges: probes, the judge's split, and the grader's own observations (fast)."""

from __future__ import annotations

import json
import os
import shutil

import numpy
import pytest

from course.checks.probe import NotPlainData, Probe, Seen, Unobserved, plain, read_file
from course.core.catalog import load_steps
from course.grading.behaviours import run_after
from course.grading.judging import JudgeError, free_names, judge, plan, split

CELL = """\
\"\"\"Check that rows are counted.\"\"\"
check = Check("step00_rows_used")
check.report()
### BEGIN HIDDEN TESTS
from course.checks.probe import Probe, course_file
probe = Probe("step00_rows_used")
probe.value("rows", lambda: len(X))
probe.file("notes", "notes.md")
probe.after("fresh", "course.checks.probe:plain", value=[1, 2])
seen = probe.send()
### JUDGE
hidden = Check("step00_rows_used", hidden=True)
hidden.equal("the rows the prototype keeps", lambda: seen["rows"], 329)
hidden.equal("the notes are kept", lambda: seen["notes"], "ok")
hidden.report()
### END HIDDEN TESTS
"""
REFERENCE = load_steps()[0].solution_dir


class Liar(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def test_the_kernel_gets_the_probes_and_never_the_judge():
    kernel, judge_source = split(CELL)
    assert "329" not in kernel and "hidden.equal" not in kernel and "### JUDGE" not in kernel
    assert 'probe.value("rows"' in kernel and "### BEGIN HIDDEN TESTS" in kernel and "check.report()" in kernel
    assert "329" in judge_source and "probe.value" not in judge_source


def test_the_grader_draws_a_number_and_reads_the_file_and_after_probes_from_the_source():
    cell_plan, kernel = plan("step00_rows_used", CELL)
    assert f'Probe("step00_rows_used", draw={cell_plan.draw})' in kernel
    assert cell_plan.files == {"notes": "notes.md"}
    assert cell_plan.afters == {"fresh": ("course.checks.probe:plain", {"value": [1, 2]})}
    assert len({plan("step00_rows_used", CELL)[0].draw for _ in range(5)}) > 1  # drawn afresh each run
    with pytest.raises(JudgeError, match="literal"):
        plan("x", CELL.replace("value=[1, 2]", "value=ROWS"))


def verdict_for(observed):
    cell_plan, _ = plan("step00_rows_used", CELL)
    return judge(cell_plan, json.loads(json.dumps(observed)), REFERENCE)


def test_the_judge_passes_the_right_values_and_names_each_line():
    verdict = verdict_for({"rows": {"value": 329}, "notes": {"value": "ok"}})
    assert verdict.passed
    assert verdict.lines == [
        {"called": "the rows the prototype keeps", "passed": True},
        {"called": "the notes are kept", "passed": True},
    ]


@pytest.mark.parametrize(
    "observed",
    [
        {"rows": {"value": 328}, "notes": {"value": "ok"}},
        {"rows": {"error": "NameError: name 'X' is not defined"}, "notes": {"value": "ok"}},
        {"notes": {"value": "ok"}},
        {"rows": {"value": "329"}, "notes": {"value": "ok"}},
        {"rows": 329, "notes": {"value": "ok"}},
    ],
)
def test_the_judge_fails_wrong_missing_and_malformed_observations(observed):
    verdict = verdict_for(observed)
    assert not verdict.passed
    assert verdict.lines[0] == {"called": "the rows the prototype keeps", "passed": False}


def test_a_judge_that_uses_a_notebook_name_is_the_courses_bug_and_the_lint_finds_it():
    broken = CELL.replace('lambda: seen["rows"], 329', 'lambda: seen["rows"], ROWS').replace(
        "hidden = Check", "limit = MAX_ROWS\nhidden = Check"
    )
    cell_plan, _ = plan("step00_rows_used", broken)
    with pytest.raises(JudgeError, match="MAX_ROWS"):
        judge(cell_plan, {}, REFERENCE)
    assert free_names(split(broken)[1]) == {"ROWS", "MAX_ROWS"}
    assert free_names(split(CELL)[1]) == set()


def test_probes_send_plain_data_only():
    assert plain(Liar(3)) == 3 and type(plain(Liar(3))) is int
    assert plain({"a": (1, numpy.int64(2), numpy.array([0.5]))}) == {"a": [1, 2, [0.5]]}
    assert plain(float("nan")) == "nan" and plain(True) is True
    for value in (object(), {1: "a"}, {"a": {1, 2}}):
        with pytest.raises(NotPlainData):
            plain(value)


def test_a_probe_records_values_errors_and_raises_and_the_judge_reads_them():
    probe = Probe("step00_rows_used", draw=7)
    probe.value("rows", lambda: Liar(329))
    probe.value("broken", lambda: 1 / 0)
    probe.value("unplain", lambda: object())
    probe.raises("refused", lambda: int("x"))
    probe.raises("accepted", lambda: 1)
    seen = probe.send()
    assert seen.draw == 7 and seen["rows"] == 329 and type(seen["rows"]) is int
    for name in ("broken", "unplain", "missing"):
        with pytest.raises(Unobserved):
            seen[name]
    assert seen.raised("refused", "ValueError", mentions=("INVALID LITERAL",))
    assert seen.raised("refused", "Exception") and not seen.raised("refused", "TypeError")
    assert not seen.raised("accepted", "ValueError")
    assert not Seen({"refused": {"value": "ValueError"}}, 0).raised("refused", "ValueError")


def test_file_probes_read_regular_files_as_data_and_follow_no_link(tmp_path):
    (tmp_path / "notes.md").write_text("ok")
    (tmp_path / "big.md").write_bytes(b"x" * ((1 << 20) + 1))
    (tmp_path / "secret").write_text("private")
    (tmp_path / "link.md").symlink_to(tmp_path / "secret")
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.md").write_text("deeper")
    private = tmp_path.parent / f"{tmp_path.name}-private"
    private.mkdir()
    (private / "notes.md").write_text("private")
    (tmp_path / "linked").symlink_to(private)
    assert read_file(tmp_path, "notes.md") == {"value": "ok"}
    assert read_file(tmp_path, "docs/notes.md") == {"value": "deeper"}
    for name in ("link.md", "pipe.md", "big.md", "missing.md", "../secret", "/etc/passwd", "linked/notes.md", ""):
        outcome = read_file(tmp_path, name)
        assert set(outcome) == {"error"} and "private" not in outcome["error"], name


def test_after_probes_run_course_functions_in_a_fresh_python_on_a_copy(tmp_path):
    (tmp_path / "kept.txt").write_text("mine")
    (tmp_path / "link").symlink_to("/etc/passwd")
    assert run_after(tmp_path, "course.checks.probe:plain", {"value": [1, "a"]}, sandboxed=False) == {"value": [1, "a"]}
    refused = run_after(tmp_path, "os:getcwd", {}, sandboxed=False)
    assert "course.checks." in refused["error"]
    failed = run_after(tmp_path, "course.checks.probe:plain", {"value": 1, "depth": "x"}, sandboxed=False)
    assert failed["error"].startswith("TypeError")
    assert (tmp_path / "kept.txt").read_text() == "mine"  # the run worked on a copy


@pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
def test_after_probes_run_in_the_sandbox(tmp_path):
    outcome = run_after(tmp_path, "course.checks.probe:plain", {"value": {"ok": True}}, sandboxed=True)
    assert outcome == {"value": {"ok": True}}


def test_cells_that_ask_for_the_same_after_run_share_one_run(tmp_path, monkeypatch):
    from course.grading import behaviours

    calls = []
    monkeypatch.setattr(behaviours, "run_after", lambda *args, **kwargs: calls.append(args) or {"value": len(calls)})
    first, _ = plan("a", CELL)
    second, _ = plan("b", CELL.replace('"fresh"', '"again"'))
    observed = behaviours.observe_after_kernel(tmp_path, {"a": first, "b": second}, sandboxed=False)
    assert len(calls) == 1 and observed["a"]["fresh"] == observed["b"]["again"] == {"value": 1}
    assert observed["a"]["notes"]["error"].startswith("FileNotFoundError")


@pytest.mark.parametrize("sandboxed", [False, bool(shutil.which("bwrap"))])
def test_modules_the_notebook_left_in_the_folder_never_load_into_an_after_run(tmp_path, sandboxed):
    for package in ("course", "course/checks"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "course/checks/probe.py").write_text("def plain(value, depth=0):\n    return 'forged'\n")
    (tmp_path / "course/checks/plain_data.py").write_text("def plain(value, depth=0):\n    return 'forged'\n")
    (tmp_path / "json.py").write_text("raise SystemExit('a learner json module ran')\n")
    outcome = run_after(tmp_path, "course.checks.probe:plain", {"value": [1]}, sandboxed=sandboxed)
    assert outcome == {"value": [1]}


def test_slow_after_runs_are_stopped_and_a_notebook_has_a_budget_for_them(tmp_path, monkeypatch):
    from course.grading import behaviours

    slow = run_after(tmp_path, "course.checks.probe:plain", {"value": 1}, sandboxed=False, timeout=0.01)
    assert slow["error"].startswith(behaviours.TIMED_OUT)
    monkeypatch.setattr(behaviours, "AFTER_BUDGET", 0)
    cell_plan, _ = plan("a", CELL)
    observed = behaviours.observe_after_kernel(tmp_path, {"a": cell_plan}, sandboxed=False)
    assert observed["a"]["fresh"]["error"].startswith(behaviours.TIMED_OUT + "the notebook's checks used up")
