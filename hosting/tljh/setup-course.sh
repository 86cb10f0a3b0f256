#!/bin/bash
# One-time setup of a Prototype to Production class on The Littlest JupyterHub.
#
# Run as root on the hub's server, after installing TLJH:
#     sudo bash setup-course.sh [VERSION]
# VERSION is a tag or branch of the course repository (default: main). Run it
# again with a new VERSION to update the course. What each part does and why:
# site/instructor/tljh.md.
set -euo pipefail

REPOSITORY="https://github.com/prototype-to-production/prototype-to-production"
VERSION="${1:-main}"
COURSE_DIR="/srv/prototype-to-production"
EXCHANGE_DIR="/srv/nbgrader/exchange"
USER_PIP="/opt/tljh/user/bin/pip"
HUB_CONFIG_DIR="/opt/tljh/config/jupyterhub_config.d"
INSTRUCTORS="instructors"

echo "1/5 the course repository at ${VERSION}, in ${COURSE_DIR}"
if [ ! -d "${COURSE_DIR}/.git" ]; then
    git clone --quiet "${REPOSITORY}" "${COURSE_DIR}"
fi
git -C "${COURSE_DIR}" fetch --quiet origin "${VERSION}"
git -C "${COURSE_DIR}" checkout --quiet --detach FETCH_HEAD

echo "2/5 the course package in the users' environment (the same dependencies as pyproject.toml)"
"${USER_PIP}" install --quiet --editable "${COURSE_DIR}"

echo "3/5 solutions/ readable by the '${INSTRUCTORS}' group only"
groupadd --force "${INSTRUCTORS}"
chown -R "root:${INSTRUCTORS}" "${COURSE_DIR}/solutions"
chmod -R u=rwX,g=rX,o= "${COURSE_DIR}/solutions"

echo "4/5 nbgrader's exchange in ${EXCHANGE_DIR} (every user writes to it)"
mkdir -p "${EXCHANGE_DIR}"
chmod 0777 "${EXCHANGE_DIR}"

echo "5/5 learner and instructor roles for the hub"
mkdir -p "${HUB_CONFIG_DIR}"
install -m 0644 "${COURSE_DIR}/hosting/jupyterhub_config.d/course_roles.py" "${HUB_CONFIG_DIR}/course_roles.py"
tljh-config reload hub

echo "done: the course is at ${COURSE_DIR}; next, site/instructor/tljh.md, 'Run the class'"
