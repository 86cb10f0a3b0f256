"""What a learner sees inside JupyterLab: the first cell's ``begin``, check panels,
the progress view, the pairing timer and advice under failing cells.

``from course.lab import begin`` is the first code cell of every notebook.
"""

from course.lab.begin import begin

__all__ = ["begin"]
