"""Step 3: nbgrader's ``Execute``, plus: the kernel runs in its scratch folder (``PrepareWorkdir``),
a kernel that dies scores zero for the rest of the notebook instead of failing the whole
submission, a kernel that ignores the interrupt after a timeout is stopped, a time budget
per notebook, and a cap on each cell's output, applied while the cell runs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Integer

from course.core.protocol import CHECK_MIMETYPE, PROBE_MIMETYPE
from course.grading.behaviours import observe_after_kernel
from course.grading.guards import CELL_TIMEOUT, KERNEL_DIED, NOTEBOOK_TIME_LIMIT, OUTPUT_CUT, STUCK, error_output
from course.grading.preprocessors.judge_probes import AFTER_KEY, judged_cells
from course.grading.preprocessors.prepare_workdir import WORKDIR_KEY, remove_workdir
from course.grading.preprocessors.split_hidden import PLANS_KEY

CHECKED = {CHECK_MIMETYPE, PROBE_MIMETYPE}  # outputs grading reads: a budget of their own
DISPLAYS = {"display_data", "execute_result", "update_display_data"}
STDERR_KEPT = 1000  # characters of stderr kept past the cap: nbgrader scores a cell with stderr zero
ERRORS_KEPT = 20  # error outputs kept per cell (one is enough to score it zero)
ERROR_CHARS = 2000  # characters kept of an error's name, value and each traceback line
TRACEBACK_LINES = 100
# What a message the grader cannot read becomes: no parent, so nbclient ignores it.
UNREADABLE = {
    "header": {"msg_type": "unreadable"},
    "msg_type": "unreadable",
    "msg_id": "",
    "parent_header": {},
    "metadata": {},
    "content": {},
    "buffers": [],
}


def trimmed(text, limit: int = ERROR_CHARS) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} characters cut]"


def trim_error(content: dict) -> dict:
    """An error message's content, or an error output, with every text cut to ``ERROR_CHARS``."""
    traceback = content.get("traceback") or []
    return {
        **content,
        "ename": trimmed(content.get("ename", "")),
        "evalue": trimmed(content.get("evalue", "")),
        "traceback": [trimmed(line) for line in traceback[-TRACEBACK_LINES:]],
    }


class OutputBudget:
    """What one cell may show, counted as its messages arrive (before nbclient keeps them).

    Output of every kind (stream text, display bundles, widget messages) shares
    ``chars``; bundles that carry a check result or a probe's observations, whatever else they carry,
    share ``check_chars``; errors are kept (``ERRORS_KEPT`` of them, trimmed). What does
    not fit is dropped and counted in ``dropped``.
    """

    def __init__(self, chars: int, check_chars: int):
        self.room, self.check_room, self.stderr_room = chars, check_chars, STDERR_KEPT
        self.errors, self.dropped = 0, 0

    def admit(self, msg: dict) -> dict | None:
        """``msg`` as nbclient may keep it (maybe cut), or None to drop it."""
        kind, content = msg.get("msg_type", ""), msg.get("content") or {}
        if kind == "stream":
            return self._stream(msg, content)
        if kind in DISPLAYS or kind.startswith("comm"):
            size = len(json.dumps(content.get("data") or {})) + len(json.dumps(content.get("metadata") or {}))
            if kind in DISPLAYS and CHECKED & set(content.get("data") or {}):
                if size > self.check_room:
                    self.dropped += size
                    return None
                self.check_room -= size
            elif size > self.room:
                self.room, self.dropped = 0, self.dropped + size
                return None
            else:
                self.room -= size
            return msg
        if kind == "error":
            self.errors += 1
            if self.errors > ERRORS_KEPT:
                self.dropped += len(json.dumps(content))
                return None
            return {**msg, "content": trim_error(content)}
        return msg  # status, execute_input, clear_output: no output of their own

    def _stream(self, msg: dict, content: dict) -> dict | None:
        text = str(content.get("text", ""))
        stderr = content.get("name") == "stderr"
        room = max(self.room, self.stderr_room) if stderr else self.room
        kept = text[: max(room, 0)]
        self.dropped += len(text) - len(kept)
        self.room = max(self.room - len(kept), 0)
        if stderr:
            self.stderr_room = max(self.stderr_room - len(kept), 0)
        if not kept:
            return None
        return msg if kept == text else {**msg, "content": {**content, "text": kept}}


