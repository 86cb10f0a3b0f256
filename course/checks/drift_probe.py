"""Step 17's fresh-Python probe: the learner's ``penguins.drift`` on planted pairs and planted seasons.

    python -m course.checks.drift_probe shift|table

runs in a scratch copy of the learner's folder, imports the learner's modules from its ``src/`` and
prints what happened as one JSON line: plain data, no expected value (the check's judge decides,
against ``course.checks.observe.drift``). The planted seasons are the step's own: the model learned
from PAL0708 and PAL0809; PAL0910 arrives as it came, heavier, with longer flippers, or with every
answer MALE (``PLANTED``, public: the step's page lists the same shifts).
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

from course.checks.library_probe import attempt, main

REFERENCE_SEASONS = ("PAL0708", "PAL0809")
NEW_SEASON = "PAL0910"
MEASUREMENTS = ["Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"]
PAIRS: dict[str, tuple[list[Any], list[Any]]] = {  # planted pairs of columns: (reference, recent)
    "the same numbers": ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]),
    "numbers apart": ([1.0, 2.0, 3.0, 4.0], [11.0, 12.0, 13.0, 14.0]),
    "numbers one step apart": ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]),
    "half the answers changed": (["MALE", "FEMALE"], ["MALE", "MALE"]),
    "an island never seen": (["Biscoe", "Biscoe", "Biscoe"], ["Dream"]),
    "missing values": ([1.0, None, 2.0], [1.0, 2.0, None]),
}
# Planted seasons: (what changes in PAL0910's valid birds, the threshold).
PLANTED = {
    "PAL0910 as it came": ("nothing", 0.2),
    "PAL0910, each bird 20% heavier": ("Body Mass (g) x 1.2", 0.2),
    "PAL0910, flippers 15 mm longer": ("Flipper Length (mm) + 15", 0.2),
    "PAL0910, every answer MALE": ("Sex = MALE", 0.2),
    "PAL0910 as it came, threshold 0.1": ("nothing", 0.1),
}


def seasons() -> tuple[Any, Any]:
    """(the reference birds, PAL0910's birds): each season's valid rows, read with the learner's validation."""
    import pandas as pd

    validation = importlib.import_module("penguins.validation")
    reference = pd.concat([validation.load_season(f"data/seasons/{name}.csv").valid for name in REFERENCE_SEASONS])
    return reference, validation.load_season(f"data/seasons/{NEW_SEASON}.csv").valid


def planted(new: Any, change: str) -> Any:
    """PAL0910's birds with ``change`` made."""
    if change == "Body Mass (g) x 1.2":
        return new.assign(**{"Body Mass (g)": new["Body Mass (g)"] * 1.2})
    if change == "Flipper Length (mm) + 15":
        return new.assign(**{"Flipper Length (mm)": new["Flipper Length (mm)"] + 15})
    if change == "Sex = MALE":
        return new.assign(Sex="MALE")
    return new


def shift() -> dict[str, Any]:
    """``shift`` on each planted pair, and on each measurement of PAL0910 against the reference, rounded to 3."""
    import pandas as pd

    drift = importlib.import_module("penguins.drift")

    def shift_of(reference: list[Any], recent: list[Any]) -> float:
        return round(float(drift.shift(pd.Series(reference), pd.Series(recent))), 3)

    seen: dict[str, Any] = {name: attempt(functools.partial(shift_of, *pair)) for name, pair in PAIRS.items()}
    reference, new = seasons()
    seen["PAL0910's measurements"] = attempt(
        lambda: {column: round(float(drift.shift(reference[column], new[column])), 3) for column in MEASUREMENTS}
    )
    return seen


def table() -> dict[str, Any]:
    """``drift_table`` on each planted season: the columns it lists, and the ones it says drifted."""
    drift = importlib.import_module("penguins.drift")
    reference, new = seasons()

    def verdict(change: str, threshold: float) -> dict[str, list[str]]:
        found = drift.drift_table(reference, planted(new, change), threshold)
        return {
            "columns": [str(column) for column in found.index],
            "drifted": [str(column) for column in found.index[found["drifted"].astype(bool)]],
        }

    return {name: attempt(functools.partial(verdict, *case)) for name, case in PLANTED.items()}


PROBES = {"shift": shift, "table": table}


if __name__ == "__main__":
    main(sys.argv[1:], PROBES)
