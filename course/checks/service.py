"""Step 10's checks: the learner's ``penguins.service``, started in this process and called over HTTP.

The service is created with the learner's own ``create_app`` and started with
FastAPI's TestClient, which runs its start-up (lifespan) code as uvicorn would.
The model it serves is trained by step 9's command line in a scratch copy of the
learner's folder, so every check asks the same questions of the same model.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib
import io
import os
import shutil
import sys
import tempfile
import warnings
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from course.checks.fresh_run import run_command, scratch_copy
from course.checks.logcapture import captured
from course.checks.web_page import Page  # step 10's cells read the page through page_of

if TYPE_CHECKING:
    import logging

    from fastapi.testclient import TestClient

SEASONS = ["data/seasons/PAL0708.csv", "data/seasons/PAL0809.csv", "data/seasons/PAL0910.csv"]
FIELDS = ["species", "island", "culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
BIRD = {
    "species": "Gentoo",
    "island": "Biscoe",
    "culmen_length_mm": 50.0,
    "culmen_depth_mm": 16.3,
    "flipper_length_mm": 230.0,
    "body_mass_g": 5700.0,
}


def temporary(folder: str | Path) -> Path:
    """``folder`` (a scratch copy's folder), removed with its parent when this kernel stops."""
    atexit.register(shutil.rmtree, Path(folder).parent, True)
    return Path(folder)


def trained_model(*seasons: str, folder: str | Path = ".") -> Path:
    """The artifact folder of a model trained by step 9's command line, in a scratch copy of ``folder``."""
    copy = temporary(scratch_copy(folder))
    arguments = ["-m", "penguins", "train", *[arg for season in seasons for arg in ("--season", season)]]
    code, _, err = run_command(arguments, copy)
    if code != 0:
        raise RuntimeError(f"python -m penguins train failed: {err.strip().splitlines()[-1:]}")
    return copy / "artifacts"


def default_model() -> Path:
    """The model trained on all of ``SEASONS`` in this folder, trained once per kernel: what ``Service()`` serves."""
    return _trained_on_every_season(Path.cwd().resolve())


@functools.cache
def _trained_on_every_season(folder: Path) -> Path:
    return trained_model(*SEASONS, folder=folder)


@contextlib.contextmanager
def quiet() -> Iterator[list[logging.LogRecord]]:
    """Logs and warnings kept off stderr while the service runs: nbgrader scores a cell that writes there zero."""
    with captured("") as records, warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")  # an entry point that logs to sys.stderr writes here instead
        yield records


def service_module() -> ModuleType:
    """penguins.service as it is on disk now, imported afresh: an edited file is what gets checked."""
    for name in [name for name in sys.modules if name == "penguins" or name.startswith("penguins.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    with quiet():
        return importlib.import_module("penguins.service")


@contextlib.contextmanager
def started(app: Any) -> Iterator[TestClient]:
    """A TestClient for ``app``, started (its start-up code runs now) and stopped on leaving.

    A crash while answering a request comes back as a 500 response, as a client would see it; a crash in
    the shutdown code is ignored: the checks judge the answers, and a kernel that stops runs no shutdown.
    """
    from fastapi.testclient import TestClient

    with contextlib.ExitStack() as stack:
        client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                stack.close()


def start_for(model_dir: str | Path) -> str:
    """Create the service for ``model_dir``, start it and stop it: raises what creating or starting it raises."""
    with quiet(), started(service_module().create_app(model_dir)):
        return "a service that started"


def _close_quietly(stack: contextlib.ExitStack) -> None:
    with quiet():  # the service's shutdown code may log
        stack.close()


class Service:
    """Your service for ``model_dir``, created on first use, called in-process with FastAPI's TestClient.

    It stays started until ``close()``, the end of a ``with`` block, or until it is no longer used.
    """

    def __init__(self, model_dir: str | Path | None = None) -> None:
        self.model_dir = model_dir or default_model()
        self._client: TestClient | None = None
        self._stack = contextlib.ExitStack()
        self._close = weakref.finalize(self, _close_quietly, self._stack)

    def start(self) -> Service:
        """Create and start the service now, if it is not running yet."""
        if self._client is None:
            with quiet():
                app = service_module().create_app(self.model_dir)
                self._client = self._stack.enter_context(started(app))
        return self

    @property
    def client(self) -> TestClient:
        """The started service's TestClient."""
        self.start()
        assert self._client is not None
        return self._client

    def close(self) -> None:
        """Stop the service (its shutdown code runs); safe to call twice."""
        self._close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The service's response to ``method path``; keyword arguments as for ``httpx``."""
        with quiet():
            return self.client.request(method, path, **kwargs)

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)


def without(field: str) -> dict[str, Any]:
    """``BIRD`` without ``field``."""
    return {key: value for key, value in BIRD.items() if key != field}


def refused(response: Any) -> bool:
    """True for a 400 or 422: the client's mistake, said so."""
    return response.status_code in (400, 422)


def names_field(response: Any, field: str) -> bool:
    """True when a 400/422 response's message names ``field`` (FastAPI's detail list, or your own text)."""
    if not refused(response):
        return False
    try:
        body = response.json()
    except ValueError:
        body = None
    return message_names_field(body, response.text, field)


def message_names_field(body: Any, text: str, field: str) -> bool:
    """True when a refusal's JSON ``body`` (or, without one, its ``text``) names ``field``."""
    if body is None:
        return field in text
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):  # FastAPI: [{"loc": ["body", field], "msg": ..., "input": ...}, ...]
        return any(
            field in [str(part) for part in item.get("loc", [])] or field in str(item.get("msg", ""))
            for item in detail
            if isinstance(item, dict)
        )
    return field in str(detail)


def batch_predictions(model_dir: str | Path, csv_path: str, folder: str | Path = ".") -> pd.DataFrame:
    """What step 9's `python -m penguins predict`, run in ``folder``, says about the birds in ``csv_path``."""
    arguments = ["-m", "penguins", "predict", "--model-dir", str(model_dir), "--input", csv_path]
    code, out, err = run_command(arguments, folder)
    if code != 0:
        raise RuntimeError(f"python -m penguins predict failed: {err.strip().splitlines()[-1:]}")
    table = pd.read_csv(io.StringIO(out))
    return table[table["predicted_sex"].notna()]


def as_request(row: Any) -> dict[str, Any]:
    """A raw export row as the JSON body of one bird."""
    return {
        "species": row["Species"].split(" ")[0],
        "island": row["Island"],
        "culmen_length_mm": float(row["Culmen Length (mm)"]),
        "culmen_depth_mm": float(row["Culmen Depth (mm)"]),
        "flipper_length_mm": float(row["Flipper Length (mm)"]),
        "body_mass_g": float(row["Body Mass (g)"]),
    }


def predict_after_deleting(model_dir: str | Path) -> Any:
    """Start a service on a copy of ``model_dir``, delete the copy, then ask for a prediction."""
    with tempfile.TemporaryDirectory() as parent:
        copy = Path(parent) / "artifacts"
        shutil.copytree(model_dir, copy)
        with Service(copy).start() as service:
            shutil.rmtree(copy)
            return service.post("/predict", json=BIRD)


def version_after_replacing(model_dir: str | Path, other_model_dir: str | Path) -> Any:
    """Start a service, then overwrite its model folder with another model: which version answers?"""
    with tempfile.TemporaryDirectory() as parent:
        copy = Path(parent) / "artifacts"
        shutil.copytree(model_dir, copy)
        with Service(copy).start() as service:
            shutil.copytree(other_model_dir, copy, dirs_exist_ok=True)
            return service.get("/version").json()["model_version"]


@contextlib.contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """``os.environ[name]`` set to ``value`` inside the block, as it was after it."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def from_environment(model_dir: str | Path) -> Any:
    """app_from_environment() with PENGUINS_MODEL_DIR set to ``model_dir``: the model_version it reports."""
    with environment_variable("PENGUINS_MODEL_DIR", str(model_dir)), quiet():
        with started(service_module().app_from_environment()) as client:
            return client.get("/version").json()["model_version"]


def openapi_fields(service: Service) -> list[str]:
    """The field names of POST /predict's request body in the service's OpenAPI document."""
    document = service.get("/openapi.json").json()
    schema = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return sorted(schema["properties"])


def page_of(service: Service) -> Page:
    """The page ``service`` serves at GET /, parsed."""
    return Page(service.get("/").text)
