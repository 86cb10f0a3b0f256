"""The grading guards one at a time, without a kernel: intake, judging, feedback, sandbox command (fast)."""

from __future__ import annotations

import asyncio
import html
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import PACKAGE_DIR, REPO_DIR
from course.core.catalog import load_steps
from course.core.cells import NBGRADER, grade_id_of, is_graded_test, is_solution, nbgrader_meta
from course.core.protocol import CHECK_MIMETYPE, PROBE_MIMETYPE
from course.grading.feedback import render
from course.grading.guards import HIDDEN_FAILED, INTEGRITY_ERROR
from course.grading.intake import read_notebook, take_in
from course.grading.preprocessors.judge_probes import JUDGED_KEY
from course.grading.repair import repair
from course.grading.result import Result
from course.grading.sandbox import bwrap_command, choose

STEP = load_steps()[0]
NOTEBOOK = STEP.notebooks[0]


def released():
    return nbformat.read(str(STEP.exercise_dir / NOTEBOOK), as_version=4)


def ids(notebook) -> list:
    return [grade_id_of(cell) for cell in notebook.cells]


def first_test_index(notebook) -> int:
    return next(i for i, c in enumerate(notebook.cells) if is_graded_test(c))


# -- intake --------------------------------------------------------------------------------


def test_a_deleted_test_goes_back_after_the_answer_it_checks():
    notebook = released()
    index = first_test_index(notebook)
    test_id = ids(notebook)[index]
    del notebook.cells[index]
    repaired, repairs = repair(notebook, released())
    assert repairs.restored == [test_id]
    assert ids(repaired) == ids(released())


def test_an_edited_locked_cell_is_put_back():
    notebook = released()
    index = first_test_index(notebook)
    notebook.cells[index].source = "print('all good')"
    repaired, repairs = repair(notebook, released())
    assert repairs.edited == [ids(notebook)[index]]
    assert repaired.cells[index].source == released().cells[index].source


def test_stripped_metadata_is_recognised_by_text_and_answers_are_kept():
    notebook = released()
    for cell in notebook.cells:
        cell.metadata.pop(NBGRADER, None)
    answer = next(i for i, c in enumerate(released().cells) if is_solution(c))
    notebook.cells[answer].source = "my_answer = 42"
    repaired, repairs = repair(notebook, released())
    protected = [i for i, c in zip(ids(released()), released().cells, strict=True) if nbgrader_meta(c).get("locked")]
    assert sorted(repairs.matched) == sorted(protected) and not repairs.restored
    assert "my_answer = 42" in [cell.source for cell in repaired.cells]


def test_a_copied_cell_runs_as_a_plain_cell():
    notebook = released()
    index = first_test_index(notebook)
    notebook.cells.insert(
        index + 1,
        nbformat.from_dict(
            nbformat.v4.new_code_cell(notebook.cells[index].source, metadata=dict(notebook.cells[index].metadata))
        ),
    )
    repaired, repairs = repair(notebook, released())
    assert repairs.duplicates == [ids(released())[index]]
    assert ids(repaired).count(ids(released())[index]) == 1
    assert len({cell["id"] for cell in repaired.cells}) == len(repaired.cells)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{}", "is JSON but not a notebook (it has no cells)"),
        ("[1, 2", "is not valid JSON (line 1, column 6)"),
    ],
)
def test_files_that_are_not_notebooks(tmp_path, text, problem):
    path = tmp_path / NOTEBOOK
    path.write_text(text)
    notebook, problems = read_notebook(path, NOTEBOOK)
    assert notebook is None and problems == [f"invalid-notebook: {NOTEBOOK} {problem}"]


def test_a_notebook_that_breaks_the_format_keeps_its_cells(tmp_path):
    path = tmp_path / NOTEBOOK
    path.write_text(
        '{"cells": [{"cell_type": "code", "source": ["x = 1"], "outputs": "oops"}], "nbformat": 4,'
        ' "nbformat_minor": 5, "metadata": {}}'
    )
    notebook, problems = read_notebook(path, NOTEBOOK)
    assert [cell.source for cell in notebook.cells] == ["x = 1"]
    assert problems == [f"notebook-rebuilt: {NOTEBOOK} did not follow the notebook format; its cells were kept"]


