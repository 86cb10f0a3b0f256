"""Step 16's observations: the preprocessing moved inside the model (an sklearn ``Pipeline``) and saved with it.

Each function runs ``course.checks.pipeline_probe`` in a fresh Python in a scratch copy of the step's
folder and returns plain data with no expected value in it. The judge compares it with the golden
master: step 15's hand-written features (``golden_sample_features``, worked out here from the raw
export by the arithmetic step 15's ``make_features`` did, with the body mass in grams; and
``course.checks.hand_written_answers``, what the forest trained on them answered). The same
functions serve the notebook's public checks (in the kernel) and the grader (``probe.after``).
"""

from __future__ import annotations

import csv
from importlib.resources import files
from typing import Any

from course.checks.hand_written_answers import HAND_WRITTEN_ACCURACY, HAND_WRITTEN_ANSWERS
from course.checks.observe.libraries import run_probe, value_of  # noqa: F401 (value_of: the checks read results with it)
from course.checks.pipeline_probe import SAMPLE_ROWS

SPECIES = ("Adelie", "Gentoo", "Chinstrap")  # the hand-written flags' order: is_adelie, is_gentoo, is_chinstrap
ISLANDS = ("Biscoe", "Dream", "Torgersen")
MEASUREMENTS = ("Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)", "Body Mass (g)")
PROBABILITY_MOVES = 0.03  # how far a probability may move: the forest now splits grams, not kilograms


def preprocessor() -> dict[str, Any]:
    """``make_preprocessor()``'s type, its features for the sample birds, and its answer for an unknown island."""
    return run_probe("course.checks.pipeline_probe", "preprocessor")


def pipeline() -> dict[str, Any]:
    """The model ``train_on_seasons`` trains: its type, its steps, its answer for each test bird, its accuracy."""
    return run_probe("course.checks.pipeline_probe", "pipeline")


def trusted() -> dict[str, Any]:
    """A model file saved and loaded with the learner's artifacts, and two planted model files loaded."""
    return run_probe("course.checks.pipeline_probe", "trusted")


def golden_sample_features() -> list[list[float]]:
    """The sample birds' features as step 15's ``make_features`` made them (the body mass in grams): the four
    measurements, culmen length over depth, then 0/1 for each species and each island, in that order."""
    with files("course").joinpath("data/penguins-raw.csv").open(encoding="utf-8") as export:
        rows = list(csv.DictReader(export))
    golden = []
    for row in (rows[index] for index in SAMPLE_ROWS):
        measurements = [float(row[name]) for name in MEASUREMENTS]
        species = row["Species"].split(" ")[0]
        golden.append(
            [
                *measurements,
                round(measurements[0] / measurements[1], 6),
                *(1.0 if species == name else 0.0 for name in SPECIES),
                *(1.0 if row["Island"] == name else 0.0 for name in ISLANDS),
            ]
        )
    return golden


def refused(result: dict[str, Any]) -> str:
    """What happened to an input the code must refuse: the error's type, or "accepted"."""
    error = result.get("error")
    return str(error).split(":")[0] if error else "accepted"


def answered_differently(seen: dict[str, Any]) -> dict[str, Any]:
    """Each test bird whose predicted sex differs from the hand-written features' (row key -> [then, now]),
    or the probe's error."""
    answers = seen.get("answers", {"error": "not observed"})
    if "value" not in answers:
        return {"error": answers.get("error")}
    now = answers["value"]
    return {
        key: [sex, now.get(key, ["not predicted"])[0]]
        for key, (sex, _) in HAND_WRITTEN_ANSWERS.items()
        if now.get(key, ["not predicted"])[0] != sex
    }


def probabilities_moved(seen: dict[str, Any]) -> dict[str, Any]:
    """Each test bird whose probability moved more than ``PROBABILITY_MOVES`` (row key -> [then, now]), or the
    probe's error."""
    answers = seen.get("answers", {"error": "not observed"})
    if "value" not in answers:
        return {"error": answers.get("error")}
    now = answers["value"]
    return {
        key: [probability, now[key][1]]
        for key, (_, probability) in HAND_WRITTEN_ANSWERS.items()
        if key in now and abs(float(now[key][1]) - probability) > PROBABILITY_MOVES
    }


GOLDEN_ACCURACY = HAND_WRITTEN_ACCURACY  # the same birds predicted the same: the same accuracy
GOLDEN_STEPS = ["ColumnTransformer", "RandomForestClassifier"]
REFUSED = "UntrustedTypesFoundException"
