"""Step 16's fresh-Python probe: the learner's preprocessing, the model ``Pipeline`` and the trusted model file.

    python -m course.checks.pipeline_probe preprocessor|pipeline|trusted

runs in a scratch copy of the learner's folder, imports the learner's modules from its ``src/`` and
prints what happened as one JSON line: plain data, no expected value (the check's judge decides,
against ``course.checks.observe.preprocessing``'s golden master).
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path
from typing import Any

from course.checks.library_probe import attempt, main

DATA = "data/penguins-raw.csv"
SEASONS = "data/seasons"
CONFIG = "config.toml"
SAMPLE_ROWS = [0, 1, 20, 30, 152, 153, 276, 277]  # the export's rows: every species on every island it lives on
MAX_BODY_MASS_KG = 6.0  # the step's config.toml


def type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def preprocessor() -> dict[str, Any]:
    """``make_preprocessor()``: what it is, the features it gives for the sample birds once fitted on the
    clean export, and what it does with a bird on an island it does not know."""
    import pandas as pd

    features = importlib.import_module("penguins.features")
    raw = pd.read_csv(DATA)
    sample = raw.loc[SAMPLE_ROWS, features.INPUTS]

    def fitted() -> Any:
        return features.make_preprocessor().fit(features.clean(raw, MAX_BODY_MASS_KG)[features.INPUTS])

    def rows(frame: Any) -> list[list[float]]:
        return [[round(float(value), 6) for value in row] for row in fitted().transform(frame)]

    return {
        "type": attempt(lambda: type_name(features.make_preprocessor())),
        "sample_features": attempt(lambda: rows(sample)),
        "unknown_island": attempt(lambda: rows(sample.head(1).assign(Island="Anvers"))),
    }


def pipeline() -> dict[str, Any]:
    """``train_on_seasons`` on the step's three seasons with its config.toml: the model's type and steps, its
    answer for each test bird (row key -> [sex, probability]) and its accuracy."""
    settings = importlib.import_module("penguins.settings")
    wiring = importlib.import_module("penguins.pipeline")
    seasons = sorted(str(path) for path in Path(SEASONS).glob("*.csv"))
    run = attempt(lambda: wiring.train_on_seasons(settings.load_settings(CONFIG), seasons))
    if "error" in run:
        return {name: run for name in ("type", "steps", "answers", "accuracy")}
    trained = run["value"]
    model = trained.model

    def answers() -> dict[str, list[Any]]:
        sexes = model.predict(trained.X_test)
        probabilities = model.predict_proba(trained.X_test).max(axis=1)
        return {
            key: [str(sex), round(float(probability), 3)]
            for key, sex, probability in zip(trained.test_rows, sexes, probabilities, strict=True)
        }

    return {
        "type": attempt(lambda: type_name(model)),
        "steps": attempt(lambda: [type(step).__name__ for _, step in getattr(model, "steps", [])]),
        "answers": attempt(answers),
        "accuracy": attempt(lambda: round(float(trained.metadata["metrics"]["accuracy"]), 6)),
    }


def trusted() -> dict[str, Any]:
    """The learner's ``save_model`` and ``load_version`` on a small model that calls the package's culmen ratio,
    and on two planted model files: one holding another function of the package, one holding ``print``."""
    import pandas as pd
    import skops.io
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    features = importlib.import_module("penguins.features")
    artifacts = importlib.import_module("penguins.artifacts")
    raw = pd.read_csv(DATA)
    penguins = features.clean(raw, MAX_BODY_MASS_KG)
    ratio = FunctionTransformer(features.culmen_ratio, feature_names_out=features.culmen_ratio_name)
    small = Pipeline([("ratio", ratio), ("forest", RandomForestClassifier(n_estimators=3, random_state=0))])
    small.fit(penguins[features.INPUTS], penguins["Sex"])
    birds = features.model_inputs(raw.loc[SAMPLE_ROWS])
    folder = Path(tempfile.mkdtemp(prefix="models-"))

    def round_trip() -> bool:
        version = artifacts.save_model(small, {"trained_at": "2026-12-04T00:00:00Z"}, folder)["model_version"]
        loaded, _ = artifacts.load_version(folder, version)
        return bool(list(loaded.predict(birds)) == list(small.predict(birds)))

    def planted(function: Any, trees: int) -> str:
        """Load a saved version whose model file was replaced by one holding ``function``: the error's type.
        (``trees`` makes each saved version's bytes, so its name, its own.)"""
        saved = artifacts.save_model(RandomForestClassifier(n_estimators=trees), {"planted": repr(function)}, folder)
        version = saved["model_version"]
        (folder / version / artifacts.MODEL_FILE).write_bytes(skops.io.dumps(FunctionTransformer(function)))
        artifacts.load_version(folder, version)
        return "loaded"

    return {
        "round_trip": attempt(round_trip),
        "planted_function_of_ours": attempt(lambda: planted(features.model_inputs, 1)),
        "planted_print": attempt(lambda: planted(print, 2)),
    }


PROBES = {"preprocessor": preprocessor, "pipeline": pipeline, "trusted": trusted}


if __name__ == "__main__":
    main(sys.argv[1:], PROBES)
