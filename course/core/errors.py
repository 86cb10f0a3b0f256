"""Errors that mean "what you asked for cannot be done", not "the course has a bug".

The command line prints these as one clear message and exits 2; every other
exception is a bug and shows its traceback.
"""


class UsageError(Exception):
    """The person's input is wrong (an unknown step, a workspace in the wrong place); the message says what to do."""
