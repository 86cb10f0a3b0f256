"""Repair a submitted notebook's cells against the released notebook, and say what was repaired.

Locked cells (given code and graded tests) are restored to the released text when
edited, re-inserted when deleted, and recognised by their text when the notebook
lost its nbgrader metadata; copies of a cell (a duplicated grade id) run as plain
cells; answer cells that are gone are named. Nothing here runs learner code.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field

from course.core.cells import NBGRADER, grade_id_of, has_nbgrader_meta, is_protected, is_solution, without_hidden_tests
from course.grading.result import listed


def fresh_copy(cell):
    """The released cell, without outputs."""
    restored = copy.deepcopy(cell)
    if restored.cell_type == "code":
        restored.outputs, restored.execution_count = [], None
    return restored


def same_text(submitted, released) -> bool:
    """True when a submitted cell still reads as released (a solution notebook's hidden tests aside)."""
    return (
        submitted.cell_type == released.cell_type
        and without_hidden_tests(submitted.source).strip() == released.source.strip()
    )


@dataclass
class Repairs:
    """Which cells were repaired, by kind (grade ids)."""

    edited: list = field(default_factory=list)
    matched: list = field(default_factory=list)
    restored: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    missing_answers: list = field(default_factory=list)

    def statuses(self, name: str, code_ids: set[str]) -> list[str]:
        edited = [i for i in self.edited if i in code_ids]
        restored = [i for i in self.restored if i in code_ids]
        found = []
        if self.matched:
            found.append(
                f"metadata-restored: {name} had lost its nbgrader metadata; "
                f"{len(self.matched)} given cells were recognised by their text"
            )
        if restored:
            found.append(f"deleted-cells-restored: {name}: {listed(restored)}")
        if edited:
            found.append(f"edited-locked-cells-restored: {name}: {listed(edited)}")
        if self.duplicates:
            found.append(f"duplicate-cells: {name}: copies of {listed(self.duplicates)} ran as plain cells")
        if self.missing_answers and not self.matched:  # without metadata, no answer cell can be told apart
            found.append(
                f"answer-cells-missing: {name}: {listed(self.missing_answers)} (deleted, or their cell metadata "
                "was lost); the checks that need them fail: copy each from the released notebook"
            )
        return found


def repair(notebook, released) -> tuple[object, Repairs]:
    """``notebook`` with its given cells as ``released`` has them; and what was repaired.

    A given cell that is missing goes back just before the next given cell that
    is present, so it follows the learner's answer to it.
    """
    reference = {grade_id_of(cell): cell for cell in released.cells if grade_id_of(cell)}
    protected = [i for i, cell in reference.items() if is_protected(cell)]
    repairs, seen, cells = Repairs(), set(), []
    for cell in notebook.cells:  # cells that carry nbgrader metadata
        known = grade_id_of(cell)
        if known in reference and known not in seen:
            seen.add(known)
            if known in protected:
                if not same_text(cell, reference[known]):
                    repairs.edited.append(known)
                cell = fresh_copy(reference[known])
            else:
                cell.metadata[NBGRADER] = copy.deepcopy(reference[known].metadata[NBGRADER])
        elif has_nbgrader_meta(cell):
            if known in seen:
                repairs.duplicates.append(known)
            del cell.metadata[NBGRADER]  # a copy, or a cell this step does not have
        cells.append(cell)
    for index, cell in enumerate(cells):  # given cells that lost their metadata, recognised by their text
        if not grade_id_of(cell):
            match = next((i for i in protected if i not in seen and same_text(cell, reference[i])), None)
            if match:
                cells[index] = fresh_copy(reference[match])
                seen.add(match)
                repairs.matched.append(match)
    order = list(reference)
    for position, missing in enumerate(order):  # given cells that are gone: back before their successor
        if missing in protected and missing not in seen:
            present = [grade_id_of(cell) for cell in cells]
            later = [i for i in order[position + 1 :] if i in present]
            at = present.index(later[0]) if later else len(cells)
            cells.insert(at, fresh_copy(reference[missing]))
            seen.add(missing)
            repairs.restored.append(missing)
    repairs.missing_answers = [i for i in order if i not in seen and is_solution(reference[i])]
    notebook.cells = cells
    unique_cell_ids(notebook)
    return notebook, repairs


def unique_cell_ids(notebook) -> None:
    """Give every cell an id of its own (copies and restored cells can share one)."""
    seen = set()
    for cell in notebook.cells:
        if "id" not in cell or cell["id"] in seen:
            cell["id"] = secrets.token_hex(4)
        seen.add(cell["id"])
