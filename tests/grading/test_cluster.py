"""``course grade --cluster``: a class graded on real Dask workers equals the class graded locally, byte for byte.

The slow tests start a real ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1, grade a small class (three learners, steps 00 and 01) with ``--jobs 1`` and on
the cluster, and kill one worker (its whole process group: nanny, worker, kernel) as
soon as the first result is in. The fast ones check the pieces: what ``--cluster``
accepts, the configuration file, missing packages, shipping a submission, slots.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import stub_variants

from course.authoring.local_dask import free_port, local_cluster
from course.core.catalog import load_steps
from course.grading import cluster, cluster_config
from course.grading.cluster_config import ClusterUnavailable, parse_target
from course.grading.cluster_worker import FIRST_CLUSTER_SLOT, ShippedFolder, grade_shipped, ship
from course.grading.grade import grade_class, main_grade
from course.grading.intake import take_in
from course.grading.nbgrader_setup import ignore_patterns
from course.grading.result import Submission
from course.grading.sandbox import SandboxUnavailable
from course.grading.worker import Settings

STEPS = load_steps()[:2]  # 00 and 01: the two shortest to grade


# -- what --cluster names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "address"),
    [
        ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("tls://scheduler.example.edu:8786", "tls://scheduler.example.edu:8786"),
        ("tcp://[::1]:08786", "tcp://[::1]:8786"),
    ],
)
def test_a_scheduler_address_is_taken_as_it_is_meant(spec, address):
    assert parse_target(spec, {}) == cluster_config.ClusterTarget("scheduler", address=address)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("udp://127.0.0.1:8786", "starts with tcp:// or tls://"),
        ("scheduler", "is not a cluster: give tcp://HOST:PORT"),
        ("tcp://127.0.0.1:0", "the port is a number from 1 to 65535"),
        ("tcp://127.0.0.1:70000", "the port is a number from 1 to 65535"),
        ("gateway:two words", "a gateway cluster's name"),
        ("jobqueue:cobalt", "the batch system is one of slurm, pbs"),
    ],
)
def test_what_is_no_cluster_is_refused_with_what_would_be(spec, says):
    with pytest.raises(ClusterUnavailable, match=says):
        parse_target(spec, {})


def test_a_gateway_cluster_takes_its_workers_login_and_options_from_the_file():
    tables = {"gateway": {"workers": 12, "address": "https://hub/services/dask-gateway", "options": {"image": "i"}}}
    target = parse_target("gateway", tables)
    assert (target.kind, target.name, target.workers, target.wait_seconds) == ("gateway", "", 12, 600)
    assert target.options == {"address": "https://hub/services/dask-gateway", "options": {"image": "i"}}
    assert parse_target("gateway:grading-1", {}).name == "grading-1"  # a running one, defaults from Dask's config


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"workers": 0}, "workers must be a whole number of 1 or more"),
        ({"workers": "ten"}, "workers must be a whole number"),
        ({"wait_seconds": True}, "wait_seconds must be a whole number"),
        ({"adress": "https://hub"}, "unknown keys adress"),
        ({"options": "image=i"}, "options must be a table"),
    ],
)
def test_a_wrong_gateway_table_is_refused_by_name(table, says):
    with pytest.raises(ClusterUnavailable, match=says):
        parse_target("gateway", {"gateway": table})


def test_a_jobqueue_cluster_passes_its_table_to_the_batch_system_class(tmp_path, monkeypatch):
    config = tmp_path / "cluster.toml"
    config.write_text('[jobqueue.slurm]\nworkers = 20\ncores = 1\nmemory = "4GB"\nwalltime = "01:00:00"\n')
    monkeypatch.setenv(cluster_config.CONFIG_ENV, str(config))
    target = parse_target("jobqueue:slurm")
    assert (target.kind, target.system, target.workers) == ("jobqueue", "slurm", 20)
    assert target.options == {"cores": 1, "memory": "4GB", "walltime": "01:00:00"}
    assert target.describe() == "dask-jobqueue's SLURMCluster"


def test_a_configuration_file_that_is_missing_or_broken_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(cluster_config.CONFIG_ENV, str(tmp_path / "nowhere.toml"))
    with pytest.raises(ClusterUnavailable, match="COURSE_CLUSTER_CONFIG names .*nowhere.toml, which does not exist"):
        parse_target("gateway")
    (tmp_path / "broken.toml").write_text("[gateway\nworkers = 2\n")
    monkeypatch.setenv(cluster_config.CONFIG_ENV, str(tmp_path / "broken.toml"))
    with pytest.raises(ClusterUnavailable, match="cannot read the cluster configuration .*broken.toml"):
        parse_target("gateway")
    monkeypatch.delenv(cluster_config.CONFIG_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.config/course/cluster.toml: Dask's own configuration
    assert parse_target("jobqueue:pbs").options == {}


# -- packages that are not installed ------------------------------------------------------


@pytest.mark.parametrize(("spec", "package"), [("gateway", "dask-gateway"), ("jobqueue:slurm", "dask-jobqueue")])
def test_a_named_cluster_without_its_package_says_what_to_install(spec, package):
    if importlib.util.find_spec(package.replace("-", "_")):
        pytest.skip(f"{package} is installed here")
    with pytest.raises(ClusterUnavailable, match=f"pip install {package}"):
        with cluster.connected(parse_target(spec, {})):
            pass


WITHOUT_DASK = """
import sys
sys.modules["distributed"] = None  # as if the cluster extra were not installed: importing it fails
from pathlib import Path
import course.cli.app, course.grading.grade, course.grading.cluster
assert "distributed" not in sys.modules or sys.modules["distributed"] is None
sys.exit(course.cli.app.main(["grade", sys.argv[1], "--out", sys.argv[2], "--cluster", "tcp://127.0.0.1:1"]))
"""


def test_without_dask_the_course_loads_and_grade_cluster_says_to_install_the_extra(tmp_path):
    (tmp_path / "submitted").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_DASK, str(tmp_path / "submitted"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'prototype-to-production[cluster]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_cluster_and_jobs_are_alternatives(tmp_path, capsys):
    (tmp_path / "submitted").mkdir()
    assert main_grade(tmp_path / "submitted", tmp_path / "out", 2, None, cluster="tcp://127.0.0.1:1") == 2
    assert "--cluster or --jobs, not both" in capsys.readouterr().err


def test_a_scheduler_nobody_answers_at_stops_grading_with_a_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 2)
    (tmp_path / "submitted").mkdir()
    assert main_grade(tmp_path / "submitted", tmp_path / "out", 1, None, cluster=f"tcp://127.0.0.1:{free_port()}") == 2
    assert "course grade: cannot reach the Dask scheduler at tcp://127.0.0.1:" in capsys.readouterr().err


# -- the sandbox and the course on the workers ---------------------------------------------


def test_the_sandbox_is_decided_by_the_workers():
    assert cluster.workers_sandbox({"tcp://a:1": "", "tcp://b:1": ""}, "require").enabled
    no_bwrap = {"tcp://a:1": "", "tcp://b:1": "bubblewrap (bwrap) is not installed"}
    with pytest.raises(SandboxUnavailable, match="Dask worker tcp://b:1: bubblewrap"):
        cluster.workers_sandbox(no_bwrap, "require")
    auto = cluster.workers_sandbox(no_bwrap, "auto")
    assert not auto.enabled and auto.message.startswith("WARNING: grading without a sandbox: Dask worker tcp://b:1")
    assert not cluster.workers_sandbox({"tcp://a:1": ""}, "off").enabled


def test_a_worker_with_another_version_of_the_course_grades_nothing(tmp_path):
    shipped = ShippedFolder("amy", STEPS[0].slug, {"x.ipynb": b"{}"})
    graded = grade_shipped(shipped, Settings(None, False, str(tmp_path)), "0" * 64)
    assert graded.result.failed and graded.notebooks == {}
    assert graded.result.status == "grading-error: this Dask worker runs another version of the course"


# -- shipping a submission ------------------------------------------------------------------


def hostile_folder(root: Path, step) -> Path:
    """A step folder with a notebook, a data file in a subfolder, a link and a FIFO."""
    folder = root / "amy" / step.slug
    shutil.copytree(step.solution_dir, folder)
    (folder / "notes").mkdir()
    (folder / "notes" / "draft.txt").write_text("first try")
    (folder / "passwords.txt").symlink_to("/etc/passwd")
    os.mkfifo(folder / "pipe")
    return folder


def test_a_shipped_submission_is_taken_in_exactly_as_the_folder_is(tmp_path):
    step = STEPS[1]
    folder = hostile_folder(tmp_path, step)
    ignore = ignore_patterns()
    local = take_in(folder, step.notebooks, step.exercise_dir, ignore, str(tmp_path), "amy")
    shipped = ship(Submission("amy", step.slug, folder), ignore)
    assert set(shipped.refused) == {"passwords.txt", "pipe"} and "notes/draft.txt" in shipped.files
    remote = shipped.take_in(Path("elsewhere"), step.notebooks, step.exercise_dir, ignore, str(tmp_path), "amy")
    assert remote.problems == local.problems and any("symbolic link" in p for p in remote.problems)
    assert remote.notebooks == local.notebooks and remote.notebooks


def test_a_step_folder_that_is_a_link_ships_its_refusal(tmp_path):
    step = STEPS[0]
    (tmp_path / "amy").mkdir()
    (tmp_path / "amy" / step.slug).symlink_to(step.solution_dir)
    shipped = ship(Submission("amy", step.slug, tmp_path / "amy" / step.slug), ignore_patterns())
    assert shipped.files == {} and "symbolic link" in shipped.refusal
    local = take_in(tmp_path / "amy" / step.slug, step.notebooks, step.exercise_dir, [], str(tmp_path), "amy")
    assert shipped.take_in(None, step.notebooks, step.exercise_dir, [], str(tmp_path)).problems == local.problems


def test_a_shipped_name_outside_its_folder_is_refused(tmp_path):
    shipped = ShippedFolder("amy", STEPS[0].slug, {"../escape.txt": b"x"})
    with pytest.raises(ValueError, match="outside its folder"):
        shipped.take_in(None, STEPS[0].notebooks, STEPS[0].exercise_dir, [], str(tmp_path))


# -- slots: one kernel user per worker process ----------------------------------------------

CLAIM = (
    "from course.grading.cluster_worker import claim_slot; from course.grading.sandbox import kernel_uid, "
    "KERNEL_UID_BASE; slot = claim_slot(); assert kernel_uid() == KERNEL_UID_BASE + slot; print(slot, flush=True); "
    "input()"
)


def test_worker_processes_on_one_machine_claim_different_slots_and_free_them_when_they_end(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # the slots' lock folder of this test only

    def claim():
        process = subprocess.Popen(
            [sys.executable, "-c", CLAIM], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        assert process.stdout
        return process, int(process.stdout.readline())

    (first, one), (second, two) = claim(), claim()
    assert one == FIRST_CLUSTER_SLOT and two == FIRST_CLUSTER_SLOT + 1
    first.kill()
    first.wait()
    third, three = claim()
    assert three == one  # the lock died with the process that held it
    for process in (second, third):
        process.communicate(b"\n", timeout=30)


# -- a real cluster on this machine -------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two one-thread workers (each in a process group of its own), on free ports."""
    with local_cluster(tmp_path_factory.mktemp("dask-logs"), workers=2) as cluster:
        yield {"address": cluster.address, "processes": cluster.processes, "logs": cluster.logs}


