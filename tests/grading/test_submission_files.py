"""Learner files are data: links, FIFOs, sockets, devices, odd names and malformed JSON, without a kernel (fast)."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import stat
import threading
from pathlib import Path, PurePosixPath

import nbformat
import pytest

from course.authoring.solved import solved_exercise
from course.core.catalog import load_steps
from course.core.cells import grade_id_of, is_graded_test
from course.grading import submission_files
from course.grading.grade import find_submissions
from course.grading.intake import MAX_NESTING, read_notebook, take_in
from course.grading.store import write_grades
from course.grading.submission_files import Refused, copy_submission, read_regular, shown

STEPS = load_steps()
STEP = STEPS[0]
NOTEBOOK = STEP.notebooks[0]


def honest(folder: Path) -> Path:
    folder.mkdir(parents=True)
    nbformat.write(solved_exercise(STEP, NOTEBOOK), str(folder / NOTEBOOK))
    return folder


@pytest.fixture
def step_folder(tmp_path) -> Path:
    """SUBMITTED/learner/<step> with an honest notebook in it."""
    return honest(tmp_path / "submitted" / "learner" / STEP.slug)


@pytest.fixture
def private(tmp_path) -> Path:
    secret = tmp_path / "private.txt"
    secret.write_text("SECRET-CONTENT")
    secret.chmod(0o600)
    return secret


def copy(folder: Path, tmp_path: Path):
    return copy_submission(folder, tmp_path / "copy", lambda path: False)


def snapshot(folder: Path) -> dict:
    """Every entry under ``folder``: its type, mode, mtime and, for files, content (no link followed)."""
    seen = {}
    for path in [folder, *folder.rglob("*")]:
        status = path.lstat()
        content = path.read_bytes() if stat.S_ISREG(status.st_mode) else None
        seen[str(path)] = (status.st_mode, status.st_mtime_ns, content)
    return seen


# -- what is copied and what is refused ----------------------------------------------------------


def test_a_link_to_a_private_file_is_refused_and_never_read(step_folder, private, tmp_path):
    (step_folder / "my-notes.txt").symlink_to(private)
    copied = copy(step_folder, tmp_path)
    assert copied.refused == {
        PurePosixPath("my-notes.txt"): "refused-input: my-notes.txt is a symbolic link; submit the file itself"
    }
    assert copied.files == [PurePosixPath(NOTEBOOK)]
    assert not (tmp_path / "copy" / "my-notes.txt").exists()
    assert all(b"SECRET-CONTENT" not in path.read_bytes() for path in (tmp_path / "copy").rglob("*") if path.is_file())


def test_a_linked_subfolder_is_refused_not_walked(step_folder, tmp_path):
    elsewhere = honest(tmp_path / "elsewhere")
    (step_folder / "data").symlink_to(elsewhere, target_is_directory=True)
    copied = copy(step_folder, tmp_path)
    assert copied.refused == {PurePosixPath("data"): "refused-input: data is a symbolic link; submit the file itself"}
    assert not (tmp_path / "copy" / "data").exists()


def test_real_subfolders_and_files_are_copied_with_their_content(step_folder, tmp_path):
    (step_folder / "notes").mkdir()
    (step_folder / "notes" / "a.txt").write_text("mine")
    copied = copy(step_folder, tmp_path)
    assert copied.refused == {}
    assert copied.files == [PurePosixPath(NOTEBOOK), PurePosixPath("notes/a.txt")]
    assert (tmp_path / "copy" / "notes" / "a.txt").read_text() == "mine"
    assert stat.S_IMODE((tmp_path / "copy" / "notes" / "a.txt").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "copy" / "notes").stat().st_mode) == 0o700  # the grader's alone


def finishes(function, seconds: float = 10):
    """``function()``, run in a thread: fail the test if it is still running after ``seconds``."""
    box: dict = {}

    def run():
        try:
            box["value"] = function()
        except BaseException as error:  # handed back to the test
            box["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (blocked on a FIFO?)"
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_a_fifo_at_the_notebook_path_is_refused_without_hanging(tmp_path):
    folder = tmp_path / "submitted" / "learner" / STEP.slug
    folder.mkdir(parents=True)
    os.mkfifo(folder / NOTEBOOK)
    intake = finishes(lambda: take_in(folder, STEP.notebooks, STEP.exercise_dir, [], str(tmp_path)))
    assert intake.notebooks == {}
    # refused, and not also called missing
    assert intake.problems == [f"refused-input: {NOTEBOOK} is a FIFO (named pipe), not a file; submit a plain file"]


def test_a_file_swapped_for_a_fifo_after_the_check_is_caught_on_the_open_descriptor(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "pipe")
    real_stat = os.stat

    def looks_regular(path, *args, **kwargs):  # the check saw a regular file; then the swap
        status = real_stat(path, *args, **kwargs)
        return os.stat_result((stat.S_IFREG | 0o644, *tuple(status)[1:]))

    monkeypatch.setattr(submission_files.os, "stat", looks_regular)
    with pytest.raises(Refused, match="^refused-input: pipe is a FIFO"):
        finishes(lambda: read_regular(str(tmp_path / "pipe"), None, "pipe"))


def test_a_socket_is_refused(step_folder, tmp_path, monkeypatch):
    server = socket.socket(socket.AF_UNIX)
    monkeypatch.chdir(step_folder)  # a relative name: a socket's full path may hold only about 100 characters
    server.bind("sock")
    try:
        copied = finishes(lambda: copy(step_folder, tmp_path))
    finally:
        server.close()
    assert copied.refused == {PurePosixPath("sock"): "refused-input: sock is a socket, not a file; submit a plain file"}


def test_a_device_is_refused_never_opened(step_folder, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    try:
        os.mknod(step_folder / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # /dev/zero: reading never ends
    except PermissionError:
        pytest.skip("this container may not make device nodes")
    copied = finishes(lambda: copy(step_folder, tmp_path))
    assert copied.refused == {
        PurePosixPath("zero"): "refused-input: zero is a character device, not a file; submit a plain file"
    }


def test_a_file_over_the_size_limit_is_refused(step_folder, tmp_path):
    with open(step_folder / "big.csv", "wb") as handle:
        handle.truncate(submission_files.MAX_FILE_BYTES + 1)  # sparse: no disk used
    copied = copy(step_folder, tmp_path)
    assert copied.refused == {
        PurePosixPath("big.csv"): "refused-input: big.csv is over 20 MB; clear the notebook's outputs and submit again"
    }
    assert PurePosixPath(NOTEBOOK) in copied.files


def test_the_total_size_is_capped(step_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(submission_files, "MAX_TOTAL_BYTES", (step_folder / NOTEBOOK).stat().st_size + 10)
    (step_folder / "z.txt").write_bytes(b"x" * 100)
    copied = copy(step_folder, tmp_path)
    assert list(copied.refused) == [PurePosixPath("z.txt")]
    assert "the folder holds over" in copied.refused[PurePosixPath("z.txt")]


@pytest.mark.parametrize("linked", ["learner", "step"])
def test_a_linked_learner_or_step_folder_is_refused_at_copy_time(tmp_path, linked):
    """Even when swapped for a link after ``find_submissions`` listed it."""
    submitted = tmp_path / "submitted"
    if linked == "step":
        (submitted / "learner").mkdir(parents=True)
        (submitted / "learner" / STEP.slug).symlink_to(STEP.solution_dir, target_is_directory=True)
    else:
        submitted.mkdir()
        honest(tmp_path / "elsewhere" / STEP.slug)
        (submitted / "learner").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(Refused) as refused:
        copy(submitted / "learner" / STEP.slug, tmp_path)
    shown_path = "learner" if linked == "learner" else f"learner/{STEP.slug}"
    assert str(refused.value) == f"refused-input: {shown_path} is a symbolic link; submit the folder itself"


def test_the_learner_folder_is_never_changed(step_folder, private, tmp_path):
    (step_folder / "my-notes.txt").symlink_to(private)
    os.mkfifo(step_folder / "pipe")
    before, secret_before = snapshot(step_folder.parent), snapshot(private)
    take_in(step_folder, STEP.notebooks, STEP.exercise_dir, [], str(tmp_path))
    assert snapshot(step_folder.parent) == before and snapshot(private) == secret_before


# -- every folder gets a row ---------------------------------------------------------------


@pytest.fixture
def hostile_class(tmp_path) -> Path:
    submitted = tmp_path / "submitted"
    honest(submitted / "good" / STEP.slug)
    (submitted / "linker").mkdir()
    (submitted / "linker" / STEP.slug).symlink_to(STEP.solution_dir, target_is_directory=True)
    (submitted / "alias").symlink_to(submitted / "good", target_is_directory=True)
    honest(submitted / "alice\n" / STEP.slug)
    honest(submitted / ".hidden" / STEP.slug)
    (submitted / "loose.txt").write_text("x")
    os.mkfifo(submitted / "fifo")
    (submitted / "empty").mkdir()
    honest(submitted / "twice" / "00")
    honest(submitted / "twice" / STEP.slug)
    honest(submitted / "odd" / f"{STEP.slug}\n")
    honest(submitted / "odd" / ".ipynb_checkpoints")
    return submitted


def test_every_entry_gets_a_graded_submission_or_a_named_refusal(hostile_class):
    found, unusable = find_submissions(hostile_class, STEPS)
    assert [(s.learner, s.folder.name) for s in found] == [("good", STEP.slug), ("twice", STEP.slug)]
    rows = {(r.learner, r.step): r.status for r in unusable}
    slug = STEP.slug
    assert rows == {
        (".hidden", ""): "refused-input: hidden folder .hidden ignored; a learner folder never starts with '.'",
        ("alias", ""): "refused-input: alias is a symbolic link; submit the folder itself",
        ("'alice\\n'", slug): "bad-learner-name: 'alice\\n': use letters, digits, '.', '_' or '-' (at most 64)",
        ("empty", ""): "empty-folder: empty holds no step folder",
        ("fifo", ""): "refused-input: fifo is a FIFO (named pipe), not a folder; submit a plain folder",
        ("linker", slug): f"refused-input: linker/{slug} is a symbolic link; submit the folder itself",
        ("loose.txt", ""): (
            "refused-input: loose.txt is a file, not a learner folder; submissions go in SUBMITTED/<learner>/<step>/"
        ),
        ("odd", ".ipynb_checkpoints"): (
            "refused-input: hidden folder odd/.ipynb_checkpoints ignored; a step folder never starts with '.'"
        ),
        ("odd", repr(f"{slug}\n")): f"unknown-step: {slug + chr(10)!r} is no step of the course",
        ("twice", "00"): f"refused-input: twice/00 is a second folder for step {slug}; keep one",
    }


def test_grades_csv_has_one_line_per_row_whatever_the_names(hostile_class, tmp_path):
    _, unusable = find_submissions(hostile_class, STEPS)
    write_grades(unusable, tmp_path / "grades.csv")
    text = (tmp_path / "grades.csv").read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(unusable) + 1  # no learner name broke a line
    assert len(list(csv.DictReader(io.StringIO(text)))) == len(unusable)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("alice", "alice"),
        ("alice\n", "'alice\\n'"),
        ("a;ok", "'a;ok'"),
        ("\u202eevil", "'\\u202eevil'"),  # a right-to-left override
        (os.fsdecode(b"bad\xff"), "'bad\\udcff'"),  # a byte that is not UTF-8
        ("x" * 100, "x" * 57 + "..."),
    ],
)
def test_learner_supplied_names_are_shown_escaped_and_short(name, expected):
    assert shown(name) == expected


# -- malformed notebooks: named, never a grading error -------------------------------------------


def notebook_json() -> dict:
    return json.loads(nbformat.writes(solved_exercise(STEP, NOTEBOOK)))


def read(tmp_path, data) -> tuple:
    path = tmp_path / NOTEBOOK
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return read_notebook(path, NOTEBOOK)


def test_json_nested_past_the_parser_is_an_invalid_notebook(tmp_path):
    notebook, problems = read(tmp_path, '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert notebook is None
    assert problems == [f"invalid-notebook: {NOTEBOOK} nests JSON more than {MAX_NESTING} levels deep"]


def test_json_nested_deeper_than_a_notebook_needs_is_an_invalid_notebook(tmp_path):
    data = notebook_json()
    data["cells"][0]["metadata"]["deep"] = json.loads("[" * 500 + "]" * 500)  # parses, but breaks later steps
    notebook, problems = read(tmp_path, data)
    assert notebook is None
    assert problems == [f"invalid-notebook: {NOTEBOOK} nests JSON more than {MAX_NESTING} levels deep"]


def test_a_number_too_long_to_read_is_an_invalid_notebook(tmp_path):
    notebook, problems = read(tmp_path, '{"cells": [], "x": ' + "1" * 5000 + "}")
    assert notebook is None and problems[0].startswith(f"invalid-notebook: {NOTEBOOK} is not valid JSON (")


def test_cells_that_are_not_a_list_are_an_invalid_notebook(tmp_path):
    data = notebook_json()
    data["cells"] = {"a": 1}
    assert read(tmp_path, data) == (
        None,
        [f"invalid-notebook: {NOTEBOOK} is JSON but not a notebook (it has no cells)"],
    )


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: data.update(metadata=[]),
        lambda data: data["cells"][0].update(metadata="x"),
        lambda data: data["cells"][0].update(source=["x = ", 1]),
        lambda data: data["cells"].append({"cell_type": ["code"], "source": "x"}),
    ],
    ids=["notebook-metadata-list", "cell-metadata-string", "source-with-a-number", "cell-type-list"],
)
def test_metadata_of_the_wrong_type_is_rebuilt_not_a_crash(tmp_path, spoil):
    data = notebook_json()
    spoil(data)
    notebook, problems = read(tmp_path, data)
    assert notebook is not None
    assert problems == [f"notebook-rebuilt: {NOTEBOOK} did not follow the notebook format; its cells were kept"]


@pytest.mark.parametrize("grade_id", [["a", "b"], 5, {"x": 1}])
def test_a_grade_id_that_is_not_a_string_is_no_grade_id(step_folder, tmp_path, grade_id):
    data = notebook_json()
    test_cell = next(cell for cell in data["cells"] if is_graded_test(cell))
    real_id = test_cell["metadata"]["nbgrader"]["grade_id"]
    test_cell["metadata"]["nbgrader"]["grade_id"] = grade_id
    (step_folder / NOTEBOOK).write_text(json.dumps(data))
    intake = take_in(step_folder, STEP.notebooks, STEP.exercise_dir, [], str(tmp_path))
    assert grade_id_of(test_cell) == ""
    ids = [grade_id_of(cell) for cell in intake.notebooks[NOTEBOOK].cells]
    assert ids.count(real_id) == 1  # the real test cell is there once, from the release
    assert all(
        isinstance(cell.metadata.get("nbgrader", {}).get("grade_id", ""), str)
        for cell in intake.notebooks[NOTEBOOK].cells
    )


def test_the_kernel_to_run_is_the_course_choice_not_the_learner(step_folder, tmp_path):
    data = notebook_json()
    data["metadata"]["kernelspec"] = {"name": "no-such-kernel", "display_name": "x", "language": "python"}
    (step_folder / NOTEBOOK).write_text(json.dumps(data))
    intake = take_in(step_folder, STEP.notebooks, STEP.exercise_dir, [], str(tmp_path))
    released = nbformat.read(str(STEP.exercise_dir / NOTEBOOK), as_version=4)
    assert intake.notebooks[NOTEBOOK].metadata.kernelspec == released.metadata.kernelspec


def test_read_notebook_never_opens_what_is_not_a_regular_file(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / NOTEBOOK)
    opened = []
    real_open = os.open
    monkeypatch.setattr(
        submission_files.os, "open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k)
    )
    notebook, problems = finishes(lambda: read_notebook(tmp_path / NOTEBOOK, NOTEBOOK))
    assert notebook is None
    assert problems == [f"invalid-notebook: {NOTEBOOK} is a FIFO (named pipe), not a file; submit a plain file"]
    assert opened == []


def test_the_number_of_files_is_capped(step_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(submission_files, "MAX_ENTRIES", 3)
    for index in range(5):
        (step_folder / f"f{index}.txt").write_text("x")
    copied = copy(step_folder, tmp_path)
    assert copied.refused == {
        PurePosixPath("f3.txt"): "refused-input: more than 3 files; f3.txt and later ones not read"
    }
    assert copied.files == [PurePosixPath(f"f{index}.txt") for index in range(3)]


def test_folders_are_followed_only_so_deep(step_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(submission_files, "MAX_DEPTH", 1)
    (step_folder / "a" / "b").mkdir(parents=True)
    (step_folder / "a" / "b" / "c.txt").write_text("deep")
    (step_folder / "a" / "d.txt").write_text("shallow")
    copied = copy(step_folder, tmp_path)
    assert copied.refused == {PurePosixPath("a/b"): "refused-input: a/b is more than 1 folders deep"}
    assert PurePosixPath("a/d.txt") in copied.files
