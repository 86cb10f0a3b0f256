"""Step 15's fresh-Python probe: the learner's ``penguins.validation``, ``penguins.settings`` and service settings.

    python -m course.checks.library_probe schema|settings|service

runs in a scratch copy of the learner's folder, imports the learner's modules from its ``src/``
and prints what happened as one JSON line: plain data, no expected value (the check's judge
decides). The planted batches and settings are built here, from the step's own data and
``config.toml``, so the same faults reach every learner; what each planted row breaks is
``PLANTED`` (public: the step's page lists the same faults).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = "data/penguins-raw.csv"
CONFIG = "config.toml"
# Row of the planted batch -> (column, value written there). Two faults share row 15.
FAULTS: dict[int, list[tuple[str, Any]]] = {
    3: [("Island", "Anvers")],
    5: [("Body Mass (g)", 5.7)],
    7: [("Culmen Length (mm)", "heavy")],
    9: [("Date Egg", "2007-13-45")],
    13: [("Sex", "M")],
    15: [("Island", "Anvers"), ("Flipper Length (mm)", 400.0)],
    17: [("Culmen Depth (mm)", None)],  # a missing measurement: the batch keeps it, a bird to predict does not
}
TWICE = (11, 12)  # row 12 gets row 11's key: the same bird twice
PLANTED = {  # what each faulty row of the planted batch breaks, by column (the golden master's answer)
    3: ["Island"],
    5: ["Body Mass (g)"],
    7: ["Culmen Length (mm)"],
    9: ["Date Egg"],
    11: ["Individual ID"],
    12: ["Individual ID"],
    13: ["Sex"],
    15: ["Flipper Length (mm)", "Island"],
}
BIRD_ROWS = [3, 5, 7, 15, 17, 20]  # birds to predict: the planted bird rows and one good bird
MEASUREMENTS = ["Body Mass (g)", "Culmen Depth (mm)", "Culmen Length (mm)", "Flipper Length (mm)"]
BIRD_PLANTED = {  # what each of those birds lacks or breaks: a missing value is a problem for a bird to predict
    3: [*MEASUREMENTS, "Island"],  # the export's row 3 has no measurements at all
    5: ["Body Mass (g)"],
    7: ["Culmen Length (mm)"],
    15: ["Flipper Length (mm)", "Island"],
    17: ["Culmen Depth (mm)"],
}


def attempt(thunk: Callable[[], Any]) -> dict[str, Any]:
    """``{"value": ...}`` or ``{"error": "TypeName: message"}``: what a call of the learner's code did."""
    try:
        return {"value": thunk()}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}


def planted_batch() -> Any:
    """The first 40 rows of the clean export with ``FAULTS`` and ``TWICE`` written into them."""
    import pandas as pd

    frame = pd.read_csv(DATA).head(40).astype(object)
    for row, changes in FAULTS.items():
        for column, value in changes:
            frame.at[row, column] = value
    first, second = TWICE
    frame.loc[second, ["studyName", "Individual ID"]] = frame.loc[first, ["studyName", "Individual ID"]].to_numpy()
    return frame


def columns_named(reasons: Any) -> dict[str, list[str]]:
    """For each row with a reason, the columns its reason names (the text before each ':'), sorted."""
    named: dict[str, list[str]] = {}
    for index, reason in reasons.items():
        if isinstance(reason, str) and reason.strip():
            named[str(index)] = sorted({part.split(":")[0].strip() for part in reason.split(";") if ":" in part})
        elif not isinstance(reason, str):
            named[str(index)] = [f"not text: {reason!r}"[:80]]
    return named


def schema() -> dict[str, Any]:
    """row_problems and validate on the clean export and the planted batch; bird_problems on planted birds;
    what batch_schema() returns, and whether row_problems still flags rows once it returns a schema with no columns."""
    import pandas as pd

    validation = importlib.import_module("penguins.validation")
    clean, planted = pd.read_csv(DATA), planted_batch()
    seen: dict[str, Any] = {
        "clean_rows_flagged": attempt(lambda: columns_named(validation.row_problems(clean))),
        "planted_rows_flagged": attempt(lambda: columns_named(validation.row_problems(planted))),
        "bird_rows_flagged": attempt(
            lambda: columns_named(validation.bird_problems(planted.loc[BIRD_ROWS, validation.BIRD_COLUMNS]))
        ),
    }

    def split() -> dict[str, Any]:
        result = validation.validate(planted)
        return {
            "valid_rows": len(result.valid),
            "quarantined_rows": sorted(str(index) for index in result.quarantine.index),
            "quarantine_has_reason": "reason" in result.quarantine.columns,
        }

    seen["validate_planted"] = attempt(split)
    seen["batch_schema_type"] = attempt(lambda: _type_name(validation.batch_schema()))
    seen["flagged_without_the_schema"] = attempt(lambda: _without_schema(validation, planted))
    return seen


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _without_schema(validation: Any, planted: Any) -> dict[str, list[str]]:
    """row_problems on the planted batch once batch_schema() returns a schema with no columns: rules kept
    outside the schema still flag rows."""
    import pandera.pandas as pa

    kept = validation.batch_schema
    validation.batch_schema = pa.DataFrameSchema
    try:
        return columns_named(validation.row_problems(planted))
    finally:
        validation.batch_schema = kept


SETTINGS_FIELDS = (
    "data_path",
    "expected_sha256",
    "model_dir",
    "max_body_mass_kg",
    "test_size",
    "n_trees",
    "max_depth",
    "seed",
)


