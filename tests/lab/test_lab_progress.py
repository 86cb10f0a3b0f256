"""Progress: done, partial or not started from the public checks, kept in the workspace only."""

from __future__ import annotations

import json

from course import REPO_DIR
from course.cli import main
from course.core import progress as progress_store
from course.core.catalog import load_steps
from course.lab import progress_view
from course.learner.workspace import update_workspace

STEPS = load_steps()
FIRST = STEPS[0]


def test_step_state_counts_public_checks():
    ids = [check.id for check in FIRST.checks]
    assert progress_store.step_state(ids, {}) == ("not started", 0)
    assert progress_store.step_state(ids, {ids[0]: True, ids[1]: False}) == ("partial", 1)
    assert progress_store.step_state(ids, {i: True for i in ids}) == ("done", len(ids))
    assert progress_store.step_state([], {}) == ("not started", 0)  # a step without checks is never "done"


def test_results_are_stored_in_the_workspace_and_nowhere_else(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS[:1])
    monkeypatch.chdir(workspace / FIRST.slug)
    progress_store.record_check({"grade_id": FIRST.checks[0].id, "passed": True})
    stored = json.loads((workspace / ".course" / "progress.json").read_text())
    assert stored[FIRST.checks[0].id]["passed"] is True
    assert not (REPO_DIR / ".course").exists()


def test_outside_a_workspace_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    progress_store.record_check({"grade_id": "demo", "passed": True})
    assert list(tmp_path.iterdir()) == []


def test_listeners_hear_every_recorded_check_and_cannot_break_it(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS[:1])
    heard = []

    def broken(_workspace, _results):
        raise RuntimeError("a broken view")

    monkeypatch.setattr(progress_store, "_listeners", [])
    progress_store.add_listener(broken)
    progress_store.add_listener(lambda ws, results: heard.append(sorted(results)))
    progress_store.record_check({"grade_id": "demo_a", "passed": False}, start=workspace)
    assert heard == [["demo_a"]]


def test_view_marks_each_step_and_outlines_the_current_one():
    ids = [check.id for check in FIRST.checks]
    rows = progress_view.states(STEPS, {ids[0]: True})
    text = progress_view.as_text(rows, FIRST)
    page = progress_view.as_html(rows, FIRST)
    state = "done" if len(ids) == 1 else "partial"
    assert text.startswith(f"Progress  00:{state}  01:-")
    assert f"1 of {len(ids)} public checks passed ({state})" in text
    assert f"data-step='{FIRST.slug}' data-state='{state}'" in page
    assert f"data-step='{STEPS[1].slug}' data-state='not started'" in page
    assert page.count("2px solid #333") == 1  # only the current step is outlined


def test_live_view_redraws_when_a_check_reports(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS[:1])
    monkeypatch.setattr(progress_store, "_listeners", [])
    monkeypatch.setattr(progress_view, "_live_views", {})
    view = progress_view._live_view(FIRST, "before")
    for check in FIRST.checks:
        progress_store.record_check({"grade_id": check.id, "passed": True}, start=workspace)
    assert f"data-step='{FIRST.slug}' data-state='done'" in view.value


def test_course_progress_prints_states_and_the_next_step(tmp_path, capsys):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS)
    for check in FIRST.checks:
        progress_store.record_check({"grade_id": check.id, "passed": True}, start=workspace)
    capsys.readouterr()
    assert main(["progress", "--workspace", str(workspace), "--cached"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("done") and FIRST.slug in lines[0]
    assert lines[-1] == f"1 of {len(STEPS)} steps done; next: {STEPS[1].slug}"


def test_show_progress_never_stops_a_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    progress_view.show_progress("99-no-such-step")
    assert "no step called '99-no-such-step'" in capsys.readouterr().out
    progress_view.show_progress("00")
    assert "not in one" in capsys.readouterr().out
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    progress_view.show_progress("00")
    assert capsys.readouterr().out == ""


def test_a_step_with_a_manually_graded_cell_is_done_when_its_public_checks_pass():
    from course.core.catalog import find_step
    from course.learner.headless import StepChecks, table

    step = find_step("12-ways-of-working")
    manual = [check for check in step.checks if check.manual]
    assert manual and all(check not in step.public_checks for check in manual)
    outcome = StepChecks(step, {check.id: True for check in step.public_checks})
    assert outcome.state == "done" and outcome.wins == len(step.public_checks)
    text = table([outcome])
    assert f"{manual[0].id}" in text and "graded by your facilitator" in text
    assert f"{len(step.public_checks)} of {len(step.public_checks)} public checks passed" in text
