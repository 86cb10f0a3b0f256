"""JupyterHub: start each user's server as a course learner or a course instructor.

The Littlest JupyterHub loads this file from /opt/tljh/config/jupyterhub_config.d/
(hosting/tljh/setup-course.sh copies it there); Zero to JupyterHub loads it
from /usr/local/etc/jupyterhub/jupyterhub_config.d/ (hub.extraFiles in
hosting/z2jh/config.yaml).

Instructors are the hub's admins and the members of the hub group "instructors";
everyone else is a learner. The role picks the Jupyter configuration folder the
user's server reads first (hosting/jupyter-config/<role>): learners see
nbgrader's Assignments panel only, instructors also get the formgrader and the
create-assignment tools. Hiding panels keeps the learner's screen simple; the
separation that matters is Unix accounts and file permissions, described in
site/instructor/index.md.
"""

# Where the course repository sits on the hub: a clone on TLJH, the image's
# copy on Kubernetes (repo2docker --target-repo-dir).
COURSE_REPOSITORY_DIR = "/srv/prototype-to-production"
ROLE_CONFIG_ROOT = COURSE_REPOSITORY_DIR + "/hosting/jupyter-config"
INSTRUCTOR_GROUP = "instructors"


def course_role(user) -> str:
    """``instructor`` for hub admins and members of the instructors group, else ``learner``."""
    if user.admin or any(group.name == INSTRUCTOR_GROUP for group in user.groups):
        return "instructor"
    return "learner"


def set_course_role(spawner) -> None:
    """A pre-spawn hook: point the user's server at their role's Jupyter configuration."""
    role = course_role(spawner.user)
    spawner.environment = {
        **spawner.environment,
        "COURSE_ROLE": role,
        "JUPYTER_CONFIG_PATH": f"{ROLE_CONFIG_ROOT}/{role}",
    }


# If your hub already has a pre_spawn_hook, call set_course_role(spawner) from it instead.
c.Spawner.pre_spawn_hook = set_course_role  # noqa: F821 - `c` is the hub's configuration
