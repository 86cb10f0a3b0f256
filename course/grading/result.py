"""What grading one submission gives: the grades.csv row, the cell scores, the autograded notebooks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

CSV_FIELDS = ["learner", "step", "score", "max_score", "status"]
MAX_LISTED = 4  # names a status lists before "and N more"


@dataclass
class Submission:
    """One learner's folder for one step."""

    learner: str
    step_slug: str
    folder: Path


@dataclass
class Result:
    """The outcome of grading one submission: the CSV row plus what feedback needs."""

    learner: str
    step: str
    score: float
    max_score: float
    status: str = "ok"
    # grade_id -> {"score", "max_score", "notebook"}; from the gradebook
    cells: dict = field(default_factory=dict)
    # notebook name -> the autograded notebook, relative to the --out folder (when one was produced)
    autograded: dict = field(default_factory=dict)
    # True when grading itself failed (not the learner's work): the score is unknown
    failed: bool = False
    # the other members of the submitter's pair or trio, from its PAIR.txt (course.grading.team)
    team: list = field(default_factory=list)
    # set on a member's row made from another's submission: whose (never stored: course.grading.team)
    credited_from: str = ""

    def row(self) -> dict:
        return {
            "learner": self.learner,
            "step": self.step,
            "score": number(self.score),
            "max_score": number(self.max_score),
            "status": self.status,
        }

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def number(value: float) -> str:
    """A score as grades.csv shows it: 3, 2.5, 0.33."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def listed(names: list[str]) -> str:
    """'a, b, c' with at most MAX_LISTED names, then 'and N more'."""
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")
