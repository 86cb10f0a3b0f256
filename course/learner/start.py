"""``course start``: make or update the learner's workspace, then open JupyterLab in it.

The first run creates the workspace and opens step 0; later runs add what is
new in the course (never overwriting the learner's files) and open the first
step that is not done yet. JupyterLab runs as the learner's JupyterLab
(``course.learner.lab_config``): no instructor panels, no news pop-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.core import progress as progress_store
from course.core.catalog import Step, load_steps
from course.learner.lab_config import learner_environment, write_learner_config
from course.learner.workspace import update_workspace


def jupyterlab_command(workspace: Path, first_notebook: str, port: int | None, no_browser: bool) -> list[str]:
    """The command that serves ``workspace`` in JupyterLab, opening ``first_notebook``."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={workspace}",
        f"--ServerApp.default_url=/lab/tree/{first_notebook}",
    ]
    if port:
        command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses to run as root without it
    return command


def step_to_open(workspace: Path, steps: list[Step]) -> Step:
    """The first step whose public checks have not all passed (step 0 on first use)."""
    passed = progress_store.stored_passes(workspace)
    for step in steps:
        state, _ = progress_store.state_of(step, passed)
        if state != progress_store.DONE and (workspace / step.slug).is_dir():
            return step
    return steps[0]


def prepare(workspace: Path) -> tuple[list[str], str]:
    """Update the workspace and the learner's JupyterLab config; return (report lines, first notebook)."""
    steps = load_steps()
    report = update_workspace(workspace, steps)
    write_learner_config(workspace)
    step = step_to_open(workspace, steps)
    return report.lines(), f"{step.slug}/{step.notebooks[0]}"


def start(workspace: Path, port: int | None = None, no_browser: bool = False) -> int:
    """Update the workspace and run the learner's JupyterLab until the user stops it."""
    workspace = workspace.expanduser().resolve()
    lines, first = prepare(workspace)
    print(f"course: workspace {workspace}")
    for line in lines:
        print(f"  {line}")
    command = jupyterlab_command(workspace, first, port, no_browser)
    print(f"course: starting JupyterLab at {first} (stop it with Ctrl+C)", flush=True)
    try:
        return subprocess.call(command, cwd=workspace, env=learner_environment(workspace))
    except KeyboardInterrupt:
        return 0
