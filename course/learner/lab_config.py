"""The learner's JupyterLab: no instructor panels, no news pop-up, widgets saved with the notebook.

``course start`` writes a small Jupyter configuration folder inside the
workspace (``.course/jupyter``) and points ``JUPYTER_CONFIG_PATH`` at it for the
JupyterLab it launches, and for nothing else. The user's own Jupyter
configuration and the environment's are never changed, so ``course grade``
and an instructor's own JupyterLab keep nbgrader's panels.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from course.core.files import write_atomically
from course.core.progress import MARKER_DIR

CONFIG_DIR = "jupyter"

# nbgrader's JupyterLab plugins. All are for instructors or for nbgrader's
# exchange, which self-paced learners do not use; "validate" would announce
# "passes all the tests" although hidden tests exist.
HIDDEN_LAB_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:validate-assignment",
    "@jupyter/nbgrader:menu",
    "@jupyterlab/apputils-extension:announcements",  # the news and update pop-up
)

HIDDEN_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.validate_assignment",
)

SETTING_DEFAULTS = {
    # Widget state goes into the notebook on save, so check panels still show
    # after the notebook is closed and opened again.
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def config_folder(workspace: Path) -> Path:
    """Where the learner's JupyterLab configuration lives in ``workspace``."""
    return workspace / MARKER_DIR / CONFIG_DIR


def write_learner_config(workspace: Path) -> Path:
    """Write (or refresh) the learner's JupyterLab configuration; return its folder."""
    folder = config_folder(workspace)
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    server = {
        "ServerApp": {"jpserver_extensions": {name: False for name in HIDDEN_SERVER_EXTENSIONS}},
        "LabApp": {
            "news_url": None,
            "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        },
    }
    _write_json(folder / "jupyter_server_config.json", server)
    _write_json(
        folder / "labconfig" / "page_config.json", {"disabledExtensions": {p: True for p in HIDDEN_LAB_PLUGINS}}
    )
    _write_json(folder / "labconfig" / "default_setting_overrides.json", SETTING_DEFAULTS)
    return folder


def learner_environment(workspace: Path, base: dict | None = None) -> dict:
    """The environment for the learner's JupyterLab: our config folder first on the config path."""
    env = dict(os.environ if base is None else base)
    folder = str(config_folder(workspace))
    rest = env.get("JUPYTER_CONFIG_PATH", "")
    env["JUPYTER_CONFIG_PATH"] = folder + (os.pathsep + rest if rest else "")
    return env


def _write_json(path: Path, data: dict) -> None:
    write_atomically(path, json.dumps(data, indent=1) + "\n")
