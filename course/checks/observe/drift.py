"""Step 17's observations: the learner's drift measures on planted pairs and planted seasons.

Each function runs ``course.checks.drift_probe`` in a fresh Python in a scratch copy of the step's
folder and returns plain data with no expected value in it; the judge compares it with the
expected answers below. They are known by construction: a pair's shift is arithmetic (the largest
gap between two cumulative shares; the share of birds that would have to change), the measurements'
shifts are the Kolmogorov-Smirnov statistics of the step's own seasons, and each planted season
changes one thing. ``tests/checks/test_observe_drift.py`` works each one out again, without scipy.
"""

from __future__ import annotations

from typing import Any

from course.checks.observe.libraries import run_probe, value_of  # noqa: F401 (value_of: the checks read results with it)

GOLDEN_PAIRS = {
    "the same numbers": 0.0,
    "numbers apart": 1.0,
    "numbers one step apart": 0.333,
    "half the answers changed": 0.5,
    "an island never seen": 1.0,
    "missing values": 0.0,
}
GOLDEN_SEASON_SHIFTS = {  # PAL0910's measurements against PAL0708 and PAL0809's
    "Culmen Length (mm)": 0.146,
    "Culmen Depth (mm)": 0.085,
    "Flipper Length (mm)": 0.126,
    "Body Mass (g)": 0.073,
}
MONITORED = [*GOLDEN_SEASON_SHIFTS, "Species", "Island", "Sex"]
GOLDEN_DRIFTED = {  # each planted season: the columns that must be found to have drifted, and only those
    "PAL0910 as it came": [],
    "PAL0910, each bird 20% heavier": ["Body Mass (g)"],
    "PAL0910, flippers 15 mm longer": ["Flipper Length (mm)"],
    "PAL0910, every answer MALE": ["Sex"],
    "PAL0910 as it came, threshold 0.1": ["Culmen Length (mm)", "Flipper Length (mm)"],
}


def shift() -> dict[str, Any]:
    """``shift`` on the planted pairs and on PAL0910's measurements (see ``course.checks.drift_probe.shift``)."""
    return run_probe("course.checks.drift_probe", "shift")


def table() -> dict[str, Any]:
    """``drift_table`` on the planted seasons (see ``course.checks.drift_probe.table``)."""
    return run_probe("course.checks.drift_probe", "table")


def pair_shifts(seen: dict[str, Any]) -> dict[str, Any]:
    """Each planted pair's shift as the learner's code gave it (or its error)."""
    return {name: value_of(seen.get(name, {"error": "not observed"})) for name in GOLDEN_PAIRS}


def drifted(seen: dict[str, Any]) -> dict[str, Any]:
    """Each planted season: the columns found to have drifted (or the error)."""
    found = {}
    for name in GOLDEN_DRIFTED:
        result = value_of(seen.get(name, {"error": "not observed"}))
        found[name] = result["drifted"] if isinstance(result, dict) else result
    return found


def columns_listed(seen: dict[str, Any]) -> Any:
    """The columns drift_table listed for the season as it came (or the error)."""
    result = value_of(seen.get("PAL0910 as it came", {"error": "not observed"}))
    return result["columns"] if isinstance(result, dict) else result
