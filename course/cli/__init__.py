"""The ``course`` command: thin handlers that parse arguments and call the part of the
course that does the work. ``python -m course.cli`` runs it without the bootstrap."""

from course.cli.app import main

__all__ = ["main"]
