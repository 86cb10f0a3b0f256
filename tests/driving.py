"""One test for who drives: a statement in which an engineer drives (site pages and notebooks both use it)."""

from __future__ import annotations

import re

# "The engineer drives", "the ML / platform engineer drives the configuration", "the software engineer is
# driving", "the data engineer takes the keyboard": an engineer as the subject of driving, in one clause.
ENGINEER = r"\bengineers?\b"
DRIVING = (
    r"\b(?:drives|is driving|are driving|will drive|should drive|drove"
    r"|(?:takes|has|keeps|gets|holds|ends up with) the keyboard|types)\b"
)
BETWEEN = r"[^.;:!?\n]{0,80}?"  # within one clause
ENGINEER_DRIVES = re.compile(ENGINEER + BETWEEN + DRIVING, re.I)
DRIVEN_BY_ENGINEER = re.compile(r"\b(?:driven by|driver is|driver:)" + BETWEEN + ENGINEER, re.I)
NOT_THE_ENGINEER = re.compile(r"\b(?:never|not|no longer|n't|only when asked)\b|scientist", re.I)


def engineer_drives(text: str) -> list[str]:
    """Each statement in ``text`` that has an engineer drive (negations and relative clauses aside)."""
    text = re.sub(r"\s+", " ", text)
    found = []
    for match in ENGINEER_DRIVES.finditer(text):
        between = match.group(0)
        if NOT_THE_ENGINEER.search(between):
            continue  # "the engineer never takes the keyboard", "the engineer explains as the data scientist types"
        found.append(match.group(0))
    found += [match.group(0) for match in DRIVEN_BY_ENGINEER.finditer(text) if "scientist" not in match.group(0)]
    return found
