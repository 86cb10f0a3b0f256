"""Step 15's observations: the learner's validation and settings, refactored to pandera and pydantic-settings.

Each function runs ``course.checks.library_probe`` in a fresh Python in a scratch copy of the step's
folder, so the learner's modules are imported as they are on disk, and returns plain data with no
expected value in it: the graded cell's judge decides, against the golden master (``golden_*``
below: what the hand-written code of step 14 answered on the same planted cases). The same
functions serve the notebook's public checks (in the kernel) and the grader (``probe.after``, in
its sandbox).
"""

from __future__ import annotations

import json
from typing import Any

from course.checks.fresh_run import run_command, scratch_copy
from course.checks.library_probe import BIRD_PLANTED, PLANTED

LEFT_OUT = ("artifacts", "live", "dist", "build", "__pycache__", ".ipynb_checkpoints", "*.ipynb", "*.jsonl")
CONFIG_VALUES = {  # the step's config.toml, read by step 14's hand-written load_settings
    "data_path": "data/penguins-raw.csv",
    "expected_sha256": "144f623143c9360fd77322a4f86acb06dc198814dbd2669724c63e6457b907bd",
    "model_dir": "artifacts",
    "max_body_mass_kg": 6.0,
    "test_size": 0.25,
    "n_trees": 137,
    "max_depth": 7,
    "seed": 1,
}
REFUSALS = {  # each planted setting, and the name its ConfigError must give
    "test_size = 1.5": "test_size",
    "n_trees = 'many'": "n_trees",
    "seed = True": "seed",
    "PENGUINS_MAX_DEPTH=0": "max_depth",
    "n_tree in the file": "'n_tree'",  # quoted: "n_trees" alone (a missing key) does not name it
    "no seed in the file": "seed",
    "no file": "nowhere.toml",
}


def _probe(name: str) -> dict[str, Any]:
    copy = scratch_copy(".", leave_out=LEFT_OUT)
    code, out, err = run_command(["-m", "course.checks.library_probe", name], copy, timeout=300)
    if code != 0 or not out.strip():
        raise RuntimeError(f"penguins could not be imported: {(err.strip().splitlines() or ['(no message)'])[-1]}")
    seen: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return seen


def schema() -> dict[str, Any]:
    """row_problems, validate and bird_problems on the clean export and the planted batch, and what
    batch_schema() is (see ``course.checks.library_probe.schema``)."""
    return _probe("schema")


def settings() -> dict[str, Any]:
    """load_settings on the step's config.toml, the environment and overrides, and its refusals."""
    return _probe("settings")


def service_settings() -> dict[str, Any]:
    """ServiceSettings, what app_from_environment passes to create_app, and whether service.py reads
    os.environ itself."""
    return _probe("service")


def value_of(result: dict[str, Any]) -> Any:
    """A probe result's value, or its error as text (what the check line shows)."""
    return result["value"] if "value" in result else result.get("error")


def golden_planted() -> dict[str, list[str]]:
    """The planted batch's faulty rows and the columns each breaks, as step 14's rules said."""
    return {str(row): columns for row, columns in PLANTED.items()}


def golden_birds() -> dict[str, list[str]]:
    """The planted birds' problems, by column, as step 14's bird_problems said."""
    return {str(row): columns for row, columns in BIRD_PLANTED.items()}


def golden_split() -> dict[str, Any]:
    """validate on the planted batch: 40 rows, the planted ones quarantined with their reasons."""
    return {
        "valid_rows": 40 - len(PLANTED),
        "quarantined_rows": sorted(str(row) for row in PLANTED),
        "quarantine_has_reason": True,
    }


def golden_values(**changed: Any) -> dict[str, Any]:
    """The config file's values, with ``changed`` ones replaced."""
    return {**CONFIG_VALUES, **changed}


def refusals(seen: dict[str, Any]) -> dict[str, str]:
    """Each planted bad setting: "ConfigError naming <name>" when it was refused so, else what happened."""
    described = {}
    for case, name in REFUSALS.items():
        result = seen.get("refusals", {}).get(case, {"error": "not tried"})
        error = str(result.get("error", "no error: accepted"))
        described[case] = f"ConfigError naming {name}" if error.startswith("ConfigError") and name in error else error
    return described


def golden_refusals() -> dict[str, str]:
    """Every planted bad setting refused with a ConfigError naming it."""
    return {case: f"ConfigError naming {name}" for case, name in REFUSALS.items()}