def test_a_linked_notebook_is_refused(tmp_path):
    (tmp_path / NOTEBOOK).symlink_to(STEP.solution_dir / NOTEBOOK)
    intake = take_in(tmp_path, STEP.notebooks, STEP.exercise_dir, [])
    assert intake.notebooks == {}
    assert intake.problems == [f"refused-input: {NOTEBOOK} is a symbolic link; submit the file itself"]


def test_two_stray_notebooks_are_named_not_guessed(tmp_path):
    for name in ("a.ipynb", "b.ipynb"):
        nbformat.write(released(), str(tmp_path / name))
    intake = take_in(tmp_path, STEP.notebooks, STEP.exercise_dir, [])
    assert intake.problems == [f"missing-notebook: {NOTEBOOK} (found a.ipynb, b.ipynb)"]


# -- judging -----------------------------------------------------------------------------------

JUDGED_CELL = """check = Check("g1")
check.report()
### BEGIN HIDDEN TESTS
probe = Probe("g1")
probe.value("rows", lambda: len(X))
probe.file("notes", "notes.md")
seen = probe.send()
### JUDGE
hidden = Check("g1", hidden=True)
hidden.equal("the rows", lambda: seen["rows"], 329)
hidden.equal("the notes", lambda: seen["notes"], "ok")
hidden.report()
### END HIDDEN TESTS"""


def judged(outputs_for, after=None):
    """Plan, 'run' (outputs_for(draw) gives the cell's outputs) and judge one graded cell; return the cell."""
    from course.grading.preprocessors import JudgeProbes, SplitHiddenBlocks
    from course.grading.preprocessors.judge_probes import AFTER_KEY

    cell = nbformat.v4.new_code_cell(JUDGED_CELL, metadata={"nbgrader": {"grade": True, "grade_id": "g1"}})
    learner = nbformat.v4.new_code_cell("x = 1")
    notebook = nbformat.v4.new_notebook(cells=[learner, cell])
    resources = {"nbgrader": {"assignment": STEP.slug, "notebook": "x"}}
    notebook, resources = SplitHiddenBlocks().preprocess(notebook, resources)
    assert "hidden.equal" not in cell.source and "probe.send()" in cell.source
    draw = resources["course_judge_plans"]["g1"].draw
    outputs, learner_outputs = outputs_for(draw)
    cell.outputs = list(outputs)
    learner.outputs = list(learner_outputs)
    resources[AFTER_KEY] = {"g1": after if after is not None else {"notes": {"value": "ok"}}}
    notebook, resources = JudgeProbes().preprocess(notebook, resources)
    assert cell.source == JUDGED_CELL
    return cell


PASSED = {CHECK_MIMETYPE: {"grade_id": "g1", "passed": True, "lines": []}}
MISSING = (INTEGRITY_ERROR, "its observations were missing")
UNTRUSTED = (INTEGRITY_ERROR, "its observations could not be trusted")
ONE_FAILED = (HIDDEN_FAILED, "1 of 2 graded checks failed")


def probe_output(draw, rows=329, grade_id="g1", notes=None):
    seen = {"rows": {"value": rows}, **({"notes": {"value": notes}} if notes else {})}
    data = {PROBE_MIMETYPE: {"grade_id": grade_id, "draw": draw, "seen": seen}}
    return nbformat.v4.new_output("display_data", data=data)


def errors_of(cell) -> list[tuple[str, str]]:
    return [(o["ename"], o["evalue"]) for o in cell.outputs if o.get("output_type") == "error"]


def test_a_cell_scores_when_its_judge_passes_on_this_runs_observations():
    cell = judged(lambda draw: ([probe_output(draw)], []))
    assert errors_of(cell) == []
    assert cell.metadata[JUDGED_KEY] == {
        "passed": True,
        "lines": [{"called": "the rows", "passed": True}, {"called": "the notes", "passed": True}],
    }


