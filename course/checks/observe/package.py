"""Observations of a learner's package (step 8 on), each made in a fresh Python that sees only the files.

The package is imported in a new process, its pipeline run, its tests run with
pytest (also on copies of the package with a bug planted), and the notebook read
as text. Every function returns plain data and contains no expected value: the
judge of the graded cell decides what the data must be. The fresh Pythons come
from ``course.checks.warm`` (pandas and scikit-learn already imported, the
learner's package imported from disk in each).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from course.checks import warm
from course.checks.mutation import Variant, VariantError

TIMEOUT = 100  # seconds for one fresh Python
LEFT_OUT = ("artifacts", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", "*.pyc", "*.ipynb")
PYTEST = ["-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider", "tests"]

# Bugs planted in a copy of the package, by name: (module inside the folder, the change).
PLANTED = {
    "clean_boundary": (
        "penguins/features.py",
        Variant(
            "clean keeps birds of exactly the limit",
            (('penguins["body_mass_kg"] < max_body_mass_kg]', 'penguins["body_mass_kg"] <= max_body_mass_kg]'),),
        ),
    ),
}


def _fresh(code: str, cwd: str | Path = ".") -> object:
    """The JSON value ``code`` prints last, run in a fresh Python in ``cwd``; RuntimeError if it fails."""
    try:
        run = warm.python(["-c", code], cwd, env=_clean_env(), timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"a fresh Python was still running after {TIMEOUT} seconds") from None
    lines = [line for line in run.stdout.strip().splitlines() if line.strip()]
    if run.returncode != 0 or not lines:
        errors = [line for line in run.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(f"a fresh Python failed: {errors[-1] if errors else f'exit code {run.returncode}'}")
    return json.loads(lines[-1])


IMPORTS = """
import importlib, importlib.util, json
import penguins
errors = {}
for name in MODULES:
    try:
        importlib.import_module(name)
        errors[name] = None
    except Exception as error:
        errors[name] = f"{type(error).__name__}: {error}"[:300]
found = {name: importlib.util.find_spec(name) is not None for name in LOOKUPS}
print(json.dumps({"version": getattr(penguins, "__version__", None), "errors": errors, "found": found}, default=repr))
"""


def imports(modules: Sequence[str] = (), lookups: Sequence[str] = ()) -> dict:
    """``import penguins`` in a fresh Python: its ``__version__``, each module's import error
    (``None`` when it imports) and whether each name in ``lookups`` can be found (``find_spec``)."""
    code = f"MODULES = {list(modules)!r}\nLOOKUPS = {list(lookups)!r}\n" + IMPORTS
    return _fresh(code)  # type: ignore[return-value]


FUNCTIONS = """
import json
from penguins.data import file_sha256, load_raw, logger as data_logger
from penguins.features import FEATURES, clean, make_features, make_labels, logger as features_logger
from penguins.model import split, train, evaluate, logger as model_logger
raw = load_raw(DATA, file_sha256(DATA))
penguins = clean(raw, LIMIT)
print(json.dumps({
    "rows": len(penguins),
    "feature_columns": [str(column) for column in make_features(penguins).columns],
    "FEATURES": [str(name) for name in FEATURES],
    "loggers": [data_logger.name, features_logger.name, model_logger.name],
}))
"""


def functions(data: str = "data/penguins-raw.csv", max_body_mass_kg: float = 6.0) -> dict:
    """The package's functions in a fresh Python: rows ``clean`` keeps of ``data``, the columns
    ``make_features`` gives, ``FEATURES``, and the names of the loggers of data, features and model."""
    return _fresh(f"DATA = {data!r}\nLIMIT = {float(max_body_mass_kg)!r}\n" + FUNCTIONS)  # type: ignore[return-value]


PIPELINE = """
import json
from penguins.pipeline import run_pipeline
from penguins.settings import load_settings
out = {}
for name, overrides in RUNS.items():
    try:
        result = run_pipeline(load_settings(CONFIG, overrides=overrides, environ={}))
        out[name] = {"accuracy": float(result["accuracy"]), "rows": len(result["X"])}
    except Exception as error:
        out[name] = {"error": f"{type(error).__name__}: {error}"[:300]}
print(json.dumps(out))
"""


def pipeline_runs(runs: dict[str, dict], config: str = "config.toml") -> dict:
    """``run_pipeline(load_settings(config, overrides=..., environ={}))`` for each named set of
    overrides, in one fresh Python: ``{name: {"accuracy", "rows"}}`` (rows of X), or ``{"error"}``."""
    return _fresh(f"RUNS = {runs!r}\nCONFIG = {config!r}\n" + PIPELINE)  # type: ignore[return-value]


def _pytest(folder: Path) -> dict:
    """``python -m pytest -q tests`` in ``folder``: exit code, tests passed and failed, last line."""
    try:
        run = warm.python(PYTEST, folder, env=_clean_env(), timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"exit_code": None, "passed": 0, "failed": 0, "last_line": f"still running after {TIMEOUT} s"}
    lines = [line for line in run.stdout.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""

    def count(word: str) -> int:
        found = re.search(rf"(\d+) {word}", last)
        return int(found.group(1)) if found else 0

    return {"exit_code": run.returncode, "passed": count("passed"), "failed": count("failed"), "last_line": last[:300]}


def _clean_env() -> dict:
    """This process's environment without PENGUINS_* settings (a kernel's own must not leak in)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PENGUINS_")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1"}


def tests(planted: Sequence[str] = ()) -> dict:
    """pytest on a copy of the folder, then on a copy with each named bug of ``PLANTED`` in the package:
    ``{"exit_code", "passed", "failed", "last_line", "planted": {name: exit code, or why it could not be planted}}``."""
    with tempfile.TemporaryDirectory(prefix="course-package-") as scratch:
        reference = Path(scratch) / "reference"
        shutil.copytree(".", reference, ignore=shutil.ignore_patterns(*LEFT_OUT))
        outcome = _pytest(reference)
        outcome["planted"] = {}
        for name in planted:
            module, variant = PLANTED[name]
            copy = Path(scratch) / name
            shutil.copytree(reference, copy, ignore=shutil.ignore_patterns(*LEFT_OUT))
            target = copy / module
            try:
                target.write_text(variant.apply(target.read_text(encoding="utf-8")), encoding="utf-8")
            except (OSError, VariantError) as error:
                outcome["planted"][name] = f"could not be planted: {type(error).__name__}: {error}"[:300]
                continue
            outcome["planted"][name] = _pytest(copy)["exit_code"]
    return outcome


def _own_code(text: str) -> str:
    """The notebook's own code: code cells other than %%writefile cells and graded checks, magics left out."""
    notebook = json.loads(text)
    sources = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") != "code" or source.startswith("%%writefile"):
            continue
        if isinstance(meta, dict) and meta.get("grade") and not meta.get("solution"):
            continue
        sources.append("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return "\n".join(sources)


def notebook_code(notebook: str) -> dict:
    """What the notebook's own cells define and import (read as text, never run): functions and
    classes defined, modules of ``from ... import``, and modules of ``import ...``."""
    tree = ast.parse(_own_code(Path(notebook).read_text(encoding="utf-8")))
    nodes = list(ast.walk(tree))
    return {
        "defined": [n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))],
        "from_imports": sorted({n.module or "" for n in nodes if isinstance(n, ast.ImportFrom)}),
        "imports": sorted({alias.name for n in nodes if isinstance(n, ast.Import) for alias in n.names}),
    }
