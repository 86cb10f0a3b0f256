"""Step 14's observations: the learner's model versions, promotion and rollback, and the running service.

Each function works on a scratch copy of the step's folder and runs the learner's code in fresh
Pythons (``course.checks.version_probe`` for the shelf, the learner's own command line, the service
started from ``src/`` as its own process). It returns plain data with no expected value in it: the
graded cell's judge decides. The same functions serve the notebook's public checks (in the kernel)
and the grader (``probe.after``, in its sandbox).
"""

from __future__ import annotations

import copy as copying
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from course.checks.fresh_run import run_command, scratch_copy
from course.checks.http_service import HOST, PORT, listening
from course.checks.observe.deployment import LEFT_OUT, SEASON, TRAIN
from course.checks.observe.service import ask

LEFT_OUT_HERE = (*LEFT_OUT, "live", "*.jsonl")  # the given cells' live session and any prediction record
OTHER_SEASON = "data/seasons/PAL0809.csv"
BIRD = {
    "species": "Gentoo",
    "island": "Biscoe",
    "culmen_length_mm": 50.0,
    "culmen_depth_mm": 16.3,
    "flipper_length_mm": 230.0,
    "body_mass_g": 5700.0,
}
SECOND_BIRD = {**BIRD, "species": "Adelie", "island": "Dream", "flipper_length_mm": 190.0, "body_mass_g": 3600.0}
IN_KILOGRAMS = {**BIRD, "body_mass_g": 5.7}
SERVE = (
    "import sys; sys.path.insert(0, sys.argv[1]); import uvicorn; "
    "uvicorn.run('penguins.service:app_from_environment', factory=True, host=sys.argv[2], port=int(sys.argv[3]), "
    "log_level='warning')"
)


def _probe(name: str) -> dict[str, Any]:
    copy = scratch_copy(".", leave_out=LEFT_OUT_HERE)
    code, out, err = run_command(["-m", "course.checks.version_probe", name, "models"], copy, timeout=300)
    if code != 0 or not out.strip():
        raise RuntimeError(
            f"penguins.artifacts could not be used: {(err.strip().splitlines() or ['(no message)'])[-1]}"
        )
    seen: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return seen


def shelf() -> dict[str, Any]:
    """The learner's ``save_model``, ``versions`` and ``load_version`` on a shelf of versions: two saved and
    loaded back, a save cut off by a full disk, two saves of the same bytes, a planted version holding a
    function (see ``course.checks.version_probe.shelf``)."""
    return _probe("shelf")


def promotions() -> dict[str, Any]:
    """The learner's ``promote``, ``rollback`` and ``current_version``, step by step, with a promotion cut
    off by a full disk (see ``course.checks.version_probe.promotions``)."""
    return _probe("promotions")


def _cli(copy: Path, *arguments: str) -> dict[str, Any]:
    code, out, err = run_command(["-c", TRAIN, *arguments], copy, timeout=300)
    return {"exit_code": code, "out": out.strip()[-500:], "error": (err.strip().splitlines() or [""])[-1][:500]}


def _trained_version(result: dict[str, Any]) -> str | None:
    words = result["out"].split()
    return next((word for word in words if len(word) == 12 and all(c in "0123456789abcdef" for c in word)), None)


def _record(path: Path) -> list[Any]:
    if not path.is_file():
        return []
    lines: list[Any] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            lines.append({"unreadable line": line[:300]})
    return lines


def serving_session() -> dict[str, Any]:
    """The learner's service, started from ``src/`` as its own process on two versions trained by the
    learner's ``penguins train``, asked about birds while ``penguins rollback`` and ``penguins promote``
    run beside it; then the prediction record it wrote.

    Two check cells read one session: it is run again only when a file of the folder changed."""
    copy = scratch_copy(".", leave_out=LEFT_OUT_HERE)
    fingerprint = _fingerprint(copy)
    if fingerprint not in _sessions:
        _sessions.clear()
        _sessions[fingerprint] = _session(copy)
    return copying.deepcopy(_sessions[fingerprint])


