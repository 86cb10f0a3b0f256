"""course.checks.logcapture: records are kept, nothing reaches the console, and the logger is put back."""

from __future__ import annotations

import logging

import pytest

from course.checks.logcapture import captured, find, records_of, with_field


def test_records_of_every_level_are_kept_and_nothing_reaches_stderr(capfd):
    logger = logging.getLogger("course-test.capture")
    logger.setLevel(logging.ERROR)  # the learner's own level must not hide records from the check
    console = logging.StreamHandler()  # a learner's set-up that writes to stderr
    logger.addHandler(console)
    try:
        records = records_of("course-test.capture", lambda: (logger.debug("quiet"), logger.warning("loud")))
    finally:
        logger.removeHandler(console)
    assert [(r.levelno, r.getMessage()) for r in records] == [(logging.DEBUG, "quiet"), (logging.WARNING, "loud")]
    assert capfd.readouterr().err == ""


def test_the_logger_is_restored_even_when_the_block_fails():
    logger = logging.getLogger("course-test.restore")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = True
    with pytest.raises(RuntimeError):
        with captured("course-test.restore"):
            raise RuntimeError("boom")
    assert (logger.handlers, logger.level, logger.propagate) == ([handler], logging.WARNING, True)
    logger.removeHandler(handler)


def test_children_are_captured_and_other_loggers_are_not():
    with captured("course-test.parent") as records:
        logging.getLogger("course-test.parent.child").info("from the child")
        logging.getLogger("course-test.elsewhere").warning("not ours")
    assert [r.getMessage() for r in records] == ["from the child"]


def test_find_and_with_field_select_by_level_and_extra_fields():
    logger = logging.getLogger("course-test.fields")
    records = records_of(
        "course-test.fields",
        lambda: (
            logger.info("rows read", extra={"rows": 3}),
            logger.warning("rows dropped", extra={"rows": 1}),
            logger.warning("no field"),
        ),
    )
    assert find(records, logging.WARNING, rows=1).getMessage() == "rows dropped"
    assert find(records, logging.WARNING, rows=3) is None
    assert find(records, logging.ERROR) is None
    assert [r.getMessage() for r in with_field(records, "rows")] == ["rows read", "rows dropped"]
    assert [r.getMessage() for r in with_field(records, "rows", logging.INFO)] == ["rows read"]
