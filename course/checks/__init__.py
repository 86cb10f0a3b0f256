"""The kernel-side check library: what the notebooks' check cells import.

``from course.checks import Check`` is the one name every graded cell uses; the
helpers (fresh runs, planted bugs, purity, log capture, CI workflows, and the
checks of steps 10-14: ``service``, ``quality_gates``, ``agreement``, ``deploy``, ``version_probe``)
sit beside it.
This code runs inside the learner's kernel: it never imports the lab's widgets,
grading or authoring (the import contracts in ``pyproject.toml`` enforce it).
"""

from course.checks.check import Check, Line

__all__ = ["Check", "Line"]
