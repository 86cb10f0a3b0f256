"""The course's own package deployed as a release job deploys it (course.checks.deploy): used by the tests of
the harness (step 12's package) and of the final package (the last step's). Real pip, venv, uvicorn, HTTP."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from course.checks import deploy
from course.checks.observe.service import ask

SEASON = "data/seasons/PAL0708.csv"
FACTORY = "penguins.service:app_from_environment"
GENTOO = {
    "species": "Gentoo",
    "island": "Biscoe",
    "culmen_length_mm": 50.0,
    "culmen_depth_mm": 16.3,
    "flipper_length_mm": 230.0,
    "body_mass_g": 5700.0,
}
REQUESTS: dict[str, tuple[str, str, dict[str, Any] | None]] = {  # what is asked: method, path, body
    "health": ("GET", "/health", None),
    "page": ("GET", "/", None),
    "predict": ("POST", "/predict", {"json": GENTOO}),
}


def deployed(project: Path, scratch: Path) -> dict[str, Any]:
    """Build ``project``'s wheel, install it into a clean environment in ``scratch``, then delete the
    package's source folder (``penguins/`` or ``src/``) so only the installed copy is left. Observed: the
    installed package (``installed_package``, asked from outside the project), a training run with the
    installed command in the project folder, and the installed service's answers to /health, / (the web
    page) and /predict, or why it did not start."""
    python = deploy.clean_environment(scratch / "env")
    deploy.install_wheel(python, deploy.build_wheel(project, scratch / "dist"))
    run = scratch / "run"
    run.mkdir()
    shutil.rmtree(project / ("src" if (project / "src" / "penguins").is_dir() else "penguins"))
    observed: dict[str, Any] = {"environment": python.parent.parent}
    observed["package"] = deploy.installed_package(python, "penguins", run)
    train = ["-m", "penguins", "train", "--config", "config.toml", "--season", SEASON]
    observed["train"] = deploy.run_installed(python, train, project, script="penguins")
    production = {"PENGUINS_MODEL_DIR": str(project / "artifacts")}
    observed["service"] = None  # or why it did not start
    try:
        with deploy.serving_installed(python, FACTORY, run, production) as port:
            for name, request in REQUESTS.items():
                observed[name] = ask(port, *request)
    except RuntimeError as error:
        observed["service"] = str(error)
    return observed


def problems(observed: dict[str, Any]) -> list[str]:
    """What is wrong with a deployment ``deployed`` observed; an empty list when it is as a release needs."""
    package, found = observed["package"], []
    if not (package["imported_from"] and Path(package["imported_from"]).is_relative_to(observed["environment"])):
        found.append(f"penguins is not imported from the clean environment: {package}")
    if package["module_help"]["exit_code"] != 0 or "train" not in package["module_help"]["output"]:
        found.append(f"python -m penguins --help: {package['module_help']}")
    if package["scripts"].get("penguins", {}).get("exit_code") != 0:
        found.append(f"the penguins console script: {package['scripts'].get('penguins', 'not declared')}")
    for name, said in package["scripts"].items():  # every declared command is installed and says how to call it
        if said["exit_code"] != 0 or "Traceback" in said["output"]:
            found.append(f"{name} --help: {said}")
    if observed["train"].returncode != 0:
        found.append(f"the installed command did not train: {observed['train'].stderr[-2000:]}")
    if observed["service"]:
        return [*found, f"the installed service did not start: {observed['service']}"]
    for name in ("health", "page"):
        if observed[name]["status"] != 200:
            found.append(f"{REQUESTS[name][0]} {REQUESTS[name][1]}: {observed[name]}")
    prediction = observed["predict"]
    if prediction["status"] != 200 or (prediction.get("json") or {}).get("sex") not in ("MALE", "FEMALE"):
        found.append(f"POST /predict: {prediction}")
    return found
