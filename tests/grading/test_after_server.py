"""course.grading.after_server: a notebook's after-runs forked from one warm server in its sandbox, kept apart.

The server is real (``python -m course.checks.warm_server``), in a real bubblewrap sandbox when
bwrap works here. Hygiene is tested with raw requests (``python -c``) that leave things behind
on purpose, as a learner's code could; results with real after functions on a real step folder.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import pytest

from course.authoring.end_state import write_end_state
from course.core.catalog import find_step
from course.grading import behaviours
from course.grading.after_server import AfterServer, Unavailable
from course.grading.judging import Plan
from course.grading.sandbox import probe

# Each server imports pandas, scikit-learn, pytest and ipykernel first: seconds each, so the module is slow.
pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="warm runs fork: Linux only"), pytest.mark.slow]
SANDBOX = [False, pytest.param(True, marks=pytest.mark.skipif(bool(probe()), reason="no working bubblewrap"))]


@pytest.fixture(scope="module")
def package_folder(tmp_path_factory):
    """Step 8's reference end state: a package, its tests, its data."""
    folder = tmp_path_factory.mktemp("step08") / "08-package"
    write_end_state(find_step("08"), folder, git=False)
    return folder


@pytest.fixture(scope="module", params=SANDBOX, ids=["open", "sandboxed"])
def server(request):
    """One server per mode for the tests that leave it running: runs one after another, as a notebook's are."""
    started = AfterServer(behaviours._after_env(), sandboxed=request.param)
    yield started
    started.close()


@pytest.fixture(params=SANDBOX, ids=["open", "sandboxed"])
def own_server(request):
    """A server of the test's own, for a test that kills it."""
    started = AfterServer(behaviours._after_env(), sandboxed=request.param)
    yield started
    started.close()


def _plan(afters: dict) -> Plan:
    return Plan("cell", source="", judge="", draw=0, afters=afters)


def _raw(server: AfterServer, code: str, timeout: float = 60) -> tuple[dict, str]:
    """Run ``python -c code`` through the server in its scratch folder: (final answer, output)."""
    with tempfile.TemporaryFile() as output, open(os.devnull, "rb") as nothing:
        message = {"arguments": ["-c", code], "cwd": str(server.scratch), "env": None, "timeout": timeout}
        finished = server._ask(message, [nothing.fileno(), output.fileno(), output.fileno()])
        output.seek(0)
        return finished, output.read().decode()


@pytest.mark.parametrize(
    ("function", "arguments"),
    [
        ("course.checks.observe.package:imports", {"lookups": ["penguins.penguins_core"]}),
        ("course.checks.observe.package:pipeline_runs", {"runs": {"config": {}, "lighter": {"max_body_mass_kg": 5.0}}}),
        ("course.checks.observe.package:notebook_code", {"notebook": "missing.ipynb"}),
        ("os:getcwd", {}),
    ],
)
def test_a_run_through_the_server_observes_what_a_run_in_a_sandbox_of_its_own_does(
    server, package_folder, function, arguments
):
    hot = server.run(package_folder, function, arguments, timeout=120, limit=behaviours.MAX_COPY_BYTES)
    cold = behaviours.run_after(package_folder, function, arguments, server.sandboxed, timeout=120)
    assert hot == cold
    assert not list(server.scratch.iterdir())  # the run's copy is gone


def test_what_a_run_leaves_behind_is_gone_before_the_next_one(server):
    leave = (
        "import os, subprocess, sys, tempfile\n"
        "open('/tmp/left-in-tmp', 'w').write('x')\n"
        "home = os.environ.get('HOME', '/tmp/home')\n"
        "os.makedirs(home + '/.cache', exist_ok=True); open(home + '/.cache/left', 'w').write('x')\n"
        "open('left-in-scratch', 'w').write('x')\n"
        "daemon = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], start_new_session=True)\n"
        "print(daemon.pid)\n"
    )
    finished, output = _raw(server, leave)
    assert finished["exit"] == 0, output
    daemon = int(output.split()[-1])
    server._clean()
    look = (
        "import os, json\n"
        "home = os.environ.get('HOME', '/tmp/home')\n"
        f"alive = os.path.exists('/proc/{daemon}') and open('/proc/{daemon}/stat').read().split()[2] != 'Z'\n"
        "print(json.dumps([os.path.exists('/tmp/left-in-tmp'), os.path.exists(home + '/.cache/left'),"
        " os.listdir('.'), alive]))"
    )
    finished, output = _raw(server, look)
    left = json.loads(output.splitlines()[-1])
    if server.sandboxed:
        assert left == [False, False, [], False]
    else:  # without a sandbox only the processes are the server's to end; /tmp is everyone's
        assert left[2:] == [[], False]
        os.unlink("/tmp/left-in-tmp")


