"""course.checks.warm: a fresh Python forked from a warm server is as fresh as one started cold.

Every test runs real processes: the warm server (one per test session, started by the first
request) and, to compare with, ``warm.cold`` (``subprocess.run`` of a new interpreter).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course.checks import warm

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="warm runs fork: Linux only")

# What a new Python knows about itself, as JSON (the folder replaced by "<cwd>" so two folders compare).
PORTRAIT = r"""
import json, os, sys, __main__
cwd = os.getcwd()
def here(text):
    return str(text).replace(cwd, "<cwd>")
print(json.dumps({
    "argv": [here(a) for a in sys.argv],
    "path": [here(p) for p in sys.path],
    "cwd": here(cwd),
    "main": sorted(vars(__main__)),
    "name": __name__,
    "env": {k: v for k, v in os.environ.items() if not k.startswith("KMP_")},  # KMP_: see below
    "dont_write_bytecode": sys.dont_write_bytecode,
    "stdin": sys.stdin.read(),
    "encoding": [sys.stdout.encoding, sys.stderr.errors],
    "flags": {name: getattr(sys.flags, name) for name in type(sys.flags).__match_args__},
}))
"""


@pytest.fixture(autouse=True, scope="module")
def server_ready():
    """This test process may start a warm server (it is not a kernel): start it and wait until it serves."""
    assert warm.wait_ready()


def _both(arguments, cwd, env=None, input=None):
    """(warm result, cold result) of the same command; the warm one must really have run warm."""
    env = dict(os.environ if env is None else env)
    before = warm.counts["warm"]
    hot = warm.python(arguments, cwd, env, timeout=120, input=input)
    assert warm.counts["warm"] == before + 1, "this command was expected to run warm"
    return hot, warm.cold(arguments, cwd, env, 120, input)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "portrait").mkdir()
    (tmp_path / "portrait" / "__init__.py").write_text("")
    (tmp_path / "portrait" / "__main__.py").write_text(PORTRAIT)
    return tmp_path


@pytest.mark.parametrize(
    "arguments",
    [
        ["-c", PORTRAIT, "one", "two"],
        ["-m", "portrait", "--flag", "value"],
        ["-I", "-c", PORTRAIT],
        ["-Im", "portrait"],
        ["-B", "-c", PORTRAIT],
        ["-E", "-s", "-m", "portrait"],
    ],
)
def test_a_warm_child_sees_itself_as_a_cold_python_does(folder, arguments):
    env = {**os.environ, "COURSE_TEST_VALUE": "é", "PYTHONDONTWRITEBYTECODE": "1"}
    hot, cold = _both(arguments, folder, env, input="given on stdin\n")
    assert (hot.returncode, hot.stdout, hot.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    if arguments != ["-Im", "portrait"]:  # -I keeps the folder off the path: "No module named portrait", in both
        assert cold.returncode == 0, cold.stderr


@pytest.mark.slow  # a cold Python that imports scikit-learn, or a second server
def test_the_environment_is_the_one_a_cold_python_that_imports_scikit_learn_has(tmp_path):
    """scikit-learn sets KMP_* variables when imported; a warm child has them whether it imports it or not."""
    code = "import os, json, sklearn.ensemble; print(json.dumps(dict(os.environ)))"
    hot, cold = _both(["-c", code], tmp_path, {**os.environ, "COURSE_TEST_VALUE": "1"})
    assert json.loads(hot.stdout) == json.loads(cold.stdout)
    assert set(warm.status()["env_additions"]) <= {"KMP_DUPLICATE_LIB_OK", "KMP_INIT_AT_FORK"}


def test_pythonsafepath_keeps_the_folder_off_the_path_in_both(folder):
    env = {**os.environ, "PYTHONSAFEPATH": "1"}
    hot, cold = _both(["-c", PORTRAIT], folder, env)
    assert json.loads(hot.stdout)["path"] == json.loads(cold.stdout)["path"]
    assert "" not in json.loads(hot.stdout)["path"]


@pytest.mark.parametrize(
    "code",
    [
        "raise ValueError('the learner made a mistake')",
        "import sys; sys.exit('said goodbye')",
        "import sys; print('out'); print('err', file=sys.stderr); sys.exit(4)",
        "import os; os._exit(3)",
        "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
        "import threading, time; threading.Thread(target=lambda: (time.sleep(0.3), print('thread done'))).start()",
        "import atexit; atexit.register(print, 'at exit')",
    ],
)
def test_exit_codes_tracebacks_and_output_are_those_of_a_cold_python(tmp_path, code):
    hot, cold = _both(["-c", code], tmp_path)
    assert (hot.returncode, hot.stdout, hot.stderr) == (cold.returncode, cold.stdout, cold.stderr)


def test_a_missing_module_fails_the_same_way(tmp_path):
    hot, cold = _both(["-m", "no_such_module_here"], tmp_path)
    assert cold.returncode == 1 and "No module named no_such_module_here" in cold.stderr
    assert (hot.returncode, hot.stderr) == (cold.returncode, cold.stderr)


def test_pytest_on_a_learners_tests_gives_the_same_outcome(tmp_path):
    (tmp_path / "shapes.py").write_text("def area(w, h):\n    return w * h\n")
    (tmp_path / "test_shapes.py").write_text(
        "import pandas as pd\nfrom shapes import area\n\n"
        "def test_area():\n    assert area(2, 3) == 6\n\n"
        "def test_frame():\n    assert len(pd.DataFrame({'a': [1, 2]})) == 3\n"
    )
    hot, cold = _both(["-m", "pytest", "-q", "-p", "no:cacheprovider", "test_shapes.py"], tmp_path)
    assert cold.returncode == 1
    assert hot.returncode == cold.returncode
    timing = re.compile(r" in [0-9.]+s")  # the one thing allowed to differ
    assert timing.sub("", hot.stdout) == timing.sub("", cold.stdout)
    assert "1 failed, 1 passed" in hot.stdout and "warning" not in hot.stdout


def test_a_module_changed_on_disk_between_two_runs_is_seen(tmp_path):
    module = tmp_path / "learner_module.py"
    module.write_text("VALUE = 1\n")
    first = warm.python(["-c", "import learner_module; print(learner_module.VALUE)"], tmp_path)
    module.write_text("VALUE = 'changed'\n")
    second = warm.python(["-c", "import learner_module; print(learner_module.VALUE)"], tmp_path)
    assert (first.stdout, second.stdout) == ("1\n", "changed\n")
    assert "learner_module" not in warm.status()["modules"]


def test_what_one_run_sets_is_gone_in_the_next(tmp_path):
    dirty = (
        "import builtins, json, os, sys, pandas, numpy\n"
        "pandas.LEFT_BEHIND = 1; json.LEFT_BEHIND = 1; builtins.LEFT_BEHIND = 1\n"
        "os.environ['COURSE_TEST_LEFT_BEHIND'] = '1'\n"
        "sys.modules['left_behind'] = json\n"
        "pandas.set_option('display.max_rows', 3)\n"
        "numpy.random.seed(0)\n"
        "os.chdir('/')\n"
    )
    look = (
        "import builtins, json, os, sys, pandas\n"
        "print(json.dumps([hasattr(pandas, 'LEFT_BEHIND'), hasattr(json, 'LEFT_BEHIND'),"
        " hasattr(builtins, 'LEFT_BEHIND'), 'COURSE_TEST_LEFT_BEHIND' in os.environ,"
        " 'left_behind' in sys.modules, pandas.get_option('display.max_rows'), os.getcwd()]))"
    )
    assert warm.python(["-c", dirty], tmp_path).returncode == 0
    seen = json.loads(warm.python(["-c", look], tmp_path).stdout)
    assert seen == [False, False, False, False, False, 60, str(tmp_path)]


def test_random_generators_are_reseeded_in_every_child(tmp_path):
    draw = "import random, numpy; print(random.random(), numpy.random.random())"
    draws = [warm.python(["-c", draw], tmp_path).stdout for _ in range(3)]
    randoms = {line.split()[0] for line in draws}
    numpys = {line.split()[1] for line in draws}
    assert len(randoms) == 3 and len(numpys) == 3


@pytest.mark.slow  # a cold Python that imports every preloaded library
def test_the_warning_filters_libraries_set_when_imported_are_a_cold_pythons(tmp_path):
    """Libraries add warning filters when imported; a child that imports them has the filters a cold one has.

    (A child that does not import them has them too: known, and harmless for filters about their own warnings.)
    """
    imports = "; ".join(f"import {name}" for name in warm.PRELOAD)
    code = f"{imports}; import json, warnings; print(json.dumps([repr(f) for f in warnings.filters]))"
    hot, cold = _both(["-c", code], tmp_path)
    assert json.loads(hot.stdout) == json.loads(cold.stdout)
    assert any("RankWarning" in entry for entry in json.loads(hot.stdout))  # numpy's own, set at import
    assert warm.status()["warnings"] == []  # no preload warned (a warm child would not repeat it)


def test_the_server_never_imports_a_learners_module(tmp_path):
    (tmp_path / "penguins_core.py").write_text("import pandas\nLOADED = True\n")
    assert warm.python(["-c", "import penguins_core"], tmp_path).returncode == 0
    status = warm.status()
    assert not [name for name in status["modules"] if name.startswith("penguins")]
    assert status["outside"] == []
    assert {"pandas", "sklearn.ensemble", "pytest"} <= set(status["modules"])


def test_a_child_that_hangs_is_killed_at_its_timeout_with_what_it_started(tmp_path):
    hang = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "open('pids', 'w').write(f'{child.pid}')\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        warm.python(["-c", hang], tmp_path, timeout=1)
    assert time.monotonic() - started < 15
    grandchild = int((tmp_path / "pids").read_text())
    time.sleep(0.2)
    assert not _running(grandchild)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_folder_that_shadows_a_preloaded_module_runs_cold_and_sees_its_own(tmp_path):
    (tmp_path / "logging.py").write_text("WHO = 'the learner'\n")
    code = "import logging; print(getattr(logging, 'WHO', 'the standard library'))"
    before = dict(warm.counts)
    result = warm.python(["-c", code], tmp_path)
    assert result.stdout == "the learner\n"
    assert warm.counts["cold"] == before.get("cold", 0) + 1


def test_what_cannot_run_warm_runs_cold(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import sys; print('script', sys.argv[1:])")
    before = warm.counts["cold"]
    assert warm.python([str(script), "a"], tmp_path).stdout == "script ['a']\n"
    hashed = warm.python(["-c", "print(hash('x'))"], tmp_path, env={**os.environ, "PYTHONHASHSEED": "0"})
    cold = warm.cold(["-c", "print(hash('x'))"], tmp_path, {**os.environ, "PYTHONHASHSEED": "0"}, 60, None)
    assert hashed.stdout == cold.stdout
    assert warm.counts["cold"] == before + 2


@pytest.mark.slow  # a cold Python that imports scikit-learn, or a second server
def test_a_pythonpath_of_its_own_gets_a_server_of_its_own(tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "from_pythonpath.py").write_text("WHERE = 'PYTHONPATH'\n")
    env = {**os.environ, "PYTHONPATH": str(extra)}
    assert warm.wait_ready(env)  # a server of its own, started for this PYTHONPATH
    code = "import sys, from_pythonpath; print(from_pythonpath.WHERE, sys.path.index(sys.argv[1]))"
    hot, cold = _both(["-c", code, str(extra)], tmp_path, env)
    assert hot.stdout == cold.stdout == "PYTHONPATH 1\n"
    assert warm.python(["-c", "import from_pythonpath"], tmp_path).returncode == 1  # the default server has not


def test_where_fork_is_unsafe_every_fresh_python_starts_cold_and_it_is_said_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(warm, "PLATFORM", "darwin")
    monkeypatch.setattr(warm, "_announced", set())
    before = warm.counts["cold"]
    assert [warm.python(["-c", "print('cold')"], tmp_path).stdout for _ in range(2)] == ["cold\n", "cold\n"]
    assert warm.counts["cold"] == before + 2
    said = capsys.readouterr().out
    assert said.count("[course] fork is not safe on darwin") == 1 and not capsys.readouterr().err


def test_course_warm_0_runs_every_fresh_python_cold(tmp_path, monkeypatch):
    monkeypatch.setenv(warm.WARM_ENV, "0")
    before = dict(warm.counts)
    assert warm.python(["-c", "print('cold')"], tmp_path).stdout == "cold\n"
    assert warm.counts["cold"] == before.get("cold", 0) + 1
    assert warm.counts["warm"] == before.get("warm", 0)


@pytest.mark.slow  # a cold Python that imports scikit-learn, or a second server
def test_a_server_that_died_is_replaced_and_said_once(tmp_path, capsys):
    os.kill(warm.status()["pid"], signal.SIGKILL)
    time.sleep(0.2)
    result = warm.python(["-c", "print('still answered')"], tmp_path)  # cold: the next server is starting
    assert result.stdout == "still answered\n"
    assert "[course]" in capsys.readouterr().out
    assert warm.wait_ready()
    before = warm.counts["warm"]
    assert warm.python(["-c", "print(1)"], tmp_path).stdout == "1\n"
    assert warm.counts["warm"] == before + 1


def test_a_process_that_is_not_a_kernel_starts_no_server_unless_asked(tmp_path):
    code = "from course.checks import warm; r = warm.python(['-c', 'print(1)'], '.'); print(dict(warm.counts))"
    asked = "from course.checks import warm; warm.wait_ready(); r = warm.python(['-c', 'print(1)'], '.'); "
    asked += "print(dict(warm.counts))"
    assert warm.cold(["-c", code], tmp_path, dict(os.environ), 60, None).stdout == "{'asked': 1, 'cold': 1}\n"
    assert warm.cold(["-c", asked], tmp_path, dict(os.environ), 60, None).stdout == "{'asked': 1, 'warm': 1}\n"


@pytest.mark.slow  # starts servers of its own, in new processes
@pytest.mark.parametrize(("grading", "starts_at"), [(False, 1), (True, 2)])
def test_a_kernel_starts_its_server_at_its_first_fresh_python_under_nbgrader_its_second(tmp_path, grading, starts_at):
    kernel = (
        "import os, time\n"
        "from course.checks import warm\n"
        "warm._in_a_kernel = lambda: True  # as in an IPython kernel\n"
        "started = []\n"
        "for _ in range(3):\n"
        "    warm.python(['-c', 'pass'], '.')\n"
        "    started.append(len(warm._servers))\n"
        "    for server in warm._servers.values():\n"
        "        server.wait_ready(None)\n"
        "print(started, warm.counts['cold'], warm.counts['warm'])\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "NBGRADER_EXECUTION"}
    env.update({"NBGRADER_EXECUTION": "autograde"} if grading else {})
    out = warm.cold(["-c", kernel], tmp_path, env, 120, None).stdout.split("]")
    started, cold, hot = [int(n) for n in out[0].strip("[ ").split(",")], *map(int, out[1].split())
    assert started.index(1) == starts_at - 1  # the request that started the server ran cold, as those before it
    assert (cold, hot) == (starts_at, 3 - starts_at)


def test_a_warm_child_starts_its_own_fresh_pythons_from_the_same_server(tmp_path):
    nested = (
        "from course.checks import warm\n"
        "inner = warm.python(['-c', 'import os; print(os.getppid())'], '.')\n"
        "print(warm.counts['warm'], inner.stdout.strip(), warm.status()['pid'])\n"
    )
    outer = warm.python(["-c", nested], tmp_path)
    count, parent, server = outer.stdout.split()
    assert count == "1" and parent == server == str(warm.status()["pid"])
