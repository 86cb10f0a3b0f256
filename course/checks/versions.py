"""Where a learner's package writes its version: once, as ``__version__`` in ``penguins/__init__.py``.

Read from the file's text without importing it, so a check (in the kernel) and a judge (in the
grader) ask the same question of the same file.
"""

from __future__ import annotations

import ast

NO_VERSION = "(no __version__ = '...' in the package's __init__.py)"


def declared_version(init_source: str) -> str:
    """The string that ``__version__ = "..."`` assigns at the top of ``init_source``; NO_VERSION when none."""
    try:
        body = ast.parse(init_source).body
    except SyntaxError:
        return NO_VERSION
    for node in body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "__version__" for target in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return NO_VERSION
            return value if isinstance(value, str) else NO_VERSION
    return NO_VERSION