class GuardedExecute(Execute):
    """nbgrader's Execute in a scratch folder, surviving dead and stuck kernels, capping time and output."""

    timeout: int | None  # nbclient's per-cell limit (a traitlet, None for none); narrowed per cell below

    # Limits an instructor may set in nbgrader_config.py (as c.GuardedExecute.NAME).
    notebook_timeout = Integer(900, help="Seconds a whole notebook may run; later cells score zero.").tag(config=True)
    max_output_chars = Integer(1_000_000, help="Output characters kept per cell, as they arrive.").tag(config=True)
    max_check_chars = Integer(200_000, help="Characters of check results and observations kept per cell.").tag(
        config=True
    )
    iopub_timeout = Integer(30, help="Seconds to wait after a cell's reply for the rest of its output.").tag(
        config=True
    )

    def preprocess(self, nb, resources, km=None):
        self._kernel_dead = False
        self._started = time.monotonic()
        self._budget = OutputBudget(self.max_output_chars, self.max_check_chars)
        workdir = resources.pop(WORKDIR_KEY, None)
        autograded = resources.get("metadata", {}).get("path")
        if workdir:  # nbclient starts the kernel in resources' path
            resources["metadata"]["path"] = workdir
        try:
            return super().preprocess(nb, resources, km=km)
        finally:  # the kernel has ended: nbclient stops it before preprocess returns
            if workdir:
                resources["metadata"]["path"] = autograded
                try:  # the grader's own observations of the folder the notebook left (``probe.file``, ``after``)
                    plans = judged_cells(nb, resources.get(PLANS_KEY, {}))
                    resources[AFTER_KEY] = observe_after_kernel(Path(workdir), plans, self._sandboxed())
                finally:
                    remove_workdir(Path(workdir))

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if self._kernel_dead:
            cell.outputs = [error_output(KERNEL_DIED, "not run: the kernel had stopped in an earlier cell")]
            return cell, resources
        remaining = self.notebook_timeout - (time.monotonic() - self._started)
        if remaining <= 0:
            cell.outputs = [
                error_output(NOTEBOOK_TIME_LIMIT, f"not run: the notebook used up its {self.notebook_timeout} s")
            ]
            return cell, resources
        cell_timeout = self.timeout
        self.timeout = max(1, int(min(cell_timeout or remaining, remaining)))
        self._budget = OutputBudget(self.max_output_chars, self.max_check_chars)
        self._interrupted = False
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_dead = True
            cell.outputs.append(error_output(KERNEL_DIED, "the kernel stopped while this cell ran"))
        except CellTimeoutError:
            if not self._interrupted:  # the reply came, its output did not finish arriving in time
                self._budget.dropped += 1
                return self._finish(cell, resources, cell_timeout)
            # interrupted after the time limit, the kernel never went idle: it ignores interrupts
            self._stop_kernel()
            self._kernel_dead = True
            cell.outputs.append(error_output(CELL_TIMEOUT, STUCK))
        finally:
            self.timeout = cell_timeout
        return self._finish(cell, resources, cell_timeout)

    def _finish(self, cell, resources, cell_timeout):
        """Trim the cell's errors and say, first, what was dropped."""
        self.timeout = cell_timeout
        cell.outputs = [
            nbformat.from_dict(trim_error(out)) if out.get("output_type") == "error" else out for out in cell.outputs
        ]
        if self._budget.dropped:  # first, so that nbgrader's LimitOutput, which keeps the first lines, keeps it
            note = f"{OUTPUT_CUT}: {self._budget.dropped} characters]\n"
            cell.outputs.insert(0, nbformat.v4.new_output("stream", name="stdout", text=note))
        return cell, resources

    def process_message(self, msg, cell, cell_index):
        admitted = self._budget.admit(msg)
        return None if admitted is None else super().process_message(admitted, cell, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        self._interrupted = True
        return await super()._async_handle_timeout(timeout, cell)

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        client.session.deserialize = self._guarded_deserialize(client.session.deserialize)
        return client

    # nbclient binds its sync twin to its own coroutine: bind ours, which nbconvert's preprocess calls
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _guarded_deserialize(self, deserialize):
        """``deserialize``, turning a message the grader cannot read (JSON nested past Python's recursion
        limit, a broken header) into one nbclient ignores, counted as cut output."""

        def guarded(msg_list, content=True, copy=True):
            try:
                return deserialize(msg_list, content=content, copy=copy)
            except (RecursionError, ValueError, KeyError, TypeError):
                self._budget.dropped += 1
                return dict(UNREADABLE)

        return guarded

    def _sandboxed(self) -> bool:
        from course.grading.sandboxed_kernel import SandboxedKernelManager

        return isinstance(self.kernel_manager_class, type) and issubclass(
            self.kernel_manager_class, SandboxedKernelManager
        )

    def _stop_kernel(self) -> None:
        """Kill the kernel (and, in the sandbox, everything it started)."""
        if self.km is not None:
            run_sync(self.km.shutdown_kernel)(now=True)
