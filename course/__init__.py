"""Prototype to Production: the course's own tooling.

This package holds the step registry (``catalog.toml``), the in-notebook
checks, the release and grading commands and the case-study data. Importing
it must stay cheap and use the standard library only: ``python -m course``
imports it before the course's virtual environment exists.
"""

from pathlib import Path

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
