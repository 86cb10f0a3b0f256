"""Step 14's fresh-Python probe: the learner's ``penguins.artifacts`` and ``penguins.promotion``.

    python -m course.checks.version_probe shelf|promotions MODEL_DIR

runs in a scratch copy of the learner's folder, imports both modules from its ``src/``
and prints what happened as one JSON line: plain data, no expected value (the check's judge
decides). Two faults are planted here, around the learner's own calls only:

* a disk that fills up halfway through a write (``disk_full_halfway``): every file the learner's
  code opens for writing gets half of the first write, then ``OSError(ENOSPC)``;
* a model file whose bytes are the same as another's (``same_bytes``): ``skops.io.dumps`` and
  ``skops.io.dump`` are wrapped before the learner's module is imported, so both spellings see it.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import importlib
import importlib.metadata
import io
import json
import platform
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

LEARNER = "penguins"
LIBRARIES = ("scikit-learn", "skops", "numpy", "pandas")
ROWS = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
SEXES = ["MALE", "FEMALE", "MALE", "FEMALE"]
UNKNOWN = "0123456789ab"  # a well-formed version that is not on the shelf


class _Switch:
    on = False


same_bytes = _Switch()
_full = _Switch()


def forest(seed: int) -> Any:
    """A small fitted random forest: what a model version holds."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=3, random_state=seed).fit(ROWS, SEXES)


def environment_libraries() -> dict[str, str]:
    """This environment's Python and library versions: what a version's metadata must record."""
    return {"python": platform.python_version(), **{name: importlib.metadata.version(name) for name in LIBRARIES}}


def _called_by_learner() -> bool:
    frame = sys._getframe(2)
    for _ in range(20):
        if frame is None:
            return False
        if str(frame.f_globals.get("__name__", "")).split(".")[0] == LEARNER:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class _HalfWriter:
    """A file that takes half of the first write, then reports the disk full."""

    def __init__(self, file: Any) -> None:
        self._file = file

    def write(self, data: Any) -> int:
        self._file.write(data[: len(data) // 2])
        self._file.flush()
        raise OSError(errno.ENOSPC, "No space left on device (a fault the check planted)")

    def writelines(self, lines: Any) -> None:
        self.write("".join(lines) if lines and isinstance(next(iter(lines)), str) else b"".join(lines))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._file)


def _install_faults() -> None:
    """Wrap ``open`` and skops's dump functions once, before the learner's module is imported."""
    real_open = io.open

    def faulty_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        opened = real_open(file, mode, *args, **kwargs)
        writing = any(flag in mode for flag in "wax+")
        return _HalfWriter(opened) if _full.on and writing and _called_by_learner() else opened

    io.open = builtins.open = faulty_open

    import skops.io

    real_dumps, real_dump = skops.io.dumps, skops.io.dump
    fixed: dict[str, bytes] = {}

    def dumps(obj: Any, *args: Any, **kwargs: Any) -> bytes:
        if same_bytes.on:
            return fixed.setdefault("blob", real_dumps(obj, *args, **kwargs))
        return bytes(real_dumps(obj, *args, **kwargs))

    def dump(obj: Any, file: Any, *args: Any, **kwargs: Any) -> None:
        if not same_bytes.on:
            real_dump(obj, file, *args, **kwargs)
            return
        blob = dumps(obj)
        if hasattr(file, "write"):
            file.write(blob)
        else:
            Path(file).write_bytes(blob)

    skops.io.dumps, skops.io.dump = dumps, dump


@contextlib.contextmanager
def disk_full_halfway() -> Iterator[None]:
    _full.on = True
    try:
        yield
    finally:
        _full.on = False


def attempt(thunk: Callable[[], Any]) -> dict[str, Any]:
    """``{"value": ...}`` or ``{"error": "TypeName: message"}``: what a call of the learner's code did."""
    try:
        return {"value": thunk()}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}


def entries(model_dir: Path) -> list[str]:
    """Every name in ``model_dir`` (hidden ones too), and the files inside each folder."""
    if not model_dir.is_dir():
        return []
    return sorted(
        path.relative_to(model_dir).as_posix() + ("/" if path.is_dir() else "") for path in model_dir.rglob("*")
    )


def _saved(artifacts: ModuleType, model_dir: Path, seed: int) -> dict[str, Any]:
    result = attempt(lambda: artifacts.save_model(forest(seed), {"trained_at": "2026-12-03T00:00:00Z"}, model_dir))
    if "value" in result:
        metadata = result["value"]
        result["value"] = {"model_version": metadata.get("model_version"), "libraries": metadata.get("libraries")}
    return result


