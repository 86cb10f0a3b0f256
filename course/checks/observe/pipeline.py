"""Observations of a learner's command line (step 9 on): ``python -m penguins ...`` run as a subprocess.

``cli_session`` copies the step's folder (without a saved model), writes season
files with a named problem, runs a sequence of commands there, and returns what
each command did: its exit code, its stdout and stderr, and the saved model's
files afterwards. It contains no expected value: the judge of the graded cell
decides what each run must have done. The commands run in fresh Pythons from
``course.checks.warm`` (forked from one that has imported pandas and scikit-learn;
the learner's package is imported from disk in each).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from course.checks import warm

TIMEOUT = 100  # seconds for one command
MAX_STREAM = 20_000  # characters of a stream kept (its start and its end)
LEFT_OUT = ("artifacts", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", "*.pyc", "*.ipynb")
SOURCE_SEASON = "data/seasons/PAL0910.csv"  # the rows a changed season file is made from
MODEL_DIR = "artifacts"  # config.toml's model_dir


def _renamed_island_column(rows):
    return rows.rename(columns={"Island": "island"})


def _in_kilograms(rows):
    return rows.assign(**{"Body Mass (g)": rows["Body Mass (g)"] / 1000})


def _three_birds_on_anvers(rows):
    return rows.assign(Island=["Anvers"] * 3 + list(rows["Island"][3:]))


# Birds to predict that the model cannot be trusted with: (column, value planted in one row). IMPOSSIBLE_BIRDS
# plants them in SOURCE_SEASON's first rows, one per row, and leaves the rows after them as they were.
PLANTED_BIRDS = [
    ("Island", "Anvers"),
    ("Species", "Emperor penguin (Aptenodytes forsteri)"),
    ("Body Mass (g)", 5.7),
    ("Culmen Length (mm)", -37.8),
    ("Flipper Length (mm)", 1930.0),
    ("Culmen Depth (mm)", None),
]
GOOD_BIRDS_AFTER = 2  # unchanged rows after the planted ones


def _impossible_birds(rows):
    birds = rows.head(len(PLANTED_BIRDS) + GOOD_BIRDS_AFTER).astype(object)
    for row, (column, value) in enumerate(PLANTED_BIRDS):
        birds.loc[birds.index[row], column] = value
    return birds


# How a season file can go wrong, by name: a change to the rows of SOURCE_SEASON (None: an empty file).
SEASON_CHANGES = {
    "renamed_island_column": _renamed_island_column,
    "empty": None,
    "in_kilograms": _in_kilograms,
    "three_birds_on_anvers": _three_birds_on_anvers,
    "impossible_birds": _impossible_birds,
}


def _write_season(folder: Path, name: str, change: str) -> None:
    """Write ``data/seasons/<name>`` in ``folder``: SOURCE_SEASON's rows changed by ``SEASON_CHANGES[change]``."""
    import pandas as pd

    changer = SEASON_CHANGES[change]
    target = folder / "data" / "seasons" / Path(name).name
    if changer is None:
        target.write_text("")
    else:
        changer(pd.read_csv(folder / SOURCE_SEASON)).to_csv(target, index=False)


def _kept(text: str) -> str:
    """``text``, or its start and end when it is longer than MAX_STREAM."""
    if len(text) <= MAX_STREAM:
        return text
    half = MAX_STREAM // 2
    return text[:half] + "\n[... cut ...]\n" + text[-half:]


def _environment(extra: dict) -> dict:
    """This process's environment without PENGUINS_* settings, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PENGUINS_")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **{str(k): str(v) for k, v in extra.items()}}


def _saved_model(folder: Path) -> dict:
    """The saved model's files in ``folder``: model.json's text, and model.pkl's SHA-256 (None when missing)."""
    model_dir = folder / MODEL_DIR
    json_file, pickle_file = model_dir / "model.json", model_dir / "model.pkl"
    return {
        "model_json": json_file.read_text(encoding="utf-8", errors="replace") if json_file.is_file() else None,
        "model_pkl": hashlib.sha256(pickle_file.read_bytes()).hexdigest() if pickle_file.is_file() else None,
    }


def _run(folder: Path, command: str, env: dict) -> dict:
    """``python -m penguins <command>`` in ``folder``: exit code, stdout, stderr, saved model afterwards."""
    try:
        run = warm.python(["-m", "penguins", *shlex.split(command)], folder, env=_environment(env), timeout=TIMEOUT)
        outcome = {"exit_code": run.returncode, "stdout": _kept(run.stdout), "stderr": _kept(run.stderr)}
    except subprocess.TimeoutExpired:
        outcome = {"exit_code": None, "stdout": "", "stderr": f"still running after {TIMEOUT} seconds"}
    return {"command": command, **outcome, **_saved_model(folder)}


def cli_session(runs: Sequence[str | dict], seasons: dict[str, str] | None = None) -> list[dict]:
    """Run ``python -m penguins`` once per item of ``runs``, in order, in one copy of the folder.

    An item is a command line (``"train --season data/seasons/PAL0708.csv"``) or
    ``{"command": ..., "env": {...}}``. ``seasons`` first writes ``data/seasons/<name>``
    with a named problem (``SEASON_CHANGES``). Each run gives ``{"command", "exit_code",
    "stdout", "stderr", "model_json", "model_pkl"}``: the model files as they are after it.
    """
    with tempfile.TemporaryDirectory(prefix="course-cli-") as scratch:
        folder = Path(scratch) / Path.cwd().name
        shutil.copytree(".", folder, ignore=shutil.ignore_patterns(*LEFT_OUT))
        for name, change in (seasons or {}).items():
            _write_season(folder, name, change)
        outcomes = []
        for item in runs:
            command, env = (item, {}) if isinstance(item, str) else (item["command"], item.get("env") or {})
            outcomes.append(_run(folder, command, env))
    return outcomes
