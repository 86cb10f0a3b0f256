"""A learner's workspace never loses work."""

from __future__ import annotations

import shutil

import pytest

from course import REPO_DIR
from course.core.catalog import EXERCISES_DIR, load_steps
from course.core.errors import UsageError
from course.learner.workspace import beside_name, is_untouched, sha256, update_workspace

STEPS = load_steps()


@pytest.fixture
def course_copy(tmp_path):
    """A private copy of exercises/ that a test may change, as a new course version would."""
    exercises = tmp_path / "exercises"
    shutil.copytree(EXERCISES_DIR, exercises)
    return exercises


def test_first_update_copies_every_step(tmp_path):
    workspace = tmp_path / "ws"
    report = update_workspace(workspace, STEPS)
    for step in STEPS:
        for name in step.notebooks:
            assert (workspace / step.slug / name).read_bytes() == (step.exercise_dir / name).read_bytes()
        assert (workspace / step.slug / "data" / "penguins-raw.csv").exists()
    assert len(report.added) >= len(STEPS)


def test_learner_work_is_never_overwritten(tmp_path, course_copy):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS, course_copy)
    step = STEPS[0]
    mine = workspace / step.slug / step.notebooks[0]
    mine.write_text('{"my": "work"}')
    update_workspace(workspace, STEPS, course_copy)
    assert mine.read_text() == '{"my": "work"}'


def test_new_course_version_goes_beside_the_learners_copy(tmp_path, course_copy):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS, course_copy)
    step = STEPS[0]
    mine = workspace / step.slug / step.notebooks[0]
    mine.write_text('{"my": "work"}')
    shipped = course_copy / step.slug / step.notebooks[0]
    shipped.write_text(shipped.read_text().replace("Meet the prototype", "Meet the prototype (v2)"))
    report = update_workspace(workspace, STEPS, course_copy)
    new = beside_name(mine, sha256(shipped))
    assert mine.read_text() == '{"my": "work"}'
    assert new.read_bytes() == shipped.read_bytes()
    assert report.beside == [(f"{step.slug}/{step.notebooks[0]}", f"{step.slug}/{new.name}")]
    assert "kept your" in "\n".join(report.lines())
    # a second update does not add a second copy
    update_workspace(workspace, STEPS, course_copy)
    assert len(list(mine.parent.glob("*.course-*.ipynb"))) == 1


def test_a_notebook_the_learner_never_changed_is_updated_in_place(tmp_path, course_copy):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS, course_copy)
    step = STEPS[0]
    shipped = course_copy / step.slug / step.notebooks[0]
    shipped.write_text(shipped.read_text().replace("Meet the prototype", "Meet the prototype (v2)"))
    report = update_workspace(workspace, STEPS, course_copy)
    assert (workspace / step.slug / step.notebooks[0]).read_bytes() == shipped.read_bytes()
    assert report.updated == [f"{step.slug}/{step.notebooks[0]}"] and not report.beside


def test_new_steps_are_added_later(tmp_path, course_copy):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS[:1], course_copy)
    assert not (workspace / STEPS[-1].slug).exists()
    report = update_workspace(workspace, STEPS, course_copy)
    assert (workspace / STEPS[-1].slug / STEPS[-1].notebooks[0]).exists()
    assert any(name.startswith(STEPS[-1].slug) for name in report.added)


def test_untouched_detection(tmp_path):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS)
    step = STEPS[0]
    assert is_untouched(workspace, step)
    (workspace / step.slug / step.notebooks[0]).write_text("{}")
    assert not is_untouched(workspace, step)


def test_workspace_inside_the_repository_is_refused():
    with pytest.raises(UsageError, match="outside"):
        update_workspace(REPO_DIR / "my-workspace", STEPS)
    assert not (REPO_DIR / "my-workspace").exists()


def test_a_started_notebook_gets_no_copy_while_the_course_is_unchanged(tmp_path, course_copy):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS, course_copy)
    mine = workspace / STEPS[0].slug / STEPS[0].notebooks[0]
    mine.write_text('{"my": "work"}')
    report = update_workspace(workspace, STEPS, course_copy)
    assert not report.beside and not report.updated and not report.lines()
    assert list(mine.parent.glob("*.course-*")) == []


def test_a_changed_data_file_is_kept_and_the_new_one_placed_beside(tmp_path, course_copy):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS, course_copy)
    relative = f"{STEPS[0].slug}/data/penguins-raw.csv"
    (workspace / relative).write_text("my,experiment\n")
    shipped = course_copy / relative
    shipped.write_bytes(shipped.read_bytes() + b"\n")
    report = update_workspace(workspace, STEPS, course_copy)
    assert (workspace / relative).read_text() == "my,experiment\n"
    [(mine, new)] = report.beside
    assert mine == relative and new.startswith(f"{STEPS[0].slug}/data/penguins-raw.course-") and new.endswith(".csv")
    assert (workspace / new).read_bytes() == shipped.read_bytes()


def test_a_deleted_file_comes_back(tmp_path, course_copy):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS, course_copy)
    notebook = workspace / STEPS[0].slug / STEPS[0].notebooks[0]
    notebook.unlink()
    report = update_workspace(workspace, STEPS, course_copy)
    assert notebook.exists() and report.added == [f"{STEPS[0].slug}/{STEPS[0].notebooks[0]}"]


def test_copies_leave_no_partial_files(tmp_path):
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS)
    assert [p for p in workspace.rglob("*") if "partial" in p.name or p.suffix == ".tmp"] == []


def test_course_workspace_command_says_when_nothing_is_new(tmp_path, capsys):
    from course.cli import main

    workspace = tmp_path / "ws"
    assert main(["workspace", str(workspace)]) == 0
    assert "added " in capsys.readouterr().out
    assert main(["workspace", str(workspace)]) == 0
    assert "up to date: nothing to add" in capsys.readouterr().out
