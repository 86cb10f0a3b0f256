"""course.authoring.synthetic_class: the class and cohort the grading benchmarks grade."""

from __future__ import annotations

import json

from course.authoring.synthetic_class import COHORT_KINDS, KINDS, build_class
from course.core.catalog import find_step


def test_a_cohort_has_every_learner_submit_every_step_with_a_mix_of_answers(tmp_path):
    steps = [find_step("00"), find_step("03")]
    made = build_class(tmp_path, learners=5, every_step=True, steps=steps)
    assert len(made) == 10
    assert {(learner, slug) for learner, slug, _ in made} == {
        (f"learner{n:02d}", step.slug) for n in range(5) for step in steps
    }
    assert [kind for _, _, kind in made] == list(COHORT_KINDS)  # 10 submissions: one of each place in the mix
    for learner, slug, kind in made:
        for name in find_step(slug).notebooks:
            text = (tmp_path / learner / slug / name).read_text()
            if kind == "untouched":
                assert (
                    json.loads(text)["cells"] == json.loads((find_step(slug).exercise_dir / name).read_text())["cells"]
                )
            elif kind == "full":
                assert "### BEGIN SOLUTION" in text


def test_a_class_has_one_step_per_learner_round_robin(tmp_path):
    steps = [find_step("00"), find_step("03")]
    made = build_class(tmp_path, learners=3, steps=steps)
    assert [(learner, slug) for learner, slug, _ in made] == [
        ("learner00", steps[0].slug),
        ("learner01", steps[1].slug),
        ("learner02", steps[0].slug),
    ]
    assert [kind for _, _, kind in made] == list(KINDS[:3])
