"""nbgrader preprocessors that make autograding hold up against bad and hostile notebooks.

They run in nbgrader's autograde pass, around its own ``Execute`` (see
``course.grading.nbgrader_setup.course_config``), in this order:

1. ``PrepareWorkdir``: while learner code runs, the notebook file in its folder
   is the public version (hidden tests stripped), and notebooks already graded
   are moved aside, so the kernel cannot read hidden tests from disk;
2. ``SealGradedCells``: adds a seal line with a fresh nonce to each graded
   test cell (see ``course.grading.seal``);
3. ``GuardedExecute``: nbgrader's ``Execute``, plus: a kernel that dies scores
   zero for the rest of the notebook instead of failing the whole submission,
   a time budget per notebook, and a cap on each cell's output;
4. ``VerifySeals``: a graded cell that would score points but did not leave a
   valid seal and its checks' results gets an error output, so nbgrader
   scores it zero; the cell's source is put back as it was.

``findings`` reads an autograded notebook back and names what went wrong.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import secrets
import shutil
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from traitlets import Integer

from course.core.cells import is_graded_test
from course.lab.display import CHECK_MIMETYPE
from course.grading.intake import listed, without_hidden_tests
from course.grading.seal import SEAL_MIMETYPE, checks_file_fingerprint
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

INTEGRITY_ERROR = "GradingIntegrityError"
KERNEL_DIED = "DeadKernelError"
NOTEBOOK_TIME_LIMIT = "NotebookTimeLimit"
CELL_TIMEOUT = "CellTimeoutError"
OUTPUT_CUT = "[course grade: output cut"
FLOOD_MARKS = (OUTPUT_CUT, "... Output truncated ...")  # ours, and nbgrader's LimitOutput
REPORT_CALL = re.compile(r"^[^#\n]*\.report\(\s*\)", re.M)
STASH_SUFFIX = ".stash"


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An error output as nbclient records one (nbgrader scores a cell with one zero)."""
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def scores_zero(cell) -> bool:
    """True when nbgrader will score the cell zero anyway (an error, or anything on stderr)."""
    return any(out.get("output_type") == "error" or (out.get("output_type") == "stream" and out.get("name") == "stderr")
               for out in cell.get("outputs", []))


# -- 1. the working folder -------------------------------------------------------


def stash_dir(workdir: Path) -> Path:
    """Where notebooks already graded wait while the next one runs (outside the kernel's folder)."""
    return workdir.with_name(workdir.name + STASH_SUFFIX)


def restore_stash(workdir: Path) -> None:
    """Put the notebooks ``PrepareWorkdir`` moved aside back into ``workdir``."""
    stash = stash_dir(workdir)
    if stash.is_dir():
        for path in stash.iterdir():
            shutil.move(str(path), str(workdir / path.name))
        stash.rmdir()