def _round_trip(artifacts: ModuleType, model_dir: Path, version: Any, seed: int) -> dict[str, Any]:
    def loaded() -> dict[str, Any]:
        model, metadata = artifacts.load_version(model_dir, version)
        same = [str(label) for label in model.predict(ROWS)] == [str(label) for label in forest(seed).predict(ROWS)]
        return {"same_predictions": same, "model_version": metadata.get("model_version")}

    return attempt(loaded)


def _file_hash(folder: Path) -> str | None:
    model_file = folder / "model.skops"
    return hashlib.sha256(model_file.read_bytes()).hexdigest()[:12] if model_file.is_file() else None


def _plant_a_function(model_dir: Path, beside: str) -> str:
    """A version folder whose model file holds a function (``print``), its metadata copied from ``beside``."""
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    blob = bytes(skops.io.dumps(FunctionTransformer(print)))
    version = hashlib.sha256(blob).hexdigest()[:12]
    folder = model_dir / version
    folder.mkdir()
    (folder / "model.skops").write_bytes(blob)
    metadata = json.loads((model_dir / beside / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**metadata, "model_version": version}))
    return version


def shelf(artifacts: ModuleType, model_dir: Path) -> dict[str, Any]:
    """Two versions saved and loaded back; a save the disk cuts off; two saves of the same bytes; a planted
    version holding a function."""
    seen: dict[str, Any] = {"environment_libraries": environment_libraries()}
    seen["saved"] = [_saved(artifacts, model_dir, seed) for seed in (0, 1)]
    versions = [result.get("value", {}).get("model_version") for result in seen["saved"]]
    seen["after_two_saves"] = entries(model_dir)
    seen["file_hashes"] = {str(version): _file_hash(model_dir / str(version)) for version in versions}
    seen["listed"] = attempt(lambda: artifacts.versions(model_dir))
    seen["round_trips"] = [
        _round_trip(artifacts, model_dir, version, seed) for version, seed in zip(versions, (0, 1), strict=True)
    ]
    with disk_full_halfway():
        seen["save_on_a_full_disk"] = _saved(artifacts, model_dir, 2)
    seen["after_the_full_disk"] = entries(model_dir)
    seen["listed_after_the_full_disk"] = attempt(lambda: artifacts.versions(model_dir))
    same_bytes.on = True
    try:
        twice = model_dir.parent / "twice"
        seen["same_bytes_first"] = _saved(artifacts, twice, 3)
        written = {path.name: path.read_bytes() for path in twice.rglob("*") if path.is_file()}
        seen["same_bytes_second"] = _saved(artifacts, twice, 4)
        seen["same_bytes_files_unchanged"] = written == {
            path.name: path.read_bytes() for path in twice.rglob("*") if path.is_file()
        }
    finally:
        same_bytes.on = False
    if versions[0]:
        planted = _plant_a_function(model_dir, str(versions[0]))
        result = attempt(lambda: type(artifacts.load_version(model_dir, planted)[0]).__name__)
        seen["planted_function"] = result
    return seen


def promotions(artifacts: ModuleType, model_dir: Path) -> dict[str, Any]:
    """Promotion and rollback on two saved versions, step by step; ``current_version`` after each."""
    promotion = importlib.import_module("penguins.promotion")  # Task 2's: the shelf (Task 1) is checked without it

    first, second = (_saved(artifacts, model_dir, seed).get("value", {}).get("model_version") for seed in (0, 1))
    steps: list[dict[str, Any]] = []

    def step(name: str, thunk: Callable[[], Any]) -> None:
        steps.append({"step": name, **attempt(thunk), "current": attempt(lambda: promotion.current_version(model_dir))})

    step("nothing promoted yet", lambda: None)
    step("promote the first", lambda: promotion.promote(model_dir, first))
    step("promote the second", lambda: promotion.promote(model_dir, second))
    step("rollback", lambda: promotion.rollback(model_dir))
    step("rollback again", lambda: promotion.rollback(model_dir))
    step("promote an unknown version", lambda: promotion.promote(model_dir, UNKNOWN))
    step("promote the second again", lambda: promotion.promote(model_dir, second))
    with disk_full_halfway():
        step("promote the first on a full disk", lambda: promotion.promote(model_dir, first))
    return {
        "versions": [first, second],
        "steps": steps,
        "listed_at_the_end": attempt(lambda: artifacts.versions(model_dir)),
    }


PROBES = {"shelf": shelf, "promotions": promotions}


def main(argv: list[str]) -> None:
    probe, model_dir = PROBES[argv[0]], Path(argv[1]).resolve()
    _install_faults()
    sys.path.insert(0, "src")
    artifacts = importlib.import_module("penguins.artifacts")  # the learner's, from src/

    print(json.dumps(probe(artifacts, model_dir), default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
