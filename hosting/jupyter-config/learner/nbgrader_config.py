"""nbgrader for learners on the class hub: where steps are fetched from and submitted to.

The hub points a learner's server at this folder (JUPYTER_CONFIG_PATH, set by
hosting/jupyterhub_config.d/course_roles.py). The course id must match the
course's own nbgrader_config.py (tests/site/test_site_hosting.py checks it).
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "prototype-to-production"
c.Exchange.root = "/srv/nbgrader/exchange"
