"""course.checks.deploy with real pip, venv, uvicorn and HTTP: a tiny project written here is built as a
wheel offline, installed into a clean environment, run and served from the installed copy; a broken
project gives a clear error, and a package that only works from its source tree is seen to fail.
Step 12's reference end state goes the same way (slow)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from deployed_package import deployed, problems

from course.authoring.bench_course import links_leaving
from course.authoring.end_state import write_end_state
from course.checks import deploy
from course.checks.observe.service import ask
from course.core.catalog import find_step

PYPROJECT = """\
[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "tiny-birds"
dynamic = ["version"]
requires-python = ">=3.11"

[project.scripts]
tiny-birds = "tinybirds.cli:main"

[tool.setuptools]
packages = ["tinybirds"]

[tool.setuptools.dynamic]
version = {attr = "tinybirds.__version__"}
"""

FILES = {
    "tinybirds/__init__.py": '__version__ = "1.2.3"\n',
    "tinybirds/__main__.py": "from tinybirds.cli import main\n\nraise SystemExit(main())\n",
    "tinybirds/cli.py": """\
        import argparse
        from pathlib import Path

        import tinybirds


        def main(argv=None):
            parser = argparse.ArgumentParser(prog="tiny-birds", description="count the tiny birds")
            parser.add_argument("--words", action="store_true", help="print the words file")
            arguments = parser.parse_args(argv)
            if arguments.words:  # words.txt is in no package-data: only the source tree has it
                print((Path(__file__).parent / "words.txt").read_text())
            print("tiny-birds", tinybirds.__version__)
            return 0
        """,
    "tinybirds/service.py": """\
        import os

        from fastapi import FastAPI

        import tinybirds


        def create_app():
            app = FastAPI()

            @app.get("/where")
            def where():
                return {"file": tinybirds.__file__, "greeting": os.environ.get("TINY_GREETING")}

            return app
        """,
    "tinybirds/words.txt": "puffin\n",
}


def write_project(folder: Path, pyproject: str = PYPROJECT) -> Path:
    """The tiny project in ``folder``: a package with a version, a __main__, a console script and an app factory."""
    for name, text in {"pyproject.toml": pyproject, **FILES}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The tiny project built, installed into a clean environment; (python, source tree, a folder outside it)."""
    root = tmp_path_factory.mktemp("deploy")
    source = write_project(root / "source")
    wheel = deploy.build_wheel(source, root / "dist")
    assert wheel.name == "tiny_birds-1.2.3-py3-none-any.whl"
    python = deploy.clean_environment(root / "env")
    deploy.install_wheel(python, wheel)
    (root / "run").mkdir()
    return python, source, root / "run"


def test_a_broken_pyproject_gives_an_error_quoting_the_build(tmp_path):
    broken = PYPROJECT.replace('packages = ["tinybirds"]', 'packages = ["tinybirds"')
    with pytest.raises(deploy.DeployError) as raised:
        deploy.build_wheel(write_project(tmp_path / "source", broken), tmp_path / "dist")
    assert "the wheel did not build" in str(raised.value) and "pyproject.toml" in str(raised.value)
    assert not list((tmp_path / "dist").glob("*.whl"))


def test_the_clean_environment_has_the_libraries_but_nothing_of_the_course_or_the_project(tmp_path):
    python = deploy.clean_environment(tmp_path / "env")
    own = deploy.run_installed(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path)
    path = deploy.run_installed(python, ["-c", "import sys; print('\\n'.join(sys.path))"], tmp_path).stdout.split()
    assert path.index(own.stdout.strip()) < path.index(sysconfig.get_paths()["purelib"])  # its own come first
    assert deploy.run_installed(python, ["-c", "import fastapi, uvicorn"], tmp_path).returncode == 0
    # The course is installed editable here (a .pth file in this environment's site-packages); the clean
    # environment does not run the .pth files of a folder it adds, so neither the course nor an editable
    # install of the learner's package can leak into it.
    assert subprocess.run([sys.executable, "-c", "import course"], cwd=tmp_path).returncode == 0
    leaked = deploy.run_installed(python, ["-c", "import course"], tmp_path)
    assert leaked.returncode == 1 and "No module named 'course'" in leaked.stderr


def test_the_clean_environment_links_nothing_outside_its_folder(tmp_path):
    # It lies in a learner's folder: plain nbgrader's autograde makes every file there read-only,
    # following links, and a link to this Python would make the machine's interpreter unrunnable.
    python = deploy.clean_environment(tmp_path / "env")
    assert links_leaving(tmp_path / "env") == []
    assert deploy.run_installed(python, ["-c", "print('runs')"], tmp_path).stdout.strip() == "runs"


def test_the_report_tells_the_source_tree_from_nothing_installed(tmp_path):
    python = deploy.clean_environment(tmp_path / "env")
    source = write_project(tmp_path / "source")
    (tmp_path / "run").mkdir()
    from_source = deploy.installed_package(python, "tinybirds", source)  # the folder itself is on the path
    assert Path(from_source["imported_from"]).is_relative_to(source)
    assert from_source["scripts"] == {}  # nothing installed: no console script
    outside = deploy.installed_package(python, "tinybirds", tmp_path / "run", distribution="tiny-birds")
    assert outside["imported_from"] is None and "No module named 'tinybirds'" in outside["error"]
    assert outside["module_help"]["exit_code"] == 1


def test_the_installed_copy_is_imported_and_runs_after_the_source_tree_is_gone(installed):
    python, source, run = installed
    moved = source.with_name("moved-away")
    source.rename(moved)
    try:
        report = deploy.installed_package(python, "tinybirds", run, distribution="tiny-birds")
    finally:
        moved.rename(source)
    site_packages = python.parent.parent
    assert Path(report["imported_from"]).is_relative_to(site_packages), report
    assert report["version"] == "1.2.3" and report["error"] is None
    assert report["module_help"]["exit_code"] == 0 and "count the tiny birds" in report["module_help"]["output"]
    assert list(report["scripts"]) == ["tiny-birds"]
    assert report["scripts"]["tiny-birds"]["exit_code"] == 0
    assert "count the tiny birds" in report["scripts"]["tiny-birds"]["output"]


def test_a_package_that_needs_a_file_outside_its_package_data_fails_once_installed(installed):
    python, source, run = installed
    from_source = subprocess.run([sys.executable, "-m", "tinybirds", "--words"], cwd=source, capture_output=True)
    assert from_source.returncode == 0 and b"puffin" in from_source.stdout  # works on the laptop
    deployed = deploy.run_installed(python, ["-m", "tinybirds", "--words"], run, script="tiny-birds")
    assert deployed.returncode == 1 and "words.txt" in deployed.stderr  # not in the wheel: visible here


def test_the_service_answers_over_http_from_the_installed_copy_with_the_settings_given(installed):
    python, source, run = installed
    with deploy.serving_installed(python, "tinybirds.service:create_app", run, {"TINY_GREETING": "hello"}) as port:
        answer = ask(port, "GET", "/where")
    assert answer["status"] == 200, answer
    assert Path(answer["json"]["file"]).is_relative_to(python.parent.parent)
    assert not Path(answer["json"]["file"]).is_relative_to(source)
    assert answer["json"]["greeting"] == "hello"
    assert ask(port, "GET", "/where")["status"] is None  # stopped on leaving


def test_a_service_that_cannot_start_says_why(installed):
    python, _, run = installed
    with pytest.raises(RuntimeError, match="the service stopped"):
        with deploy.serving_installed(python, "tinybirds.service:no_such_factory", run, {}):
            pass


@pytest.mark.slow
def test_step_12s_package_trains_and_serves_from_its_installed_copy(tmp_path):
    project = tmp_path / "step-12"
    write_end_state(find_step("12"), project, git=False)
    assert problems(deployed(project, tmp_path)) == []
