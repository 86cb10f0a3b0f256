"""Pairs and trios: one submission, a grade for every member.

A pair (or a workshop trio) submits once, in one member's folder. That folder may hold
``PAIR.txt`` (or ``TEAM.txt``): the other members' learner names, one per line, exactly
as their own folders would be named. Blank lines and lines starting with ``#`` are
skipped.

* ``read_team`` reads the file as data from the grader's copy of the submission
  (``course.grading.submission_files``: no link followed, size capped), in the worker,
  with the notebooks. It never reaches nbgrader. Every name is checked like a learner
  folder's name (``LEARNER_NAME``, on the whole line); a name that is not one is shown
  escaped in a ``pair-file:`` status and credits nobody. The submitter's row gets
  ``review: pair file names ...``: a learner can name any classmate, so the instructor
  confirms the team.
* ``credited`` makes, when grades.csv is written, one row per named member from the
  submitter's stored result: the same score and cells, the same autograded notebooks
  (so the same feedback), and the status ``pair: graded from alice's submission``. These
  rows are derived, never stored: the gradebook keeps one result per submission, a
  regrade gives the same rows, and a member dropped from the file drops out.
* A member's own submission for the step wins: no credited row is made for them, and
  their own row says the other submission named them. A member named by two
  submissions is credited from the one with the higher score (then the first
  submitter by name), and the row names the other.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from course.grading.result import Result, listed
from course.grading.submission_files import Copied, Refused, read_file, shown

LEARNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # matched on the whole name (fullmatch)
TEAM_FILES = ("PAIR.txt", "TEAM.txt")
MAX_TEAM_BYTES = 2048  # a few names; anything bigger is not a team file
MAX_TEAM_LINES = 20
MAX_MEMBERS = 3  # besides the submitter: a team is at most four
PAIR_FILE = "pair-file"  # the status of a team file that credits fewer names than it holds
CREDITED = "pair: graded from"


def team_names(text: str, submitter: str) -> tuple[list[str], list[str]]:
    """(members, problems) of a team file's ``text`` submitted by ``submitter``."""
    lines = text.splitlines()
    if len(lines) > MAX_TEAM_LINES:
        return [], [f"{PAIR_FILE}: more than {MAX_TEAM_LINES} lines; nobody credited"]
    members: list[str] = []
    problems = []
    for line in (line.strip() for line in lines):
        if not line or line.startswith("#") or line in members:
            continue
        if not LEARNER_NAME.fullmatch(line):
            problems.append(f"{PAIR_FILE}: {shown(line)} is not a learner name (one name per line); not credited")
        elif line == submitter:
            continue  # the submitter is graded anyway
        else:
            members.append(line)
    if len(members) > MAX_MEMBERS:
        return [], [f"{PAIR_FILE}: names {len(members)} learners, at most {MAX_MEMBERS} besides you; nobody credited"]
    return members, problems


def read_team(folder: Path, copied: Copied, submitter: str) -> tuple[list[str], list[str]]:
    """(members, statuses) from the team file in ``folder``, the grader's copy of a submission."""
    present = [name for name in TEAM_FILES if PurePosixPath(name) in copied.files]
    if not present:
        return [], []
    if len(present) > 1:
        return [], [f"{PAIR_FILE}: both {' and '.join(present)}; keep one, nobody credited"]
    name = present[0]
    try:
        text = read_file(folder / name, name, MAX_TEAM_BYTES).decode("utf-8")
    except Refused:
        return [], [f"{PAIR_FILE}: {name} is over {MAX_TEAM_BYTES} bytes; nobody credited"]
    except UnicodeDecodeError:
        return [], [f"{PAIR_FILE}: {name} is not UTF-8 text; nobody credited"]
    members, problems = team_names(text, submitter)
    if members:
        problems.append(f"review: pair file names {listed(members)}")
    return members, problems


def without_ok(status: str) -> list[str]:
    return [part for part in status.split("; ") if part != "ok"]


def credited(results: Iterable[Result]) -> tuple[list[Result], list[Result]]:
    """(results, credited rows): ``results`` with notes for members who also submitted, and one row per
    member credited, from the stored results of the class."""
    results = list(results)
    own = {(result.learner, result.step): index for index, result in enumerate(results)}
    best = sorted(results, key=lambda result: (-result.score, result.learner))
    namers: dict[tuple[str, str], list[Result]] = {}
    for result in best:
        for member in getattr(result, "team", None) or []:
            namers.setdefault((member, result.step), []).append(result)
    rows = []
    for (member, step), sources in sorted(namers.items()):
        names = [f"{source.learner}'s" for source in sources]
        if (member, step) in own:  # their own submission wins
            mine = results[own[(member, step)]]
            note = f"pair: {listed(names)} submission also names {member}; {member}'s own submission is graded"
            results[own[(member, step)]] = dataclasses.replace(mine, status="; ".join([*without_ok(mine.status), note]))
            continue
        source = sources[0]
        also = [f"review: also named by {listed(names[1:])} pair file"] if sources[1:] else []
        status = "; ".join([f"{CREDITED} {source.learner}'s submission", *also, *without_ok(source.status)])
        rows.append(dataclasses.replace(source, learner=member, status=status, team=[], credited_from=source.learner))
    return results, rows
