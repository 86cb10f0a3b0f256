"""Step 11's checks: the quality gates (ruff, mypy, pre-commit, CI) and the review checklist.

The gates are judged by running them: on the learner's folder as it is, and on
scratch copies of it with one small, realistic problem planted (``PLANTS``), where
a gate that is switched on must fail. Every function reads the files of ``folder``
(the notebook's own folder by default); those whose name ends in ``_of`` take a
file's text instead, so a grader's judge can use them on what it was sent as data.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from course.checks.ci_run import run_workflow
from course.checks.ci_workflow import load_workflow
from course.checks.fresh_run import run_command, scratch_copy

T = TypeVar("T")

WORKFLOW = ".github/workflows/ci.yml"
PLANTS = {  # small, realistic problems, each planted in a copy of this folder
    "an unused import": ("penguins/planted.py", "import os\n"),
    "zip() without strict=": (
        "penguins/planted.py",
        "def pairs(a: list[int], b: list[int]) -> list[tuple[int, int]]:\n    return list(zip(a, b))\n",
    ),
    "imports out of order": ("penguins/planted.py", "import sys\nimport os\n\nprint(os.sep, sys.argv)\n"),
    "a badly formatted line": ("penguins/planted.py", "values = [1,2,  3]\n"),
    "a type error": ("penguins/planted.py", 'def planted() -> int:\n    return "not a number"\n'),
    "a type error in a function without annotations": (
        "penguins/planted.py",
        'def planted():\n    count: int = "not a number"\n    return count\n',
    ),
    "a failing test": ("tests/test_planted.py", "def test_planted() -> None:\n    assert 1 + 1 == 3\n"),
    "an untyped function": ("penguins/planted.py", "def planted(count):\n    return count + 1\n"),
    "a pickle load with no reason given": (
        "penguins/planted.py",
        "import pickle\n\n\ndef planted(blob: bytes) -> object:\n    return pickle.loads(blob)\n",
    ),
    "a shell command": (
        "penguins/planted.py",
        "import subprocess\n\n\ndef planted(command: str) -> None:\n"
        "    subprocess.run(command, shell=True, check=True)\n",
    ),
}
# The one rule the team switches off on a line, on purpose: S301 on the pickle load of penguins/artifacts.py,
# with its reason in brackets on the line (the decision is on step 11's page). Any other noqa is a silenced gate.
RECORDED_DECISION = re.compile(r"#\s*noqa:\s*S301\s+\(\w.*\)")
# What mypy's strict = true switches on (mypy 2.x, ``mypy --help``), as [tool.mypy] keys and their strict values.
STRICT_SETTINGS = {
    "disallow_any_generics": True,
    "disallow_subclassing_any": True,
    "disallow_untyped_calls": True,
    "disallow_untyped_defs": True,
    "disallow_incomplete_defs": True,
    "check_untyped_defs": True,
    "disallow_untyped_decorators": True,
    "warn_redundant_casts": True,
    "warn_unused_ignores": True,
    "warn_return_any": True,
    "implicit_reexport": False,
    "strict_equality": True,
    "extra_checks": True,
}
SECURITY_RULES = "S"  # flake8-bandit in ruff: pickle, shell=True, eval, hard-coded passwords, ...


def in_layout(path: str, folder: str | Path = ".") -> str:
    """``path`` (written for a package at the top, ``penguins/...``) where ``folder``'s layout keeps it:
    ``src/penguins/...`` once the package has moved to a src/ layout (step 13)."""
    return f"src/{path}" if path.startswith("penguins/") and (Path(folder) / "src" / "penguins").is_dir() else path


def in_copy(action: Callable[[Path], T], problem: str | None = None, folder: str | Path = ".") -> T:
    """``action(copy)`` on a fresh copy of ``folder``, with ``problem`` planted; the copy is removed after."""
    copy = scratch_copy(folder)
    try:
        if problem:
            path, text = PLANTS[problem]
            (copy / in_layout(path, copy)).write_text(text)
        return action(copy)
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


def outcome(folder: str | Path, *arguments: str) -> str:
    """``python -m <arguments>`` in ``folder``: "exit code 0", or the exit code and the first problem reported."""
    code, out, err = run_command(["-m", *arguments], folder)
    if code == 0:
        return "exit code 0"
    lines = [line.strip() for line in (out + err).splitlines() if line.strip()]
    return f"exit code {code}: {lines[0] if lines else '(no output)'}"


def passes(folder: str | Path, *arguments: str) -> bool:
    """Whether ``python -m <arguments>`` exits with 0 in ``folder``."""
    return outcome(folder, *arguments) == "exit code 0"


def passes_with(problem: str, *arguments: str, folder: str | Path = ".") -> bool:
    """Whether ``python -m <arguments>`` still passes in a copy of ``folder`` with ``problem`` planted."""
    return in_copy(lambda copy: passes(copy, *arguments), problem, folder)


def pyproject(folder: str | Path = ".") -> dict[str, Any]:
    """``folder``'s pyproject.toml."""
    return tomllib.loads((Path(folder) / "pyproject.toml").read_text())


