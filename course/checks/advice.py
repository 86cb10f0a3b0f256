"""What probably went wrong, for the classic errors of a refactoring journey.

``for_error`` turns an exception into one or two sentences a learner can act
on; checks attach it to a failing line, and the lab (``course.lab.explain``)
shows it below the traceback of a learner's own failing cell. Advice only ever
adds to the error, which is always shown too.

The classic errors:

* ``NameError`` inside a function just extracted from notebook cells: the
  function still reads a variable that only exists at the notebook's top level;
* ``FileNotFoundError`` from an absolute path (someone else's machine) or a
  relative path read from the wrong folder;
* ``ModuleNotFoundError`` after moving code into a package, and stale code
  (``ImportError: cannot import name``, ``AttributeError`` on a module, or a
  plain wrong value) when the kernel still holds the module it imported before
  the file changed.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import types
from pathlib import Path

RESTART = (
    "restart the kernel (Kernel > Restart Kernel), or run `%load_ext autoreload` and `%autoreload 2` once at the top"
)


def for_error(error: BaseException) -> str:
    """Advice for ``error``, or an empty string when we have nothing useful to add."""
    try:
        return _advice(error)
    except Exception:  # advice must never turn one error into two
        return ""


def _advice(error: BaseException) -> str:
    if isinstance(error, ModuleNotFoundError):
        return _module_not_found(error)
    if isinstance(error, ImportError):
        return _cannot_import(error)
    if isinstance(error, NameError):
        return _name_error(error)
    if isinstance(error, FileNotFoundError):
        return _file_not_found(error)
    if isinstance(error, AttributeError) and isinstance(getattr(error, "obj", None), types.ModuleType):
        return _stale_attribute(error)
    if isinstance(error, TypeError) and "positional argument" in str(error):
        return (
            "The function was called with a different number of arguments than it takes. After changing "
            "a function's parameters, update every call, and re-run the cell that defines the function."
        )
    if isinstance(error, NotImplementedError):
        return "This part is still a stub: replace `raise NotImplementedError()` with your code."
    return for_wrong_value()


def for_wrong_value() -> str:
    """Advice for a check that got a wrong value: only when the kernel runs stale module code."""
    try:
        stale = stale_modules()
    except Exception:  # advice must never turn one error into two
        return ""
    if not stale:
        return ""
    names = ", ".join(stale)
    return f"You changed {names} after the kernel imported it, so the kernel still runs the old code: {RESTART}."


def stale_modules(root: Path | None = None) -> list[str]:
    """Files of modules under ``root`` (default: the notebook's folder) that changed since the kernel imported them.

    The functions the kernel holds are compared with the same file compiled
    afresh from disk: a function changed, added or removed means the file
    changed after the import.
    """
    root_text = str((root or Path.cwd()).resolve()) + os.sep
    stale = []
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if not source or not str(source).endswith(".py") or not str(source).startswith(root_text):
            continue
        if "site-packages" in source or "dist-packages" in source:
            continue  # installed libraries, even in an environment inside the folder
        if _differs_from_disk(module):
            stale.append(os.path.relpath(source, root_text))
    return sorted(stale)


def _differs_from_disk(module: types.ModuleType) -> bool:
    if module.__file__ is None:
        return False  # a namespace package: no file to compare
    try:
        fresh = compile(Path(module.__file__).read_text(encoding="utf-8"), module.__file__, "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError):
        return False  # unreadable, or being edited: nothing useful to say
    on_disk = {code.co_name: _shape(code) for code in fresh.co_consts if _is_plain_function(code)}
    held = {
        name: _shape(value.__code__)
        for name, value in vars(module).items()
        if isinstance(value, types.FunctionType)
        and value.__code__.co_name == name  # not a decorator's wrapper
        and value.__code__.co_filename == module.__file__
    }
    changed = any(on_disk.get(name) != code for name, code in held.items())
    added = any(name not in vars(module) for name in on_disk)
    return changed or added


def _is_plain_function(code) -> bool:
    """A top-level ``def`` (not a class body, a lambda or a comprehension)."""
    return (
        isinstance(code, types.CodeType) and code.co_name.isidentifier() and bool(code.co_flags & inspect.CO_OPTIMIZED)
    )


def _shape(code: types.CodeType) -> tuple:
    """What a function does, without line numbers: its bytecode, constants and names, nested code too."""
    constants = tuple(_shape(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts)
    return code.co_code, constants, code.co_names, code.co_varnames, code.co_freevars, code.co_flags


COMPREHENSIONS = {"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"}


def _last_frame(error: BaseException):
    """The innermost frame of the error's traceback, or None; a comprehension counts as its function."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    while len(frames) > 1 and frames[-1].f_code.co_name in COMPREHENSIONS:
        frames.pop()
    return frames[-1] if frames else None


def _name_error(error: NameError) -> str:
    name = getattr(error, "name", None) or "this name"
    reader = getattr(error, "function_name", None)  # set by course.checks.purity.call_isolated
    if reader:
        return (
            f"{reader}() reads {name!r}, a variable of the notebook's top level, instead of taking it as an "
            f"argument: the check calls {reader}() with only the imports, constants and functions. Inside "
            f"{reader}() use its parameter (add one for {name!r} if it has none) and pass the value in where "
            f"you call {reader}()."
        )
    frame = _last_frame(error)
    function = frame.f_code.co_name if frame is not None else "<module>"
    if function not in ("<module>", "<lambda>") and not function.startswith("<"):
        notebook = sys.modules.get("__main__")
        in_notebook = notebook is not None and name in vars(notebook)
        where = f"{function}()"
        if frame.f_globals.get("__name__") not in (None, "__main__"):
            where += f" in module {frame.f_globals['__name__']}"
        if in_notebook:
            return (
                f"{where} reads {name!r}, which exists in the notebook but not inside the function's module: "
                f"a module cannot see the notebook's variables. Pass {name!r} in as an argument."
            )
        return (
            f"{where} reads {name!r}, which is not one of its arguments and is not defined inside it. "
            f"If you just moved this code into a function, it probably used a variable from the "
            f"notebook's top level: add {name!r} as a parameter and pass it in."
        )
    return (
        f"{name!r} is not defined: run the cells above first (Run > Run All Above) and check the spelling. "
        f"If the code that made it is now inside a function, it is local there: return it from the function."
    )


def _file_not_found(error: FileNotFoundError) -> str:
    filename = error.filename
    if not filename:
        return "A file was not found. Check the path, relative to the notebook's folder."
    path = Path(os.fsdecode(filename))
    if path.is_absolute():
        return (
            f"{str(path)!r} is an absolute path: it only works on the machine where it was written. "
            f"Use a path relative to the notebook's folder, such as Path('data') / {path.name!r}."
        )
    cwd = Path.cwd()
    nearby = _find_nearby(path.name, cwd)
    advice = (
        f"A relative path is read from the kernel's working folder, which is {str(cwd)!r}, "
        f"not from the folder of the code that opens it."
    )
    if nearby:
        advice += f" A file with that name is at {nearby.as_posix()!r}."
    return advice + " Build paths from one settings value (DATA_PATH) or pass the path in as an argument."


def _find_nearby(name: str, folder: Path, depth: int = 2) -> Path | None:
    """A relative path to a file called ``name`` within ``depth`` folders of ``folder``."""
    level = [folder]
    for _ in range(depth + 1):
        following = []
        for here in level:
            candidate = here / name
            if candidate.is_file():
                return candidate.relative_to(folder)
            following += sorted(p for p in here.iterdir() if p.is_dir() and not p.name.startswith("."))[:50]
        level = following
    return None


def _module_not_found(error: ModuleNotFoundError) -> str:
    name = error.name or "the module"
    top = name.split(".")[0]
    cwd = Path.cwd()
    if (cwd / "src" / top).is_dir():
        return (
            f"The package {top!r} is in src/, which Python does not search. Install it once with "
            f"`pip install -e .` from the folder that holds pyproject.toml, then restart the kernel."
        )
    if (cwd / top).is_dir() or (cwd / f"{top}.py").is_file():
        return (
            f"{top!r} is in the notebook's folder, but the kernel does not see it yet: restart the kernel "
            f"(Kernel > Restart Kernel) so the import is looked up again."
        )
    return (
        f"Python cannot import {name!r}. If you just moved code into a package, check that the package "
        f"folder sits next to this notebook (or is installed with `pip install -e .`), then restart the "
        f"kernel so the import is looked up again. If it is a library, install it into the course's "
        f"environment and run `course doctor`."
    )


def _defined_in_file(module_file: str | None, name: str) -> bool:
    """True when the source file on disk defines ``name`` (def, class or assignment)."""
    if not module_file or not name or not module_file.endswith(".py"):
        return False
    try:
        source = Path(module_file).read_text(encoding="utf-8")
    except OSError:
        return False
    pattern = rf"^(?:(?:async\s+)?def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*[:=]"
    return re.search(pattern, source, re.MULTILINE) is not None


def _cannot_import(error: ImportError) -> str:
    message = str(error)
    if message.startswith("cannot import name"):
        wanted = message.split("'")[1] if "'" in message else ""
        if _defined_in_file(getattr(error, "path", None), wanted):
            return f"The file defines {wanted!r}, but the kernel still holds the module it imported earlier: {RESTART}."
        return (
            f"The module has no {wanted!r}. Check the name and the module; if you just added it to the "
            f"file, save the file and {RESTART}."
        )
    return ""


def _stale_attribute(error: AttributeError) -> str:
    module = error.obj
    assert isinstance(module, types.ModuleType)  # _advice sends only errors raised on a module
    name = getattr(error, "name", "") or ""
    if _defined_in_file(getattr(module, "__file__", None), name):
        return (
            f"{module.__name__} on disk defines {name!r}, but the kernel still holds the version it "
            f"imported before you changed the file: {RESTART}."
        )
    return (
        f"Module {module.__name__} has no {name!r}. If you just added it, save the file and {RESTART}; "
        f"otherwise check the name."
    )
