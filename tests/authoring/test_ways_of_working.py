"""The team's ways-of-working document grows by step (course/core/ways_of_working.py).

Every step's source notebook writes the whole document as of that step in one
``%%writefile WAYS-OF-WORKING.md`` answer cell: exactly the sections of the steps so far,
in order; the earlier ones as given text equal to the previous step's reference (nothing
is lost); the step's own as answers, which the released exercise leaves as stubs. The
graded cell's judge, run here in-process on plain text as the grader runs it, passes the
reference and fails the stub and a section that does not say what the step decided.
Fast: no notebook is executed.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from course.authoring.release import FILE_STUBS
from course.checks.agreement import placeholders_left_of, undecided_of, unwritten_of
from course.core import ways_of_working
from course.core.catalog import load_steps
from course.core.cells import BEGIN_SOLUTION, END_SOLUTION, grade_id_of, is_solution, without_solution_markers
from course.grading.judging import judge, plan
from weak_submissions import WEAK, with_weak_answer

STEPS = load_steps()
WRITING = [step for step in STEPS if ways_of_working.part_of(step.slug) is not None]
GROWING = [step for step in WRITING if step.slug != ways_of_working.REVIEW_STEP]
FIRST_LINE = "%%writefile WAYS-OF-WORKING.md"
STUB = FILE_STUBS[".md"]


def notebook_of(step, released: bool = False):
    folder = step.exercise_dir if released else step.solution_dir
    return nbformat.read(str(folder / step.notebooks[0]), as_version=4)


def answer_source(step, released: bool = False) -> str:
    cells = [c for c in notebook_of(step, released).cells if c.source.startswith(FIRST_LINE)]
    assert len(cells) == 1, f"{step.slug}: {len(cells)} cells write WAYS-OF-WORKING.md, want one"
    assert is_solution(cells[0]) and grade_id_of(cells[0]) == f"step{step.number:02d}_ways_of_working_file"
    return cells[0].source


def document(source: str) -> str:
    """The file a %%writefile cell writes, solution markers removed."""
    return without_solution_markers(source.split("\n", 1)[1])


def parts(text: str) -> tuple[str, dict[str, str]]:
    """(what comes before the first ## heading, heading -> the section's text as written)."""
    pieces = re.split(r"^## +(.+?)[ \t]*$", text, flags=re.M)
    return pieces[0].strip(), {h.strip(): body.strip() for h, body in zip(pieces[1::2], pieces[2::2], strict=True)}


def reference(step) -> str:
    return document(answer_source(step))


def previous(step):
    return next(s for s in STEPS if s.number == step.number - 1)


@pytest.mark.parametrize("step", WRITING, ids=lambda step: step.slug)
def test_the_document_has_exactly_the_sections_of_the_steps_so_far(step):
    _, sections = parts(reference(step))
    assert list(sections) == ways_of_working.headings_at(step.slug)


def test_the_document_exists_from_step_0_and_grows_to_every_section():
    assert WRITING[0].number == 0 and WRITING[0].slug == ways_of_working.DRAFT_STEP
    assert [step.number for step in WRITING] == list(range(len(WRITING))) == list(range(len(STEPS)))
    sizes = [len(ways_of_working.headings_at(step.slug)) for step in WRITING]
    assert sizes == sorted(sizes) and sizes[-1] == len(ways_of_working.SECTIONS)
    assert ways_of_working.headings_at(GROWING[-1].slug) == ways_of_working.headings(), "step 12 reviews, adds nothing"


@pytest.mark.parametrize("step", WRITING[1:], ids=lambda step: step.slug)
def test_nothing_is_lost_earlier_sections_are_the_previous_steps_reference(step):
    before_head, before = parts(reference(previous(step)))
    head, now = parts(reference(step))
    decided = ways_of_working.decided_at(step.slug)
    for heading, text in before.items():
        if heading not in decided:
            assert now[heading] == text, f"{step.slug}: {heading} is not step {step.number - 1}'s text"
    if step.slug != ways_of_working.REVIEW_STEP:
        assert head == before_head, f"{step.slug}: the title and preamble changed"


@pytest.mark.parametrize("step", WRITING, ids=lambda step: step.slug)
def test_the_steps_own_sections_are_answers_and_the_rest_is_given(step):
    _, raw = parts(answer_source(step).split("\n", 1)[1])
    decided = ways_of_working.decided_at(step.slug)
    for heading, body in raw.items():
        question = f"<!-- {ways_of_working.question(heading)} -->"
        assert body.startswith(question), f"{step.slug}: {heading} does not start with its question"
        rest = body[len(question) :].strip()
        is_answer = rest.startswith(BEGIN_SOLUTION) and rest.endswith(END_SOLUTION)
        assert is_answer == (heading in decided), f"{step.slug}: {heading}"
        assert rest.count(BEGIN_SOLUTION) == (heading in decided)


@pytest.mark.parametrize("step", WRITING, ids=lambda step: step.slug)
def test_the_reference_is_written_and_says_what_the_step_decided(step):
    text = reference(step)
    assert unwritten_of(text, ways_of_working.headings_at(step.slug)) == []
    assert placeholders_left_of(text) == []
    assert undecided_of(text, step.slug) == []


@pytest.mark.parametrize("step", WRITING, ids=lambda step: step.slug)
def test_the_released_exercise_has_the_stub_where_the_steps_sections_go(step):
    _, released = parts(document(answer_source(step, released=True)))
    _, solved = parts(reference(step))
    decided = ways_of_working.decided_at(step.slug)
    for heading, body in released.items():
        question = f"<!-- {ways_of_working.question(heading)} -->"
        if heading in decided:
            assert body == f"{question}\n\n{STUB}", f"{step.slug}: {heading} is not the stub"
        else:
            assert body == solved[heading], f"{step.slug}: {heading} differs from the source"


def judge_of(step) -> tuple:
    """The plan of the step's graded cell, as the grader makes it."""
    cell = next(c for c in notebook_of(step).cells if grade_id_of(c) == f"step{step.number:02d}_ways_of_working")
    assert cell.metadata.nbgrader["points"] == 1
    return plan(grade_id_of(cell), cell.source)[0]


def verdict(step, text: str) -> bool:
    return judge(judge_of(step), {"document": {"value": text}}, step.solution_dir).passed


def vague(text: str, headings: list[str]) -> str:
    """``text`` with each of ``headings`` rewritten as a long, friendly section that decides nothing."""
    filler = "We talked about this together as one team and agreed to keep it simple, honest and kind to each other."
    head, sections = parts(text)
    body = [head] + [f"## {h}\n\n{filler if h in headings else sections[h]}" for h in sections]
    return "\n\n".join(body) + "\n"


@pytest.mark.parametrize("step", GROWING, ids=lambda step: step.slug)
def test_the_judge_passes_the_reference_and_fails_the_stub_or_a_section_that_decides_nothing(step):
    assert verdict(step, reference(step))
    assert not verdict(step, document(answer_source(step, released=True)))
    assert not verdict(step, vague(reference(step), list(ways_of_working.decided_at(step.slug))))
    earlier = [h for h in ways_of_working.headings_at(step.slug) if h not in ways_of_working.decided_at(step.slug)]
    if earlier:  # an earlier section deleted: the document no longer grows
        head, sections = parts(reference(step))
        dropped = "\n\n".join([head] + [f"## {h}\n\n{b}" for h, b in sections.items() if h != earlier[0]])
        assert not verdict(step, dropped)


def test_a_missing_document_fails_the_judge_line_by_line():
    step = GROWING[0]
    missing = {"document": {"error": "FileNotFoundError: WAYS-OF-WORKING.md"}}
    for observed in ({}, missing):
        found = judge(judge_of(step), observed, step.solution_dir)
        assert not found.passed and not any(line["passed"] for line in found.lines)


@pytest.mark.parametrize("step", GROWING, ids=lambda step: step.slug)
def test_the_part_explains_the_step_quotes_what_it_revises_and_names_what_the_check_reads(step):
    prefix = f"step{step.number:02d}_ways_of_working"
    text = next(c.source for c in notebook_of(step).cells if grade_id_of(c) == f"{prefix}_heading")
    part = ways_of_working.part_of(step.slug)
    assert text.startswith("## Our ways of working") and f"*About {part.minutes} minutes.*" in text
    flat = " ".join(text.split())
    assert re.search(r"the data scientist [\w ]{0,12}\b(re)?writes", flat) and "engineer explains" in flat, "who writes"
    _, before = parts(reference(previous(step))) if step.number else ("", {})
    for heading, terms in ways_of_working.decided_at(step.slug).items():
        assert heading in text
        for spellings in terms:
            assert f'"{spellings[0]}"' in text, f"{step.slug}: the part does not name {spellings[0]!r}"
        if heading not in ways_of_working.added_at(step.slug):
            given = before[heading].removeprefix(f"<!-- {ways_of_working.question(heading)} -->").strip()
            quoted = "\n".join(("> " + line).rstrip() for line in given.splitlines())
            assert quoted in text, f"{step.slug}: the previous version of {heading} is not quoted"
    ids = [grade_id_of(c) for c in notebook_of(step).cells]
    at = ids.index(f"{prefix}_heading")
    assert ids[at + 1 : at + 3] == [f"{prefix}_file", prefix]
    assert ids[at + 3] == f"step{step.number:02d}_outro", "the part comes just before the step's wrap-up"


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.slug)
def test_the_notebook_header_states_the_registrys_minutes_and_points(step):
    first = notebook_of(step).cells[0].source
    found = re.search(r"\*Time budget: (\d+) minutes · (\d+) points", first)
    assert found and (int(found.group(1)), int(found.group(2))) == (step.minutes, step.points), first[:200]


WEAK_DOCUMENTS = [
    (slug, learner, target, code, zeros)
    for slug, entries in WEAK.items()
    for learner, target, code, zeros in entries
    if target.split("#")[0].endswith("_ways_of_working_file")
]


@pytest.mark.parametrize("slug, learner, target, code, zeros", WEAK_DOCUMENTS, ids=[w[1] for w in WEAK_DOCUMENTS])
def test_each_weak_document_in_the_weak_submissions_fails_the_steps_judge(slug, learner, target, code, zeros):
    step = next(s for s in STEPS if s.slug == slug)
    notebook = with_weak_answer(step.solution_dir / step.notebooks[0], target, code)
    source = next(c.source for c in notebook.cells if c.source.startswith(FIRST_LINE))
    for grade_id in zeros:
        if grade_id.endswith("_ways_of_working"):
            assert not verdict(step, document(source)), learner