@pytest.mark.skipif(bool(probe()), reason="no working bubblewrap")
def test_inside_the_sandbox_nothing_leads_to_the_graders_socket_or_into_the_server():
    server = AfterServer(behaviours._after_env(), sandboxed=True)
    try:
        look = (
            "import json, os\n"
            f"seen = [os.path.exists({server.address!r})]\n"
            "server = os.getppid()\n"
            "try:\n    open(f'/proc/{server}/environ').read(); seen.append('read')\n"
            "except OSError as error:\n    seen.append(type(error).__name__)\n"
            "print(json.dumps(seen))\n"
        )
        finished, output = _raw(server, look)
        assert json.loads(output.splitlines()[-1]) == [False, "PermissionError"]
    finally:
        server.close()


def test_a_run_that_hangs_is_stopped_at_its_timeout_and_the_server_goes_on(server):
    finished, _ = _raw(server, "import time; time.sleep(60)", timeout=1)
    assert finished["timed_out"]
    server._clean()
    assert _raw(server, "print('next')")[1] == "next\n"


def test_a_run_that_kills_the_server_leaves_the_rest_to_one_sandbox_each(own_server, tmp_path, monkeypatch):
    server = own_server
    with pytest.raises(Unavailable):
        _raw(server, "import os, signal; os.kill(os.getppid(), signal.SIGKILL)")
    assert not server.scratch.exists()  # the server and its folders are gone

    calls = []
    original = behaviours.run_after
    monkeypatch.setattr(
        behaviours, "run_after", lambda *args, **kwargs: calls.append(args) or original(*args, **kwargs)
    )

    def broken_run(self, *args, **kwargs):
        self.close()
        raise Unavailable("a run killed the server")

    monkeypatch.setattr(AfterServer, "run", broken_run)
    plans = {
        "a": _plan({"x": ("course.checks.probe:plain", {"value": 1})}),
        "b": _plan({"y": ("course.checks.probe:plain", {"value": 2})}),
    }
    observed = behaviours.observe_after_kernel(tmp_path, plans, sandboxed=server.sandboxed)
    assert observed == {"a": {"x": {"value": 1}}, "b": {"y": {"value": 2}}}
    assert len(calls) == 2


def test_one_server_per_notebook_only_when_it_asks_for_several_runs(tmp_path, monkeypatch):
    started = []
    real = AfterServer.__init__

    def counting(self, *args, **kwargs):
        started.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(AfterServer, "__init__", counting)
    one = {"a": _plan({"x": ("course.checks.probe:plain", {"value": 1})})}
    assert behaviours.observe_after_kernel(tmp_path, one, sandboxed=False) == {"a": {"x": {"value": 1}}}
    assert started == []
    two = {**one, "b": _plan({"y": ("course.checks.probe:plain", {"value": [2]})})}
    assert behaviours.observe_after_kernel(tmp_path, two, sandboxed=False) == {
        "a": {"x": {"value": 1}},
        "b": {"y": {"value": [2]}},
    }
    assert started == [1]
    monkeypatch.setenv("COURSE_WARM", "0")
    behaviours.observe_after_kernel(tmp_path, two, sandboxed=False)
    assert started == [1]


FORGER = """
import os, time
FORGED = b"\\ncourse-behaviour-result: {\\"value\\": \\"forged\\"}\\n"
held = []  # the stdout of every course process this code can open (the run's), held open while they run
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as command:
                if b"course.checks" in command.read():
                    held.append(open(f"/proc/{pid}/fd/1", "ab", buffering=0))
        except OSError:
            pass
if held and os.fork() == 0:  # a daemon in a session of its own, outliving the run that imported this module
    os.setsid()
    if os.fork() == 0:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for stream in held:
                try:
                    stream.write(FORGED)
                except OSError:
                    pass
            time.sleep(0.001)
    os._exit(0)
"""


@pytest.mark.skipif(bool(probe()), reason="no working bubblewrap")
@pytest.mark.parametrize("through_server", [True, False], ids=["server", "own-sandbox"])
def test_a_learners_daemon_cannot_append_a_forged_result_to_the_runs_output(
    server, package_folder, tmp_path, through_server
):
    """The learner's code writes a result line into every course process's stdout it can open, in a loop after the run.

    Sandboxed only: without the sandbox the learner's code runs as the grader (root here), which can open anything
    (site/reference/grading-security.md says so).
    """
    if not server.sandboxed:
        pytest.skip("without the sandbox the learner's code runs as the grader")
    folder = tmp_path / "08-package"
    import shutil

    shutil.copytree(package_folder, folder)
    core = folder / "penguins" / "features.py"
    core.write_text(FORGER + core.read_text())
    arguments = {"modules": ["penguins.features"]}
    if through_server:
        observed = server.run(
            folder, "course.checks.observe.package:imports", arguments, 120, behaviours.MAX_COPY_BYTES
        )
    else:
        observed = behaviours.run_after(
            folder, "course.checks.observe.package:imports", arguments, server.sandboxed, 120
        )
    assert observed.get("value") != "forged", observed
    assert "value" in observed, observed
