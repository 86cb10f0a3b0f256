"""The learner's JupyterLab: configured inside the workspace, for ``course start`` only."""

from __future__ import annotations

import json
import os
import sys

from course.core import progress as progress_store
from course.core.catalog import load_steps
from course.learner.lab_config import (
    HIDDEN_LAB_PLUGINS,
    HIDDEN_SERVER_EXTENSIONS,
    config_folder,
    learner_environment,
    write_learner_config,
)
from course.learner.start import jupyterlab_command, prepare, step_to_open

STEPS = load_steps()


def test_config_hides_nbgrader_panels_and_news(tmp_path):
    folder = write_learner_config(tmp_path)
    assert folder == config_folder(tmp_path) and folder.is_relative_to(tmp_path)
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    for plugin in (
        "@jupyter/nbgrader:create-assignment",
        "@jupyter/nbgrader:formgrader",
        "@jupyter/nbgrader:course-list",
        "@jupyterlab/apputils-extension:announcements",
    ):
        assert page["disabledExtensions"][plugin] is True
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {name: False for name in HIDDEN_SERVER_EXTENSIONS}
    assert server["LabApp"]["news_url"] is None
    overrides = json.loads((folder / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    assert len(HIDDEN_LAB_PLUGINS) == len(page["disabledExtensions"])


def test_writing_twice_is_harmless(tmp_path):
    write_learner_config(tmp_path)
    first = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    write_learner_config(tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == first


def test_only_the_learners_jupyterlab_sees_the_config(tmp_path):
    from jupyter_core.paths import jupyter_config_path

    env = learner_environment(tmp_path, {"JUPYTER_CONFIG_PATH": "/elsewhere", "PATH": "/bin"})
    assert env["JUPYTER_CONFIG_PATH"] == f"{config_folder(tmp_path)}{os.pathsep}/elsewhere"
    assert env["PATH"] == "/bin"
    assert str(config_folder(tmp_path)) not in jupyter_config_path()  # this process, and `course grade`, unchanged
    assert "JUPYTER_CONFIG_PATH" not in os.environ or str(tmp_path) not in os.environ["JUPYTER_CONFIG_PATH"]


def test_formgrader_is_off_for_learners_and_on_for_instructors(tmp_path):
    """The learner's server loads no nbgrader extension; everywhere else they stay as installed."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    learners = [str(write_learner_config(tmp_path)), *jupyter_config_path()]
    learner = ExtensionConfigManager(read_config_path=learners).get_jpserver_extensions()
    assert all(learner.get(name) is False for name in HIDDEN_SERVER_EXTENSIONS)
    instructor = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
    assert instructor.get("nbgrader.server_extensions.formgrader") is True


def test_start_prepares_the_workspace_and_opens_step_0_first(tmp_path):
    workspace = tmp_path / "ws"
    lines, first = prepare(workspace)
    assert first == f"{STEPS[0].slug}/{STEPS[0].notebooks[0]}"
    assert any(line.startswith("added ") for line in lines)
    assert (config_folder(workspace) / "jupyter_server_config.json").exists()
    command = jupyterlab_command(workspace, first, 8899, True)
    assert (
        command[:3] == [sys.executable, "-m", "jupyterlab"] and f"--ServerApp.default_url=/lab/tree/{first}" in command
    )


def test_start_opens_the_first_step_not_done(tmp_path):
    workspace = tmp_path / "ws"
    prepare(workspace)
    for check in STEPS[0].checks:
        progress_store.record_check({"grade_id": check.id, "passed": True}, start=workspace)
    assert step_to_open(workspace, STEPS) == STEPS[1]
    _, first = prepare(workspace)
    assert first.startswith(STEPS[1].slug)
