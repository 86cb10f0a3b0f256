"""Hostile kernels in the sandbox: links left for the grader, memory, a stuck loop, floods, snooping.

One batch, graded once with ``--sandbox require`` through ``course grade``'s own code,
holds an honest learner and one learner per attack, on the first step. Slow (a few minutes).
"""

from __future__ import annotations

import csv
import hashlib
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest
from test_bad_submissions import NOTEBOOK, STEP, answered_exercise, with_first_answer, write

from course import PACKAGE_DIR, REPO_DIR
from course.core.protocol import CHECK_MIMETYPE
from course.grading.grade import grade_class
from course.grading.sandbox import probe

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(probe()) and not os.environ.get("COURSE_REQUIRE_SANDBOX"),
        reason=f"no sandbox on this machine ({probe()}); COURSE_REQUIRE_SANDBOX=1 makes this fail",
    ),
]
CELL_TIMEOUT = 20
MARKER = "COURSE_TEST_GRADER_SECRET"
MARKER_VALUE = "grader-secret-7f3a9c"

LINKS = """
import os
os.symlink({private!r}, "my-notes.txt")
os.symlink({check!r}, "check.py")
os.remove({notebook!r})
os.symlink({private!r}, {notebook!r})
"""
MEMORY = "import numpy as np\nbig = np.ones(3 * 10**9 // 8)"
STUCK = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
FLOOD = "for _ in range(300):\n    print('x' * 1_000_000)"
CHECK_FLOOD = f"""
from IPython.display import display
for i in range(3000):
    display({{{CHECK_MIMETYPE!r}: {{"grade_id": "x", "passed": True, "pad": "y" * 100_000}}}}, raw=True)
"""
# a raw message, signed with the kernel's own key, whose JSON is nested past Python's recursion limit
DEEP_MESSAGE = """
publisher = get_ipython().display_pub
session = publisher.session
header = session.msg_header("display_data")
deep = "[" * 200000 + "]" * 200000
parts = [session.pack(header), session.pack({}), b"{}", ('{"data": {"text/plain": ' + deep + "}}").encode()]
publisher.pub_socket.send_multipart([b"display_data", b"<IDS|MSG>", session.sign(parts), *parts])
"""
SNOOP = """
import glob
def readable(path):
    try:
        return open(path, "rb").read()
    except OSError:
        return None
print("SHADOW", readable("/etc/shadow") is not None)
print("ENVIRON", b" ".join(readable(p) or b"" for p in glob.glob("/proc/*/environ")))
"""


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes() + oct(path.stat().st_mode).encode())
    return digest.hexdigest()


def peak_rss_of_children(stop: threading.Event, peak: list[int]) -> None:
    """Sample the resident memory of this process's children (the grading workers)."""
    while not stop.is_set():
        for task in Path("/proc/self/task").iterdir():
            for pid in (task / "children").read_text().split():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmRSS:"):
                        peak[0] = max(peak[0], int(line.split()[1]) * 1024)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    private = base / "private.txt"
    private.write_text("private: never to be touched")
    private.chmod(0o600)
    submitted = base / "submitted"
    here = lambda learner: submitted / learner / STEP.slug  # noqa: E731
    write(here("honest"), answered_exercise())
    links = LINKS.format(private=str(private), check=str(PACKAGE_DIR / "checks" / "check.py"), notebook=NOTEBOOK)
    write(here("links"), with_first_answer(links))
    write(here("memory"), with_first_answer(MEMORY))
    write(here("stuck"), with_first_answer(STUCK))
    write(here("floods"), with_first_answer(FLOOD))
    write(here("check-floods"), with_first_answer(CHECK_FLOOD))
    write(here("snoops"), with_first_answer(SNOOP))
    write(here("deep-message"), with_first_answer(DEEP_MESSAGE))
    # check.py, not all of course/: other work may edit the package while the batch runs
    before = {"course": tree_hash(PACKAGE_DIR / "checks"), "solutions": tree_hash(REPO_DIR / "solutions")}
    out = base / "out"
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=peak_rss_of_children, args=(stop, peak), daemon=True)
    sampler.start()
    os.environ[MARKER] = MARKER_VALUE
    scratch_before = set(Path(tempfile.gettempdir()).glob("course-work-*"))
    started = time.monotonic()
    try:
        grade_class(submitted, out, jobs=2, timeout=CELL_TIMEOUT, progress=lambda line: None, sandbox="require")
    finally:
        os.environ.pop(MARKER)
        stop.set()
        sampler.join()
    print(f"\ngraded in {time.monotonic() - started:.0f} s; grading workers peaked at {peak[0] >> 20} MiB")
    with open(out / "grades.csv", newline="") as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    left = set(Path(tempfile.gettempdir()).glob("course-work-*")) - scratch_before
    return {"rows": rows, "out": out, "private": private, "before": before, "peak": peak[0], "left": left}


