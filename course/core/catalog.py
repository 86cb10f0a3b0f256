"""Read the course registry (``catalog.toml``): the ordered steps and their checks."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from course import REPO_DIR
from course.core.errors import UsageError

CATALOG_PATH = Path(__file__).resolve().parent / "catalog.toml"
SOLUTIONS_DIR = REPO_DIR / "solutions"
EXERCISES_DIR = REPO_DIR / "exercises"
SITE_DIR = REPO_DIR / "site"


class CatalogError(UsageError):
    """The registry is malformed, or names no such step; the message names the step and the field."""


@dataclass(frozen=True)
class CheckInfo:
    """One graded cell: its grade id, points, task and hints.

    ``manual`` cells are scored by a person (nbgrader's manually graded answers):
    they have no public check, so progress and ``course check`` leave them out.
    """

    id: str
    points: int
    task: str
    hints: tuple[str, ...]
    manual: bool = False


@dataclass(frozen=True)
class Step:
    """One step of the course, as the registry describes it."""

    number: int
    slug: str
    title: str
    notebooks: tuple[str, ...]
    page: str
    minutes: int
    outcomes: tuple[str, ...]
    key_points: tuple[str, ...]
    checks: tuple[CheckInfo, ...] = field(default=())

    @property
    def points(self) -> int:
        return sum(check.points for check in self.checks)

    @property
    def public_checks(self) -> tuple[CheckInfo, ...]:
        """The checks a learner can run: every check but the manually graded ones."""
        return tuple(check for check in self.checks if not check.manual)

    @property
    def solution_dir(self) -> Path:
        return SOLUTIONS_DIR / self.slug

    @property
    def exercise_dir(self) -> Path:
        return EXERCISES_DIR / self.slug

    def check(self, grade_id: str) -> CheckInfo:
        for check in self.checks:
            if check.id == grade_id:
                return check
        raise KeyError(f"step {self.slug} has no check {grade_id!r}")


REQUIRED_STEP_FIELDS = ("slug", "title", "notebooks", "page", "minutes", "outcomes", "key_points")
REQUIRED_CHECK_FIELDS = ("id", "points", "task", "hints")


def _require(table: dict, fields: tuple[str, ...], where: str) -> None:
    missing = [name for name in fields if name not in table]
    if missing:
        raise CatalogError(f"{CATALOG_PATH.name}: {where} is missing {', '.join(missing)}")


def _check_from(table: dict, where: str) -> CheckInfo:
    _require(table, REQUIRED_CHECK_FIELDS, where)
    manual = table.get("manual", False)
    if not isinstance(manual, bool):
        raise CatalogError(f"{CATALOG_PATH.name}: {where} has manual = {manual!r}: write true or false")
    return CheckInfo(table["id"], int(table["points"]), table["task"], tuple(table["hints"]), manual)


def load_steps(path: Path = CATALOG_PATH) -> list[Step]:
    """All steps in course order; raises ``CatalogError`` naming what is wrong."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    steps = []
    for number, table in enumerate(data.get("steps", [])):
        where = f"step {number} ({table.get('slug', 'no slug')})"
        _require(table, REQUIRED_STEP_FIELDS, where)
        if not table["slug"].startswith(f"{number:02d}-"):
            raise CatalogError(f"{CATALOG_PATH.name}: {where}: slug must start with {number:02d}-")
        checks = tuple(
            _check_from(check, f"{where}, check {index}") for index, check in enumerate(table.get("checks", []))
        )
        steps.append(
            Step(
                number=number,
                slug=table["slug"],
                title=table["title"],
                notebooks=tuple(table["notebooks"]),
                page=table["page"],
                minutes=int(table["minutes"]),
                outcomes=tuple(table["outcomes"]),
                key_points=tuple(table["key_points"]),
                checks=checks,
            )
        )
    return steps


def find_step(name: str, steps: list[Step] | None = None) -> Step:
    """The step called ``name``: its slug, its number (``1``, ``01``) or its folder path."""
    steps = load_steps() if steps is None else steps
    wanted = Path(name).name
    for step in steps:
        if wanted == step.slug or (wanted.isdigit() and int(wanted) == step.number):
            return step
    known = ", ".join(step.slug for step in steps)
    raise CatalogError(f"no step called {name!r}; the steps are: {known}")


def all_checks(steps: list[Step] | None = None) -> dict[str, tuple[Step, CheckInfo]]:
    """Every check in the course, by grade id."""
    steps = load_steps() if steps is None else steps
    return {check.id: (step, check) for step in steps for check in step.checks}


def find_steps(names: list[str], steps: list[Step] | None = None) -> list[Step]:
    """The steps ``names`` name (numbers or slugs), or every step when there are none."""
    steps = steps if steps is not None else load_steps()
    return [find_step(name, steps) for name in names] if names else steps
