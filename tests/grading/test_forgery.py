"""Forgery: learner code that patches the kernel, reads expected values or lies about equality earns nothing.

One batch, graded for real (nbgrader, the sandbox when present): honest learners on
steps 0 and 1 beside learners who leave the stubs in and attack the checks instead,
each attack a few lines of ordinary code. The grader judges from plain data in its own
process, so each attacker scores what their real work earns: zero for stubs, and on
step 1 no more than the same notebook with the faked functions left unwritten.
Leaks: learner code that echoes every cell it sees, disguised, reaches no feedback page
and no status.
"""

from __future__ import annotations

import csv
import re
import shutil

import nbformat
import pytest

from course.authoring.solved import solved_exercise
from course.core.catalog import load_steps
from course.core.cells import is_answer
from course.grading.grade import grade_class
from sources import secret_hidden_lines

pytestmark = pytest.mark.slow

STEP0, STEP1 = load_steps()[:2]
CELL_TIMEOUT = 120

FORCE_LINES = """
import course.checks.check as _c
_init = _c.Line.__init__
def _forced(self, called, passed, *args, **kwargs):
    _init(self, called, True, *args, **kwargs)
_c.Line.__init__ = _forced
_c.Check.passed = property(lambda self: True)
"""
SETTRACE = """
import sys
def _flip(frame, event, arg):
    if event == "call" and frame.f_code.co_name in ("report", "send", "as_dict"):
        for line in getattr(frame.f_locals.get("self"), "lines", []):
            line.passed = True
    return None
sys.settrace(_flip)
"""
FAKE_IMPORT = """
import builtins, types
_real_import = builtins.__import__
class _Fake:
    def __init__(self, *args, **kwargs):
        pass
    def __getattr__(self, name):
        return lambda *args, **kwargs: self
    def __getitem__(self, name):
        return 0
fake = types.SimpleNamespace(Check=_Fake, Probe=_Fake, course_file=lambda path: path)
def _import(name, *args, **kwargs):
    return fake if name.startswith("course.checks") else _real_import(name, *args, **kwargs)
builtins.__import__ = _import
"""
TRANSFORM = "type(get_ipython()).transform_cell = lambda self, cell: 'pass\\n'"
CUSTOM_EXC = "get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)"
FAKE_PROBE = """
import course.checks.probe as _p
from IPython.display import display
def _send(self):
    guess = {name: {"value": 329} for name in ("rows", "rows_used", "accuracies", "smells")}
    display({_p.PROBE_MIMETYPE: {"grade_id": self.grade_id, "draw": self.draw, "seen": guess}}, raw=True)
    return _p.Seen({}, self.draw)
_p.Probe.send = _send
import course.checks.check as _c
_c.Check.report = lambda self: None
"""
LIAR = """
class _Liar(int):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __ge__(self, other):
        return True
    __hash__ = int.__hash__
rows_used = rows_removed_by_mass_filter = _Liar(0)
accuracies = [_Liar(0)] * 10
"""
# Every cell this kernel runs, echoed back disguised: non-breaking spaces, last character dropped,
# and inside a transformer's name (which the old seal put into statuses).
ECHO = """
def _echo(lines):
    text = "".join(lines)
    print(text.replace(" ", "\\u00a0"))
    print("\\n".join(line[:-1] for line in text.splitlines()))
    return lines
_echo.__qualname__ = "echo"
get_ipython().input_transformers_cleanup.append(_echo)
"""
# step 1: the three functions read the value a check expects off its callers' frames
FRAME_READER = """
import sys
def _expected(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "value", "wanted"):
            if name in frame.f_locals and not callable(frame.f_locals[name]):
                return frame.f_locals[name]
        frame = frame.f_back
    raise ValueError("nothing to read")
"""
FAKED_FUNCTIONS = ("file_sha256", "read_verified_csv", "pinned_versions")

ATTACKS = {
    "forces-lines": FORCE_LINES,
    "settrace": SETTRACE,
    "fake-import": FAKE_IMPORT,
    "transform-cell": TRANSFORM,
    "custom-exc": CUSTOM_EXC,
    "fake-probe": FAKE_PROBE,
    "liar": LIAR,
}