def a_small_class(submitted: Path) -> None:
    """Three learners, steps 00 and 01: the solution, the untouched exercise, one cell left a stub (and a link)."""
    for step in STEPS:
        shutil.copytree(step.solution_dir, submitted / "solution" / step.slug)
        shutil.copytree(step.exercise_dir, submitted / "untouched" / step.slug)
        shutil.copytree(step.exercise_dir, submitted / "partial" / step.slug, ignore=shutil.ignore_patterns("*.ipynb"))
        for name, notebook in next(iter(stub_variants(step).values())).items():
            nbformat.write(notebook, str(submitted / "partial" / step.slug / name))
    (submitted / "partial" / STEPS[1].slug / "secrets.txt").symlink_to("/etc/passwd")


def every_file(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def graded_both_ways(dask_cluster, tmp_path_factory):
    """The class graded with --jobs 1, then on the cluster, one of whose workers is killed after the first result."""
    from distributed import Client

    submitted = tmp_path_factory.mktemp("cluster-submitted")
    a_small_class(submitted)
    local_out, cluster_out = tmp_path_factory.mktemp("local-out"), tmp_path_factory.mktemp("cluster-out")
    local_lines: list[str] = []
    started = time.monotonic()
    local = grade_class(submitted, local_out, jobs=1, progress=local_lines.append)
    local_seconds = time.monotonic() - started
    lines: list[str] = []
    killed: dict = {}

    def kill_a_busy_worker(line: str) -> None:
        lines.append(line)
        if not line.startswith("[1/"):
            return
        with Client(dask_cluster["address"], set_as_default=False) as client:
            busy = {address: keys for address, keys in client.processing().items() if keys}
            names = {address: info["name"] for address, info in client.scheduler_info()["workers"].items()}
        address = sorted(busy)[0]
        name = next(name for name in ("grader-a", "grader-b") if str(names[address]).startswith(name))
        os.killpg(dask_cluster["processes"][name].pid, signal.SIGKILL)  # nanny, worker and its kernel, mid-grade
        killed.update(name=name, grading=busy[address])

    started = time.monotonic()
    remote = grade_class(submitted, cluster_out, progress=kill_a_busy_worker, cluster=dask_cluster["address"])
    return {
        "local": local,
        "remote": remote,
        "local_out": local_out,
        "cluster_out": cluster_out,
        "local_lines": local_lines,
        "lines": lines,
        "killed": killed,
        "seconds": (local_seconds, time.monotonic() - started),
    }


def cells_graded(notebook: bytes) -> list[tuple]:
    """What an autograded notebook says of grading: each cell's type, nbgrader metadata and hidden-test marker."""
    cells = nbformat.reads(notebook.decode(), as_version=4).cells
    return [(cell.cell_type, cell.metadata.get("nbgrader"), "### BEGIN HIDDEN TESTS" in cell.source) for cell in cells]


@pytest.mark.slow  # grades six submissions twice, once on a Dask cluster
def test_a_class_graded_on_dask_equals_the_class_graded_locally_byte_for_byte(graded_both_ways):
    """grades.csv, every feedback page and every stored result are the same bytes.

    The autograded notebooks (the instructor's record of one execution) are the same
    notebooks with the same graded cells, but they differ between ANY two runs, local
    ones too: nbclient's execution timestamps, the probe's draw (fresh each grading run,
    by design), the pairing timer's element id, and step 00's prototype, unseeded on purpose.
    """
    local, remote = every_file(graded_both_ways["local_out"]), every_file(graded_both_ways["cluster_out"])
    assert "grades.csv" in local and any(name.startswith("feedback/") for name in local)
    assert any(name.startswith("results/") for name in local)
    assert sorted(remote) == sorted(local)
    assert [name for name in local if not name.startswith("autograded/") and remote[name] != local[name]] == []
    notebooks = [name for name in local if name.startswith("autograded/")]
    assert len(notebooks) == 6 and all(cells_graded(remote[name]) == cells_graded(local[name]) for name in notebooks)


@pytest.mark.slow  # grades six submissions twice, once on a Dask cluster
def test_the_submissions_of_a_killed_worker_are_graded_elsewhere_with_their_real_grades(graded_both_ways):
    assert graded_both_ways["killed"]["grading"], "the worker killed was grading"
    remote = graded_both_ways["remote"]
    assert len(remote) == 6 and not any(result.failed for result in remote)
    assert [(r.learner, r.step, r.score, r.status) for r in remote] == [
        (r.learner, r.step, r.score, r.status) for r in graded_both_ways["local"]
    ]
    scores = {(r.learner, r.step): r.score for r in remote}
    assert all(scores[("solution", step.slug)] == step.points for step in STEPS)
    assert all(0 < scores[("partial", step.slug)] < step.points for step in STEPS)
    assert all(scores[("untouched", step.slug)] == 0 for step in STEPS)


@pytest.mark.slow  # grades six submissions twice, once on a Dask cluster
def test_progress_on_a_cluster_is_shown_as_locally(graded_both_ways):
    lines, local_lines = graded_both_ways["lines"], graded_both_ways["local_lines"]
    if local_lines[0].startswith("sandbox:"):  # bubblewrap works here, so on both workers too
        assert lines[0].startswith("sandbox: bubblewrap on each of the 2 Dask workers")
    else:
        assert lines[0].startswith("WARNING: grading without a sandbox: Dask worker")
    assert [line.split("]")[0] for line in lines[1:]] == [f"[{n}/6" for n in range(1, 7)]
    print("seconds, --jobs 1 then the cluster (one worker killed):", graded_both_ways["seconds"])
