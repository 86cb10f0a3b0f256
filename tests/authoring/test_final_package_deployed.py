"""The package the course ends with (the last step's end state), deployed as a release job deploys it: its
wheel builds offline, installs into a clean environment, and its commands and service run from the
installed copy, with its source folder deleted (issue #15, item 5)."""

from __future__ import annotations

import pytest
from deployed_package import deployed, problems

from course.authoring.end_state import write_end_state
from course.core.catalog import load_steps

FINAL = load_steps()[-1]  # the step whose end state is the package the course ends with


@pytest.mark.slow
def test_the_final_package_trains_and_serves_from_its_installed_wheel(tmp_path):
    project = tmp_path / FINAL.slug
    write_end_state(FINAL, project, git=False)
    assert problems(deployed(project, tmp_path)) == []


@pytest.mark.slow
def test_a_final_package_whose_web_page_is_left_out_of_the_wheel_fails_once_installed(tmp_path):
    project = tmp_path / FINAL.slug
    write_end_state(FINAL, project, git=False)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('penguins = ["static/*.html"]', "penguins = []"))
    found = problems(deployed(project, tmp_path))
    assert len(found) == 1 and ("index.html" in found[0] or "GET /:" in found[0]), found
