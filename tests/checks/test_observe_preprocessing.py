"""course.checks.observe.preprocessing: step 16's golden master is what step 15's hand-written features answer.

The expected answers of step 16's checks are written down (``hand_written_answers``) or worked out by
plain arithmetic (``golden_sample_features``). These tests prove they are the golden master, not a
guess: step 15's ``make_features`` and the forest trained on it give exactly those answers, step 16's
``Pipeline`` reference gives the same sexes and accuracy, and a refactor that breaks the behaviour
(zeros for an unknown island, a model file that trusts what it asks for) does not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from end_states import observed, written_end_state

from course.authoring.end_state import write_end_state
from course.checks.hand_written_answers import HAND_WRITTEN_ACCURACY, HAND_WRITTEN_ANSWERS
from course.checks.observe import preprocessing
from course.checks.pipeline_probe import SAMPLE_ROWS
from course.core.catalog import find_step

FEATURES = "src/penguins/features.py"
ARTIFACTS = "src/penguins/artifacts.py"


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """Step 15's end state: the hand-written features the golden master was recorded from."""
    return written_end_state(tmp_path_factory.mktemp("before") / "15", "15")


@pytest.fixture(scope="module")
def after(tmp_path_factory):
    """Step 16's end state: the preprocessing inside the model, an sklearn Pipeline."""
    return written_end_state(tmp_path_factory.mktemp("after") / "16", "16")


def test_the_hand_written_features_give_exactly_the_golden_answers(before, monkeypatch):
    seen = observed(before, monkeypatch, preprocessing.pipeline)
    answers = {key: tuple(answer) for key, answer in preprocessing.value_of(seen["answers"]).items()}
    assert answers == HAND_WRITTEN_ANSWERS
    assert seen["accuracy"] == {"value": HAND_WRITTEN_ACCURACY}
    assert seen["steps"] == {"value": []}  # a bare forest, not a Pipeline: the step's check says so


def test_the_hand_written_make_features_gives_the_golden_sample_features(before):
    """step 15's make_features on the sample birds, body mass back in grams, is the arithmetic of the golden."""
    code = f"""
import json
import pandas as pd
from penguins.features import make_features, prepare_for_prediction
features = make_features(prepare_for_prediction(pd.read_csv("data/penguins-raw.csv").loc[{SAMPLE_ROWS}]))
features["Body Mass (g)"] = features["Body Mass (g)"] * 1000
print(json.dumps([[round(float(value), 6) for value in row] for row in features.to_numpy()]))
"""
    environment = {**os.environ, "PYTHONPATH": "src"}
    done = subprocess.run([sys.executable, "-c", code], cwd=before, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == preprocessing.golden_sample_features()


def test_the_pipeline_reference_keeps_every_sex_and_the_accuracy(after, monkeypatch):
    seen = observed(after, monkeypatch, preprocessing.pipeline)
    assert seen["steps"] == {"value": preprocessing.GOLDEN_STEPS}
    assert preprocessing.answered_differently(seen) == {}
    assert preprocessing.probabilities_moved(seen) == {}
    assert seen["accuracy"] == {"value": preprocessing.GOLDEN_ACCURACY}
    moved = [key for key, (_, then) in HAND_WRITTEN_ANSWERS.items() if seen["answers"]["value"][key][1] != then]
    assert 0 < len(moved) <= 10  # grams, not kilograms: a few probabilities move a little, as the page says


def test_the_pipeline_reference_gives_the_golden_features_and_trusts_only_what_was_reviewed(after, monkeypatch):
    features = observed(after, monkeypatch, preprocessing.preprocessor)
    assert preprocessing.value_of(features["type"]).endswith("ColumnTransformer")
    assert features["sample_features"] == {"value": preprocessing.golden_sample_features()}
    assert preprocessing.refused(features["unknown_island"]) == "ValueError"
    trusted = observed(after, monkeypatch, preprocessing.trusted)
    assert trusted["round_trip"] == {"value": True}
    assert preprocessing.refused(trusted["planted_function_of_ours"]) == preprocessing.REFUSED
    assert preprocessing.refused(trusted["planted_print"]) == preprocessing.REFUSED


def mutant_of(after, tmp_path, path, old, new):
    """Step 16's end state with ``old`` replaced by ``new`` in ``path``."""
    mutant = tmp_path / "mutant"
    write_end_state(find_step("16"), mutant, git=False)
    source = (mutant / path).read_text()
    assert old in source
    (mutant / path).write_text(source.replace(old, new))
    return mutant


def test_a_preprocessor_that_answers_an_unknown_island_from_zeros_fails(after, monkeypatch, tmp_path):
    ignoring = 'sparse_output=False, handle_unknown="ignore")'
    mutant = mutant_of(after, tmp_path, FEATURES, "sparse_output=False)", ignoring)
    seen = observed(mutant, monkeypatch, preprocessing.preprocessor)
    assert seen["sample_features"] == {"value": preprocessing.golden_sample_features()}  # the same features...
    assert preprocessing.refused(seen["unknown_island"]) == "accepted"  # ...and Anvers answered: the check fails


def test_a_model_file_that_trusts_what_it_asks_for_fails(after, monkeypatch, tmp_path):
    trusting = "skops.io.get_untrusted_types(data=blob)"
    mutant = mutant_of(after, tmp_path, ARTIFACTS, "trusted=trusted)", f"trusted={trusting})")
    seen = observed(mutant, monkeypatch, preprocessing.trusted)
    assert seen["round_trip"] == {"value": True}
    assert preprocessing.refused(seen["planted_print"]) == "accepted"


def test_a_probe_that_saw_nothing_is_not_a_pass():
    nothing = {"answers": {"error": "NotImplementedError: "}}
    assert preprocessing.answered_differently(nothing) != {}
    assert preprocessing.probabilities_moved(nothing) != {}
