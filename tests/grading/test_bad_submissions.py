"""Bad and hostile submissions get a row with a clear status; the good ones in the same batch keep full marks.

One batch, graded once per module through ``course grade``'s own code with
two workers, holds a good submission and one submission per case (all on the
first step, which grades in a few seconds). Grading the batch takes a minute or
two, so the whole module is ``slow``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from course.authoring.solved import solved_exercise
from course.core.catalog import load_steps
from course.core.cells import is_answer, is_graded_test, nbgrader_meta
from course.grading.grade import grade_class
from course.grading.sandbox import probe
from sources import assert_pages_hide_hidden_tests, secret_hidden_lines

STEPS = load_steps()
STEP = STEPS[0]
NOTEBOOK = STEP.notebooks[0]
CELL_TIMEOUT = 20  # seconds; the slowest cell of the first step takes a few

pytestmark = pytest.mark.slow


def solution():
    return nbformat.read(str(STEP.solution_dir / NOTEBOOK), as_version=4)


def answered_exercise():
    """The released notebook with the reference answers typed in: what a good learner submits."""
    return solved_exercise(STEP, NOTEBOOK)


def first(notebook, kind):
    return next(cell for cell in notebook.cells if kind(cell))


def with_first_answer(code: str, keep_answer: bool = True):
    """The good notebook with ``code`` added to (or put in place of) its first answer cell."""
    notebook = answered_exercise()
    cell = first(notebook, is_answer)
    cell.source = (cell.source + "\n" if keep_answer else "") + code
    return notebook


def edited_test():
    notebook = with_first_answer("", keep_answer=False)
    first(notebook, is_graded_test).source = "print('all good')"
    return notebook


def deleted_test():
    notebook = answered_exercise()
    notebook.cells.remove(first(notebook, is_graded_test))
    return notebook


def stripped():
    notebook = answered_exercise()
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)
    return notebook


BLANK_LATER_CELLS = "get_ipython().input_transformers_cleanup.append(lambda lines: [])"
REDEFINE_CHECKS = "import course.checks.check\ncourse.checks.Check.report = lambda self: None"
SNOOP = """
import glob, os, tempfile
def can_read(pattern):
    for path in glob.glob(pattern, recursive=True):
        try:
            open(path, "rb").read(1)
            return True
        except OSError:
            pass
    return False
print("SNOOP solutions", can_read({solutions!r}))
print("SNOOP submissions", can_read({submitted!r}))
print("SNOOP gradebook", can_read(os.path.join(tempfile.gettempdir(), "course-grade-*", "**", "gradebook.db")))
print("SNOOP hidden tests on disk", "BEGIN HIDDEN" + " TESTS" in open({notebook!r}).read())
def can_connect():
    import socket
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=3).close()
        return True
    except OSError:
        return False
print("SNOOP network", can_connect())
"""


def write(folder: Path, notebook, name: str = NOTEBOOK) -> None:
    shutil.copytree(STEP.exercise_dir, folder, ignore=shutil.ignore_patterns("*.ipynb"), dirs_exist_ok=True)
    nbformat.write(notebook, str(folder / name))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade every case once; return (rows of grades.csv by learner, results by learner, out folder)."""
    submitted = tmp_path_factory.mktemp("bad-submitted")
    here = lambda learner: submitted / learner / STEP.slug  # noqa: E731
    write(here("good"), answered_exercise())
    write(here("good-solution"), solution())
    # bad submissions
    write(here("loops"), with_first_answer("while True:\n    pass"))
    write(here("dies"), with_first_answer("import os\nos._exit(1)"))
    write(here("floods"), with_first_answer("for i in range(300_000):\n    print('flood', i)"))
    write(here("edits-test"), edited_test())
    write(here("deletes-test"), deleted_test())
    write(here("strips-metadata"), stripped())
    write(here("misnames"), answered_exercise(), name="Untitled.ipynb")
    write(here("garbled"), answered_exercise())
    (here("garbled") / NOTEBOOK).write_text('{"cells": [ this is not json')
    here("empty").mkdir(parents=True)
    write(here("extras"), answered_exercise())
    (here("extras") / "notes.txt").write_text("my notes")
    (here("extras") / "pandas.py").write_text("raise ImportError('a learner file shadowing pandas')")
    (here("extras") / "course").mkdir()
    (here("extras") / "course" / "checks.py").write_text(
        "class Check:\n    def __getattr__(self, name):\n        return lambda *a, **k: None"
    )
    (submitted / "lost" / "99-nowhere").mkdir(parents=True)
    (submitted / "lost" / "99-nowhere" / "x.ipynb").write_text("{}")
    shutil.copytree(STEP.solution_dir, submitted / "bad name!" / STEP.slug)
    # hostile submissions
    write(here("blanks-tests"), with_first_answer(BLANK_LATER_CELLS, keep_answer=False))
    write(here("redefines-checks"), with_first_answer(REDEFINE_CHECKS, keep_answer=False))
    write(here("skips-first-answer"), with_first_answer("", keep_answer=False))
    write(here("exits-early"), with_first_answer("exit()", keep_answer=False))
    snoop = SNOOP.format(
        solutions=str(STEP.solution_dir / "**" / "*.ipynb"),
        submitted=str(submitted / "good" / "**" / "*.ipynb"),
        notebook=NOTEBOOK,
    )
    write(here("snoops"), with_first_answer(snoop))

    out = tmp_path_factory.mktemp("bad-out")
    results = grade_class(submitted, out, jobs=2, timeout=CELL_TIMEOUT, progress=lambda line: None)
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    return rows, {result.learner: result for result in results}, out


