"""Capture log records in a check, so nothing reaches stderr and records can be inspected.

nbgrader scores a cell zero when anything is written to stderr, and a
learner's logging set-up may well write there. ``captured`` attaches a list
handler to one logger, lets every level through, and stops propagation while
the block runs, so the records are kept and nothing else sees them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


class ListHandler(logging.Handler):
    """Keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def captured(logger_name: str) -> Iterator[list[logging.LogRecord]]:
    """Collect the records of ``logger_name`` (and its children) during the block.

    ``""`` is the root logger: every record of the program.
    """
    logger = logging.getLogger(logger_name)
    handler = ListHandler()
    previous = (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
    logger.handlers[:] = [handler]  # the logger's own handlers (the root's console) stay quiet meanwhile
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.disabled = False
    try:
        yield handler.records
    finally:
        logger.handlers[:], logger.level, logger.propagate, logger.disabled = previous


def records_of(logger_name: str, action) -> list[logging.LogRecord]:
    """The records ``logger_name`` emits while ``action()`` runs (errors propagate)."""
    with captured(logger_name) as records:
        action()
    return list(records)


def find(records: list[logging.LogRecord], level: int, **fields) -> logging.LogRecord | None:
    """The first record at ``level`` whose extra fields include ``fields``."""
    for record in records:
        if record.levelno == level and all(getattr(record, key, object()) == value for key, value in fields.items()):
            return record
    return None


def with_field(records: list[logging.LogRecord], name: str, level: int | None = None) -> list[logging.LogRecord]:
    """The records that carry the extra field ``name`` (at ``level``, if given)."""
    return [r for r in records if hasattr(r, name) and (level is None or r.levelno == level)]