@pytest.mark.parametrize(
    "outputs_for, after, error",
    [
        (lambda draw: ([probe_output(draw, rows=328)], []), None, ONE_FAILED),
        (lambda draw: ([], [probe_output(draw)]), None, MISSING),
        (lambda draw: ([probe_output(draw + 1)], []), None, UNTRUSTED),
        (lambda draw: ([probe_output(draw), probe_output(draw)], []), None, UNTRUSTED),
        (lambda draw: ([probe_output(draw, grade_id="g2")], []), None, MISSING),
        # the kernel cannot answer for the grader: a file's text comes from the grader's own reading
        (lambda draw: ([probe_output(draw, notes="ok")], []), {"notes": {"error": "FileNotFoundError"}}, ONE_FAILED),
    ],
)
def test_a_cell_scores_zero_on_wrong_missing_stale_or_forged_observations(outputs_for, after, error):
    cell = judged(outputs_for, after)
    assert errors_of(cell)[0] == error
    assert cell.metadata[JUDGED_KEY]["passed"] is False


def test_a_cell_that_already_failed_stays_failed_without_a_judgement():
    evalue = "g1: 1 of 1 public checks failed"
    failed = nbformat.v4.new_output("error", ename="AssertionError", evalue=evalue, traceback=[])
    cell = judged(lambda draw: ([failed, probe_output(draw)], []))
    assert errors_of(cell) == [("AssertionError", evalue)]
    assert cell.metadata[JUDGED_KEY] == {"passed": False, "lines": []}


# -- feedback -------------------------------------------------------------------------------------


def autograded_with(tmp_path, grade_id, outputs, learner_outputs=()):
    notebook = nbformat.v4.new_notebook()
    learner = nbformat.v4.new_code_cell("x = 1")
    learner.outputs = [nbformat.v4.new_output("display_data", data=data) for data in learner_outputs]
    test = nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade": True, "grade_id": grade_id}})
    test.outputs = list(outputs)
    notebook.cells = [learner, test]
    path = tmp_path / NOTEBOOK
    nbformat.write(notebook, str(path))
    return path


def page_for(path, grade_id, score=0.0):
    result = Result(
        "amy",
        STEP.slug,
        score,
        STEP.points,
        "ok",
        cells={grade_id: {"score": score, "max_score": 1.0, "notebook": NOTEBOOK}},
        autograded={NOTEBOOK: path.name},
    )
    return html.unescape(render(result, STEP, NOTEBOOK, base=path.parent))


def test_feedback_shows_nothing_the_kernel_showed_only_what_the_grader_judged(tmp_path):
    grade_id = STEP.checks[0].id
    disguised = "hidden.equal(\u00a0'rows', lambda: len(X), 329)"  # as learner code could echo it back
    line = {"called": disguised, "passed": False, "got": disguised, "expected": disguised}
    check = {CHECK_MIMETYPE: {"grade_id": grade_id, "hidden": False, "passed": False, "lines": [line]}}
    outputs = [
        nbformat.v4.new_output("display_data", data=check),
        nbformat.v4.new_output("stream", name="stdout", text=disguised),
    ]
    path = autograded_with(tmp_path, grade_id, outputs)
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells[1].metadata[JUDGED_KEY] = {
        "passed": False,
        "lines": [{"called": "the rows the prototype keeps", "passed": False}, {"called": "seeded", "passed": True}],
    }
    notebook.cells[0].metadata[JUDGED_KEY] = {"passed": True, "lines": [{"called": "FORGED", "passed": True}]}
    nbformat.write(notebook, str(path))
    page = page_for(path, grade_id)
    assert "329" not in page and "len(X)" not in page and "FORGED" not in page
    assert "\u2717 the rows the prototype keeps" in page and "\u2713 seeded" in page


def test_feedback_leaves_the_instructor_notes_out():
    from course.grading.feedback import learner_status

    assert learner_status("tampered: x; review: y mentions os._exit") == "tampered: x"
    assert learner_status("review: y mentions os._exit") == "ok"


def test_feedback_ignores_results_forged_outside_the_graded_cell(tmp_path):
    grade_id = STEP.checks[0].id
    forged = {
        CHECK_MIMETYPE: {
            "grade_id": grade_id,
            "hidden": False,
            "passed": True,
            "lines": [{"called": "FORGED", "passed": True}],
        }
    }
    page = page_for(autograded_with(tmp_path, grade_id, [], learner_outputs=[forged]), grade_id)
    assert "FORGED" not in page and "This check did not finish" in page


