"""Plain data: the only kind of value a probe sends from the learner's kernel to the grader (JSON's types)."""

from __future__ import annotations

import math
from typing import Any


class NotPlainData(TypeError):
    """A probe's value is not made of JSON's types: convert it in the probe (``float(x)``, ``.tolist()``)."""


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON's own types (numpy scalars and arrays converted), or ``NotPlainData``.

    Subclasses become their base type, so a learner's object cannot bring its own ``==``.
    """
    if depth > 50:
        raise NotPlainData("nested more than 50 levels deep")
    if value is None or type(value) is bool:
        return value
    if isinstance(value, bool):
        return bool.__bool__(value)
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        number = float.__float__(value)
        return number if math.isfinite(number) else repr(number)
    if isinstance(value, str):
        return str.__str__(value)
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):  # numpy scalars and arrays
        return plain(value.tolist(), depth + 1)
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise NotPlainData("dictionary keys must be str")
        return {str.__str__(key): plain(item, depth + 1) for key, item in value.items()}
    raise NotPlainData(f"a {type(value).__name__} is not plain data (JSON's types): convert it in the probe")
