"""course.checks.service: step 10's checks, on a small stand-in for the learner's penguins package."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from course.checks import service as checks

MAIN = """
import json
import sys
from pathlib import Path

command, *arguments = sys.argv[1:]
if command == "train":
    seasons = arguments[1::2]
    missing = [season for season in seasons if not Path(season).exists()]
    if missing:
        sys.exit(f"error: no file {missing[0]}")
    Path("artifacts").mkdir(exist_ok=True)
    names = [Path(season).stem for season in seasons]
    Path("artifacts/model.json").write_text(json.dumps({"model_version": "-".join(names), "seasons": names}))
elif command == "predict":
    print("Species,Island,predicted_sex,probability")
    print("Gentoo penguin (Pygoscelis papua),Biscoe,MALE,0.9")
    print("Adelie Penguin (Pygoscelis adeliae),Dream,,")
"""
SERVICE = '''
import json
import logging
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

LAZY = {lazy}  # True: reads the model on every request, not once when it starts
logger = logging.getLogger(__name__)
PAGE = """<form><select name="island"><option value="Biscoe">Biscoe</option><option>Dream</option></select>
<input name="body_mass_g"></form><script>fetch("predict", {{method: "POST"}})</script>"""


class Bird(BaseModel):  # the step's BIRD has more fields: this service ignores them
    island: Literal["Biscoe", "Dream"]
    body_mass_g: float


def read(model_dir):
    return json.loads((Path(model_dir) / "model.json").read_text())


def create_app(model_dir):
    loaded = None if LAZY else read(model_dir)
    metadata = lambda: read(model_dir) if LAZY else loaded

    @asynccontextmanager
    async def lifespan(app):
        logger.warning("starting")
        yield
        logger.warning("stopping")
        if os.environ.get("SHUTDOWN_CRASHES"):
            raise RuntimeError("shutdown crashed")
        if os.environ.get("SHUTDOWN_MARK"):
            Path(os.environ["SHUTDOWN_MARK"]).write_text("stopped")

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    def health():
        return {{"status": "ok"}}

    @app.get("/version")
    def version():
        return {{"model_version": metadata()["model_version"]}}

    @app.post("/predict")
    def predict(bird: Bird):
        return {{"sex": "MALE", "probability": 0.9, "model_version": metadata()["model_version"]}}

    @app.get("/", response_class=HTMLResponse)
    def index():
        return PAGE

    return app


def app_from_environment():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, force=True)
    print("serving", file=sys.stderr)
    return create_app(os.environ.get("PENGUINS_MODEL_DIR", "artifacts"))
'''


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def model(folder: Path, version: str) -> Path:
    write(folder, "model.json", json.dumps({"model_version": version}))
    return folder


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A learner's folder with a penguins package whose service loads its model once; the notebook's cwd."""
    folder = tmp_path / "project"
    write(folder, "penguins/__init__.py", "")
    write(folder, "penguins/__main__.py", MAIN)
    write(folder, "penguins/service.py", SERVICE.format(lazy=False))
    for season in checks.SEASONS:
        write(folder, season, "one,row\n")
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name in [name for name in sys.modules if name == "penguins" or name.startswith("penguins.")]:
        del sys.modules[name]


@pytest.fixture
def lazy(project):
    """The same folder, with a service that reads its model on every request instead."""
    write(project, "penguins/service.py", SERVICE.format(lazy=True))
    return project


def test_trained_model_is_step_9s_command_run_in_a_copy(project):
    artifacts = checks.trained_model(checks.SEASONS[0], folder=project)
    assert json.loads((artifacts / "model.json").read_text())["seasons"] == ["PAL0708"]
    assert artifacts.parent != project and not (project / "artifacts").exists()
    with pytest.raises(RuntimeError, match="no file data/nowhere.csv"):
        checks.trained_model("data/nowhere.csv", folder=project)


def test_the_default_model_is_trained_once_on_every_season(project):
    assert checks.default_model() == checks.default_model()
    assert json.loads((checks.default_model() / "model.json").read_text())["model_version"] == "PAL0708-PAL0809-PAL0910"
    assert checks.Service().get("/version").json() == {"model_version": "PAL0708-PAL0809-PAL0910"}


def test_a_service_answers_and_keeps_its_logs_off_stderr(project, tmp_path, capfd):
    service = checks.Service(model(tmp_path / "m", "v1"))
    assert service.get("/health").json() == {"status": "ok"}
    assert service.post("/predict", json={"island": "Dream", "body_mass_g": 4000}).json()["model_version"] == "v1"
    service.close()
    assert capfd.readouterr().err == ""


