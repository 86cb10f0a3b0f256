"""Services broken in one way each, to check a learner's smoke test (step 13) both ways.

The course's own code, never a learner's: one FastAPI app that answers under ``/<fault>/`` as a
deployed penguin service would, except for that one fault. A smoke test must pass ``/good/`` and
find a problem with each of ``FAULTS``. Served by ``serving_fakes`` (uvicorn in a new Python).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, FastAPI, Response

MODEL_VERSION = "0123456789ab"
OTHER_MODEL_VERSION = "ba9876543210"
SMALLEST_BODY_MASS_G = 2000.0  # the service's range (step 5's rules): a bird weighed in kilograms is below it

# Each fault, and what a smoke test that misses it lets through.
FAULTS = {
    "not-ready": "GET /ready answers 503: the model cannot answer, though the process is up",
    "predict-fails": "POST /predict answers 500 for a known bird",
    "accepts-kilograms": "POST /predict answers 200 for a bird weighed in kilograms, which it must refuse",
    "other-model": "POST /predict is answered by another model than the one /version names",
    "no-model-version": "GET /version answers 200 without a model_version",
}
GOOD = "good"


def create_app() -> FastAPI:
    """The fake services: ``/good/...`` answers right; ``/<fault>/...`` has that fault of ``FAULTS``."""
    app = FastAPI(title="Broken penguin services, for smoke tests")

    @app.get("/{fault}/health")
    def health(fault: str) -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/{fault}/ready")
    def ready(fault: str, response: Response) -> dict[str, str]:
        if fault == "not-ready":
            response.status_code = 503
            return {"status": "not ready", "reason": "ValueError: X has 11 features, but the model expects 3"}
        return {"status": "ready", "model_version": MODEL_VERSION}

    @app.get("/{fault}/version")
    def version(fault: str) -> dict[str, Any]:
        metadata: dict[str, Any] = {"code_version": "0.1.0", "seasons": ["PAL0708"]}
        if fault != "no-model-version":
            metadata["model_version"] = MODEL_VERSION
        return metadata

    @app.post("/{fault}/predict")
    def predict(fault: str, response: Response, bird: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        mass = bird.get("body_mass_g")
        if fault != "accepts-kilograms" and (not isinstance(mass, int | float) or mass < SMALLEST_BODY_MASS_G):
            response.status_code = 422
            return {"detail": [{"loc": ["body", "body_mass_g"], "msg": "Input should be at least 2000"}]}
        if fault == "predict-fails":  # a bird the model should answer
            response.status_code = 500
            return {"detail": "Internal Server Error"}
        answered_by = OTHER_MODEL_VERSION if fault == "other-model" else MODEL_VERSION
        return {"sex": "MALE", "probability": 0.9, "model_version": answered_by}

    return app
