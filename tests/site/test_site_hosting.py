"""Hosting a class: Binder's configuration, the hub configurations and the learner/instructor roles."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from course import REPO_DIR
from course.core.catalog import load_steps
from site_build.hooks import REPOSITORY_URL

BINDER = REPO_DIR / ".binder"
HOSTING = REPO_DIR / "hosting"
ROLES = HOSTING / "jupyter-config"
VENV_BIN = Path(sys.executable).parent
PYPROJECT = tomllib.loads((REPO_DIR / "pyproject.toml").read_text())
# repo2docker reads these instead of (or before) requirements.txt; none may sit in .binder/
COMPETING_REPO2DOCKER_FILES = {
    "environment.yml",
    "Pipfile",
    "Pipfile.lock",
    "pyproject.toml",
    "setup.py",
    "Project.toml",
    "REQUIRE",
    "install.R",
    "DESCRIPTION",
    "Dockerfile",
    "default.nix",
    "manifest.scm",
}


def _requirement_lines(path: Path) -> list[str]:
    lines = [line.split(" #")[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def binder_dependencies() -> list[str]:
    """What `pip install -r .binder/requirements.txt`, run in the repository root, installs (direct dependencies)."""
    installed = []
    for line in _requirement_lines(BINDER / "requirements.txt"):
        target = line.removeprefix("-e").strip()
        path, _, extras = target.partition("[")
        if path.startswith((".", "/")):
            assert (REPO_DIR / path).resolve() == REPO_DIR, f"{line!r} does not install this repository"
            installed += PYPROJECT["project"]["dependencies"]
            for extra in extras.rstrip("]").split(",") if extras else []:
                installed += PYPROJECT["project"]["optional-dependencies"][extra.strip()]
        else:
            installed.append(line)
    return installed


def _normalised(requirements: list[str]) -> dict[str, SpecifierSet]:
    parsed = [Requirement(line) for line in requirements]
    return {r.name.lower().replace("_", "-"): r.specifier for r in parsed}


def test_binder_installs_exactly_the_dependencies_in_pyproject():
    assert _normalised(binder_dependencies()) == _normalised(PYPROJECT["project"]["dependencies"])


def test_binder_installs_the_course_itself():
    lines = _requirement_lines(BINDER / "requirements.txt")
    assert any(line.removeprefix("-e").strip() == "." for line in lines), "the course package must be installed"


def test_binder_python_is_one_pyproject_allows():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    version = runtime.removeprefix("python-")
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(f"{version}.0")


def test_no_other_file_overrides_the_binder_configuration():
    assert not (REPO_DIR / "binder").exists(), "repo2docker would read binder/ and ignore .binder/"
    assert not COMPETING_REPO2DOCKER_FILES & {p.name for p in BINDER.iterdir()}


def _run_binder_start(env_changes: dict, command: str, cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_ROLE", "COURSE_WORKSPACE", "JUPYTER_CONFIG_PATH")}
    env.update({"PATH": f"{VENV_BIN}{os.pathsep}{env['PATH']}", "JUPYTER_CONFIG_DIR": str(cwd / "user-config")})
    env.update(env_changes)
    result = subprocess.run(
        [str(BINDER / "start"), sys.executable, "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


SERVER_VIEW = """
import json, os
from jupyter_server.serverapp import ServerApp
from jupyterlab_server.config import get_static_page_config
app = ServerApp()
app.find_server_extensions()
print(json.dumps({
    "cwd": os.getcwd(),
    "root_dir": app.root_dir,
    "config_path": os.environ.get("JUPYTER_CONFIG_PATH", ""),
    "server_extensions": {k: v for k, v in app.jpserver_extensions.items() if "nbgrader" in k},
    "disabled": get_static_page_config(level="all").get("disabledExtensions", {}),
}))
"""


def test_binder_start_serves_jupyterlab_from_a_fresh_workspace_without_instructor_panels(tmp_path):
    workspace = tmp_path / "workspace"
    seen = _run_binder_start({"COURSE_WORKSPACE": str(workspace)}, SERVER_VIEW, tmp_path)
    assert Path(seen["root_dir"]) == workspace.resolve()
    for step in load_steps():
        for name in step.notebooks:
            assert (workspace / step.slug / name).is_file(), f"{step.slug}/{name} missing from the workspace"
    assert seen["config_path"].startswith(str(workspace.resolve()))
    assert seen["server_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert seen["disabled"].get("@jupyter/nbgrader:formgrader") is True
    assert seen["disabled"].get("@jupyter/nbgrader:create-assignment") is True


def test_binder_start_leaves_a_hub_server_alone(tmp_path):
    seen = _run_binder_start(
        {
            "COURSE_ROLE": "learner",
            "JUPYTER_CONFIG_PATH": str(ROLES / "learner"),
            "COURSE_WORKSPACE": str(tmp_path / "ws"),
        },
        SERVER_VIEW,
        tmp_path,
    )
    assert Path(seen["root_dir"]) == tmp_path
    assert seen["config_path"] == str(ROLES / "learner")
    assert not (tmp_path / "ws").exists()


def test_binder_start_is_executable_and_hands_over_to_the_given_command():
    start = BINDER / "start"
    assert os.access(start, os.X_OK)
    assert start.read_text().rstrip().splitlines()[-1] == 'exec "$@"'


@pytest.mark.parametrize(
    "script",
    [BINDER / "start", HOSTING / "tljh" / "setup-course.sh", HOSTING / "release-feedback.sh"],
    ids=lambda p: p.name,
)
def test_shell_scripts_are_valid_bash(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- the hubs -----------------------------------------------------------------------------------

HUB_YAML = [HOSTING / "tljh" / "config.yaml", HOSTING / "z2jh" / "config.yaml", HOSTING / "z2jh" / "exchange-pvc.yaml"]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("path", HUB_YAML, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_hub_configuration_files_parse_as_yaml_mappings(path):
    assert isinstance(_yaml(path), dict)


def _load_role_config(role: str):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(ROLES / role)).load_config()


def _exchange_root() -> str:
    return str(_load_role_config("learner").Exchange.root)


def test_tljh_config_uses_known_settings_and_lets_instructors_read_solutions():
    config = _yaml(HOSTING / "tljh" / "config.yaml")
    known = {"base_url", "auth", "users", "limits", "http", "https", "traefik_api", "user_environment", "services"}
    assert set(config) <= known
    assert set(config["users"]) <= {"allowed", "banned", "admin", "extra_user_groups"}
    assert config["user_environment"]["default_app"] == "jupyterlab"
    assert set(config["users"]["admin"]) <= set(config["users"]["extra_user_groups"]["instructors"])


def test_tljh_setup_uses_the_canonical_repository_and_the_hub_paths():
    script = (HOSTING / "tljh" / "setup-course.sh").read_text()
    roles = _course_roles_module()
    assert f'REPOSITORY="{REPOSITORY_URL}"' in script
    assert f'COURSE_DIR="{roles["COURSE_REPOSITORY_DIR"]}"' in script
    assert f'EXCHANGE_DIR="{_exchange_root()}"' in script
    assert "hosting/jupyterhub_config.d/course_roles.py" in script


def test_z2jh_config_mounts_the_exchange_and_loads_the_role_rule():
    config = _yaml(HOSTING / "z2jh" / "config.yaml")
    claim = _yaml(HOSTING / "z2jh" / "exchange-pvc.yaml")
    assert "ReadWriteMany" in claim["spec"]["accessModes"]
    storage = config["singleuser"]["storage"]
    volume = next(v for v in storage["extraVolumes"] if v["name"] == "nbgrader-exchange")
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    mounts = [m for m in storage["extraVolumeMounts"] if m["name"] == "nbgrader-exchange"]
    assert [m["mountPath"] for m in mounts] == [_exchange_root()]
    roles_file = config["hub"]["extraFiles"]["course-roles"]["mountPath"]
    assert roles_file == "/usr/local/etc/jupyterhub/jupyterhub_config.d/course_roles.py"
    text = (HOSTING / "z2jh" / "config.yaml").read_text()
    assert f"--target-repo-dir {_course_roles_module()['COURSE_REPOSITORY_DIR']}" in text
    assert "hub.extraFiles.course-roles.stringData=hosting/jupyterhub_config.d/course_roles.py" in text


# -- learner and instructor roles -----------------------------------------------------------------


def _course_roles_module() -> dict:
    from traitlets.config import Config

    namespace = {"c": Config()}
    exec(
        compile((HOSTING / "jupyterhub_config.d" / "course_roles.py").read_text(), "course_roles.py", "exec"), namespace
    )
    return namespace


def _spawner(admin=False, groups=()):
    user = SimpleNamespace(admin=admin, groups=[SimpleNamespace(name=g) for g in groups])
    return SimpleNamespace(user=user, environment={"KEEP": "me"})


@pytest.mark.parametrize(
    "spawner, role",
    [
        (_spawner(admin=True), "instructor"),
        (_spawner(groups=["instructors"]), "instructor"),
        (_spawner(groups=["learners"]), "learner"),
        (_spawner(), "learner"),
    ],
    ids=["admin", "instructors-group", "other-group", "plain-user"],
)
def test_the_hub_gives_each_user_their_role_configuration(spawner, role):
    roles = _course_roles_module()
    roles["c"].Spawner.pre_spawn_hook(spawner)
    assert spawner.environment["COURSE_ROLE"] == role
    assert spawner.environment["KEEP"] == "me"
    config_path = spawner.environment["JUPYTER_CONFIG_PATH"]
    inside_repository = Path(config_path).relative_to(roles["COURSE_REPOSITORY_DIR"])
    assert (REPO_DIR / inside_repository) == ROLES / role


NBGRADER_SERVER_EXTENSIONS = ("assignment_list", "course_list", "formgrader", "validate_assignment")
NBGRADER_LAB_PLUGINS = ("assignment-list", "course-list", "create-assignment", "formgrader", "validate-assignment")
EXPECTED = {
    "learner": ({"assignment_list"}, {"assignment-list"}),
    "instructor": (set(NBGRADER_SERVER_EXTENSIONS), set(NBGRADER_LAB_PLUGINS)),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_only_its_nbgrader_panels(role, tmp_path, monkeypatch):
    from jupyter_server.serverapp import ServerApp
    from jupyterlab_server.config import get_static_page_config

    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(ROLES / role))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    app = ServerApp()
    app.find_server_extensions()
    enabled_server = {
        name for name in NBGRADER_SERVER_EXTENSIONS if app.jpserver_extensions.get(f"nbgrader.server_extensions.{name}")
    }
    disabled = get_static_page_config(level="all").get("disabledExtensions", {})
    enabled_lab = {name for name in NBGRADER_LAB_PLUGINS if not disabled.get(f"@jupyter/nbgrader:{name}")}
    assert (enabled_server, enabled_lab) == EXPECTED[role]


def test_role_configurations_name_real_nbgrader_plugins_and_extensions():
    import importlib.util

    bundle = "".join(
        p.read_text(errors="replace")
        for p in (VENV_BIN.parent / "share/jupyter/labextensions/@jupyter/nbgrader/static").glob("*.js")
    )
    for role in EXPECTED:
        for plugin in json.loads((ROLES / role / "labconfig" / "page_config.json").read_text())["disabledExtensions"]:
            if plugin.startswith("@jupyter/nbgrader:"):
                assert f'"{plugin}"' in bundle, f"{role}: no JupyterLab plugin {plugin}"
        server = json.loads((ROLES / role / "jupyter_server_config.json").read_text())["ServerApp"]
        for module in server["jpserver_extensions"]:
            assert importlib.util.find_spec(module), f"{role}: no server extension {module}"


def test_hub_learners_see_what_self_paced_learners_see_plus_the_assignments_panel():
    from course.learner.lab_config import HIDDEN_LAB_PLUGINS, SETTING_DEFAULTS

    disabled = json.loads((ROLES / "learner" / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    exchange_panel = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"}
    assert {p for p in HIDDEN_LAB_PLUGINS if p not in exchange_panel} == {p for p, off in disabled.items() if off}
    for role in EXPECTED:
        assert (
            json.loads((ROLES / role / "labconfig" / "default_setting_overrides.json").read_text()) == SETTING_DEFAULTS
        )


def test_learners_and_instructors_use_the_course_and_exchange_of_the_course_config(tmp_path, monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    course = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_DIR)).load_config()
    clone = tmp_path / "prototype-to-production"
    clone.mkdir()
    (clone / "nbgrader_config.py").write_text((REPO_DIR / "nbgrader_config.py").read_text())
    monkeypatch.setenv("HOME", str(tmp_path))
    learner, instructor = _load_role_config("learner"), _load_role_config("instructor")
    assert learner.CourseDirectory.course_id == course.CourseDirectory.course_id
    assert instructor.CourseDirectory.course_id == course.CourseDirectory.course_id
    assert learner.Exchange.root == instructor.Exchange.root
    assert instructor.CourseDirectory.root == str(clone)
    assert instructor.CourseDirectory.source_directory == "solutions"
    assert instructor.CourseDirectory.release_directory == "exercises"


def test_release_feedback_puts_each_page_where_the_learner_fetches_it(tmp_path):
    from nbgrader.utils import notebook_hash

    step, notebook, secret = "00-meet-the-prototype", "meet-the-prototype", "s3cret"
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    exchange.mkdir()
    (course / "submitted" / "ada" / step).mkdir(parents=True)
    (course / "submitted" / "ada" / step / "timestamp.txt").write_text("2026-01-01 10:00:00.000000 UTC")
    (course / "submitted" / "ada" / step / "submission_secret.txt").write_text(secret)
    (course / "grades-out" / "feedback" / "ada" / step).mkdir(parents=True)
    (course / "grades-out" / "feedback" / "ada" / step / f"{notebook}.html").write_text("<p>feedback for ada</p>")
    (course / "nbgrader_config.py").write_text(
        (REPO_DIR / "nbgrader_config.py").read_text() + f"\nc.Exchange.root = {str(exchange)!r}\n"
    )
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
    }
    env.pop("JUPYTER_CONFIG_PATH", None)
    result = subprocess.run(
        ["bash", str(HOSTING / "release-feedback.sh"), step],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    released = (
        exchange / "prototype-to-production" / "feedback" / f"{notebook_hash(secret=secret, notebook_id=notebook)}.html"
    )
    assert released.read_text() == "<p>feedback for ada</p>"