def test_feedback_says_when_a_check_was_not_trusted(tmp_path):
    grade_id = STEP.checks[0].id
    error = nbformat.v4.new_output(
        "error", ename=INTEGRITY_ERROR, evalue="the cell did not run to its end", traceback=[]
    )
    page = page_for(autograded_with(tmp_path, grade_id, [error]), grade_id)
    assert "This check could not be trusted, so it scored 0: the cell did not run to its end." in page


# -- sandbox -----------------------------------------------------------------------------------------


def test_the_sandbox_shows_the_course_package_but_not_the_repository(tmp_path):
    command = bwrap_command(
        str(tmp_path / "work"),
        str(tmp_path / "sockets"),
        {"NBGRADER_EXECUTION": "autograde", "GITHUB_TOKEN": "secret", "LANG": "C.UTF-8"},
    )
    bound = {command[i + 1] for i, arg in enumerate(command) if arg in ("--ro-bind", "--bind")}
    assert str(PACKAGE_DIR) in bound and str(tmp_path / "work") in bound
    assert not {str(REPO_DIR), str(REPO_DIR / "solutions"), str(REPO_DIR / "exercises")} & bound
    assert "--clearenv" in command and ("--unshare-all" in command or "--unshare-net" in command)
    assert "--share-net" not in command
    assert "secret" not in command and "autograde" in command


def flag_values(command, flag):
    return [command[i + 1] for i, arg in enumerate(command) if arg == flag]


@pytest.mark.parametrize("root", [True, False])
def test_the_kernel_runs_with_limits_and_as_its_workers_own_user_when_the_grader_is_root(tmp_path, root):
    from course.grading.sandbox import KERNEL_UID_BASE, LIMITS

    command = bwrap_command(str(tmp_path / "work"), str(tmp_path / "sockets"), {"LANG": "C.UTF-8"}, root=root)
    kernel = command[command.index("--") + 1 :]
    prlimit = kernel[kernel.index("prlimit") :]
    assert prlimit[: len(LIMITS) + 2] == ["prlimit", *(f"--{k}={v}" for k, v in LIMITS.items()), "--"]
    assert LIMITS["as"] == 2 << 30 and {"as", "cpu", "nproc", "fsize"} <= set(LIMITS)
    if root:  # no user namespace: the kernel is nobody on the real system, without capabilities
        assert kernel[: kernel.index("--")] == [
            "setpriv",
            f"--reuid={KERNEL_UID_BASE}",
            f"--regid={KERNEL_UID_BASE}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]
        assert "--unshare-all" not in command and "--unshare-user" not in command
        assert {"--unshare-pid", "--unshare-net", "--unshare-ipc"} <= set(command)
        assert flag_values(command, "--cap-add") == ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]
    else:
        assert "setpriv" not in kernel and "--unshare-all" in command and "--cap-add" not in command


def test_bwrap_starts_with_a_minimal_environment(tmp_path, monkeypatch):
    from course.grading import sandbox, sandboxed_kernel

    launched = {}

    async def fake_launch(self, kernel_cmd, **kw):
        launched.update(kw, cmd=kernel_cmd)

    monkeypatch.setattr(sandboxed_kernel.AsyncKernelManager, "_async_launch_kernel", fake_launch)
    monkeypatch.setattr(sandboxed_kernel, "hand_over", lambda folder: None)
    manager = sandboxed_kernel.SandboxedKernelManager()
    manager._private_dir = str(tmp_path)
    env = {"GRADER_TOKEN": "secret", "LANG": "C.UTF-8", "PATH": "/opt/grader/bin"}
    asyncio.run(manager._async_launch_kernel(["python"], env=env, cwd=str(tmp_path)))
    assert launched["env"] == sandbox.BWRAP_ENV == {"PATH": "/usr/bin:/bin"}
    assert "secret" not in launched["cmd"] and "C.UTF-8" in launched["cmd"]


