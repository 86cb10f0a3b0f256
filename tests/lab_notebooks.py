"""Notebooks as a learner would have them, for the JupyterLab tests (see course.solved)."""

from course.solved import solved_exercise

__all__ = ["solved_exercise"]