def cell_scores(batch, learner) -> dict:
    return {grade_id: cell["score"] for grade_id, cell in batch[1][learner].cells.items()}


def test_every_submission_gets_a_row(batch):
    rows, _, _ = batch
    assert set(rows) == {
        "good",
        "good-solution",
        "loops",
        "dies",
        "floods",
        "edits-test",
        "deletes-test",
        "strips-metadata",
        "misnames",
        "garbled",
        "empty",
        "extras",
        "lost",
        "bad name!",
        "blanks-tests",
        "redefines-checks",
        "skips-first-answer",
        "exits-early",
        "snoops",
    }
    assert rows["lost"]["step"] == "99-nowhere"
    assert all(rows[learner]["step"] == STEP.slug for learner in rows if learner != "lost")


@pytest.mark.parametrize("learner", ["good", "good-solution"])
def test_good_submissions_keep_full_marks(batch, learner):
    rows, _, _ = batch
    assert rows[learner]["status"] == "ok"
    assert rows[learner]["score"] == rows[learner]["max_score"] == str(STEP.points)


def test_infinite_loop_times_out_and_the_rest_is_graded(batch):
    row = batch[0]["loops"]
    assert row["status"].startswith(f"timeout: {NOTEBOOK} cell ")
    assert "ran past the time limit" in row["status"]
    assert row["score"] == str(STEP.points)  # the answers were set before the loop; later cells ran


def test_dead_kernel_scores_the_rest_zero(batch):
    row = batch[0]["dies"]
    assert row["status"].startswith(f"kernel-died: the kernel running {NOTEBOOK} stopped in cell ")
    assert row["score"] == "0"
    assert set(cell_scores(batch, "dies").values()) == {0}


def test_flood_of_output_is_cut(batch):
    rows, _, out = batch
    assert rows["floods"]["status"].startswith(f"output-flood: output of {NOTEBOOK} cell ")
    assert rows["floods"]["score"] == str(STEP.points)
    assert (out / "autograded" / "floods" / STEP.slug / NOTEBOOK).stat().st_size < 1_000_000


def test_edited_test_cell_is_restored_and_flagged(batch):
    rows, _, _ = batch
    test_id = nbgrader_meta(first(solution(), is_graded_test))["grade_id"]
    assert f"edited-locked-cells-restored: {NOTEBOOK}: {test_id}" in rows["edits-test"]["status"]
    assert cell_scores(batch, "edits-test")[test_id] == 0  # the real test ran, on a missing answer


def test_deleted_test_cell_is_restored_graded_and_flagged(batch):
    rows, _, _ = batch
    test_id = nbgrader_meta(first(solution(), is_graded_test))["grade_id"]
    assert rows["deletes-test"]["status"] == f"deleted-cells-restored: {NOTEBOOK}: {test_id}"
    restored = batch[1]["deletes-test"].cells[test_id]
    assert restored["score"] == restored["max_score"] > 0  # the restored test ran on the good answer
    assert rows["deletes-test"]["score"] == str(STEP.points)


def test_notebook_stripped_of_metadata_is_recognised(batch):
    row = batch[0]["strips-metadata"]
    assert row["status"].startswith(f"metadata-restored: {NOTEBOOK} had lost its nbgrader metadata")
    assert row["score"] == str(STEP.points)


def test_misnamed_notebook_is_graded_under_its_name(batch):
    row = batch[0]["misnames"]
    assert row["status"] == f"misnamed-notebook: graded Untitled.ipynb as {NOTEBOOK}"
    assert row["score"] == str(STEP.points)