def test_the_scratch_folder_holds_what_the_learner_was_given_and_no_links(tmp_path):
    from course.grading.preprocessors.prepare_workdir import make_workdir, remove_workdir

    autograded = tmp_path / "autograded"
    (autograded / "data").mkdir(parents=True)
    (autograded / "data" / "table.csv").write_text("a,b")
    (autograded / NOTEBOOK).write_text("graded before")
    (tmp_path / "private").write_text("private")
    (autograded / "link.txt").symlink_to(tmp_path / "private")
    graded = nbformat.read(str(STEP.solution_dir / NOTEBOOK), as_version=4)
    workdir = make_workdir(autograded, NOTEBOOK, graded)
    assert sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*")) == ["data", "data/table.csv", NOTEBOOK]
    assert "HIDDEN TESTS" not in (workdir / NOTEBOOK).read_text()
    (workdir / "away").symlink_to(tmp_path, target_is_directory=True)  # what a kernel might leave
    remove_workdir(workdir)
    assert not workdir.exists() and (tmp_path / "private").read_text() == "private"


def test_sandbox_modes():
    assert not choose("off").enabled and choose("off").message.startswith("WARNING: sandbox off")
    with pytest.raises(ValueError, match="sandbox mode must be one of"):
        choose("sometimes")


def test_course_grade_explains_a_missing_sandbox(tmp_path):
    (tmp_path / "submitted").mkdir()
    env = dict(os.environ, PATH=os.path.dirname(sys.executable))  # no bwrap on this PATH
    base = [sys.executable, "-m", "course.cli", "grade", str(tmp_path / "submitted"), "--out", str(tmp_path / "out")]
    required = subprocess.run([*base, "--sandbox", "require"], capture_output=True, text=True, env=env, cwd=REPO_DIR)
    assert required.returncode == 2
    assert "--sandbox require: bubblewrap (bwrap) is not installed: install it with" in required.stderr
    auto = subprocess.run(base, capture_output=True, text=True, env=env, cwd=REPO_DIR)
    assert auto.returncode == 0, auto.stderr
    assert auto.stdout.startswith("WARNING: grading without a sandbox: bubblewrap (bwrap) is not installed")
    assert "graded 0 submissions" in auto.stdout


# -- execution guards ------------------------------------------------------------------------------


def test_the_kernel_works_in_a_scratch_folder_not_in_nbgraders(tmp_path):
    from course.grading.preprocessors.prepare_workdir import WORKDIR_KEY, PrepareWorkdir, remove_workdir

    graded = nbformat.read(str(STEP.solution_dir / NOTEBOOK), as_version=4)
    autograded = tmp_path / "autograded" / "amy" / STEP.slug
    autograded.mkdir(parents=True)
    nbformat.write(graded, str(autograded / NOTEBOOK))
    before = (autograded / NOTEBOOK).read_text()
    resources = {"metadata": {"path": str(autograded)}, "nbgrader": {"notebook": NOTEBOOK[: -len(".ipynb")]}}
    PrepareWorkdir().preprocess(graded, resources)
    workdir = Path(resources[WORKDIR_KEY])
    assert sorted(p.name for p in workdir.iterdir()) == [NOTEBOOK] and autograded not in workdir.parents
    assert "HIDDEN TESTS" not in (workdir / NOTEBOOK).read_text()
    assert (autograded / NOTEBOOK).read_text() == before  # nbgrader's folder is left alone
    remove_workdir(workdir)


def stream(text, name="stdout"):
    return {"msg_type": "stream", "content": {"name": name, "text": text}}


def display(data):
    return {"msg_type": "display_data", "content": {"data": data, "metadata": {}}}


