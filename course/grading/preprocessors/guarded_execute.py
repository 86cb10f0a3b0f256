"""Step 3: nbgrader's ``Execute``, plus: a kernel that dies scores zero for the rest of the
notebook instead of failing the whole submission, a time budget per notebook, and a cap
on each cell's output (check results and seals are always kept).
"""

from __future__ import annotations

import json
import time

import nbformat
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Integer

from course.core.protocol import CHECK_MIMETYPE, SEAL_MIMETYPE
from course.grading.guards import KERNEL_DIED, NOTEBOOK_TIME_LIMIT, OUTPUT_CUT, error_output

KEPT = {CHECK_MIMETYPE, SEAL_MIMETYPE}  # outputs never cut: grading reads them


class GuardedExecute(Execute):
    """nbgrader's Execute that survives a dead kernel, caps a notebook's time and each cell's output."""

    timeout: int | None  # nbclient's per-cell limit (a traitlet, None for none); narrowed per cell below

    notebook_timeout = Integer(
        900, help="Seconds a whole notebook may run; cells after that are not run and score zero."
    ).tag(config=True)
    max_output_chars = Integer(
        1_000_000, help="Characters of output kept per cell; the rest is cut (check results are always kept)."
    ).tag(config=True)

    def preprocess(self, nb, resources, km=None):
        self._kernel_dead = False
        self._started = time.monotonic()
        return super().preprocess(nb, resources, km=km)

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
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_dead = True
            cell.outputs.append(error_output(KERNEL_DIED, "the kernel stopped while this cell ran"))
        finally:
            self.timeout = cell_timeout
        cut_output(cell, self.max_output_chars)
        return cell, resources


def cut_output(cell, limit: int) -> int:
    """Cut ``cell``'s output to about ``limit`` characters, keeping check results and errors; return what was cut."""
    used, cut, kept = 0, 0, []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            room = max(limit - used, 1000 if output.get("name") == "stderr" else 0)
            if len(output.text) > room:
                cut += len(output.text) - room
                output.text = output.text[:room]
            used += len(output.text)
            if output.text:
                kept.append(output)
        elif kind in ("display_data", "execute_result") and not KEPT & set(output.get("data", {})):
            size = len(json.dumps(output.get("data", {})))
            if used + size > limit:
                cut += size
                continue
            used += size
            kept.append(output)
        else:
            kept.append(output)
    if cut:  # first, so that nbgrader's LimitOutput, which keeps the first lines, keeps it too
        kept.insert(0, nbformat.v4.new_output("stream", name="stdout", text=f"{OUTPUT_CUT}: {cut} characters]\n"))
        cell.outputs = kept
    return cut
