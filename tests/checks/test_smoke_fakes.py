"""course.checks.smoke_fakes, served by course.checks.http_service: a good service and one fault each, over HTTP."""

import json
import os
import urllib.error
import urllib.request

import pytest

from course.checks.http_service import HOST, PORT, listening
from course.checks.smoke_fakes import FAULTS, GOOD, MODEL_VERSION

BIRD = {"species": "Gentoo", "island": "Biscoe", "culmen_length_mm": 50.0, "culmen_depth_mm": 16.3}
UVICORN = ["-m", "uvicorn", "--factory", "course.checks.smoke_fakes:create_app", "--host", HOST, "--port", PORT]


@pytest.fixture(scope="module")
def base():
    with listening([*UVICORN, "--log-level", "warning"], dict(os.environ)) as port:
        yield f"http://{HOST}:{port}"


def ask(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def answers(base, fault):
    """Every answer a smoke test looks at, for the service at /fault/."""
    root = f"{base}/{fault}"
    return {
        "health": ask(f"{root}/health")[0],
        "ready": ask(f"{root}/ready")[0],
        "version": ask(f"{root}/version")[1].get("model_version"),
        "grams": ask(f"{root}/predict", {**BIRD, "body_mass_g": 5700.0}),
        "kilograms": ask(f"{root}/predict", {**BIRD, "body_mass_g": 5.7})[0],
    }


def test_the_good_service_answers_as_a_deployed_one_should(base):
    good = answers(base, GOOD)
    assert good["health"] == good["ready"] == 200
    assert good["version"] == MODEL_VERSION
    assert good["grams"] == (200, {"sex": "MALE", "probability": 0.9, "model_version": MODEL_VERSION})
    assert good["kilograms"] == 422


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_differs_from_the_good_service_in_one_answer_only(base, fault):
    good, broken = answers(base, GOOD), answers(base, fault)
    assert broken["health"] == 200  # the process is up in every case: only a smoke test tells them apart
    differences = [name for name in good if good[name] != broken[name]]
    assert len(differences) == 1, (fault, differences)


def test_a_service_that_stops_at_once_is_reported_with_what_it_said():
    stops = ["-c", "import sys; print('no model in artifacts', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(RuntimeError, match="stopped .exit code 3.: no model in artifacts"), listening(stops, {}):
        pass
