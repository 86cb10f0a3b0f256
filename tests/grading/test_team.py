"""Pairs and trios: one submission's PAIR.txt credits every member (course.grading.team)."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from course.authoring.solved import solved_exercise
from course.core.catalog import load_steps
from course.grading.grade import grade_class
from course.grading.result import Result
from course.grading.submission_files import copy_submission
from course.grading.team import MAX_MEMBERS, MAX_TEAM_BYTES, MAX_TEAM_LINES, credited, read_team, team_names

STEPS = load_steps()
STEP = STEPS[0]
NOTEBOOK = STEP.notebooks[0]


# -- reading the file ---------------------------------------------------------------------


def test_names_one_per_line_without_blanks_comments_repeats_or_the_submitter():
    text = "# our pair\nbob\n\n  carol  \nbob\nalice\n"
    assert team_names(text, "alice") == (["bob", "carol"], [])


@pytest.mark.parametrize("line", ["bob carol", "../carol", ".hidden", "bob\x1b[31m", "x" * 65, "bob;ok", "Zoë"])
def test_a_line_that_is_not_a_learner_name_credits_nobody_and_is_shown_escaped(line):
    members, problems = team_names(f"dan\n{line}\n", "alice")
    assert members == ["dan"]
    assert len(problems) == 1 and problems[0].startswith("pair-file: ") and "not credited" in problems[0]
    assert "\x1b" not in problems[0] and "\n" not in problems[0]


def test_a_whole_name_is_matched_not_a_prefix():
    assert team_names("bob\nbob/../../etc\n", "alice")[0] == ["bob"]


def test_too_many_members_or_lines_credit_nobody():
    names = "\n".join(f"m{n}" for n in range(MAX_MEMBERS + 1))
    members, problems = team_names(names, "alice")
    assert members == [] and "nobody credited" in problems[0]
    members, problems = team_names("\n" * (MAX_TEAM_LINES + 1) + "bob", "alice")
    assert members == [] and "lines" in problems[0]


def team_folder(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, object]:
    """A learner's step folder holding ``files``, copied as the grader copies it: (copy, what was copied)."""
    folder = tmp_path / "SUBMITTED" / "alice" / STEP.slug
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    copied = copy_submission(folder, tmp_path / "copy", lambda path: False)
    return tmp_path / "copy", copied


def test_the_file_is_read_from_the_graders_copy_and_flagged_for_review(tmp_path):
    folder, copied = team_folder(tmp_path, {"PAIR.txt": b"bob\ncarol\n"})
    members, problems = read_team(folder, copied, "alice")
    assert members == ["bob", "carol"] and problems == ["review: pair file names bob, carol"]


def test_team_txt_works_too_but_not_both(tmp_path):
    folder, copied = team_folder(tmp_path / "one", {"TEAM.txt": b"bob\n"})
    assert read_team(folder, copied, "alice")[0] == ["bob"]
    folder, copied = team_folder(tmp_path / "two", {"TEAM.txt": b"bob\n", "PAIR.txt": b"carol\n"})
    members, problems = read_team(folder, copied, "alice")
    assert members == [] and "keep one" in problems[0]


@pytest.mark.parametrize(
    "data, words",
    [(b"b" * (MAX_TEAM_BYTES + 1), "over"), (b"bob\n\xff\xfe\n", "not UTF-8")],
)
def test_a_big_or_binary_file_credits_nobody(tmp_path, data, words):
    folder, copied = team_folder(tmp_path, {"PAIR.txt": data})
    members, problems = read_team(folder, copied, "alice")
    assert members == [] and words in problems[0] and "nobody credited" in problems[0]


def test_a_linked_team_file_is_refused_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("bob\n")
    folder = tmp_path / "SUBMITTED" / "alice" / STEP.slug
    folder.mkdir(parents=True)
    os.symlink(secret, folder / "PAIR.txt")
    copied = copy_submission(folder, tmp_path / "copy", lambda path: False)
    assert "symbolic link" in copied.problems()[0]
    assert read_team(tmp_path / "copy", copied, "alice") == ([], [])


# -- the rows ---------------------------------------------------------------------------------


def result(learner: str, score: float, team=(), status: str = "ok") -> Result:
    return Result(learner, STEP.slug, score, STEP.points, status, cells={"a": {"score": score}}, team=list(team))


def test_each_member_gets_the_submitters_score_and_a_status_naming_it():
    alice = result("alice", 7, ["bob"], "ok; review: pair file names bob")
    own, rows = credited([alice])
    assert own == [alice]
    [bob] = rows
    assert (bob.learner, bob.score, bob.cells, bob.team, bob.credited_from) == ("bob", 7, alice.cells, [], "alice")
    assert bob.status == "pair: graded from alice's submission; review: pair file names bob"


def test_a_members_own_submission_wins_and_says_it_was_named():
    alice, carol = result("alice", 7, ["carol"]), result("carol", 2)
    own, rows = credited([alice, carol])
    assert rows == []
    assert own[1].score == 2
    assert own[1].status == "pair: alice's submission also names carol; carol's own submission is graded"


def test_a_member_named_twice_is_credited_from_the_better_submission_and_flagged():
    own, rows = credited([result("alice", 3, ["bob"]), result("dan", 5, ["bob"])])
    [bob] = rows
    assert bob.score == 5 and bob.credited_from == "dan"
    assert bob.status == "pair: graded from dan's submission; review: also named by alice's pair file"


# -- a real class -----------------------------------------------------------------------------


@pytest.mark.slow  # grades two submissions of the first step with nbgrader
def test_a_pair_submits_once_and_every_member_is_credited(tmp_path):
    submitted, out = tmp_path / "SUBMITTED", tmp_path / "OUT"
    alice = submitted / "alice" / STEP.slug
    shutil.copytree(STEP.exercise_dir, alice, ignore=shutil.ignore_patterns("*.ipynb"))
    nbformat.write(solved_exercise(STEP, NOTEBOOK), str(alice / NOTEBOOK))
    (alice / "PAIR.txt").write_text("bob\ncarol\n")
    shutil.copytree(STEP.exercise_dir, submitted / "carol" / STEP.slug)  # carol also submits: untouched

    results = grade_class(submitted, out, jobs=2, progress=lambda line: None, sandbox="off")

    assert {r.learner: r.score for r in results} == {"alice": STEP.points, "bob": STEP.points, "carol": 0}
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"alice", "bob", "carol"}
    assert rows["alice"]["status"] == "review: pair file names bob, carol"
    assert rows["bob"]["score"] == str(STEP.points)
    assert rows["bob"]["status"] == "pair: graded from alice's submission; review: pair file names bob, carol"
    assert rows["carol"]["score"] == "0" and "carol's own submission is graded" in rows["carol"]["status"]
    page = out / "feedback" / "bob" / STEP.slug / (Path(NOTEBOOK).stem + ".html")
    text = page.read_text()
    assert "<strong>bob</strong>" in text and f"{STEP.points} / {STEP.points}" in text
    assert "graded from alice&#x27;s submission" in text and "review:" not in text
    assert not (out / "results" / "bob").exists()  # derived, never stored: the gradebook holds submissions
