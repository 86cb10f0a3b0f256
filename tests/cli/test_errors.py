"""The command line tells a person's mistake from a bug: a message and exit 2, or a traceback."""

from __future__ import annotations

import pytest

from course.cli import app
from course.cli.app import main


def test_an_unknown_step_is_a_usage_error_with_the_known_steps(capsys):
    assert main(["check", "99-no-such-step", "--workspace", "/nonexistent"]) == 2
    message = capsys.readouterr().err
    assert "no step called '99-no-such-step'" in message and "00-meet-the-prototype" in message


def test_a_bug_is_not_reported_as_a_usage_error(monkeypatch):
    def broken(args):
        raise ValueError("an internal bug")

    monkeypatch.setattr(app, "cmd_steps", broken)
    with pytest.raises(ValueError, match="an internal bug"):
        main(["steps"])
