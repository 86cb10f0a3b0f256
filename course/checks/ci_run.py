"""Run a GitHub Actions workflow here, the way a CI runner would.

``run_workflow`` runs every job's ``run:`` steps in order, in a folder, each with
``bash --noprofile --norc -eo pipefail`` as GitHub's Linux runners do; a job fails
at its first failing step unless that step says ``continue-on-error``. ``uses:``
steps and package installs are recorded as skipped (see ``course.checks.ci_workflow``).
``run_script`` runs one script the same way (step 12 runs the team agreement's commands).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from course.checks.ci_workflow import INSTALL_LINE, jobs, step_name, steps


@dataclass
class StepRun:
    job: str
    name: str
    outcome: str  # "passed", "failed", "skipped"
    exit_code: int | None = None
    output: str = ""


@dataclass
class WorkflowRun:
    """What happened when the workflow ran here."""

    steps: list[StepRun] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failed_steps

    @property
    def failed_steps(self) -> list[str]:
        return [f"{run.job} / {run.name} (exit code {run.exit_code})" for run in self.steps if run.outcome == "failed"]

    @property
    def first_failure(self) -> str | None:
        failed = self.failed_steps
        return failed[0] if failed else None


def _environment(extra: dict, cwd: str | Path = ".") -> dict:
    scripts = str(Path(sys.executable).parent)
    environment = {**os.environ, "CI": "true", "GITHUB_ACTIONS": "true"}
    environment["PATH"] = scripts + os.pathsep + environment.get("PATH", "")
    source = Path(cwd) / "src"
    if source.is_dir() and (Path(cwd) / "pyproject.toml").is_file():
        # A src/ layout: the skipped install would have made the project's own package importable; here
        # its folder goes on the path instead (the tools are this environment's, the package is the project's).
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(source.resolve()), environment.get("PYTHONPATH")])
        )
    environment.update({str(key): str(value) for key, value in (extra or {}).items()})
    return environment


def _script_for_here(script: str) -> str:
    """The script with its installation lines skipped and ``uv run`` / ``poetry run`` prefixes dropped:
    here, the tools are this environment's."""
    lines = []
    for line in str(script).splitlines():
        if INSTALL_LINE.match(line):
            line = ": skipped here, the environment is installed"
        lines.append(re.sub(r"^(\s*)(uv|poetry|pdm|hatch)\s+run\s+", r"\1", line))
    return "\n".join(lines) + "\n"


def run_script(script: str, cwd: str | Path, env: dict | None = None, timeout: int = 300) -> tuple[int, str]:
    """Run a ``run:`` script in ``cwd`` as a GitHub Linux runner does (bash -eo pipefail): (exit code, output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as handle:
        handle.write(_script_for_here(script))
    try:
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", handle.name],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(env or {}, cwd),
        )
        return completed.returncode, completed.stdout + completed.stderr
    except subprocess.TimeoutExpired:
        return -1, f"still running after {timeout} seconds"
    except OSError as error:  # a working-directory that does not exist
        return -1, str(error)
    finally:
        os.unlink(handle.name)


def run_workflow(workflow: dict, folder: str | Path, timeout: int = 300) -> WorkflowRun:
    """Run every job's ``run:`` steps in ``folder``; a job stops at its first failing step."""
    folder = Path(folder)
    result = WorkflowRun()
    for job_name, job in jobs(workflow).items():
        job_failed = False
        job_env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
        for index, step in enumerate(steps(job)):
            name = step_name(step, index)
            condition = str(step.get("if", ""))
            wanted = (
                ("always()" in condition or "failure()" in condition) if job_failed else "failure()" not in condition
            )
            if "run" not in step or not wanted:
                result.steps.append(StepRun(job_name, name, "skipped"))
                continue
            cwd = folder / str(
                step.get("working-directory", job.get("defaults", {}).get("run", {}).get("working-directory", "."))
            )
            code, output = run_script(step["run"], cwd, {**job_env, **(step.get("env") or {})}, timeout)
            if code == 0:
                result.steps.append(StepRun(job_name, name, "passed", code, output))
            elif step.get("continue-on-error") not in (None, False):
                result.steps.append(StepRun(job_name, name, "passed", code, output))  # the run goes on, green
            else:
                result.steps.append(StepRun(job_name, name, "failed", code, output))
                job_failed = True
        if job_failed and job.get("continue-on-error") not in (None, False):
            for run in result.steps:
                if run.job == job_name and run.outcome == "failed":
                    run.outcome = "passed"
    return result
