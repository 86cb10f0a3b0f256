"""The seal: evidence, left by each graded cell, that it ran to its end with the course's own checks.

At grading time ``course grade`` adds one line to every graded test cell::

    __import__("course.grading.seal").grading.seal.seal("step00_rows_used", "<random nonce>")

The nonce is drawn afresh for every cell of every run, so learner code that
ran earlier cannot know it. ``seal`` shows a ``SEAL_MIMETYPE`` output with the
nonce and what it found wrong in the kernel: checking code that is not the
course's (``course.checks.check`` or the builtins it relies on were replaced) or
input/AST transformers that learner code installed. The grader
(``course.grading.preprocessors.verify_seals``) scores a cell zero when its seal is missing, has
the wrong nonce, or reports a problem.

This module runs inside the learner's kernel: it imports only the standard
library and ``course.core.protocol`` until ``seal`` is called.
"""

from __future__ import annotations

import builtins
import hashlib
import math
import os
import sys
import types

from course.core.protocol import SEAL_MIMETYPE

# builtins the checks call; replacing one of them could make a failing check pass
CHECKED_BUILTINS = (
    "all",
    "any",
    "bool",
    "callable",
    "float",
    "hasattr",
    "int",
    "isinstance",
    "len",
    "repr",
    "str",
    "type",
    "getattr",
    "issubclass",
    "list",
    "dict",
    "set",
    "tuple",
)
# transformers that the kernel's own libraries install are fine
TRUSTED_MODULES = ("IPython.", "ipykernel.", "ipytest", "matplotlib_inline.", "ipywidgets.", "comm.")
# methods through which a cell's code reaches Python; replacing one can skip or rewrite a cell
SHELL_METHODS = (
    "run_cell",
    "run_cell_async",
    "transform_cell",
    "transform_ast",
    "run_ast_nodes",
    "run_code",
    "should_run_async",
    "showtraceback",
    "_showtraceback",
)
KERNEL_METHODS = ("do_execute", "execute_request")


def _code_digest(code: types.CodeType, digest) -> None:
    digest.update(code.co_code)
    digest.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, digest)
        else:
            digest.update(repr(const).encode())


def _object_digest(name: str, value, digest) -> None:
    """Feed ``value`` (a function, property, class or anything else) into ``digest``."""
    digest.update(name.encode())
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        for part in (value.fget, value.fset, value.fdel):
            if part is not None:
                _object_digest(name + ".part", part, digest)
    elif isinstance(value, types.FunctionType):
        _code_digest(value.__code__, digest)
        digest.update(repr(value.__defaults__).encode())
    elif isinstance(value, type):
        for key in sorted(vars(value)):
            if not key.startswith("__") or key in ("__init__", "__eq__", "__getattribute__", "__getattr__"):
                _object_digest(f"{name}.{key}", vars(value)[key], digest)
    else:
        digest.update(type(value).__name__.encode())


def checks_fingerprint(module: types.ModuleType | None = None) -> str:
    """A digest of ``module`` (default: ``course.checks.check`` as this process has it): its functions and classes."""
    if module is None:
        module = sys.modules.get("course.checks.check")
    if module is None:
        import course.checks.check as module  # noqa: PLC0415 - imported when first needed
    digest = hashlib.sha256()
    for name in sorted(vars(module)):
        value = vars(module)[name]
        if isinstance(value, (types.FunctionType, type)) and getattr(value, "__module__", "") == "course.checks.check":
            _object_digest(name, value, digest)
        elif isinstance(value, types.FunctionType) or (isinstance(value, type) and name in ("Check", "Line")):
            origin = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
            digest.update(f"foreign:{name}:{origin}".encode())  # imported helpers, or a replacement
    return digest.hexdigest()


def checks_file_fingerprint() -> str:
    """The fingerprint of ``course/checks/check.py`` as it is on disk now (what a fresh kernel imports)."""
    import importlib.util

    import course.checks.check  # noqa: F401 - dataclasses looks the module up by name while the copy runs

    path = course.checks.check.__file__
    spec = importlib.util.spec_from_file_location("course.checks.check", path)
    assert spec is not None and spec.loader is not None  # a .py file always has a spec and a loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # a fresh copy: the imported module is left alone
    return checks_fingerprint(module)


def replaced_builtins() -> list[str]:
    """Names of builtins (and ``math.isclose``) the checks use that are no longer the real ones."""
    replaced = []
    for name in CHECKED_BUILTINS:
        value = getattr(builtins, name, None)
        real_type = isinstance(value, type) and value.__module__ == "builtins" and value.__name__ == name
        real_function = isinstance(value, types.BuiltinFunctionType) and value.__name__ == name
        if not (real_type or real_function):
            replaced.append(name)
    isclose = getattr(math, "isclose", None)
    if not (isinstance(isclose, types.BuiltinFunctionType) and isclose.__name__ == "isclose"):
        replaced.append("math.isclose")
    return replaced


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def foreign_transformers(shell) -> list[str]:
    """Input and AST transformers in ``shell`` that the kernel's own libraries did not install."""
    manager = shell.input_transformer_manager
    installed = [
        *manager.cleanup_transforms,
        *manager.line_transforms,
        *manager.token_transformers,
        *shell.input_transformers_post,
        *shell.ast_transformers,
    ]
    foreign = []
    for transformer in installed:
        module = getattr(transformer, "__module__", None) or type(transformer).__module__ or ""
        if not module.startswith(TRUSTED_MODULES):
            foreign.append(getattr(transformer, "__qualname__", type(transformer).__qualname__))
    return foreign


def replaced_methods(shell) -> list[str]:
    """Methods of the shell or kernel that learner code replaced on the running instance."""
    replaced = [name for name in SHELL_METHODS if _replaced_on(shell, name)]
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        replaced += [f"kernel.{name}" for name in KERNEL_METHODS if _replaced_on(kernel, name)]
    return replaced


def _replaced_on(instance, name: str) -> bool:
    """True when ``instance.name`` is set on the instance to something other than its class's own method.

    (ipykernel itself sets ``shell._showtraceback`` back to the bound method, which is fine.)
    """
    if name not in vars(instance):
        return False
    value = vars(instance)[name]
    own = getattr(type(instance), name, None)
    return not (isinstance(value, types.MethodType) and value.__self__ is instance and value.__func__ is own)


def problems() -> list[str]:
    """What is wrong with the checking machinery in this kernel, in words ([] when nothing)."""
    found = []
    module = sys.modules.get("course.checks.check")
    expected_file = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "checks", "check.py")
    if module is not None and os.path.abspath(str(getattr(module, "__file__", ""))) != expected_file:
        found.append("course.checks.check is not the course's own module")
    replaced = replaced_builtins()
    if replaced:
        found.append(f"learner code replaced builtins ({', '.join(replaced)})")
    shell = _shell()
    if shell is not None:
        foreign = foreign_transformers(shell)
        if foreign:
            found.append(f"learner code installed input transformers ({', '.join(foreign)})")
        methods = replaced_methods(shell)
        if methods:
            found.append(f"learner code replaced kernel methods ({', '.join(methods)})")
    return found


def seal(grade_id: str, nonce: str) -> None:
    """Show the evidence that this graded cell ran to here (called by the line grading adds)."""
    evidence = {"grade_id": grade_id, "nonce": nonce, "fingerprint": checks_fingerprint(), "problems": problems()}
    try:
        from IPython.display import display
    except ImportError:  # not in a kernel: nothing to show the grader
        return
    display({SEAL_MIMETYPE: evidence, "text/plain": ""}, raw=True)
