"""site/reference/cli.md documents every command and every option the parser accepts."""

from __future__ import annotations

import argparse

from course import REPO_DIR
from course.cli.app import build_parser

REFERENCE = (REPO_DIR / "site" / "reference" / "cli.md").read_text()


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subparsers.choices)


def _reference_rows() -> dict[str, str]:
    """The reference table's rows, keyed by command name."""
    rows = {}
    for line in REFERENCE.splitlines():
        if line.startswith("| `course "):
            name = line.split("`")[1].split()[1]
            rows[name] = line
    return rows


def test_every_command_has_a_row_and_every_row_a_command():
    assert set(_reference_rows()) == set(_commands())


def test_every_option_of_a_command_is_in_its_row():
    rows = _reference_rows()
    missing = []
    for name, command in _commands().items():
        for action in command._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help") and option not in rows.get(name, ""):
                    missing.append(f"course {name} {option}")
    assert not missing, f"not in site/reference/cli.md: {missing}"


def test_the_parser_offers_exactly_the_sandbox_modes_grading_knows():
    from course.cli.app import SANDBOX_MODES
    from course.grading.sandbox import MODES

    assert SANDBOX_MODES == MODES