def selected_rules(folder: str | Path = ".") -> set[str]:
    """The ruff rules pyproject.toml selects: select (in [tool.ruff.lint] or [tool.ruff]) and extend-select."""
    return selected_rules_of((Path(folder) / "pyproject.toml").read_text())


def selected_rules_of(pyproject_text: str) -> set[str]:
    """``selected_rules`` of the text of a pyproject.toml."""
    ruff = tomllib.loads(pyproject_text)["tool"]["ruff"]
    lint = ruff.get("lint", {})
    return set(lint.get("select", ruff.get("select", []))) | set(lint.get("extend-select", []))


def comments_switching_off(word: str, folder: str | Path = ".") -> list[str]:
    """Lines of the package and its tests that switch a check off with ``word`` (noqa, type: ignore).

    The team's one recorded decision (``RECORDED_DECISION``: S301 with its reason on the line) is not counted.
    """
    root = Path(folder)
    return [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.glob(in_layout("penguins/", root) + "**/*.py")) + sorted(root.glob("tests/**/*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(rf"#\s*{word}", line) and not RECORDED_DECISION.search(line)
    ]


def strict_missing(folder: str | Path = ".") -> list[str]:
    """What pyproject.toml's [tool.mypy] leaves out of mypy's strict mode ([] when it is strict)."""
    return strict_missing_of((Path(folder) / "pyproject.toml").read_text())


def strict_missing_of(pyproject_text: str) -> list[str]:
    """``strict_missing`` of the text of a pyproject.toml: ``strict = true``, or every flag it switches on."""
    mypy = tomllib.loads(pyproject_text).get("tool", {}).get("mypy", {})
    if mypy.get("strict") is True:
        return []
    missing = [f"{key} = {str(value).lower()}" for key, value in STRICT_SETTINGS.items() if mypy.get(key) is not value]
    return ["strict = true (or all of: " + ", ".join(missing) + ")"] if missing else []


def security_rules_problems(folder: str | Path = ".") -> list[str]:
    """What keeps ruff's security rules (S) from checking the package: [] when they do."""
    return security_rules_problems_of((Path(folder) / "pyproject.toml").read_text())


def security_rules_problems_of(pyproject_text: str) -> list[str]:
    """``security_rules_problems`` of the text of a pyproject.toml.

    S must be selected (or ALL); no S rule may be ignored for the whole project or for the package's
    files (the tests may allow S101, assert, which is how pytest checks).
    """
    ruff = tomllib.loads(pyproject_text).get("tool", {}).get("ruff", {})
    lint = ruff.get("lint", {})
    problems = []
    selected = selected_rules_of(pyproject_text)
    if SECURITY_RULES not in selected and "ALL" not in selected:
        problems.append("S (the security rules) is not selected")
    ignored = [*lint.get("ignore", ruff.get("ignore", [])), *lint.get("extend-ignore", [])]
    problems += [f"{rule} is ignored everywhere" for rule in ignored if re.fullmatch(r"S\d*", rule)]
    per_file = lint.get("per-file-ignores", ruff.get("per-file-ignores", {}))
    for pattern, rules in per_file.items():
        if not pattern.startswith("tests"):
            problems += [f"{rule} is ignored in {pattern}" for rule in rules if re.fullmatch(r"S\d*", rule)]
    return problems


def pre_commit(folder: str | Path = ".") -> list[dict[str, Any]]:
    """The repos of .pre-commit-config.yaml that come from astral-sh/ruff-pre-commit."""
    return pre_commit_of((Path(folder) / ".pre-commit-config.yaml").read_text())


def pre_commit_of(config_text: str) -> list[dict[str, Any]]:
    """``pre_commit`` of the text of a .pre-commit-config.yaml."""
    config = yaml.safe_load(config_text)
    if not isinstance(config, dict) or not isinstance(config.get("repos"), list):
        raise ValueError(f".pre-commit-config.yaml holds {type(config).__name__}, not a mapping with a repos: list")
    return [
        repo
        for repo in config["repos"]
        if isinstance(repo, dict) and str(repo.get("repo", "")).rstrip("/").endswith("astral-sh/ruff-pre-commit")
    ]


def ruff_rev(folder: str | Path = ".") -> str:
    """The rev that pins ruff's hooks."""
    return ruff_rev_of((Path(folder) / ".pre-commit-config.yaml").read_text())


def ruff_rev_of(config_text: str) -> str:
    """``ruff_rev`` of the text of a .pre-commit-config.yaml."""
    repos = pre_commit_of(config_text)
    if not repos:
        raise ValueError(".pre-commit-config.yaml has no repo: https://github.com/astral-sh/ruff-pre-commit")
    return str(repos[0].get("rev", ""))


def _hook_id(hook: dict[str, Any]) -> str:
    """A hook's id, with the old name of ruff's lint hook (ruff) given its new one (ruff-check)."""
    return "ruff-check" if hook["id"] == "ruff" else hook["id"]


def ruff_hook_ids(folder: str | Path = ".") -> list[str]:
    """The ids of ruff's pre-commit hooks, in order."""
    return ruff_hook_ids_of((Path(folder) / ".pre-commit-config.yaml").read_text())


def ruff_hook_ids_of(config_text: str) -> list[str]:
    """``ruff_hook_ids`` of the text of a .pre-commit-config.yaml."""
    return [_hook_id(hook) for repo in pre_commit_of(config_text) for hook in repo.get("hooks", [])]


def ruff_requirement(folder: str | Path = ".") -> SpecifierSet:
    """The ruff requirement of pyproject.toml's optional dependencies (the team's tools)."""
    return ruff_requirement_of((Path(folder) / "pyproject.toml").read_text())


def ruff_requirement_of(pyproject_text: str) -> SpecifierSet:
    """``ruff_requirement`` of the text of a pyproject.toml."""
    extras = tomllib.loads(pyproject_text)["project"].get("optional-dependencies", {})
    found = [Requirement(line) for lines in extras.values() for line in lines if Requirement(line).name == "ruff"]
    return found[0].specifier if found else SpecifierSet("==0")  # none: nothing matches


def fix_runs_before_format(folder: str | Path = ".") -> bool:
    """Whether every ``ruff-check --fix`` hook runs before ruff-format (ValueError when there is no ruff-format)."""
    return fix_runs_before_format_of((Path(folder) / ".pre-commit-config.yaml").read_text())


def fix_runs_before_format_of(config_text: str) -> bool:
    """``fix_runs_before_format`` of the text of a .pre-commit-config.yaml."""
    hooks = [hook for repo in pre_commit_of(config_text) for hook in repo.get("hooks", [])]
    ids = [_hook_id(hook) for hook in hooks]
    fixing = [i for i, hook in enumerate(hooks) if ids[i] == "ruff-check" and "--fix" in hook.get("args", [])]
    return all(i < ids.index("ruff-format") for i in fixing)


def workflow(folder: str | Path = ".") -> dict:
    """``folder``'s CI workflow, parsed."""
    return load_workflow(Path(folder) / WORKFLOW)


def first_failure(problem: str | None = None, folder: str | Path = ".") -> str | None:
    """Run the workflow's jobs in a copy of ``folder`` (``problem`` planted) as a CI runner would:
    the first step that failed, or None."""
    return in_copy(lambda copy: run_workflow(load_workflow(copy / WORKFLOW), copy).first_failure, problem, folder)


def checklist(folder: str | Path = ".") -> str:
    """The text of REVIEW-CHECKLIST.md."""
    return (Path(folder) / "REVIEW-CHECKLIST.md").read_text()


def boxes(ticked: bool = False, folder: str | Path = ".") -> list[str]:
    """The checklist's items with an open box (``- [ ] ...``), or with a ticked one (``- [x] ...``)."""
    return boxes_of(checklist(folder), ticked)


def boxes_of(checklist_text: str, ticked: bool = False) -> list[str]:
    """``boxes`` of the text of a checklist."""
    mark = "[xX]" if ticked else " "
    return [
        line.split("]", 1)[1].strip()
        for line in checklist_text.splitlines()
        if re.match(rf"^\s*[-*] \[{mark}\] ", line)
    ]
