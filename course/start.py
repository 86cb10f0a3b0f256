"""``course start``: make or update the learner's workspace, then open JupyterLab at step 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from course.catalog import load_steps
from course.workspace import update_workspace


def jupyterlab_command(workspace: Path, first_notebook: str, port: int | None, no_browser: bool) -> list[str]:
    """The command that serves ``workspace`` in JupyterLab, opening ``first_notebook``."""
    command = [
        sys.executable, "-m", "jupyterlab",
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


def start(workspace: Path, port: int | None = None, no_browser: bool = False) -> int:
    """Update the workspace and run JupyterLab until the user stops it."""
    steps = load_steps()
    report = update_workspace(workspace, steps)
    print(f"course: workspace {workspace}")
    for line in report.lines():
        print(f"  {line}")
    first = f"{steps[0].slug}/{steps[0].notebooks[0]}"
    command = jupyterlab_command(workspace, first, port, no_browser)
    print("course: starting JupyterLab (stop it with Ctrl+C)", flush=True)
    try:
        return subprocess.call(command, cwd=workspace)
    except KeyboardInterrupt:
        return 0
