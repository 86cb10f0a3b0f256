"""Benchmark a learner's first ``course start``: a fresh clone until JupyterLab answers.

    python -m course.authoring.bench_start --installer uv --uv-dir /tmp/uvtool/bin
    python -m course.authoring.bench_start --installer pip --cache /tmp/pip-warm   # run twice: cold, then warm

Copies the repository as a fresh clone would see it (``git clone``, then the working
tree's uncommitted files on top, so a change can be measured before it is committed),
runs ``python3 -m course start --no-browser`` there with the base Python (outside any
virtual environment), and times it until JupyterLab serves ``/lab``; then stops it,
starts it once more (the second start: nothing to install) and measures ``.venv``.

The installers' caches live in ``--cache`` (default: a new, empty folder, so the run
is cold); the report says whether the cache was empty. Python writes bytecode as a
learner's Python does (``PYTHONDONTWRITEBYTECODE`` is removed). Standard library only;
it prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from course import REPO_DIR
from course.checks.http_service import free_port

READY_TIMEOUT = 900.0  # seconds; pip on a cold cache and a slow network takes minutes


def fresh_clone(source: Path, clone: Path) -> int:
    """Clone ``source`` and lay its working tree's files on top; return how many files were copied."""
    subprocess.run(["git", "clone", "--quiet", str(source), str(clone)], check=True)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--modified", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout.decode()
    copied = 0
    for name in filter(None, sorted(set(listed.split("\0")))):
        if (source / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, clone / name)
            copied += 1
    return copied


def folder_megabytes(folder: Path, with_bytecode: bool) -> float:
    """Size of the files under ``folder`` in MB (a hard-linked file counted once), optionally without __pycache__."""
    seen, total = set(), 0
    for root, dirs, files in os.walk(folder):
        if not with_bytecode:
            dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            info = os.lstat(os.path.join(root, name))
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_size
    return total / 1e6


def lab_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def timed_start(python: str, clone: Path, workspace: Path, env: dict, log: Path) -> dict[str, float]:
    """Run ``course start`` in ``clone`` until JupyterLab serves /lab; stop it; return the times in seconds."""
    port, token = free_port(), env["JUPYTER_TOKEN"]
    command = [python, "-m", "course", "start", "--no-browser", "--port", str(port), "--workspace", str(workspace)]
    started = time.monotonic()
    times: dict[str, float] = {}
    with log.open("a") as out:
        process = subprocess.Popen(
            command, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )

        def copy_output() -> None:
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.decode(errors="replace")
                out.write(line)
                if "starting JupyterLab" in line:
                    times.setdefault("installed", time.monotonic() - started)

        reader = threading.Thread(target=copy_output, daemon=True)
        reader.start()
        try:
            while not lab_answers(f"http://127.0.0.1:{port}/lab?token={token}"):
                if process.poll() is not None:
                    raise SystemExit(f"course start exited with {process.returncode}; see {log}")
                if time.monotonic() - started > READY_TIMEOUT:
                    raise SystemExit(f"JupyterLab did not answer within {READY_TIMEOUT:.0f} s; see {log}")
                time.sleep(0.25)
            times["ready"] = time.monotonic() - started
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            reader.join(timeout=5)
    return times


def learner_env(args, cache: Path) -> dict:
    """The environment of a learner's shell: no virtual environment, bytecode written, our caches and installer."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"}}
    env.pop("COURSE_NO_BOOTSTRAP", None)
    if args.uv_dir:
        env["PATH"] = f"{Path(args.uv_dir).resolve()}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        COURSE_INSTALLER=args.installer,
        PIP_CACHE_DIR=str(cache / "pip"),
        UV_CACHE_DIR=str(cache / "uv"),
        JUPYTER_TOKEN=secrets.token_hex(16),
    )
    return env


def base_python() -> str:
    """This Python outside any virtual environment: what ``python3`` is in a learner's shell."""
    return getattr(sys, "_base_executable", None) or sys.executable


def run(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-start-"))
    cache = Path(args.cache).resolve() if args.cache else work / "cache"
    cache_state = "warm" if cache.is_dir() and any(cache.rglob("*")) else "cold (empty)"
    cache.mkdir(parents=True, exist_ok=True)
    clone, log = work / "clone", work / "start.log"
    copied = fresh_clone(Path(args.source).resolve(), clone)
    env = learner_env(args, cache)
    first = timed_start(args.python, clone, work / "workspace", env, log)
    second = timed_start(args.python, clone, work / "workspace", env, log)
    stamp = clone / ".venv" / ".prototype-to-production-install.json"
    installed_with = json.loads(stamp.read_text()).get("installer", "?") if stamp.exists() else "?"
    venv_dir = clone / ".venv"
    print(f"first course start, fresh clone ({copied} working-tree files over the clone), Python {args.python}")
    print(f"  installer asked: {args.installer}; used: {installed_with}; caches: {cache_state} ({cache})")
    print(f"  environment made and course installed: {first.get('installed', float('nan')):6.1f} s")
    print(f"  JupyterLab answers /lab:               {first['ready']:6.1f} s")
    print(f"  second start, JupyterLab answers:      {second['ready']:6.1f} s")
    print(f"  .venv without __pycache__:  {folder_megabytes(venv_dir, with_bytecode=False):7.0f} MB")
    print(f"  .venv with __pycache__:     {folder_megabytes(venv_dir, with_bytecode=True):7.0f} MB")
    print(f"  installer caches:           {folder_megabytes(cache, with_bytecode=True):7.0f} MB")
    print(f"  output of both starts: {log}")
    if not args.keep:
        shutil.rmtree(clone, ignore_errors=True)
        shutil.rmtree(work / "workspace", ignore_errors=True)
        if not args.cache:
            shutil.rmtree(cache, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installer", choices=["uv", "pip"], required=True, help="sets COURSE_INSTALLER")
    parser.add_argument("--uv-dir", help="a folder holding uv, put first on PATH")
    parser.add_argument("--cache", help="installer caches (reuse one to measure a warm cache; default: empty)")
    parser.add_argument("--source", default=str(REPO_DIR), help="the repository to clone (default: this one)")
    parser.add_argument("--python", default=base_python(), help="the Python that runs `-m course start`")
    parser.add_argument("--keep", action="store_true", help="keep the clone and workspace")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
