"""A class of hostile folders and files graded end to end: each gets its named row, the honest learner full marks.

One batch, graded once through ``course.grading.grade.grade_class`` in a child
process with a time limit (a FIFO must not hang the run), holds an honest learner
next to links (to the reference answers of ``solutions/``, to a private file, to another learner), a FIFO, a
socket, a device, odd and hidden names, loose files and malformed notebook JSON.
Afterwards nothing outside OUT has changed. Grading takes a minute or two: ``slow``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import REPO_DIR
from course.authoring.solved import solved_exercise
from course.core.catalog import load_steps
from course.core.cells import is_graded_test

pytestmark = pytest.mark.slow

STEP = load_steps()[0]
NOTEBOOK = STEP.notebooks[0]
RUN_LIMIT = 900  # seconds for the whole batch; a hang fails the test instead of stalling it
GRADE = (
    "import sys\nfrom pathlib import Path\nfrom course.grading.grade import grade_class\n"
    "grade_class(Path(sys.argv[1]), Path(sys.argv[2]), jobs=2, timeout=30, progress=print)\n"
)


def honest(folder: Path) -> Path:
    folder.mkdir(parents=True)
    nbformat.write(solved_exercise(STEP, NOTEBOOK), str(folder / NOTEBOOK))
    return folder


def with_json(folder: Path, change) -> None:
    """An honest notebook in ``folder`` with its JSON changed by ``change(data)``."""
    folder.mkdir(parents=True)
    data = json.loads(nbformat.writes(solved_exercise(STEP, NOTEBOOK)))
    change(data)
    (folder / NOTEBOOK).write_text(json.dumps(data))


def list_grade_id(data: dict) -> None:
    next(cell for cell in data["cells"] if is_graded_test(cell))["metadata"]["nbgrader"]["grade_id"] = ["a", "b"]


def snapshot(*folders: Path) -> dict:
    """Every entry under ``folders``: type and mode, mtime, content of files (no link followed)."""
    seen = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            status = path.lstat()
            content = path.read_bytes() if stat.S_ISREG(status.st_mode) else None
            seen[str(path)] = (status.st_mode, status.st_mtime_ns, content)
    return seen


def make_device(path: Path) -> bool:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # like /dev/zero: reading it never ends
        return True
    except (PermissionError, AttributeError):
        return False


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade the class once; return (rows of grades.csv by (learner, step), seconds, before, after, device made)."""
    root = tmp_path_factory.mktemp("hostile-inputs")
    submitted, out = root / "submitted", root / "out"
    private = root / "private.txt"
    private.write_text("PRIVATE-CONTENT")
    private.chmod(0o600)
    slug = STEP.slug
    here = lambda learner: submitted / learner / slug  # noqa: E731

    honest(here("honest"))
    # the reference answers, as in solutions/ (a copy: authors may edit solutions/ while this runs)
    reference = root / "solutions" / slug
    shutil.copytree(STEP.solution_dir, reference)
    (submitted / "linked-step").mkdir(parents=True)
    here("linked-step").symlink_to(reference, target_is_directory=True)
    (submitted / "linked-learner").symlink_to(submitted / "honest", target_is_directory=True)
    here("fifo-notebook").mkdir(parents=True)
    os.mkfifo(here("fifo-notebook") / NOTEBOOK)
    here("links-another").mkdir(parents=True)
    (here("links-another") / NOTEBOOK).symlink_to(here("honest") / NOTEBOOK)
    (honest(here("links-private")) / "my-notes.txt").symlink_to(private)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(honest(here("socket")) / "sock"))
    server.close()  # the socket file stays
    device = make_device(honest(here("device")) / "zero")
    honest(here("alice\n"))
    honest(here(".hidden"))
    (submitted / "loose.txt").write_text("not a folder")
    here("nested").mkdir(parents=True)
    (here("nested") / NOTEBOOK).write_text('{"cells": ' + "[" * 50_000 + "]" * 50_000 + "}")
    with_json(here("list-grade-id"), list_grade_id)
    with_json(here("bad-metadata"), lambda data: data.update(metadata=[]))
    with_json(
        here("wrong-kernel"),
        lambda data: data["metadata"].update(kernelspec={"name": "no-such-kernel", "display_name": "Nope"}),
    )
    here("huge").mkdir(parents=True)
    with open(here("huge") / NOTEBOOK, "wb") as handle:
        handle.truncate(21 * 2**20)  # sparse

    watched = (submitted, private, reference)
    before = snapshot(*watched)
    started = os.times().elapsed
    run = subprocess.run(
        [sys.executable, "-c", GRADE, str(submitted), str(out)],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
    )
    seconds = os.times().elapsed - started
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {(row["learner"], row["step"]): row for row in csv.DictReader(handle)}
    return rows, seconds, before, snapshot(*watched), device


