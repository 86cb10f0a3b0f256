"""Observations for step 3 (pure functions): the golden master the learner's functions must reproduce.

``snapshot_of`` turns one pipeline run (the dict of its named parts) into plain data;
the probe applies it, in the kernel, to the learner's ``run_pipeline``.
``script_snapshot`` is the ``after`` probe: it runs step 2's script, as the step's
folder holds it, in a fresh namespace and returns the same snapshot of that run.
The judge compares the two.
"""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path
from typing import Any


def snapshot_of(run: dict[str, Any]) -> dict:
    """The observable behaviour of one pipeline run, as plain JSON values (step 2's ``snapshot``)."""
    X, y, model, X_test = run["X"], run["y"], run["model"], run["X_test"]
    return {
        "rows_kept": int(len(X)),
        "feature_columns": [str(column) for column in X.columns],
        "feature_means": {str(column): round(float(X[column].mean()), 6) for column in X.columns},
        "label_counts": {str(label): int(count) for label, count in y.value_counts().sort_index().items()},
        "test_rows": [int(index) for index in X_test.index],
        "test_predictions": [str(label) for label in model.predict(X_test)],
        "test_probability_sum": round(float(model.predict_proba(X_test)[:, 1].sum()), 6),
        "accuracy": round(float(run["accuracy"]), 6),
    }


def script_snapshot(script: str = "reproducible_pipeline.py") -> dict:
    """Run ``script`` (step 2's pipeline) in this folder, in a fresh namespace; the snapshot of its run.

    What the script prints is swallowed; the files it writes stay in the folder it ran in.
    """
    path = Path(script)
    if not path.is_file():
        raise FileNotFoundError(f"{script} is not in the step's folder: run the notebook from the top")
    with contextlib.redirect_stdout(io.StringIO()):
        run = runpy.run_path(str(path))
    return snapshot_of(run)
