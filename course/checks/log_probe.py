"""Step 15's fresh-Python probe of the learner's logging: key=value lines for people, JSON lines for machines.

    python -m course.checks.log_probe

runs in a scratch copy of the learner's folder, imports ``penguins.logging_setup`` (and
``penguins.service``) from its ``src/``, logs ``RECORDS`` through ``configure_logging`` both ways,
and prints what came out as one JSON line: plain data, no expected value (the check's judge
compares it with the golden master in ``course.checks.observe.libraries``). The records are
public: the step's page lists the same ones.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
from pathlib import Path
from typing import Any

from course.checks.library_probe import attempt

# (logger, level, message, arguments, context): what the check logs, in this order. The DEBUG record is
# below the level, so it never appears; the last one is logged with the traceback of a ValueError.
RECORDS: list[tuple[str, int, str, tuple[Any, ...], dict[str, Any]]] = [
    (
        "penguins.service",
        logging.INFO,
        "predicted %s (%.3f) in %.1f ms",
        ("MALE", 0.973, 13.8),
        {"model_version": "412b48fe44ab", "species": "Adelie"},
    ),
    (
        "penguins.validation",
        logging.WARNING,
        "quarantined %d rows of %s",
        (2, "PAL0910"),
        {"season": "PAL0910", "quarantined": 2, "first_reasons": ["row 5: Body Mass (g) 5.7 is below 2700"]},
    ),
    ("penguins.data", logging.INFO, "read %s", ("data/penguins-raw.csv",), {"path": Path("data/penguins-raw.csv")}),
    ("penguins.features", logging.DEBUG, "below the level", (), {"rows": 1}),
    ("penguins.artifacts", logging.ERROR, "could not load model %s", ("0bad",), {"model_version": "0bad"}),
]
FAILURE = "ValueError: not a skops file"  # the traceback the last record carries


def emit() -> None:
    """Log every record of ``RECORDS``; the last one from inside an ``except`` block, with its traceback."""
    *plain, (name, level, message, arguments, context) = RECORDS
    for logger, record_level, text, values, extra in plain:
        logging.getLogger(logger).log(record_level, text, *values, extra=extra)
    try:
        raise ValueError(FAILURE.split(": ", 1)[1])
    except ValueError:
        logging.getLogger(name).log(level, message, *arguments, extra=context, exc_info=True)


def _restore_root() -> None:
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)


def as_objects(text: str) -> list[Any]:
    """Each line of ``text`` as JSON, its time and traceback replaced by whether they were there."""
    objects: list[Any] = []
    for line in text.splitlines():
        try:
            found = json.loads(line)
        except ValueError:
            objects.append(f"not JSON: {line[:120]}")
            continue
        if isinstance(found, dict):
            found["has_time"] = bool(found.pop("time", None))
            if "exc_info" in found:
                found["exc_info"] = f"a traceback ending {FAILURE!r}" if FAILURE in str(found["exc_info"]) else "?"
        objects.append(found)
    return objects


def without_time(text: str) -> list[str]:
    """Each line of ``text`` without its first two words (the date and the time), tracebacks left out."""
    return [line.split(" ", 2)[-1] for line in text.splitlines() if line[:2].isdigit()]


def logged(json_lines: bool | None) -> str:
    """What ``configure_logging`` writes for ``RECORDS``: with ``json_lines`` given, or left out (None)."""
    setup = importlib.import_module("penguins.logging_setup")
    buffer = io.StringIO()
    _restore_root()
    try:
        if json_lines is None:
            setup.configure_logging("INFO", stream=buffer)
        else:
            setup.configure_logging("INFO", stream=buffer, json_lines=json_lines)
        emit()
    finally:
        _restore_root()
    return buffer.getvalue()


def service_line() -> Any:
    """One record logged after ``app_from_environment()`` set the service's logging up (on stderr)."""
    service: Any = importlib.import_module("penguins.service")
    service.create_app = lambda *arguments, **keywords: None  # the app itself is not needed
    stderr, sys.stderr = sys.stderr, io.StringIO()
    try:
        service.app_from_environment()
        logging.getLogger("penguins.service").info(
            "serving model %s", "412b48fe44ab", extra={"model_version": "412b48fe44ab"}
        )
        written = sys.stderr.getvalue()
    finally:
        sys.stderr = stderr
        _restore_root()
    return as_objects(written)


def probe() -> dict[str, Any]:
    return {
        "json_lines": attempt(lambda: as_objects(logged(True))),
        "default_lines": attempt(lambda: without_time(logged(None))),
        "service_line": attempt(service_line),
    }


def main() -> None:
    sys.path.insert(0, "src")
    print(json.dumps(probe(), default=str))


if __name__ == "__main__":
    main()