def _values(loaded: Any, base: Path) -> dict[str, Any]:
    """Loaded settings as plain data: a path relative to ``base`` (the copy's folder), as text."""
    values: dict[str, Any] = {}
    for name in SETTINGS_FIELDS:
        value = getattr(loaded, name, None)
        if isinstance(value, Path):
            resolved = value.resolve()
            value = resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else f"outside: {value}"
        values[name] = value if value is None or isinstance(value, (str, int, float)) else repr(value)[:80]
    return values


def _in_environment(variables: dict[str, str], thunk: Callable[[], Any]) -> dict[str, Any]:
    """``attempt(thunk)`` with exactly ``variables`` as the process's PENGUINS_ variables."""
    kept = {name: value for name, value in os.environ.items() if name.startswith("PENGUINS_")}
    for name in kept:
        del os.environ[name]
    os.environ.update(variables)
    try:
        return attempt(thunk)
    finally:
        for name in variables:
            os.environ.pop(name, None)
        os.environ.update(kept)


def settings() -> dict[str, Any]:
    """load_settings on the step's config.toml: alone, under the environment, under overrides, from another
    folder; and its refusals (a bad value, an unknown key, a missing key, a missing file)."""
    from pydantic_settings import BaseSettings

    module = importlib.import_module("penguins.settings")
    load, base = module.load_settings, Path.cwd().resolve()
    text = Path(CONFIG).read_text(encoding="utf-8")
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / CONFIG).write_text(text, encoding="utf-8")
    (base / "misspelt.toml").write_text(text.replace("n_trees", "n_tree"), encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("seed")]
    (base / "short.toml").write_text("\n".join(lines), encoding="utf-8")

    def values(path: str | Path, variables: dict[str, str], **overrides: Any) -> dict[str, Any]:
        return _in_environment(variables, lambda: _values(load(path, overrides=overrides), base))

    def refused(variables: dict[str, str], path: str | Path, **overrides: Any) -> dict[str, Any]:
        result = _in_environment(variables, lambda: load(path, overrides=overrides))
        return {"error": result["error"]} if "error" in result else {"value": "no error"}

    seen: dict[str, Any] = {
        "is_base_settings": isinstance(getattr(module, "Settings", None), type)
        and issubclass(module.Settings, BaseSettings),
        "file_alone": values(CONFIG, {}),
        "environment": values(CONFIG, {"PENGUINS_SEED": "3"}),
        "override_over_environment": values(CONFIG, {"PENGUINS_SEED": "3"}, seed="5"),
        "from_another_folder": values(elsewhere / CONFIG, {}),
        "service_variables_beside": values(CONFIG, {"PENGUINS_PREDICTION_RECORD": "/srv/record.jsonl"}),
    }
    seen["refusals"] = {
        "test_size = 1.5": refused({}, CONFIG, test_size=1.5),
        "n_trees = 'many'": refused({}, CONFIG, n_trees="many"),
        "seed = True": refused({}, CONFIG, seed=True),
        "PENGUINS_MAX_DEPTH=0": refused({"PENGUINS_MAX_DEPTH": "0"}, CONFIG),
        "n_tree in the file": refused({}, base / "misspelt.toml"),
        "no seed in the file": refused({}, base / "short.toml"),
        "no file": refused({}, base / "nowhere.toml"),
    }

    def change_it() -> str:
        loaded = load(CONFIG)
        loaded.seed = 9
        return "changed"

    seen["frozen"] = refused({}, CONFIG) if "error" in seen["file_alone"] else _in_environment({}, change_it)
    return seen


def service() -> dict[str, Any]:
    """ServiceSettings with and without the environment; the paths app_from_environment passes to
    create_app; whether service.py reads os.environ itself."""
    from pydantic_settings import BaseSettings

    module = importlib.import_module("penguins.settings")
    service_module: Any = importlib.import_module("penguins.service")
    service_settings = getattr(module, "ServiceSettings", None)
    seen: dict[str, Any] = {
        "is_base_settings": isinstance(service_settings, type) and issubclass(service_settings, BaseSettings),
    }
    for name in ("PENGUINS_MODEL_DIR", "PENGUINS_PREDICTION_RECORD"):
        os.environ.pop(name, None)

    def fields() -> dict[str, str]:
        assert service_settings is not None, "penguins.settings has no ServiceSettings"
        made = service_settings()
        return {"model_dir": str(made.model_dir), "prediction_record": str(made.prediction_record)}

    seen["defaults"] = attempt(fields)
    os.environ.update({"PENGUINS_MODEL_DIR": "/srv/models", "PENGUINS_PREDICTION_RECORD": "/srv/record.jsonl"})
    seen["from_the_environment"] = attempt(fields)
    passed: list[list[str]] = []

    def create_app(*arguments: Any, **keywords: Any) -> None:  # stands in for the learner's: records its paths
        passed.append([str(value) for value in (*arguments, *keywords.values())])

    def paths_passed() -> list[str]:
        service_module.app_from_environment()
        return passed[-1]

    service_module.create_app = create_app
    service_module.configure_logging = lambda *arguments, **keywords: None  # the logs are Task 4's check
    seen["app_from_environment"] = attempt(paths_passed)
    source = Path("src/penguins/service.py").read_text(encoding="utf-8")
    seen["service_reads_os_environ"] = "os.environ" in source or "getenv" in source
    return seen


PROBES = {"schema": schema, "settings": settings, "service": service}


def main(argv: list[str], probes: dict[str, Callable[[], dict[str, Any]]] = PROBES) -> None:
    """Run the probe ``argv[0]`` names with the learner's ``src/`` first on the path; print what it saw."""
    probe = probes[argv[0]]
    sys.path.insert(0, "src")
    print(json.dumps(probe(), default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
