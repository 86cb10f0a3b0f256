"""A GitHub Actions workflow, read as data (``course.checks.ci_run`` runs it here).

Step 11 grades a learner's ``.github/workflows/ci.yml`` by its structure (the
parsed YAML, never a keyword search) and by what it does. ``ci_run.run_workflow`` runs
every job's ``run:`` steps in order, in a folder, each with
``bash --noprofile --norc -eo pipefail`` as GitHub's Linux runners do; a job
fails at its first failing step unless that step says ``continue-on-error``.
Two kinds of step have nothing to do here, and are recorded as skipped:

* ``uses:`` steps (checkout, setup-python): the folder is the checkout, and this
  Python, whose scripts folder comes first on ``PATH``, is the one set up;
* lines that install packages (``pip install``, ``uv sync``, ``apt-get``): this
  environment already has the course's packages, and a grader has no network.

Step 12 reads the commands a workflow runs to check that a team's written
agreement names the same ones (``commands``).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

INSTALL_LINE = re.compile(
    r"^\s*(sudo\s+)?((python3?\s+-m\s+)?pip3?\s+install|uv\s+(pip\s+install|sync)|pipx\s+install|apt(-get)?\s)"
)
SILENCERS = ("|| true", "|| exit 0", "--exit-zero", "set +e", "|| :")


class WorkflowError(ValueError):
    """The file is not a workflow: missing, not YAML, or without jobs and steps."""


def load_workflow(path: str | Path) -> dict:
    """The workflow at ``path`` as a dict, with ``on`` as a key (YAML 1.1 reads a bare ``on`` as True)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkflowError(f"no workflow at {path}") from None
    return parse_workflow(text, str(path))