def public_version(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with hidden tests stripped and outputs cleared: what the learner was given."""
    public = copy.deepcopy(nb)
    for cell in public.cells:
        if is_graded_test(cell):
            cell.source = without_hidden_tests(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return public


class PrepareWorkdir(NbGraderPreprocessor):
    """Leave nothing on disk in the kernel's folder that the learner was not given."""

    def preprocess(self, nb, resources):
        workdir = Path(resources["metadata"]["path"])
        name = resources["nbgrader"]["notebook"] + ".ipynb"
        for other in workdir.glob("*.ipynb"):
            if other.name != name:
                stash_dir(workdir).mkdir(exist_ok=True)
                shutil.move(str(other), str(stash_dir(workdir) / other.name))
        nbformat.write(public_version(nb), str(workdir / name))
        return nb, resources


# -- 2. seals ----------------------------------------------------------------------


def seal_line(grade_id: str, nonce: str) -> str:
    return f'__import__("course.grading.seal").grading_seal.seal({grade_id!r}, {nonce!r})'


def sealed_source(source: str, line: str) -> str | None:
    """``source`` with ``line`` added where it proves the cell ran; None for a cell magic.

    The line goes before a final expression (nbgrader reads a final number as
    partial credit, so it must stay last), else at the end.
    """
    if source.lstrip().startswith("%%"):
        return None
    from IPython.core.inputtransformer2 import TransformerManager

    lines = source.rstrip().split("\n")
    try:
        body = ast.parse(TransformerManager().transform_cell(source)).body
    except SyntaxError:
        body = []
    if body and isinstance(body[-1], ast.Expr) and body[-1].lineno <= len(lines):
        at = body[-1].lineno - 1
        return "\n".join(lines[:at] + [line] + lines[at:])
    return "\n".join(lines + [line])


class SealGradedCells(NbGraderPreprocessor):
    """Add a seal line with a fresh nonce to every graded test cell."""

    def preprocess(self, nb, resources):
        resources["course_seals"] = {}
        for cell in nb.cells:
            if not is_graded_test(cell):
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            nonce = secrets.token_hex(16)
            sealed = sealed_source(cell.source, seal_line(grade_id, nonce))
            if sealed is None:
                continue
            resources["course_seals"][grade_id] = {
                "nonce": nonce,
                "source": cell.source,
                "reports": len(REPORT_CALL.findall(cell.source)),
            }
            cell.source = sealed
        return nb, resources


# -- 3. execution -------------------------------------------------------------------


class GuardedExecute(Execute):
    """nbgrader's Execute that survives a dead kernel, caps a notebook's time and each cell's output."""

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
            cell.outputs = [error_output(NOTEBOOK_TIME_LIMIT,
                                         f"not run: the notebook used up its {self.notebook_timeout} s")]
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
        elif kind in ("display_data", "execute_result") and not {CHECK_MIMETYPE, SEAL_MIMETYPE} & set(output.get("data", {})):
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


# -- 4. verification ------------------------------------------------------------------


def seal_problem(cell, seal: dict, fingerprint: str) -> str:
    """Why ``cell``'s evidence cannot be trusted, or '' when it can."""
    grade_id = cell.metadata.nbgrader["grade_id"]
    seals = [out["data"][SEAL_MIMETYPE] for out in cell.get("outputs", [])
             if SEAL_MIMETYPE in out.get("data", {})]
    mine = [s for s in seals if s.get("nonce") == seal["nonce"] and s.get("grade_id") == grade_id]
    if not mine:
        return "the cell did not run to its end (its seal is missing)"
    if mine[0].get("problems"):
        return "; ".join(str(p) for p in mine[0]["problems"])
    if mine[0].get("fingerprint") != fingerprint:
        return "course.checks.check was changed while the notebook ran"
    results = [out["data"][CHECK_MIMETYPE] for out in cell.get("outputs", [])
               if CHECK_MIMETYPE in out.get("data", {}) and out["data"][CHECK_MIMETYPE].get("grade_id") == grade_id]
    if len(results) < seal["reports"]:
        return f"the cell showed {len(results)} of its {seal['reports']} check reports"
    if not all(result.get("passed") for result in results):
        return "a check failed without stopping the cell"
    return ""


class VerifySeals(NbGraderPreprocessor):
    """Score zero every graded cell that would earn points without valid evidence that it checked."""

    def preprocess(self, nb, resources):
        seals = resources.get("course_seals", {})
        fingerprint = checks_file_fingerprint()
        for cell in nb.cells:
            if not is_graded_test(cell) or cell.metadata.nbgrader["grade_id"] not in seals:
                continue
            seal = seals[cell.metadata.nbgrader["grade_id"]]
            problem = "" if scores_zero(cell) else seal_problem(cell, seal, fingerprint)
            if problem:
                cell.outputs.insert(0, error_output(INTEGRITY_ERROR, problem))
            cell.source = seal["source"]
        return nb, resources


# -- reading the outcome back ------------------------------------------------------------


def cell_label(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1} ({grade_id})" if grade_id else f"cell {index + 1}"


def findings(path: Path) -> list[str]:
    """Statuses for what went wrong while ``path`` (an autograded notebook) ran."""
    timeouts, dead, budget, tampered, flooded = [], [], [], [], []
    for index, cell in enumerate(nbformat.read(str(path), as_version=4).cells):
        for output in cell.get("outputs", []):
            name = output.get("ename") if output.get("output_type") == "error" else None
            if name == CELL_TIMEOUT:
                timeouts.append(cell_label(cell, index))
            elif name == KERNEL_DIED and output.get("evalue", "").startswith("the kernel stopped"):
                dead.append(cell_label(cell, index))
            elif name == NOTEBOOK_TIME_LIMIT:
                budget.append(cell_label(cell, index))
            elif name == INTEGRITY_ERROR:
                tampered.append((cell.metadata.nbgrader["grade_id"], output.get("evalue", "")))
            elif output.get("output_type") == "stream" and any(mark in output.get("text", "") for mark in FLOOD_MARKS):
                if cell_label(cell, index) not in flooded:
                    flooded.append(cell_label(cell, index))
    problems = []
    if timeouts:
        problems.append(f"timeout: {path.name} {', '.join(timeouts)} ran past the time limit")
    if dead:
        problems.append(f"kernel-died: the kernel running {path.name} stopped in {dead[0]}; later cells scored 0")
    if budget:
        problems.append(f"notebook-time-limit: {path.name} ran out of time; {len(budget)} cells were not run")
    if tampered:
        ids = listed([grade_id for grade_id, _ in tampered])
        problems.append(f"tampered: {len(tampered)} graded cells scored 0 because {tampered[0][1]} ({ids})")
    if flooded:
        problems.append(f"output-flood: output of {path.name} {', '.join(flooded[:3])} was cut")
    return problems
