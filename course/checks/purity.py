"""Check that a function is pure: it reads only what it is given and changes nothing it is given.

``call_isolated`` runs a function with its module globals cut down to an
allowed list (modules, imported names, constants, other functions), so a
function that still reads a notebook variable such as ``SEED`` or ``raw``
fails with a ``NameError`` that names it. ``changes_its_input`` compares a
frame before and after a call. Both run the code; neither reads its text.
"""

from __future__ import annotations

import builtins
import types
from collections.abc import Callable
from typing import Any


def isolated(func: Callable, allowed: list[str]) -> Callable:
    """A copy of ``func`` that sees only the globals named in ``allowed``."""
    scope = {name: func.__globals__[name] for name in allowed if name in func.__globals__}
    scope["__builtins__"] = builtins
    scope["__name__"] = func.__globals__.get("__name__", "__main__")
    copy = types.FunctionType(func.__code__, scope, func.__name__, func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = func.__kwdefaults__
    return copy


def call_isolated(func: Callable, allowed: list[str], *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` seeing only the ``allowed`` globals; a NameError names what it reached for.

    The error says which function read which notebook variable: its ``name`` is the
    variable and its ``function_name`` the learner's function, so the advice
    (``course.checks.advice``) names them rather than this helper. A name that
    exists nowhere (a typo) keeps Python's own error.
    """
    try:
        return isolated(func, allowed)(*args, **kwargs)
    except NameError as error:
        name = getattr(error, "name", None)
        if name is not None and name not in func.__globals__:
            raise  # not a notebook variable: Python's own error, raised inside the learner's function
        reached = NameError(
            f"{func.__name__} reads {name or 'a name'!r} from the notebook instead of taking it as an argument",
            name=name,
        )
        reached.function_name = func.__name__  # type: ignore[attr-defined]
        raise reached from None


def changes_its_input(func: Callable, frame, *args: Any, **kwargs: Any) -> bool:
    """True when calling ``func(frame, ...)`` leaves ``frame`` different from before."""
    before = frame.copy(deep=True)
    func(frame, *args, **kwargs)
    return not (frame.equals(before) and list(frame.columns) == list(before.columns))
