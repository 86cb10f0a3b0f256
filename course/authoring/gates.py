"""``course gates``: the quality gates the course holds its own code to.

The same gates step 11 teaches a learner's package: ruff lint and format,
mypy, plus the course's import contracts (import-linter). ``.ci/run``,
``.pre-commit-config.yaml`` and the contributor guide all run this list.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from course import REPO_DIR


@dataclass(frozen=True)
class Gate:
    """One gate: a name and the command that must exit 0."""

    name: str
    command: tuple[str, ...]


GATES = (
    Gate("lint", ("ruff", "check", ".")),
    Gate("format", ("ruff", "format", "--check", ".")),
    Gate("types", ("mypy",)),
    Gate("boundaries", ("lint-imports",)),
)


def tool_path(tool: str) -> str:
    """The tool installed next to this Python (the course's environment), else the name on PATH."""
    beside = Path(sys.executable).parent / tool
    return str(beside) if beside.exists() else tool


def run_gates(gates: tuple[Gate, ...] = GATES, repo: Path = REPO_DIR) -> int:
    """Run every gate in ``repo``, print one line each, and return 0 only when all pass."""
    failed = []
    for gate in gates:
        started = time.perf_counter()
        done = subprocess.run([tool_path(gate.command[0]), *gate.command[1:]], cwd=repo, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        print(
            f"{'pass' if done.returncode == 0 else 'FAIL'}  {gate.name:<11} {' '.join(gate.command)}  ({seconds:.1f} s)"
        )
        if done.returncode != 0:
            failed.append(gate.name)
            print((done.stdout + done.stderr).rstrip(), "\n")
    if failed:
        print(f"{len(failed)} of {len(gates)} gates failed: {', '.join(failed)}")
        return 1
    print(f"all {len(gates)} gates passed")
    return 0
