"""Each step starts where the previous one ended."""

from __future__ import annotations

import itertools

import pytest

from course.authoring.journey import end_state_code, starting_point_code
from course.core.catalog import load_steps

STEPS = load_steps()
PAIRS = list(itertools.pairwise(STEPS))


@pytest.mark.parametrize("previous,step", PAIRS, ids=[step.slug for _, step in PAIRS])
def test_starting_point_is_the_previous_steps_end_state(previous, step):
    ended = end_state_code(previous.solution_dir / previous.notebooks[-1])
    assert ended, f"{previous.slug} tags no cells as end-state"
    started = starting_point_code(step.solution_dir / step.notebooks[0])
    assert started == ended, f"{step.slug}'s starting point differs from {previous.slug}'s end state"
