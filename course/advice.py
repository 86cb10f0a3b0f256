"""What probably went wrong, for the classic errors of a refactoring journey.

``for_error`` turns an exception into one or two sentences a learner can act
on. It only ever adds advice; the error itself is always shown too.
"""

from __future__ import annotations


def for_error(error: BaseException) -> str:
    """Advice for ``error``, or an empty string when we have nothing useful to add."""
    if isinstance(error, ModuleNotFoundError):
        return (
            f"Python cannot import {error.name!r}. If you just moved code into a package, check that "
            "the package folder sits next to this notebook (or is installed with `pip install -e .`), "
            "then restart the kernel (Kernel > Restart) so the import is looked up again."
        )
    if isinstance(error, NameError):
        name = getattr(error, "name", None) or "this name"
        return (
            f"{name!r} is not defined where it was used. If you just moved code into a function, the "
            "function may still read a variable that only existed at the notebook's top level: pass it "
            "in as an argument. Otherwise run the cells above first (Run > Run All Above)."
        )
    if isinstance(error, FileNotFoundError):
        return (
            "The file was not found from the notebook's own folder (the kernel's working directory). "
            "Use a path relative to that folder, such as Path('data') / 'penguins-raw.csv', "
            "not an absolute path from someone else's machine."
        )
    if isinstance(error, AttributeError) and "module" in str(error):
        return (
            "The module has no such attribute: the kernel may still hold an old version of your "
            "module. Restart the kernel, or run `%load_ext autoreload` and `%autoreload 2` first."
        )
    if isinstance(error, NotImplementedError):
        return "This part is still a stub: replace `raise NotImplementedError()` with your code."
    return ""