def untouched_with(step, code: str):
    """The released notebook, stubs left in, with ``code`` in place of its first answer."""
    notebook = nbformat.read(str(step.exercise_dir / step.notebooks[0]), as_version=4)
    next(cell for cell in notebook.cells if is_answer(cell)).source = code
    return notebook


def step1_with_functions(body: str):
    """Step 1's reference answers with the three checksum/pin functions' bodies replaced by ``body``."""
    notebook = solved_exercise(STEP1, STEP1.notebooks[0])
    for cell in notebook.cells:
        for name in FAKED_FUNCTIONS:
            pattern = re.compile(rf"(def {name}\(.*?\):\n    \"\"\".*?\"\"\"\n)(.*?)(?=\n\n\ndef |\Z)", re.S)
            cell.source = pattern.sub(lambda match: match.group(1) + body, cell.source)
    first = next(cell for cell in notebook.cells if is_answer(cell))
    first.source = FRAME_READER + "\n" + first.source
    return notebook


def write(submitted, learner, step, notebook):
    folder = submitted / learner / step.slug
    shutil.copytree(step.exercise_dir, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    nbformat.write(notebook, str(folder / step.notebooks[0]))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    submitted = tmp_path_factory.mktemp("forgery-submitted")
    for step in (STEP0, STEP1):
        write(submitted, f"honest-{step.slug[:2]}", step, solved_exercise(step, step.notebooks[0]))
    for learner, code in ATTACKS.items():
        write(submitted, learner, STEP0, untouched_with(STEP0, code))
    write(submitted, "echoes", STEP0, untouched_with(STEP0, ECHO))
    write(submitted, "reads-frames", STEP1, step1_with_functions("    return _expected()\n"))
    write(submitted, "leaves-them-unwritten", STEP1, step1_with_functions("    raise NotImplementedError()\n"))
    out = tmp_path_factory.mktemp("forgery-out")
    results = grade_class(submitted, out, jobs=2, timeout=CELL_TIMEOUT, progress=lambda line: None)
    with open(out / "grades.csv", newline="") as handle:
        rows = {(row["learner"], row["step"]): row for row in csv.DictReader(handle)}
    return rows, {(r.learner, r.step): r for r in results}, out


@pytest.mark.parametrize("step", [STEP0, STEP1], ids=lambda step: step.slug)
def test_honest_learners_in_the_same_batch_keep_full_marks(batch, step):
    result = batch[1][(f"honest-{step.slug[:2]}", step.slug)]
    assert (result.score, result.status) == (step.points, "ok")


@pytest.mark.parametrize("learner", [*ATTACKS, "echoes"])
def test_patching_the_kernel_earns_nothing(batch, learner):
    result = batch[1][(learner, STEP0.slug)]
    earned = {grade_id: cell["score"] for grade_id, cell in result.cells.items() if cell["score"]}
    assert result.score == 0 and not earned, (result.status, earned)
    assert not result.failed, result.status  # a named status, never a grading error


def test_reading_expected_values_off_the_frames_earns_no_more_than_leaving_the_functions_unwritten(batch):
    faked = batch[1][("reads-frames", STEP1.slug)]
    unwritten = batch[1][("leaves-them-unwritten", STEP1.slug)]
    assert 0 < unwritten.score < STEP1.points, unwritten.cells
    assert faked.score <= unwritten.score, (faked.cells, unwritten.cells)


def disguises(line: str) -> set[str]:
    return {line, line.replace(" ", "\u00a0"), line[:-1]}


def test_no_hidden_check_reaches_a_feedback_page_or_a_status_however_disguised(batch):
    rows, _, out = batch
    secrets = {line for line in secret_hidden_lines([STEP0, STEP1]) if len(line) >= 16}
    assert secrets
    texts = [page.read_text() for page in (out / "feedback").rglob("*.html")]
    texts += [row["status"] for row in rows.values()]
    assert len(texts) > len(rows)
    for text in texts:
        found = [line for line in secrets for form in disguises(line) if form in text or form[:40] in text]
        assert not found, found[:3]
