"""course.checks.warm_kernel: a fresh kernel forked from the warm server behaves as a cold one."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course.checks import fresh_run, warm
from course.checks.warm_kernel import kernel_manager_class, warm_command

# Every test starts kernels, cold ones to compare with: seconds each.
pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="warm runs fork: Linux only"), pytest.mark.slow]

CODE = """
import os, sys, json
import pandas as pd
from learner_module import VALUE
rows = len(pd.read_csv("rows.csv"))
"""
VALUES = {
    "value": "VALUE",
    "rows": "rows",
    "argv": "sys.argv[1:2]",
    "path_has_folder": "os.getcwd() in sys.path or '' in sys.path",
    "shell": "type(get_ipython()).__name__",
    "main_names": "sorted(n for n in vars(sys.modules['__main__']) if not n.startswith('_'))[:8]",
}


@pytest.fixture(autouse=True, scope="module")
def server_ready():
    """This test process may start a warm server (it is not a kernel): start it and wait until it serves."""
    assert warm.wait_ready()


def _notebook(folder: Path, value: str) -> Path:
    (folder / "learner_module.py").write_text(f"VALUE = {value!r}\n")
    (folder / "rows.csv").write_text("a\n1\n2\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CODE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, str(folder / "nb.ipynb"))
    return folder / "nb.ipynb"


def _fresh(path: Path, mode: str, monkeypatch) -> fresh_run.FreshRun:
    monkeypatch.setenv(warm.WARM_ENV, mode)
    fresh_run._cache.clear()
    return fresh_run.run_fresh(path, VALUES, passes=2)


def test_a_warm_kernel_sees_what_a_cold_one_sees_and_the_module_as_it_is_now(tmp_path, monkeypatch):
    path = _notebook(tmp_path, "first")
    cold = _fresh(path, "0", monkeypatch)
    hot = _fresh(path, "1", monkeypatch)
    assert cold.ok and hot.ok, (cold.error, hot.error)
    assert hot.passes == cold.passes
    assert hot.passes[0]["value"] == "first" and hot.passes[0]["rows"] == 2
    _notebook(tmp_path, "second, changed on disk")
    again = _fresh(path, "1", monkeypatch)
    assert again.passes[0]["value"] == "second, changed on disk"
    assert "learner_module" not in warm.status()["modules"]


def test_an_error_in_the_notebook_is_reported_the_same_way(tmp_path, monkeypatch):
    path = _notebook(tmp_path, "x")
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("undefined_name"))
    nbformat.write(notebook, str(path))
    assert _fresh(path, "0", monkeypatch).error == _fresh(path, "1", monkeypatch).error
    assert "NameError" in _fresh(path, "1", monkeypatch).error


def test_only_this_interpreters_ipykernel_starts_warm():
    assert warm_command([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]) == [
        "-m",
        "ipykernel_launcher",
        "-f",
        "c.json",
    ]
    assert warm_command(["/usr/bin/python3-other", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert warm_command([sys.executable, "-m", "some_other_kernel", "-f", "c.json"]) is None


def test_a_warm_kernel_can_be_interrupted_and_is_gone_when_shut_down(tmp_path):
    manager = kernel_manager_class()(kernel_name="python3")
    manager.start_kernel(cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("import os; print(os.getpid(), os.getppid())", timeout=60)
        assert reply["content"]["status"] == "ok"
        # stop_on_error=False: the interrupt's error must not abort the request that follows it (ipykernel
        # aborts what arrives within its stop-on-error window, which a loaded machine can hit).
        client.execute("import time; time.sleep(60)", stop_on_error=False)
        time.sleep(1)
        started = time.monotonic()
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)
        while reply["msg_type"] != "execute_reply" or reply["content"].get("status") == "ok":
            reply = client.get_shell_msg(timeout=30)
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - started < 20
        pid = client.execute_interactive("import os; KERNEL_PID = os.getpid()", timeout=30)
        assert pid["content"]["status"] == "ok"
        kernel_pid = _kernel_pid(client)
        assert os.getppid() != kernel_pid and _parent_of(kernel_pid) == warm.status()["pid"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    time.sleep(0.5)
    assert not Path(f"/proc/{kernel_pid}").exists() or _state(kernel_pid) == "Z"


def _kernel_pid(client) -> int:
    outputs: list[dict] = []
    client.execute_interactive("print(KERNEL_PID)", timeout=30, output_hook=outputs.append)
    return int(next(m["content"]["text"] for m in outputs if m["msg_type"] == "stream"))


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[1])


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return ""