def status(batch, learner: str, step: str = STEP.slug) -> str:
    return batch[0][(learner, step)]["status"]


def score(batch, learner: str, step: str = STEP.slug) -> str:
    return batch[0][(learner, step)]["score"]


FULL = str(STEP.points)


def test_the_honest_learner_and_honest_work_next_to_odd_files_get_full_marks(batch):
    assert status(batch, "honest") == "ok" and score(batch, "honest") == FULL
    assert status(batch, "links-private") == "refused-input: my-notes.txt is a symbolic link; submit the file itself"
    assert status(batch, "socket") == "refused-input: sock is a socket, not a file; submit a plain file"
    for learner in ("links-private", "socket"):
        assert score(batch, learner) == FULL


def test_a_device_next_to_honest_work_is_refused(batch):
    if not batch[4]:
        pytest.skip("device nodes cannot be made here")
    assert status(batch, "device") == "refused-input: zero is a character device, not a file; submit a plain file"
    assert score(batch, "device") == FULL


def test_linked_folders_are_refused_not_graded_as_their_target(batch):
    assert status(batch, "linked-step") == (
        f"refused-input: linked-step/{STEP.slug} is a symbolic link; submit the folder itself"
    )
    assert score(batch, "linked-step") == "0"  # not the reference's 10/10
    assert (
        status(batch, "linked-learner", "")
        == "refused-input: linked-learner is a symbolic link; submit the folder itself"
    )


def test_a_fifo_or_a_link_at_the_notebook_path_is_refused(batch):
    assert status(batch, "fifo-notebook") == (
        f"refused-input: {NOTEBOOK} is a FIFO (named pipe), not a file; submit a plain file"
    )
    assert status(batch, "links-another") == f"refused-input: {NOTEBOOK} is a symbolic link; submit the file itself"
    assert score(batch, "fifo-notebook") == score(batch, "links-another") == "0"


def test_odd_hidden_and_loose_entries_get_refusal_rows(batch):
    assert status(batch, "'alice\\n'").startswith("bad-learner-name: 'alice\\n': ")
    assert status(batch, ".hidden", "") == (
        "refused-input: hidden folder .hidden ignored; a learner folder never starts with '.'"
    )
    assert status(batch, "loose.txt", "").startswith("refused-input: loose.txt is a file, not a learner folder")


def test_malformed_notebooks_are_named_never_a_grading_error(batch):
    assert status(batch, "nested") == f"invalid-notebook: {NOTEBOOK} nests JSON more than 100 levels deep"
    assert status(batch, "huge") == (
        f"refused-input: {NOTEBOOK} is over 20 MB; clear the notebook's outputs and submit again"
    )
    assert status(batch, "list-grade-id").startswith(f"metadata-restored: {NOTEBOOK}")
    assert status(batch, "bad-metadata") == (
        f"notebook-rebuilt: {NOTEBOOK} did not follow the notebook format; its cells were kept"
    )
    assert status(batch, "wrong-kernel") == "ok"
    for learner in ("list-grade-id", "bad-metadata", "wrong-kernel"):
        assert score(batch, learner) == FULL
    assert not [row for row in batch[0].values() if "grading-error" in row["status"]]


def test_every_entry_has_a_row(batch):
    learners = {learner for learner, _ in batch[0]}
    assert learners == {
        "honest",
        "linked-step",
        "linked-learner",
        "fifo-notebook",
        "links-another",
        "links-private",
        "socket",
        "device",
        "'alice\\n'",
        ".hidden",
        "loose.txt",
        "nested",
        "list-grade-id",
        "bad-metadata",
        "wrong-kernel",
        "huge",
    }


def test_nothing_outside_out_changed_and_the_run_finished(batch):
    _, seconds, before, after, _ = batch
    assert after == before  # the submissions, the private file and solutions/: modes, times, contents
    assert seconds < RUN_LIMIT
    print(f"graded the hostile class in {seconds:.0f} s")