def test_output_is_capped_as_it_arrives_whatever_its_kind():
    from course.grading.preprocessors.guarded_execute import OutputBudget

    budget = OutputBudget(1000, 500)
    assert budget.admit(stream("x" * 600)) == stream("x" * 600)
    assert budget.admit(stream("y" * 600))["content"]["text"] == "y" * 400  # cut to what is left
    assert budget.admit(display({"text/plain": "z"})) is None  # no room left for anything
    assert budget.admit(stream("e" * 5000, "stderr"))["content"]["text"] == "e" * 1000  # a little stderr stays
    passed = display(PASSED)
    assert budget.admit(passed) == passed  # check results have a budget of their own
    flood = display({**PASSED, "text/plain": "w" * 1000})  # riding on the check's MIME type
    assert budget.admit(flood) is None
    error = {"msg_type": "error", "content": {"ename": "E", "evalue": "v" * 10**6, "traceback": ["t"] * 10**4}}
    kept = budget.admit(error)["content"]
    assert kept["ename"] == "E" and len(kept["evalue"]) < 2100 and len(kept["traceback"]) == 100
    assert budget.admit({"msg_type": "status", "content": {"execution_state": "idle"}}) is not None
    assert budget.dropped == 200 + len('{"text/plain": "z"}{}') + 4000 + len(json.dumps(flood["content"]["data"])) + 2


def test_cells_after_the_notebook_time_budget_are_not_run():
    from course.grading.guards import NOTEBOOK_TIME_LIMIT
    from course.grading.preprocessors import GuardedExecute

    execute = GuardedExecute(notebook_timeout=0)
    execute._kernel_dead, execute._started = False, 0.0  # as preprocess() sets them, long ago
    cell, _ = execute.preprocess_cell(nbformat.v4.new_code_cell("x = 1"), {}, 0)
    assert [output.ename for output in cell.outputs] == [NOTEBOOK_TIME_LIMIT]


def test_a_deleted_answer_cell_is_named_in_the_status():
    notebook = released()
    answer = next(i for i, c in enumerate(notebook.cells) if is_solution(c) and c.cell_type == "code")
    answer_id = ids(notebook)[answer]
    del notebook.cells[answer]
    _, repairs = repair(notebook, released())
    assert repairs.missing_answers == [answer_id]
    status = " ".join(repairs.statuses("step.ipynb", set(ids(released()))))
    assert f"answer-cells-missing: step.ipynb: {answer_id}" in status


def test_a_complete_notebook_has_no_missing_answers():
    _, repairs = repair(released(), released())
    assert repairs.missing_answers == []
    assert not any("answer-cells-missing" in s for s in repairs.statuses("step.ipynb", set(ids(released()))))


def test_each_worker_runs_its_kernels_as_a_user_of_its_own(tmp_path, monkeypatch):
    from course.grading.sandbox import KERNEL_UID_BASE, SLOT_ENV

    uids = set()
    for slot in ("0", "1", "7"):
        monkeypatch.setenv(SLOT_ENV, slot)
        command = bwrap_command(str(tmp_path / "work"), str(tmp_path / "sockets"), {}, root=True)
        uids |= set(flag for flag in command if flag.startswith("--reuid="))
    assert uids == {f"--reuid={KERNEL_UID_BASE + slot}" for slot in (0, 1, 7)}


def test_scratch_folders_of_kernels_that_never_ran_are_removed(tmp_path):
    from course.grading.preprocessors.prepare_workdir import make_workdir, remove_leftover_workdirs

    (tmp_path / "data.csv").write_text("x\n1\n")
    workdir = make_workdir(tmp_path, NOTEBOOK, released())
    assert (workdir / "data.csv").is_file() and (workdir / NOTEBOOK).is_file()
    remove_leftover_workdirs()
    assert not workdir.exists()


def test_the_grader_runs_no_after_probe_for_a_cell_that_already_failed():
    from course.grading.preprocessors.judge_probes import judged_cells

    meta = {"nbgrader": {"grade": True, "grade_id": "g1"}}
    failed = nbformat.v4.new_code_cell("x", metadata=meta)
    failed.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])]
    passed = nbformat.v4.new_code_cell("y", metadata={"nbgrader": {"grade": True, "grade_id": "g2"}})
    notebook = nbformat.v4.new_notebook(cells=[failed, passed])
    assert judged_cells(notebook, {"g1": "plan 1", "g2": "plan 2"}) == {"g2": "plan 2"}


def test_an_after_run_that_timed_out_is_a_named_timeout():
    from course.grading.guards import CELL_TIMEOUT

    late = {"notes": {"error": "TimeoutError: still running after 300 s"}}
    cell = judged(lambda draw: ([probe_output(draw)], []), late)
    assert {name for name, _ in errors_of(cell)} == {CELL_TIMEOUT, HIDDEN_FAILED}
