"""Step 15's observations: the learner's validation, settings and logs, refactored to pandera, pydantic-settings
and python-json-logger.

Each function runs ``course.checks.library_probe`` (or ``course.checks.log_probe``) in a fresh Python
in a scratch copy of the step's folder, so the learner's modules are imported as they are on disk,
and returns plain data with no expected value in it: the graded cell's judge decides, against the
golden master (``golden_*`` below: what the hand-written code of step 14 answered on the same
planted cases). The same functions serve the notebook's public checks (in the kernel) and the
grader (``probe.after``, in its sandbox).
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


def run_probe(*command: str) -> dict[str, Any]:
    """Run ``python -m COMMAND...`` in a scratch copy of the step's folder; its last line of output, as data."""
    copy = scratch_copy(".", leave_out=LEFT_OUT)
    code, out, err = run_command(["-m", *command], copy, timeout=300)
    if code != 0 or not out.strip():
        raise RuntimeError(f"penguins could not be imported: {(err.strip().splitlines() or ['(no message)'])[-1]}")
    seen: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return seen


def schema() -> dict[str, Any]:
    """row_problems, validate and bird_problems on the clean export and the planted batch, and what
    batch_schema() is (see ``course.checks.library_probe.schema``)."""
    return run_probe("course.checks.library_probe", "schema")


def settings() -> dict[str, Any]:
    """load_settings on the step's config.toml, the environment and overrides, and its refusals."""
    return run_probe("course.checks.library_probe", "settings")


def json_logs() -> dict[str, Any]:
    """What ``configure_logging`` writes for the probe's records, as JSON lines and by default, and the
    service's log line (see ``course.checks.log_probe``)."""
    return run_probe("course.checks.log_probe")


def service_settings() -> dict[str, Any]:
    """ServiceSettings, what app_from_environment passes to create_app, and whether service.py reads
    os.environ itself."""
    return run_probe("course.checks.library_probe", "service")


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


CONTEXT_OF_EVERY_LINE = {"has_time": True}


def golden_json_lines() -> list[dict[str, Any]]:
    """The probe's records as JSON objects: the fields step 14's key=value lines showed, each with its own
    JSON type (a number stays a number, a list a list, a path its text); the DEBUG record absent."""
    return [
        {
            "level": "INFO",
            "logger": "penguins.service",
            "message": "predicted MALE (0.973) in 13.8 ms",
            "model_version": "412b48fe44ab",
            "species": "Adelie",
            **CONTEXT_OF_EVERY_LINE,
        },
        {
            "level": "WARNING",
            "logger": "penguins.validation",
            "message": "quarantined 2 rows of PAL0910",
            "season": "PAL0910",
            "quarantined": 2,
            "first_reasons": ["row 5: Body Mass (g) 5.7 is below 2700"],
            **CONTEXT_OF_EVERY_LINE,
        },
        {
            "level": "INFO",
            "logger": "penguins.data",
            "message": "read data/penguins-raw.csv",
            "path": "data/penguins-raw.csv",
            **CONTEXT_OF_EVERY_LINE,
        },
        {
            "level": "ERROR",
            "logger": "penguins.artifacts",
            "message": "could not load model 0bad",
            "model_version": "0bad",
            "exc_info": "a traceback ending 'ValueError: not a skops file'",
            **CONTEXT_OF_EVERY_LINE,
        },
    ]


def golden_default_lines() -> list[str]:
    """The probe's records as step 14's ``configure_logging`` wrote them (dates and tracebacks left out)."""
    return [
        "INFO penguins.service: predicted MALE (0.973) in 13.8 ms | model_version=412b48fe44ab species=Adelie",
        "WARNING penguins.validation: quarantined 2 rows of PAL0910 | season=PAL0910 quarantined=2 "
        "first_reasons=['row 5: Body Mass (g) 5.7 is below 2700']",
        "INFO penguins.data: read data/penguins-raw.csv | path=data/penguins-raw.csv",
        "ERROR penguins.artifacts: could not load model 0bad",
    ]


def golden_service_line() -> list[dict[str, Any]]:
    """The service's own log line, as JSON: what a log collector reads."""
    return [
        {
            "level": "INFO",
            "logger": "penguins.service",
            "message": "serving model 412b48fe44ab",
            "model_version": "412b48fe44ab",
            **CONTEXT_OF_EVERY_LINE,
        }
    ]