def parse_workflow(text: str, path: str = ".github/workflows/ci.yml") -> dict:
    """A workflow's text as a dict, as ``load_workflow`` reads it (``path`` only names it in errors)."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise WorkflowError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise WorkflowError(f"{path} holds {type(data).__name__}, not a workflow (a mapping with on: and jobs:)")
    if True in data and "on" not in data:
        data["on"] = data.pop(True)
    if not isinstance(data.get("jobs"), dict) or not data["jobs"]:
        raise WorkflowError(f"{path} has no jobs")
    return data


def triggers(workflow: dict) -> dict:
    """Event name -> its filter (``{}`` when the event has none)."""
    on = workflow.get("on")
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {str(event): {} for event in on}
    if isinstance(on, dict):
        return {str(event): (spec if isinstance(spec, dict) else {}) for event, spec in on.items()}
    return {}


def runs_on_every_push(workflow: dict) -> bool:
    """True when every push to every branch starts the workflow."""
    events = triggers(workflow)
    if "push" not in events:
        return False
    push = events["push"]
    if push.get("branches-ignore") or push.get("paths") or push.get("paths-ignore"):
        return False
    branches = push.get("branches")
    return branches is None or "**" in branches


def jobs(workflow: dict) -> dict:
    return {str(name): job for name, job in workflow.get("jobs", {}).items() if isinstance(job, dict)}


def steps(job: dict) -> list[dict]:
    return [step for step in job.get("steps", []) or [] if isinstance(step, dict)]


def step_name(step: dict, index: int) -> str:
    if step.get("name"):
        return str(step["name"])
    if step.get("uses"):
        return str(step["uses"])
    first = str(step.get("run", "")).strip().splitlines()
    return first[0] if first else f"step {index + 1}"


def commands(script: str) -> list[str]:
    """The commands of a ``run:`` script, one per line, comments and blank lines left out."""
    lines, pending = [], ""
    for line in str(script).splitlines():
        line = line.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def tool_of(command: str) -> str:
    """What a command runs: ``ruff check``, ``ruff format --check``, ``ruff format``, ``mypy``, ``pytest``,
    ``install``, or its first word."""
    if INSTALL_LINE.match(command):
        return "install"
    try:
        words = shlex.split(command.split("&&")[0])
    except ValueError:
        words = command.split()
    while words and (words[0] in ("uv", "run", "poetry", "pipx", "hatch") or "=" in words[0]):
        words = words[1:]
    if len(words) >= 3 and re.fullmatch(r"python3?(\.\d+)?", words[0]) and words[1] == "-m":
        words = words[2:]
    if not words:
        return ""
    if words[0] == "ruff" and len(words) > 1:
        if words[1] == "format":
            return "ruff format --check" if "--check" in words else "ruff format"
        if words[1] == "check":
            return "ruff check"
    return words[0]


def tools(workflow: dict) -> list[tuple[str, str, str]]:
    """(job, step name, tool) for every command of every run step, in order."""
    found = []
    for job_name, job in jobs(workflow).items():
        for index, step in enumerate(steps(job)):
            if "uses" in step:
                found.append((job_name, step_name(step, index), "uses " + str(step["uses"]).split("@")[0]))
            for command in commands(step.get("run", "")):
                found.append((job_name, step_name(step, index), tool_of(command)))
    return found


def let_through(workflow: dict) -> list[str]:
    """Where a failure would not fail the run: continue-on-error, or a command that hides its exit code."""
    found = []
    for job_name, job in jobs(workflow).items():
        if job.get("continue-on-error") not in (None, False):
            found.append(f"job {job_name}: continue-on-error")
        for index, step in enumerate(steps(job)):
            if step.get("continue-on-error") not in (None, False):
                found.append(f"{job_name} / {step_name(step, index)}: continue-on-error")
            for command in commands(step.get("run", "")):
                for silencer in SILENCERS:
                    if silencer in command:
                        found.append(f"{job_name} / {step_name(step, index)}: {silencer!r}")
    return found


GATES = ("ruff check", "ruff format --check", "mypy", "pytest")


def gate_problems(workflow: dict) -> list[str]:
    """What keeps the workflow from gating a change: a gate no step runs, or a gate that runs
    before its job has checked out the code and installed the tools."""
    found = tools(workflow)
    problems = [f"no step runs {gate}" for gate in GATES if gate not in [tool for _, _, tool in found]]
    for job_name in jobs(workflow):
        sequence = [tool for job, _, tool in found if job == job_name]
        gates = [index for index, tool in enumerate(sequence) if tool in GATES]
        if not gates:
            continue
        before = sequence[: gates[0]]
        if "uses actions/checkout" not in before:
            problems.append(f"job {job_name}: no actions/checkout step before its first gate")
        if "install" not in before:
            problems.append(f"job {job_name}: nothing installs the package and its tools before its first gate")
    return problems


def python_versions(workflow: dict) -> list[str]:
    """The Python versions the workflow sets up (matrix values resolved)."""
    versions = []
    for job in jobs(workflow).values():
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for step in steps(job):
            if not str(step.get("uses", "")).startswith("actions/setup-python"):
                continue
            value = (step.get("with") or {}).get("python-version")
            if isinstance(value, str) and "matrix." in value:
                key = value.split("matrix.", 1)[1].strip(" }")
                value = matrix.get(key)
            values = value if isinstance(value, list) else [value]
            versions += [str(item) for item in values if item is not None]
    return versions


# A commit SHA is the one reference a tag's owner cannot move; the tag goes in a comment, for the reader.
PINNED = re.compile(r"@[0-9a-f]{40}$")
PIN_LINE = re.compile(
    r"^\s*(-\s*)?uses:\s*['\"]?(?P<action>[^@\s'\"]+)@(?P<ref>[0-9a-f]{40})['\"]?\s*(?P<comment>#.*)?$"
)


def uses(workflow: dict) -> list[str]:
    """Every ``uses:`` of every job's steps (and of jobs that call a reusable workflow), in order."""
    found = []
    for job in jobs(workflow).values():
        if job.get("uses"):
            found.append(str(job["uses"]))
        found += [str(step["uses"]) for step in steps(job) if step.get("uses")]
    return found


def pin_problems(workflow: dict, text: str) -> list[str]:
    """Actions not pinned to a full commit SHA, and pins whose line does not name the tag in a comment.

    ``text`` is the workflow's text: YAML drops comments, so the tag comment is read from the lines.
    Local actions (``./...``) are the repository's own code and need no pin.
    """
    problems = [
        f"{action}: pin it to a full 40-hex commit SHA"
        for action in uses(workflow)
        if not action.startswith("./") and not PINNED.search(action)
    ]
    for line in text.splitlines():
        match = PIN_LINE.match(line)
        if match and not re.match(r"#\s*v?\d", match["comment"] or ""):
            problems.append(f"{match['action']}@{match['ref'][:7]}...: name its tag in a comment (# v6.0.1)")
    return problems


def permissions_problems(workflow: dict) -> list[str]:
    """What lets the workflow's token do more than read the code: no top-level ``permissions:``, or a write."""
    problems = []
    if "permissions" not in workflow:
        problems.append("no top-level permissions: (the token gets the repository's default, often write)")
    scopes = {"workflow": workflow.get("permissions")}
    scopes |= {f"job {name}": job.get("permissions") for name, job in jobs(workflow).items()}
    for where, granted in scopes.items():
        if isinstance(granted, str) and granted.startswith("write"):
            problems.append(f"{where}: permissions: {granted}")
        if isinstance(granted, dict):
            problems += [f"{where}: {scope}: write" for scope, access in granted.items() if access == "write"]
    return problems
