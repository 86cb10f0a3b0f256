"""``course doctor``: is this machine ready for the course? Each problem comes with a fix.

Checks, in order: the Python version, the course's packages (installed, in
the versions the course asks for), the kernel JupyterLab starts for the
notebooks (a real one is started and must import the course), the widgets
extension, and the workspace.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from course import REPO_DIR

DISTRIBUTION = "prototype-to-production"
MIN_PYTHON = (3, 11)
KERNEL_PROBE = "import course.checks.check, ipywidgets, sys; print(sys.executable)"


@dataclass
class Finding:
    """One thing the doctor looked at: ok or not, what it saw, and how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Finding:
    shown = ".".join(map(str, version))
    if tuple(version[:2]) >= MIN_PYTHON:
        return Finding("python", True, f"Python {shown}")
    return Finding(
        "python",
        False,
        f"Python {shown} is too old: the course needs {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer",
        "install Python 3.11 or newer, then run `python3 -m course start` with it (it sets up .venv)",
    )


def required_packages() -> list[str]:
    """The course's own requirements (from its installed metadata), without extras."""
    try:
        requires = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return []
    return [line for line in requires if "extra ==" not in line]


def check_packages(requirements: list[str] | None = None) -> list[Finding]:
    from packaging.requirements import Requirement

    if requirements is None:
        requirements = required_packages()
        if not requirements:
            return [
                Finding(
                    "packages",
                    False,
                    "the course is not installed in this Python",
                    f"run `python3 -m course start` from {REPO_DIR} (it installs the course into .venv)",
                )
            ]
    reinstall = f"run `{Path(sys.executable).name} -m pip install -e {REPO_DIR}`"
    findings = []
    for line in requirements:
        requirement = Requirement(line)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            findings.append(Finding(requirement.name, False, "not installed", reinstall))
            continue
        if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            findings.append(
                Finding(
                    requirement.name,
                    False,
                    f"{version} installed, the course needs {requirement.specifier}",
                    reinstall,
                )
            )
        else:
            findings.append(Finding(requirement.name, True, version))
    return findings


def check_kernel(kernel_name: str = "python3", timeout: float = 60) -> Finding:
    """Start the kernel the notebooks ask for and make it import the course and ipywidgets."""
    fix = (
        f"the '{kernel_name}' kernel must be the course's Python: run "
        f"`{sys.executable} -m ipykernel install --sys-prefix` and start JupyterLab with `course start`"
    )
    try:
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        return Finding("kernel", False, "jupyter_client is not installed", fix)
    try:
        manager, client = start_new_kernel(
            kernel_name=kernel_name, startup_timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    except Exception as error:  # no such kernel, or it does not start
        return Finding(
            "kernel", False, f"the '{kernel_name}' kernel does not start: {type(error).__name__}: {error}", fix
        )
    try:
        outputs: list[str] = []

        def keep(message):
            if message["msg_type"] == "stream":
                outputs.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                outputs.append(f"{message['content']['ename']}: {message['content']['evalue']}")

        reply = client.execute_interactive(KERNEL_PROBE, timeout=timeout, output_hook=keep)
        text = "".join(outputs).strip()
        if reply["content"]["status"] != "ok":
            return Finding("kernel", False, f"the '{kernel_name}' kernel cannot import the course: {text}", fix)
        return Finding("kernel", True, f"'{kernel_name}' runs {text}")
    except Exception as error:  # a timeout
        return Finding("kernel", False, f"the '{kernel_name}' kernel did not answer: {type(error).__name__}", fix)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def check_widgets_extension() -> Finding:
    """The JupyterLab side of ipywidgets must be installed, or check panels show as plain HTML."""
    from jupyter_core.paths import jupyter_path

    fix = f"run `{Path(sys.executable).name} -m pip install -e {REPO_DIR}` (it installs jupyterlab_widgets)"
    for folder in jupyter_path("labextensions"):
        package = Path(folder) / "@jupyter-widgets" / "jupyterlab-manager" / "package.json"
        if package.is_file():
            version = json.loads(package.read_text()).get("version", "?")
            return Finding("widgets extension", True, f"@jupyter-widgets/jupyterlab-manager {version}")
    return Finding("widgets extension", False, "JupyterLab's widgets extension is not installed", fix)


def check_workspace(workspace: Path) -> list[Finding]:
    from course.core.catalog import load_steps
    from course.core.progress import MARKER_DIR, MARKER_FILE

    fix = f"run `course workspace {workspace}` (or `course start`): it adds what is missing and overwrites nothing"
    if not (workspace / MARKER_DIR / MARKER_FILE).is_file():
        return [Finding("workspace", False, f"no workspace at {workspace}", fix)]
    resolved = workspace.resolve()
    if resolved == REPO_DIR or REPO_DIR in resolved.parents:
        return [Finding("workspace", False, f"{workspace} is inside the course repository", "use a folder outside it")]
    findings = [Finding("workspace", True, str(workspace))]
    missing = [
        f"{step.slug}/{name}"
        for step in load_steps()
        if step.exercise_dir.is_dir()
        for name in step.notebooks
        if not (workspace / step.slug / name).exists()
    ]
    if missing:
        findings.append(Finding("workspace notebooks", False, "missing: " + ", ".join(missing), fix))
    probe = workspace / MARKER_DIR / ".doctor-probe"
    try:
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        findings.append(
            Finding(
                "workspace writable",
                False,
                f"cannot write in {workspace}: {error.strerror}",
                "give yourself write permission on the folder, or choose another with --workspace",
            )
        )
    return findings


def examine(workspace: Path) -> list[Finding]:
    """Every finding, in the order they are printed."""
    return [
        check_python(),
        *check_packages(),
        check_kernel(),
        check_widgets_extension(),
        *check_workspace(workspace),
    ]


def report(findings: list[Finding]) -> str:
    lines = []
    for finding in findings:
        lines.append(f"{'ok     ' if finding.ok else 'PROBLEM'}  {finding.name}: {finding.detail}")
        if not finding.ok and finding.fix:
            lines.append(f"         fix: {finding.fix}")
    problems = sum(not f.ok for f in findings)
    lines.append(
        "everything looks ready"
        if not problems
        else f"{problems} problem(s) found: apply the fixes above, then run `course doctor` again"
    )
    return "\n".join(lines)


def run_doctor(workspace: Path) -> int:
    """Print the findings; exit code 0 when there is no problem."""
    findings = examine(workspace)
    print(report(findings))
    return 0 if all(f.ok for f in findings) else 1
