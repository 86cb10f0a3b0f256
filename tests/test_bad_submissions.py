"""Broken submissions get a row with a clear status; the good ones keep full marks."""

from __future__ import annotations

import csv
import shutil

import pytest

from course.catalog import load_steps
from course.grading import grade_class
from sources import hidden_test_lines

STEPS = load_steps()
FIRST = STEPS[0]


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory):
    submitted = tmp_path_factory.mktemp("bad-submitted")
    shutil.copytree(FIRST.solution_dir, submitted / "good" / FIRST.slug)
    # missing notebook: the learner submitted it under another name
    shutil.copytree(FIRST.solution_dir, submitted / "misnamed" / FIRST.slug)
    (submitted / "misnamed" / FIRST.slug / FIRST.notebooks[0]).rename(submitted / "misnamed" / FIRST.slug / "Untitled.ipynb")
    # not valid JSON
    folder = submitted / "garbled" / FIRST.slug
    shutil.copytree(FIRST.exercise_dir, folder)
    (folder / FIRST.notebooks[0]).write_text('{"cells": [ this is not json')
    # a step the course does not have
    (submitted / "lost" / "99-nowhere").mkdir(parents=True)
    (submitted / "lost" / "99-nowhere" / "x.ipynb").write_text("{}")
    # a learner folder name nbgrader cannot use
    shutil.copytree(FIRST.solution_dir, submitted / "bad name!" / FIRST.slug)
    out = tmp_path_factory.mktemp("bad-out")
    results = grade_class(submitted, out, jobs=1, progress=lambda line: None)
    with open(out / "grades.csv", newline="") as handle:
        rows = {(row["learner"], row["step"]): row for row in csv.DictReader(handle)}
    return results, rows, out


def test_every_submission_gets_a_row(bad_batch):
    _, rows, _ = bad_batch
    assert set(rows) == {
        ("good", FIRST.slug), ("misnamed", FIRST.slug), ("garbled", FIRST.slug),
        ("lost", "99-nowhere"), ("bad name!", FIRST.slug),
    }


def test_good_submission_keeps_full_marks(bad_batch):
    _, rows, _ = bad_batch
    assert rows[("good", FIRST.slug)]["status"] == "ok"
    assert rows[("good", FIRST.slug)]["score"] == str(FIRST.points)


def test_missing_notebook_is_named_with_what_was_found(bad_batch):
    _, rows, _ = bad_batch
    row = rows[("misnamed", FIRST.slug)]
    assert row["score"] == "0" and row["max_score"] == str(FIRST.points)
    assert row["status"] == f"missing-notebook: {FIRST.notebooks[0]} (found Untitled.ipynb)"


def test_invalid_json_is_reported_not_crashed(bad_batch):
    _, rows, _ = bad_batch
    row = rows[("garbled", FIRST.slug)]
    assert row["score"] == "0" and row["status"].startswith(f"invalid-notebook: {FIRST.notebooks[0]}")


def test_unknown_step_and_bad_learner_name(bad_batch):
    _, rows, _ = bad_batch
    assert rows[("lost", "99-nowhere")]["status"].startswith("unknown-step")
    assert rows[("bad name!", FIRST.slug)]["status"].startswith("bad-learner-name")


def test_feedback_never_shows_hidden_test_source(bad_batch, graded_class):
    hidden = set()
    for step in STEPS:
        for name in step.notebooks:
            hidden |= hidden_test_lines(step.solution_dir / name)
    assert hidden
    pages = list((graded_class["out"] / "feedback").rglob("*.html")) + list((bad_batch[2] / "feedback").rglob("*.html"))
    assert pages
    import html as html_lib

    for page in pages:
        text = html_lib.unescape(page.read_text())
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{page} shows hidden test lines: {leaked[:3]}"
        assert "Traceback" not in text