def test_a_service_stops_when_closed_and_a_crashing_shutdown_is_not_the_checks_concern(project, tmp_path, monkeypatch):
    mark = tmp_path / "stopped"
    monkeypatch.setenv("SHUTDOWN_MARK", str(mark))
    with checks.Service(model(tmp_path / "m", "v1")) as service:
        assert service.get("/health").status_code == 200
        assert not mark.exists()
    assert mark.read_text() == "stopped"
    monkeypatch.setenv("SHUTDOWN_CRASHES", "1")
    with checks.Service(model(tmp_path / "m", "v1")) as service:
        assert service.get("/health").status_code == 200


def test_a_service_that_is_no_longer_used_is_stopped(project, tmp_path, monkeypatch):
    mark = tmp_path / "stopped"
    monkeypatch.setenv("SHUTDOWN_MARK", str(mark))
    service = checks.Service(model(tmp_path / "m", "v1")).start()
    del service
    assert mark.read_text() == "stopped"


def test_a_model_loaded_at_start_outlives_its_folder(project, tmp_path):
    assert checks.predict_after_deleting(model(tmp_path / "m", "v1")).status_code == 200
    assert checks.version_after_replacing(model(tmp_path / "m", "v1"), model(tmp_path / "other", "v2")) == "v1"


def test_a_model_read_on_every_request_does_not(lazy, tmp_path):
    assert checks.predict_after_deleting(model(tmp_path / "m", "v1")).status_code == 500
    assert checks.version_after_replacing(model(tmp_path / "m", "v1"), model(tmp_path / "other", "v2")) == "v2"


def test_start_for_an_empty_folder_raises_only_when_the_model_is_loaded_at_start(project, tmp_path):
    with pytest.raises(FileNotFoundError):
        checks.start_for(tmp_path)
    assert checks.start_for(model(tmp_path / "m", "v1")) == "a service that started"


def test_start_for_an_empty_folder_returns_when_the_model_is_read_later(lazy, tmp_path):
    assert checks.start_for(tmp_path) == "a service that started"


def test_from_environment_serves_the_model_in_the_variable_and_puts_the_variable_back(
    project, tmp_path, monkeypatch, capfd
):
    monkeypatch.setenv("PENGUINS_MODEL_DIR", "elsewhere")
    assert checks.from_environment(model(tmp_path / "m", "v7")) == "v7"
    assert os.environ["PENGUINS_MODEL_DIR"] == "elsewhere"
    monkeypatch.delenv("PENGUINS_MODEL_DIR")
    assert checks.from_environment(model(tmp_path / "m", "v8")) == "v8"
    assert "PENGUINS_MODEL_DIR" not in os.environ
    assert capfd.readouterr().err == ""


def test_a_refusal_must_name_the_field(project, tmp_path):
    service = checks.Service(model(tmp_path / "m", "v1"))
    missing = service.post("/predict", json={"island": "Dream"})
    assert checks.refused(missing) and checks.names_field(missing, "body_mass_g")
    assert not checks.names_field(missing, "island")
    answered = service.post("/predict", json={"island": "Dream", "body_mass_g": 4000})
    assert not checks.refused(answered) and not checks.names_field(answered, "island")
    service.close()


class Response:
    def __init__(self, status_code: int, text: str) -> None:
        self.status_code, self.text = status_code, text

    def json(self):
        return json.loads(self.text)


@pytest.mark.parametrize(
    "response, named",
    [
        (Response(400, "island: not an island"), True),
        (Response(400, '{"detail": "bad island"}'), True),
        (Response(422, '{"error": "bad mass"}'), False),
        (Response(500, "island"), False),
    ],
)
def test_a_refusal_may_name_the_field_in_its_own_words(response, named):
    assert checks.names_field(response, "island") is named


def test_the_openapi_fields_and_the_page(project, tmp_path):
    service = checks.Service(model(tmp_path / "m", "v1"))
    assert checks.openapi_fields(service) == ["body_mass_g", "island"]
    page = checks.page_of(service)
    assert (page.forms, page.fields, page.fetched_urls()) == (
        1,
        {"island": ["Biscoe", "Dream"], "body_mass_g": []},
        ["predict"],
    )
    service.close()


def test_a_page_without_a_form_or_script():
    page = checks.Page("<p>Nothing here</p><script>const url = 'predict';</script>")
    assert (page.forms, page.fields, page.fetched_urls()) == (0, {}, [])


def test_batch_predictions_are_the_rows_with_a_predicted_sex(project):
    table = checks.batch_predictions("artifacts", "data/unsexed.csv")
    assert list(table["predicted_sex"]) == ["MALE"]
    request = checks.as_request(
        {
            **table.iloc[0],
            "Culmen Length (mm)": 50,
            "Culmen Depth (mm)": 16.3,
            "Flipper Length (mm)": 230,
            "Body Mass (g)": 5700,
        }
    )
    assert request == {**checks.BIRD, "culmen_length_mm": 50.0, "flipper_length_mm": 230.0}
    assert sorted(checks.without("island")) == sorted(set(checks.FIELDS) - {"island"})
