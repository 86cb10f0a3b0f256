"""Step 10's observations: the learner's service started as a real HTTP server, its answers as plain data.

Each function trains its model with the learner's own ``python -m penguins train`` in a scratch
copy of the step's folder, starts ``penguins.service`` with uvicorn in a new Python on a free
local port, calls it over HTTP and returns what came back, as ``{"status": 422, "content_type":
..., "json": ..., "text": ...}`` (``status`` None, with an ``error``, when the connection broke).
The learner's code runs only in those new Pythons. A judge may import ``refused_answer``, ``answer_names_field``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from course.checks import warm
from course.checks.http_service import HOST, PORT, listening
from course.checks.service import (
    BIRD,
    FIELDS,
    SEASONS,
    as_request,
    batch_predictions,
    message_names_field,
    trained_model,
    without,
)

REQUEST_TIMEOUT = 20  # seconds for one answer
MAX_TEXT = 100_000  # characters kept of an answer's body
MARK = "course-observe-service: "
METADATA_KEYS = ("model_version", "code_version", "seasons", "metrics")

SERVE = """
import json
import sys
host, port, how, model_dir = sys.argv[1:5]
if how in ("factory", "create_app"):  # factory: uvicorn --factory's entry point, PENGUINS_MODEL_DIR set
    import uvicorn
    if how == "factory":
        app = "penguins.service:app_from_environment"
    else:
        from penguins.service import create_app
        app = create_app(model_dir)
    uvicorn.run(app, factory=how == "factory", host=host, port=int(port), log_level="warning")
else:  # how is a mark: create the service, start it (its start-up code runs), stop it; print what it raised
    try:
        from fastapi.testclient import TestClient
        from penguins.service import create_app
        with TestClient(create_app(model_dir)):
            pass
    except BaseException as error:
        seen = {"raised": [cls.__name__ for cls in type(error).__mro__], "message": str(error)[:2000]}
    else:
        seen = {"raised": [], "message": ""}
    print("\\n" + how + json.dumps(seen), flush=True)
"""


def _with(**changes: Any) -> dict[str, Any]:
    return {"json": {**BIRD, **changes}}


# POST /predict requests by label: a body as JSON ("json"), raw text ("content"), or nothing ({}).
REQUESTS: dict[str, dict[str, dict[str, Any]]] = {
    "malformed": {
        **{f"without {field}": {"json": without(field)} for field in FIELDS},
        'flipper_length_mm: "long"': _with(flipper_length_mm="long"),
        "no body": {},
        "a body that is not JSON": {"content": "species=Gentoo", "content_type": "application/json"},
        'sex: "MALE" added': _with(sex="MALE"),
        "a list of two birds": {"json": [BIRD, BIRD]},
        "species: null": _with(species=None),
    },
    "impossible": {
        "body_mass_g: -3": _with(body_mass_g=-3),
        'island: "Anvers"': _with(island="Anvers"),
        "body_mass_g: 5.7": _with(body_mass_g=5.7),
        'species: "Emperor"': _with(species="Emperor"),
        "culmen_depth_mm: 0": _with(culmen_depth_mm=0),
        "flipper_length_mm: 2300": _with(flipper_length_mm=2300),
        "body_mass_g: true": _with(body_mass_g=True),
        "island: 3": _with(island=3),
        "culmen_length_mm: [50]": _with(culmen_length_mm=[50]),
        '{"bird": <a bird>}': {"json": {"bird": BIRD}},
        '"Gentoo"': {"json": "Gentoo"},
        "42": {"json": 42},
    },
}


def refused_answer(answer: dict) -> bool:
    """True for a 400 or 422: the client's mistake, said so."""
    return answer.get("status") in (400, 422)


def answer_names_field(answer: dict, field: str) -> bool:
    """True when a 400/422 answer's message names ``field`` (FastAPI's detail list, or the service's own text)."""
    return refused_answer(answer) and message_names_field(answer.get("json"), str(answer.get("text", "")), field)


def request_fields(document: dict) -> list[str]:
    """The field names of POST /predict's request body in an OpenAPI document."""
    schema = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return sorted(schema["properties"])


def attempt(thunk: Callable[[], Any]) -> Any:
    """``thunk()``, or ``{"error": ...}`` when it raised: one failed observation leaves the others standing."""
    try:
        return thunk()
    except Exception as error:
        return {"error": f"{type(error).__name__}: {str(error)[:2000]}"}


@contextlib.contextmanager
def serving(model_dir: str | Path, factory: bool = False) -> Iterator[int]:
    """The port where uvicorn, in a new Python, serves ``create_app(model_dir)`` (with ``factory``:
    ``app_from_environment()``, PENGUINS_MODEL_DIR set), stopped on leaving; RuntimeError if it never listens."""
    env = {**os.environ, "PENGUINS_MODEL_DIR": str(model_dir)} if factory else dict(os.environ)
    how = "factory" if factory else "create_app"
    with listening(["-c", SERVE, HOST, PORT, how, str(model_dir)], env) as port:
        yield port


