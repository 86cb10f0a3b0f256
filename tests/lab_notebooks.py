"""Notebooks as a learner would have them, for the JupyterLab tests (see course.authoring.solved)."""

from course.authoring.solved import solved_exercise

__all__ = ["solved_exercise"]
