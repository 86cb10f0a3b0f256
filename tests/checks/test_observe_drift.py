"""course.checks.observe.drift: step 17's expected answers are arithmetic, worked out again here without scipy.

The expected shifts (``GOLDEN_PAIRS``, ``GOLDEN_SEASON_SHIFTS``) and the planted seasons' verdicts
(``GOLDEN_DRIFTED``) are written down. These tests prove they are right, not a guess: the largest gap
between two cumulative shares and the share of birds that would have to change, computed in plain
Python on the step's own seasons, give them; the reference passes; and a drift table with the
threshold written into it does not.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from end_states import observed, written_end_state

from course.authoring.end_state import write_end_state
from course.checks.drift_probe import NEW_SEASON, PAIRS, REFERENCE_SEASONS
from course.checks.observe import drift
from course.core.catalog import find_step

SEASONS = find_step("17").solution_dir / "data" / "seasons"
DRIFT = "src/penguins/drift.py"


def largest_gap(reference: list[float], recent: list[float]) -> float:
    """The Kolmogorov-Smirnov statistic: the largest gap between the two cumulative shares, at any value."""

    def share_at_or_below(values: list[float], point: float) -> float:
        return sum(value <= point for value in values) / len(values)

    return max(
        abs(share_at_or_below(reference, point) - share_at_or_below(recent, point)) for point in reference + recent
    )


def share_to_change(reference: list[str], recent: list[str]) -> float:
    """The total variation distance: half the sum of the differences between each value's shares."""
    values = set(reference) | set(recent)
    return sum(abs(reference.count(value) / len(reference) - recent.count(value) / len(recent)) for value in values) / 2


def valid_measurements(season: str, column: str) -> list[float]:
    """A season's recorded values of ``column``, the missing ones left out, read with the standard library."""
    with (SEASONS / f"{season}.csv").open(encoding="utf-8") as rows:
        return [float(row[column]) for row in csv.DictReader(rows) if row[column] not in ("", "NA", ".")]


def test_the_planted_pairs_golden_shifts_are_the_arithmetic():
    for name, (reference, recent) in PAIRS.items():
        kept = [value for value in reference if value is not None], [value for value in recent if value is not None]
        if isinstance(kept[0][0], float):
            assert round(largest_gap(*kept), 3) == drift.GOLDEN_PAIRS[name], name
        else:
            assert round(share_to_change(*kept), 3) == drift.GOLDEN_PAIRS[name], name


def test_the_seasons_golden_shifts_are_the_largest_gaps_between_their_cumulative_shares():
    for column, golden in drift.GOLDEN_SEASON_SHIFTS.items():
        reference = [value for season in REFERENCE_SEASONS for value in valid_measurements(season, column)]
        assert round(largest_gap(reference, valid_measurements(NEW_SEASON, column)), 3) == golden, column


def test_only_the_planted_columns_pass_the_threshold():
    """The golden verdicts follow from the shifts: each planted change moves its column far past 0.2."""
    natural = drift.GOLDEN_SEASON_SHIFTS
    assert max(natural.values()) < 0.2 and drift.GOLDEN_DRIFTED["PAL0910 as it came"] == []
    assert drift.GOLDEN_DRIFTED["PAL0910 as it came, threshold 0.1"] == [c for c, v in natural.items() if v > 0.1]


@pytest.fixture(scope="module")
def reference_answer(tmp_path_factory):
    return written_end_state(tmp_path_factory.mktemp("after") / "17", "17")


def test_the_reference_gives_the_golden_shifts_and_verdicts(reference_answer, monkeypatch):
    shifts = observed(reference_answer, monkeypatch, drift.shift)
    assert drift.pair_shifts(shifts) == drift.GOLDEN_PAIRS
    assert drift.value_of(shifts["PAL0910's measurements"]) == drift.GOLDEN_SEASON_SHIFTS
    table = observed(reference_answer, monkeypatch, drift.table)
    assert drift.columns_listed(table) == drift.MONITORED
    assert drift.drifted(table) == drift.GOLDEN_DRIFTED


def test_a_threshold_written_into_the_table_fails(monkeypatch, tmp_path):
    mutant = tmp_path / "mutant"
    write_end_state(find_step("17"), mutant, git=False)
    source = (mutant / DRIFT).read_text()
    assert "value > threshold" in source
    (mutant / DRIFT).write_text(source.replace("value > threshold", "value > 0.2"))
    table = observed(Path(mutant), monkeypatch, drift.table)
    assert drift.drifted(table) != drift.GOLDEN_DRIFTED