_sessions: dict[str, dict[str, Any]] = {}


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _session(copy: Path) -> dict[str, Any]:
    first = _cli(copy, "train", "--season", SEASON)
    second = _cli(copy, "train", "--season", SEASON, "--season", OTHER_SEASON, "--force")
    versions = [_trained_version(first), _trained_version(second)]
    seen: dict[str, Any] = {"trained": [first, second], "versions": versions, "session": []}
    if None in versions:
        return seen
    record = copy / "records" / "predictions.jsonl"
    env = {
        **os.environ,
        "PENGUINS_MODEL_DIR": str(copy / "artifacts"),
        "PENGUINS_PREDICTION_RECORD": str(record),
    }
    with listening(["-c", SERVE, str(copy / "src"), HOST, PORT], env) as port:
        session = seen["session"]

        def asked(what: str, bird: dict[str, Any]) -> None:
            answer = ask(port, "POST", "/predict", {"json": bird})
            session.append({"what": what, "bird": bird, "status": answer["status"], "json": answer["json"]})

        def version_endpoint(what: str) -> None:
            answer = ask(port, "GET", "/version")
            body = answer["json"] if isinstance(answer["json"], dict) else {}
            session.append({"what": what, "status": answer["status"], "model_version": body.get("model_version")})

        asked("a bird, after both trainings", BIRD)
        session.append({"what": "penguins rollback", **_cli(copy, "rollback")})
        asked("a bird, after the rollback", BIRD)
        version_endpoint("GET /version, after the rollback")
        session.append({"what": f"penguins promote {versions[1]}", **_cli(copy, "promote", str(versions[1]))})
        asked("another bird, after the promotion", SECOND_BIRD)
        asked("a bird weighed in kilograms", IN_KILOGRAMS)
        version_endpoint("GET /version, after the promotion")
        seen["ready_status"] = ask(port, "GET", "/ready")["status"]
    seen["record"] = _record(record)
    return seen


# What the checks' lines read from the observations above: plain facts, still no expected value.


def error_type(result: dict[str, Any]) -> str | None:
    """The type of the error a call raised (``"FileExistsError"``), or None when it returned."""
    error = result.get("error")
    return str(error).split(":")[0] if error else None


def version_names(seen: dict[str, Any]) -> dict[Any, str]:
    """The two versions an observation made, by the names the checks use: ``first`` and ``second``."""
    return {version: name for version, name in zip(seen["versions"], ("first", "second"), strict=False) if version}


def saved_versions(seen: dict[str, Any]) -> list[Any]:
    """The model_version each of the two ``save_model`` calls returned (None where it raised)."""
    return [(result.get("value") or {}).get("model_version") for result in seen["saved"]]


def folders(entries: list[str]) -> dict[str, list[str]]:
    """``{"3f2a9c1b7d4e": ["model.json", "model.skops"], ...}`` from a model folder's entries, hidden ones too."""
    found: dict[str, list[str]] = {}
    for entry in entries:
        top, _, rest = entry.rstrip("/").partition("/")
        found.setdefault(top, [])
        if rest:
            found[top].append(rest)
    return {name: sorted(files) for name, files in sorted(found.items())}


def story(seen: dict[str, Any]) -> list[list[Any]]:
    """Each promotion step as ``[step, what it raised (None), the version serving after it]``, the two saved
    versions named ``first`` and ``second``."""
    names = version_names(seen)

    def serving(current: dict[str, Any]) -> Any:
        value = current.get("value")
        return names.get(value, value) if "value" in current else f"raised {error_type(current)}"

    return [[step["step"], error_type(step), serving(step["current"])] for step in seen["steps"]]


def predictions(seen: dict[str, Any]) -> list[dict[str, Any]]:
    """The session's POST /predict calls, in order: what was asked, the status, the model_version answered."""
    names = version_names(seen)
    return [
        {
            "what": call["what"],
            "status": call["status"],
            "model_version": names.get(
                (call["json"] or {}).get("model_version") if isinstance(call["json"], dict) else None
            ),
        }
        for call in seen["session"]
        if "bird" in call
    ]


def named_version(seen: dict[str, Any], what: str) -> Any:
    """``first``/``second`` (or what came back) for the session step ``what`` (a GET /version)."""
    names = version_names(seen)
    step: dict[str, Any] = next((call for call in seen["session"] if call["what"] == what), {})
    return names.get(step.get("model_version"), step.get("model_version"))


def exit_codes(seen: dict[str, Any]) -> list[Any]:
    """The exit codes of the learner's commands in the session: two trainings, the rollback, the promotion."""
    return [result["exit_code"] for result in seen["trained"]] + [
        call["exit_code"] for call in seen["session"] if "exit_code" in call
    ]


def answered(seen: dict[str, Any]) -> list[dict[str, Any]]:
    """The birds the service answered (status 200), each with its answer: what the record must hold."""
    return [
        {"bird": call["bird"], "answer": call["json"]}
        for call in seen["session"]
        if "bird" in call and call["status"] == 200
    ]


def recorded(seen: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's lines as the same ``{"bird", "answer"}`` pairs (the answer's three fields only)."""
    fields = ("sex", "probability", "model_version")
    return [
        {"bird": line.get("bird"), "answer": {field: line.get(field) for field in fields}}
        if isinstance(line, dict)
        else {"unreadable line": str(line)[:300]}
        for line in seen.get("record", [])
    ]


def times_in_utc(seen: dict[str, Any]) -> list[bool]:
    """For each record line: whether its ``at`` is an ISO 8601 time in UTC."""
    from datetime import datetime, timedelta

    def in_utc(value: Any) -> bool:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return False
        return moment.utcoffset() == timedelta(0)

    return [isinstance(line, dict) and in_utc(line.get("at")) for line in seen.get("record", [])]
