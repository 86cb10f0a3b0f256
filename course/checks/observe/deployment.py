"""Step 13's observations: the learner's package in its src/ layout, ready or not, and its smoke test.

Each function works on a scratch copy of the step's folder, runs the learner's code in fresh Pythons
(or, for readiness, imports ``penguins.service`` from ``src/`` afresh), and returns plain data with no
expected value in it: the graded cell's judge decides. The same functions serve the notebook's public
checks (in the kernel) and the grader (``probe.after``, in its sandbox).
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

from course.checks import deploy
from course.checks.fresh_run import run_command, scratch_copy
from course.checks.http_service import HOST, PORT, free_port, listening
from course.checks.observe.service import ask
from course.checks.service import quiet, service_module, started
from course.checks.smoke_fakes import FAULTS, GOOD

SEASON = "data/seasons/PAL0708.csv"
LEFT_OUT = ("artifacts", "dist", "build", "deploy", "__pycache__", ".ipynb_checkpoints", "*.ipynb", "*.egg-info")
FROM_SOURCE = "import sys; sys.path.insert(0, 'src'); "  # the package from its source tree, as this notebook uses it
FAKES = ["-m", "uvicorn", "--factory", "course.checks.smoke_fakes:create_app", "--host", HOST, "--port", PORT]
PROBED = ("/health", "/ready")
TRAIN = (
    FROM_SOURCE
    + "import runpy; sys.argv = ['penguins', *sys.argv[1:]]; runpy.run_module('penguins', run_name='__main__')"
)


def layout() -> dict[str, Any]:
    """The wheel built from a copy of the folder (its files, or the build's error), the files under
    ``src/penguins`` (as the wheel would name them), and whether ``import penguins`` works from the
    folder itself with nothing installed."""
    copy = scratch_copy(".", leave_out=LEFT_OUT)
    try:
        wheel = deploy.build_wheel(copy, copy / "dist")
    except deploy.DeployError as error:
        files: list[str] | None = None
        build_error: str | None = str(error)
    else:
        with zipfile.ZipFile(wheel) as archive:
            files, build_error = sorted(archive.namelist()), None
    code, _, _ = run_command(["-c", "import penguins"], copy, timeout=60)
    package = copy / "src" / "penguins"
    written = sorted(
        f"penguins/{path.relative_to(package).as_posix()}"
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    return {
        "wheel_files": files,
        "build_error": build_error,
        "imports_from_the_folder": code == 0,
        "package_files": written,
    }


def trained_in(copy: Path) -> Path:
    """The model folder that the learner's ``python -m penguins train`` writes in ``copy``, from ``src/``."""
    code, _, err = run_command(["-c", TRAIN, "train", "--season", SEASON], copy, timeout=300)
    if code != 0:
        raise RuntimeError(f"python -m penguins train failed: {(err.strip().splitlines() or ['(no message)'])[-1]}")
    return copy / "artifacts"


def _resaved(model_dir: Path, into: Path, relabel: bool) -> Path:
    """A copy of the trained model folder whose model cannot answer: trained on 3 columns, or on labels M/F."""
    from sklearn.ensemble import RandomForestClassifier

    artifacts = sys.modules["penguins.artifacts"]  # the learner's own, so the file is in their format
    _, metadata = artifacts.load_model(model_dir)
    width = 3 if not relabel else len(metadata["features"])
    rows = [[float(i + j) for j in range(width)] for i in range(8)]
    labels = ["M", "F"] * 4 if relabel else ["MALE", "FEMALE"] * 4
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(rows, labels)
    artifacts.save_model(model, {key: value for key, value in metadata.items() if key != "model_version"}, into)
    return into


def _answer(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = response.text[:2000]
    return {"status": response.status_code, "json": body}


def readiness() -> dict[str, Any]:
    """``GET /health`` and ``GET /ready`` of the learner's service, in-process, for three models: the one
    ``train`` writes, one trained on other columns, one whose answers are not a sex."""
    copy = scratch_copy(".", leave_out=LEFT_OUT)
    model_dir = trained_in(copy)
    sys.path.insert(0, str(copy / "src"))
    try:
        service = service_module()  # penguins.* imported afresh, from the copy's src/
        models = {
            "trained": model_dir,
            "other_features": _resaved(model_dir, copy / "other-features", relabel=False),
            "other_labels": _resaved(model_dir, copy / "other-labels", relabel=True),
        }
        seen: dict[str, Any] = {}
        for name, folder in models.items():
            with quiet(), started(service.create_app(folder)) as client:
                seen[name] = {path: _answer(client.get(path)) for path in PROBED}
        return seen
    finally:
        sys.path.remove(str(copy / "src"))


SMOKE = FROM_SOURCE + (
    "import json; from penguins.smoke import problems; "
    "print(json.dumps({name: problems(url) for name, url in json.loads(sys.argv[1]).items()}))"
)


def smoke_verdicts() -> dict[str, Any]:
    """The problems the learner's ``penguins.smoke.problems`` finds with a good service, each broken one
    of ``course.checks.smoke_fakes`` and a port where nothing listens (``down``)."""
    with listening([*FAKES, "--log-level", "warning"], dict(os.environ)) as port:
        urls = {name: f"http://{HOST}:{port}/{name}" for name in (GOOD, *FAULTS)}
        urls["down"] = f"http://{HOST}:{free_port()}"
        code, out, err = run_command(["-c", SMOKE, json.dumps(urls)], ".", timeout=120)
    if code != 0:
        raise RuntimeError(f"penguins.smoke.problems failed: {(err.strip().splitlines() or ['(no message)'])[-1]}")
    verdicts: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return verdicts


def deployment() -> dict[str, Any]:
    """A deployment of a copy of the folder, made here as a release job would make it: the wheel built,
    installed into a clean environment, ``penguins train`` run from it, the installed service started in
    another folder with ``PENGUINS_MODEL_DIR`` only, and the installed ``penguins-smoke`` run against it."""
    copy = scratch_copy(".", leave_out=LEFT_OUT)
    wheel = deploy.build_wheel(copy, copy / "dist")
    python = deploy.clean_environment(copy / "deploy" / "env")
    deploy.install_wheel(python, wheel)
    run = copy / "deploy" / "run"
    run.mkdir()
    where = deploy.run_installed(python, ["-c", WHERE], cwd=run)
    version, module_file = json.loads(where.stdout.strip().splitlines()[-1]) if where.returncode == 0 else (None, "")
    inside = Path(module_file).resolve().is_relative_to((copy / "deploy" / "env").resolve())
    train = deploy.run_installed(python, ["-m", "penguins", "train", "--season", SEASON], cwd=copy, script="penguins")
    seen: dict[str, Any] = {
        "installed_version": version,
        "imported_from": "the clean environment" if inside else f"elsewhere: {module_file or where.stderr[-500:]}",
        "train_exit_code": train.returncode,
        "train_error": train.stderr[-1000:] if train.returncode else "",
    }
    production = {"PENGUINS_MODEL_DIR": str(copy / "artifacts")}
    with deploy.serving_installed(python, "penguins.service:app_from_environment", cwd=run, env=production) as port:
        url = f"http://{HOST}:{port}"
        seen["ready_status"] = ask(port, "GET", "/ready")["status"]
        version_answer = ask(port, "GET", "/version").get("json")
        seen["served_code_version"] = version_answer.get("code_version") if isinstance(version_answer, dict) else None
        smoke = deploy.run_installed(python, ["-m", "penguins.smoke", url], cwd=run, script="penguins-smoke")
        seen["smoke_exit_code"], seen["smoke_output"] = smoke.returncode, (smoke.stdout + smoke.stderr)[-2000:]
    return seen


WHERE = "import json, penguins; print(json.dumps([penguins.__version__, penguins.__file__]))"
