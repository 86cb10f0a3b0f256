"""The wire between the learner's kernel and the course's tools: one definition of each name.

A check cell publishes its result under ``CHECK_MIMETYPE``; ``course check``
(headless) reads it back. Under grading, a graded cell's hidden block sends its
observations under ``PROBE_MIMETYPE`` (``course.checks.probe``), which the grader
judges. ``course check`` runs kernels with ``HEADLESS_ENV`` set;
nbgrader runs them with ``NBGRADER_EXECUTION`` set (``under_nbgrader``).
"""

from __future__ import annotations

import os

CHECK_MIMETYPE = "application/vnd.course.check+json"
PROBE_MIMETYPE = "application/vnd.course.probe+json"  # a hidden block's observations (course.checks.probe)
WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
HEADLESS_ENV = "COURSE_HEADLESS"
NBGRADER_ENV = "NBGRADER_EXECUTION"


def under_nbgrader() -> bool:
    """True while nbgrader executes the notebook (autograde, validate)."""
    return bool(os.environ.get(NBGRADER_ENV))


def headless() -> bool:
    """True in a kernel that ``course check`` runs: nobody is looking at it."""
    return bool(os.environ.get(HEADLESS_ENV))


def unattended() -> bool:
    """True when no person watches the kernel: under nbgrader or ``course check``."""
    return under_nbgrader() or headless()