def test_missing_notebook_and_invalid_json(batch):
    rows, _, _ = batch
    assert rows["empty"]["status"] == f"missing-notebook: {NOTEBOOK} (no notebook submitted)"
    assert rows["empty"]["score"] == "0" and rows["empty"]["max_score"] == str(STEP.points)
    assert rows["garbled"]["status"] == f"invalid-notebook: {NOTEBOOK} is not valid JSON (line 1, column 13)"
    assert rows["garbled"]["score"] == "0"


def test_extra_files_are_listed_and_left_out(batch):
    row = batch[0]["extras"]
    assert row["status"] == "extra-files-ignored: notes.txt"  # .py files are never graded (a run writes them)
    assert row["score"] == str(STEP.points)  # neither pandas.py nor course/checks/check.py shadowed the real ones


def test_unknown_step_and_bad_learner_name(batch):
    rows, _, _ = batch
    assert rows["lost"]["status"].startswith("unknown-step")
    assert rows["bad name!"]["status"].startswith("bad-learner-name")


def test_blanked_test_cells_score_zero_and_are_flagged(batch):
    rows, _, _ = batch
    assert rows["blanks-tests"]["status"].startswith("tampered: ")
    assert "its observations were missing" in rows["blanks-tests"]["status"]
    assert rows["blanks-tests"]["score"] == "0"
    assert set(cell_scores(batch, "blanks-tests").values()) == {0}
    assert f"review: {NOTEBOOK} learner code mentions" in rows["blanks-tests"]["status"]


def test_redefining_the_checks_earns_exactly_what_the_real_work_earns(batch):
    rows, _, _ = batch
    assert cell_scores(batch, "redefines-checks") == cell_scores(batch, "skips-first-answer")
    assert 0 < float(rows["skips-first-answer"]["score"]) < STEP.points
    assert f"review: {NOTEBOOK} learner code mentions" in rows["redefines-checks"]["status"]


def test_exiting_early_earns_nothing(batch):
    row = batch[0]["exits-early"]
    assert row["status"].startswith("kernel-died")
    assert row["score"] == "0"


def test_tampered_feedback_says_the_check_was_not_trusted(batch):
    _, _, out = batch
    page = (out / "feedback" / "blanks-tests" / STEP.slug / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "This check could not be trusted, so it scored 0" in page


def snoop_lines(out: Path) -> dict[str, str]:
    notebook = nbformat.read(str(out / "autograded" / "snoops" / STEP.slug / NOTEBOOK), as_version=4)
    text = "".join(o.get("text", "") for cell in notebook.cells for o in cell.get("outputs", []))
    return {line.rsplit(" ", 1)[0]: line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith("SNOOP")}


def test_learner_code_never_sees_hidden_tests_on_disk(batch):
    assert snoop_lines(batch[2])["SNOOP hidden tests on disk"] == "False"
    assert batch[0]["snoops"]["score"] == str(STEP.points)


SANDBOX_PROBLEM = probe()


@pytest.mark.skipif(
    bool(SANDBOX_PROBLEM) and not os.environ.get("COURSE_REQUIRE_SANDBOX"),
    reason=f"no sandbox on this machine ({SANDBOX_PROBLEM}); COURSE_REQUIRE_SANDBOX=1 makes this fail",
)
def test_sandbox_hides_solutions_gradebook_other_learners_and_network(batch):
    assert not SANDBOX_PROBLEM, SANDBOX_PROBLEM
    seen = snoop_lines(batch[2])
    assert seen == {
        "SNOOP solutions": "False",
        "SNOOP submissions": "False",
        "SNOOP gradebook": "False",
        "SNOOP hidden tests on disk": "False",
        "SNOOP network": "False",
    }


def test_results_are_stored_for_the_next_run(batch):
    _, _, out = batch
    stored = json.loads((out / "results" / "good" / f"{STEP.slug}.json").read_text())
    assert stored["result"]["score"] == STEP.points and stored["failed_regrade"] == ""
    assert stored["result"]["autograded"] == {NOTEBOOK: f"autograded/good/{STEP.slug}/{NOTEBOOK}"}


def test_feedback_never_shows_hidden_test_source(batch):
    pages = list((batch[2] / "feedback").rglob("*.html"))
    assert len(pages) >= len(batch[1]) - 2  # every graded learner has a page (not the two unusable folders)
    assert_pages_hide_hidden_tests(pages, secret_hidden_lines([STEP]))
