"""nbgrader for instructors on the class hub: the course directory and the exchange.

The course directory is a clone of the course repository in the instructor's
home (nbgrader's formgrader needs it inside the folder JupyterLab serves). Its
own nbgrader_config.py says where the sources (solutions/) and the released
exercises (exercises/) are, and how long a cell may run while grading.
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

COURSE_DIR = os.path.expanduser("~/prototype-to-production")

load_subconfig(os.path.join(COURSE_DIR, "nbgrader_config.py"))  # noqa: F821 - provided by nbgrader
c.CourseDirectory.root = COURSE_DIR
c.Exchange.root = "/srv/nbgrader/exchange"
