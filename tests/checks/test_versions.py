"""course.checks.versions: the version a package's __init__.py writes, read without importing it."""

import pytest

from course.checks.versions import NO_VERSION, declared_version


def test_the_assigned_string_is_the_version():
    assert declared_version('"""Docs."""\n\n__version__ = "0.2.1"\n') == "0.2.1"


@pytest.mark.parametrize(
    "source",
    [
        "",  # no assignment at all
        "version = '0.1.0'\n",  # another name
        "__version__ = compute()\n",  # not a literal: unknown without running it
        "__version__ = 1\n",  # not a string
        "def broken(:\n",  # not Python
    ],
)
def test_anything_else_is_no_version(source):
    assert declared_version(source) == NO_VERSION
