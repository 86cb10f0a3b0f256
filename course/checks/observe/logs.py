"""Log records as plain data, and what a fresh Python's logging looks like after importing the step's modules.

A probe turns the records a learner's code emitted (``course.checks.logcapture``)
into plain data with ``records_as_data``; a judge reads that data with
``find_record`` and ``with_field``, which work on plain data only.
``root_handlers_after_import`` is an ``after`` probe: it imports the learner's
modules in a new Python, where only the files on disk count.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from course.checks.fresh_run import run_python
from course.checks.probe import NotPlainData, plain

STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
MAX_TEXT = 2000  # characters kept of a message or of a field's value: a cell's observations stay small


def _plain_or_repr(value: Any) -> Any:
    """``value`` as plain data, or its (shortened) repr when it is not plain or too long to send."""
    try:
        data = plain(value)
        if len(json.dumps(data)) <= MAX_TEXT:
            return data
    except (NotPlainData, RecursionError, ValueError):
        pass
    try:
        return repr(value)[:300]
    except Exception as error:  # a learner's object with a broken __repr__
        return f"<unprintable {type(value).__name__}: {type(error).__name__}>"


def _message(record: logging.LogRecord) -> str:
    try:
        return str(record.getMessage())[:MAX_TEXT]
    except Exception as error:  # a learner's format string that does not match its arguments
        return f"<the message could not be formatted: {type(error).__name__}: {error}>"[:MAX_TEXT]


def records_as_data(records: list[logging.LogRecord]) -> list[dict]:
    """Each record as plain data: level, logger, message, and its ``extra`` fields with their types' names."""
    data = []
    for record in records:
        extra = {key: value for key, value in vars(record).items() if key not in STANDARD_ATTRIBUTES}
        data.append(
            {
                "level": int(record.levelno),
                "levelname": str(record.levelname),
                "logger": str(record.name),
                "message": _message(record),
                "extra": {str(key): _plain_or_repr(value) for key, value in extra.items()},
                "types": {str(key): type(value).__name__ for key, value in extra.items()},
            }
        )
    return data


def find_record(records: list[dict], level: int, **fields: Any) -> dict | None:
    """The first record (as ``records_as_data`` gives it) at ``level`` whose extra fields include ``fields``."""
    for record in records:
        extra = record.get("extra", {})
        if record.get("level") == level and all(key in extra and extra[key] == value for key, value in fields.items()):
            return record
    return None


def with_field(records: list[dict], name: str, level: int | None = None) -> list[dict]:
    """The records (as ``records_as_data`` gives them) that carry the extra field ``name`` (at ``level``, if given)."""
    return [r for r in records if name in r.get("extra", {}) and (level is None or r.get("level") == level)]


def root_handlers_after_import(modules: list[str]) -> str:
    """What a fresh Python prints for the root logger's handler count after importing ``modules`` here."""
    if not all(isinstance(name, str) and name.isidentifier() for name in modules):
        raise ValueError(f"module names only, not {modules!r}")
    code = "import logging\n" + "".join(f"import {name}\n" for name in modules)
    code += "print(len(logging.getLogger().handlers))"
    exit_code, out, err = run_python(code)
    if exit_code != 0:
        raise RuntimeError(f"importing {', '.join(modules)} in a fresh Python failed: {err}")
    return out.strip()