def autograded_text(hostile, learner: str) -> str:
    return (hostile["out"] / "autograded" / learner / STEP.slug / NOTEBOOK).read_text()


def test_the_honest_learner_keeps_full_marks(hostile):
    row = hostile["rows"]["honest"]
    assert row["status"] == "ok" and row["score"] == str(STEP.points)


def test_links_left_by_the_kernel_are_never_followed(hostile):
    private = hostile["private"]
    assert private.read_text() == "private: never to be touched"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert tree_hash(PACKAGE_DIR / "checks") == hostile["before"]["course"]
    assert tree_hash(REPO_DIR / "solutions") == hostile["before"]["solutions"]
    row = hostile["rows"]["links"]
    assert row["score"] == str(STEP.points), row["status"]  # its answers stand; the links went nowhere
    folder = hostile["out"] / "autograded" / "links" / STEP.slug
    assert not any(path.is_symlink() for path in folder.rglob("*"))
    assert not hostile["left"]  # the kernels' scratch folders were removed


def test_memory_bomb_is_named_and_the_rest_is_graded(hostile):
    row = hostile["rows"]["memory"]
    assert row["status"].startswith(f"memory: {NOTEBOOK} cell "), row["status"]
    assert row["score"] == str(STEP.points)


def test_a_loop_that_ignores_the_interrupt_is_stopped_as_a_timeout(hostile):
    row = hostile["rows"]["stuck"]
    assert row["status"].startswith(f"timeout: {NOTEBOOK} cell "), row["status"]
    assert "ignored the interrupt" in row["status"]
    assert row["score"] == "0"


@pytest.mark.parametrize("learner", ["floods", "check-floods"])
def test_floods_are_cut_while_the_cell_runs(hostile, learner):
    row = hostile["rows"][learner]
    assert row["status"].startswith(f"output-flood: output of {NOTEBOOK} cell "), row["status"]
    assert (hostile["out"] / "autograded" / learner / STEP.slug / NOTEBOOK).stat().st_size < 2_000_000
    assert row["score"] == str(STEP.points)


def test_the_kernel_cannot_read_shadow_or_the_graders_environment(hostile):
    text = autograded_text(hostile, "snoops")
    assert "SHADOW False" in text and "ENVIRON" in text
    assert hostile["rows"]["snoops"]["score"] == str(STEP.points)
    for page in [*hostile["out"].rglob("*.ipynb"), *hostile["out"].rglob("*.html")]:
        assert MARKER_VALUE not in page.read_text(), page


def test_a_message_the_grader_cannot_read_is_dropped_and_the_rest_graded(hostile):
    row = hostile["rows"]["deep-message"]
    assert "output-flood" in row["status"] and "grading-error" not in row["status"], row["status"]
    assert row["score"] == str(STEP.points)


def test_the_graders_memory_stays_reasonable(hostile):
    assert 0 < hostile["peak"] < 1 << 30  # one output message is received whole before it is dropped