def ask(port: int, method: str, path: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
    """The service's answer to ``method path`` with ``request``'s body (see ``REQUESTS``), as plain data."""
    request = request or {}
    body = json.dumps(request["json"]) if "json" in request else request.get("content")
    headers = {"Content-Type": request.get("content_type", "application/json")} if body is not None else {}
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=None if body is None else str(body).encode(), headers=headers)
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        return {"status": None, "error": f"{type(error).__name__}: {error}"}
    finally:
        connection.close()
    text = raw.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    content_type = response.getheader("content-type", "")
    return {"status": response.status, "content_type": content_type, "json": parsed, "text": text[:MAX_TEXT]}


def metadata(model_dir: str | Path) -> dict[str, Any]:
    """What the model folder's model.json says about the model (its version, code version, seasons, metrics)."""
    written = json.loads((Path(model_dir) / "model.json").read_text(encoding="utf-8"))
    return {key: written[key] for key in METADATA_KEYS if key in written}  # a missing key stays missing


def start_refusal(model_dir: str | Path) -> dict[str, Any]:
    """Create the service for ``model_dir`` and start it, in a new Python: what it raised (``raised``: class names)."""
    try:
        done = warm.python(["-c", SERVE, HOST, "0", MARK, str(model_dir)], timeout=120)
    except subprocess.TimeoutExpired:
        return {"raised": ["TimeoutError"], "message": "still starting after 120 s"}
    marked = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if not marked:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return {"raised": ["(the Python stopped)"], "message": lines[-1] if lines else f"exit code {done.returncode}"}
    return json.loads(marked[-1][len(MARK) :])


def health_and_version() -> dict[str, Any]:
    """GET /health, /version and the OpenAPI document's /predict fields, for a model trained on every season;
    and /version for a model trained on the first season only. Each model's model.json comes along."""
    model, one_season = trained_model(*SEASONS), trained_model(SEASONS[0])
    with serving(model) as port:
        health, version = ask(port, "GET", "/health"), ask(port, "GET", "/version")
        fields = attempt(lambda: request_fields(ask(port, "GET", "/openapi.json")["json"]))

    def one_season_version() -> dict[str, Any]:
        with serving(one_season) as port:
            return ask(port, "GET", "/version")

    return {
        "model_json": metadata(model),
        "health": health,
        "version": version,
        "openapi_fields": fields,
        "one_season": {"model_json": metadata(one_season), "version": attempt(one_season_version)},
    }


def model_loading() -> dict[str, Any]:
    """When the service reads its model: with no model, after its folder is deleted or replaced, and from
    PENGUINS_MODEL_DIR (``app_from_environment``), with the two models' model.json."""
    model, other = trained_model(*SEASONS), trained_model(SEASONS[0])

    def empty_folder() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as empty:
            return start_refusal(empty)

    def changed(change: Callable[[Path], object], method: str, path: str, request: dict | None = None) -> dict:
        with tempfile.TemporaryDirectory() as parent:
            copy = Path(parent) / "artifacts"
            shutil.copytree(model, copy)
            with serving(copy) as port:
                change(copy)
                return ask(port, method, path, request)

    def from_environment() -> dict[str, Any]:
        with serving(other, factory=True) as port:
            return ask(port, "GET", "/version")

    return {
        "model_json": metadata(model),
        "other_model_json": metadata(other),
        "empty_folder": attempt(empty_folder),
        "after_deleting": attempt(lambda: changed(shutil.rmtree, "POST", "/predict", {"json": BIRD})),
        "after_replacing": attempt(
            lambda: changed(lambda copy: shutil.copytree(other, copy, dirs_exist_ok=True), "GET", "/version")
        ),
        "from_environment": attempt(from_environment),
    }


def predictions() -> dict[str, Any]:
    """What ``python -m penguins predict`` says about each bird of data/unsexed.csv it predicts, and what
    POST /predict answers for the same bird, with the model's model.json."""
    model = trained_model(*SEASONS)
    table = batch_predictions(model, "data/unsexed.csv")
    rows = [row for _, row in table.iterrows()]
    birds = [as_request(row) for row in rows]
    batch = [{"sex": str(row["predicted_sex"]), "probability": float(row["probability"])} for row in rows]
    with serving(model) as port:
        answers = [ask(port, "POST", "/predict", {"json": bird}) for bird in birds]
    return {"model_json": metadata(model), "birds": birds, "batch": batch, "answers": answers}


def answers(kind: str) -> dict[str, dict[str, Any]]:
    """POST /predict's answer to each request of ``REQUESTS[kind]`` ("malformed" or "impossible"), by label."""
    with serving(trained_model(*SEASONS)) as port:
        return {label: ask(port, "POST", "/predict", request) for label, request in REQUESTS[kind].items()}


def page() -> dict[str, Any]:
    """GET /: the page the service serves (its status, content type and text)."""
    with serving(trained_model(*SEASONS)) as port:
        return ask(port, "GET", "/")
