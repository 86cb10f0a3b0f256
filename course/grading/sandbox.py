"""Run a learner's kernel inside a bubblewrap sandbox while it is graded.

With Debian's ``bubblewrap`` (``bwrap``) the kernel sees only: the system's
programs and libraries, the Python installation, the ``course`` package (all
read-only), a scratch copy of what the learner was given as its working folder
(see ``course.grading.preprocessors.prepare_workdir``), and a private ``/tmp``.
It has no network, its own process tree (it cannot see or signal the grader),
no capabilities and a cleared environment; bwrap itself starts with an almost
empty one, so ``/proc/1/environ`` shows nothing of the grader's. When the grader
runs as root, the kernel runs as a user of its own worker (``setpriv``, ``kernel_uid``); it runs under
resource limits (``prlimit``): memory, CPU time, processes,
file size. So learner code cannot read ``solutions/``, the gradebook, other
learners' submissions, ``/etc/shadow`` or the grader's environment variables.

Without ``bwrap`` grading still works, unsandboxed, and says so (see
``choose``). site/reference/grading-security.md lists what is defended.
"""

from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course import PACKAGE_DIR

MODES = ("auto", "require", "off")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/sys")
# Environment variables the sandboxed kernel keeps; everything else is cleared.
KEPT_ENV_PREFIXES = (
    "LANG",
    "LC_",
    "TZ",
    "PYTHONHASHSEED",
    "PYTHONIOENCODING",
    "NBGRADER_",
    "OMP_",
    "OPENBLAS_",
    "MKL_",
)
TMP_SIZE = str(1 << 30)  # the private /tmp is memory-backed: 1 GiB at most
SHM_SIZE = str(256 << 20)  # and /dev/shm (semaphores, shared memory): 256 MiB
# Limits of the kernel and everything it starts (prlimit's names; each soft = hard).
# The reference solutions peak at about 1.1 GB of address space and 12 threads.
MEMORY_LIMIT = 2 << 30  # bytes of address space per process: past it, allocations raise MemoryError
LIMITS = {
    "as": MEMORY_LIMIT,
    "cpu": 1200,  # CPU seconds per process (the notebook's wall-clock budget is 900 s)
    "nproc": 256,  # processes and threads of the kernel's user, counted inside its sandbox
    "fsize": 512 << 20,  # bytes per file written
    "core": 0,  # no core dumps
}
# When the grader runs as root, each worker's kernels run as a user and group of their own,
# KERNEL_UID_BASE + the worker's slot (no account needed): a fork bomb in one kernel then uses up
# only its own user's process limit, never that of a kernel graded beside it.
KERNEL_UID_BASE = 1_500_000_000
SLOT_ENV = "COURSE_GRADING_SLOT"  # set in each worker process by ``course.grading.pool``
MAX_SLOTS = 1000
# The whole environment bwrap itself starts with (its pid 1 in the sandbox keeps it).
BWRAP_ENV = {"PATH": "/usr/bin:/bin"}
# The kernel's scratch working folders (``PrepareWorkdir``): the only folders handed to its user.
SCRATCH_PREFIX = "course-work-"
INSTALL_HINT = "install it with `apt-get install bubblewrap` (Debian/Ubuntu)"


@dataclass(frozen=True)
class SandboxChoice:
    """Whether kernels run sandboxed, and the sentence that tells the instructor."""

    enabled: bool
    message: str


class SandboxUnavailable(RuntimeError):
    """``--sandbox require`` was asked for on a machine where bwrap does not work."""


def as_root() -> bool:
    return os.geteuid() == 0


def probe() -> str:
    """'' when bwrap (and the util-linux tools that drop rights and set limits) work here, else why not."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    for tool in ("prlimit", "setpriv"):
        if not shutil.which(tool):
            return f"{tool} (util-linux) is not installed: install it with `apt-get install util-linux`"
    try:
        done = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", *isolation(as_root()), *kernel_prefix(as_root()), "true"],
            capture_output=True,
            text=True,
            timeout=20,
            env=BWRAP_ENV,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start: {error}"
    if done.returncode != 0:
        return f"bwrap cannot create a sandbox on this machine: {done.stderr.strip()[:200]}"
    return ""


def choose(mode: str) -> SandboxChoice:
    """Decide for ``mode`` (auto, require, off); raise ``SandboxUnavailable`` for require without bwrap."""
    if mode not in MODES:
        raise ValueError(f"sandbox mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "off":
        return SandboxChoice(
            False,
            "WARNING: sandbox off: learner code runs with your rights and can read "
            "solutions/, the gradebook and other submissions",
        )
    reason = probe()
    if not reason:
        return SandboxChoice(True, "sandbox: bubblewrap (learner code sees only its own folder, no network)")
    if mode == "require":
        raise SandboxUnavailable(f"--sandbox require: {reason}")
    return SandboxChoice(
        False,
        f"WARNING: grading without a sandbox: {reason}. Learner code runs with your "
        "rights and can read solutions/, the gradebook and other submissions.",
    )


def readonly_dirs() -> list[str]:
    """Folders the kernel needs to read: the system, Python, its packages, the course package."""
    candidates = [
        *SYSTEM_DIRS,
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        *site.getsitepackages(),
        site.getusersitepackages(),
        str(PACKAGE_DIR),
    ]
    found = []
    for path in candidates:
        if path and os.path.isdir(path) and path not in found:
            found.append(path)
    return found


def isolation(root: bool) -> list[str]:
    """bwrap's namespaces and capabilities.

    As root, bwrap runs privileged, without a user namespace, keeping only the rights to
    change user that ``kernel_prefix``'s ``setpriv`` uses and then drops for good; the
    kernel then runs as an unprivileged user on the real system, so file permissions hold
    (``/etc/shadow``). Otherwise bwrap runs unprivileged in a user namespace of its own.
    """
    if not root:
        return ["--die-with-parent", "--unshare-all", "--cap-drop", "ALL"]
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    rights = [arg for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP") for arg in ("--cap-add", cap)]
    return ["--die-with-parent", *namespaces, "--cap-drop", "ALL", *rights]


def kernel_uid() -> int:
    """The user (and group) ID this worker's kernels run as when the grader is root."""
    slot = os.environ.get(SLOT_ENV, "0")
    return KERNEL_UID_BASE + (int(slot) if slot.isdigit() and int(slot) < MAX_SLOTS else 0)


def kernel_prefix(root: bool) -> list[str]:
    """What runs the kernel inside the sandbox: as root, ``setpriv`` to this worker's user; then ``prlimit``."""
    uid = kernel_uid()
    drop = [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]
    limits = ["prlimit", *(f"--{name}={value}" for name, value in LIMITS.items()), "--"]
    return (drop if root else []) + limits


def bwrap_command(workdir: str, private_dir: str, env: dict[str, str], root: bool | None = None) -> list[str]:
    """The prefix for a kernel working in ``workdir`` that talks through sockets in ``private_dir``.

    ``bwrap``, then inside it ``kernel_prefix`` (``setpriv`` as root, ``prlimit``). Of
    ``env`` (the kernel's environment) only the variables in ``KEPT_ENV_PREFIXES`` are
    kept; bwrap itself is started with ``BWRAP_ENV``. ``root``: whether the grader runs
    as root (by default, whether it does).
    """
    root = as_root() if root is None else root
    command = [shutil.which("bwrap") or "bwrap", *isolation(root), "--clearenv"]
    for name, value in sorted(env.items()):
        if name.startswith(KEPT_ENV_PREFIXES):
            command += ["--setenv", name, value]
    command += [
        "--setenv",
        "PATH",
        os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "--setenv",
        "HOME",
        "/tmp/home",
        "--setenv",
        "USER",
        "learner",
        "--setenv",
        "LOGNAME",
        "learner",
        "--setenv",
        "MPLCONFIGDIR",
        "/tmp/home/.matplotlib",
    ]
    command += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", SHM_SIZE, "--tmpfs", "/dev/shm"]
    command += ["--perms", "1777", *(["--size", TMP_SIZE] if bwrap_knows_size() else []), "--tmpfs", "/tmp"]
    command += ["--perms", "1777", "--dir", "/tmp/home"]
    mounts = [("--ro-bind", path) for path in readonly_dirs()]  # after the private /tmp, so a Python
    mounts += [("--bind", private_dir), ("--bind", workdir)]  # installed under /tmp stays visible
    command += mount_args(mounts)
    return command + ["--chdir", workdir, "--", *kernel_prefix(root)]


def mount_args(mounts: list[tuple[str, str]]) -> list[str]:
    """bwrap's arguments for ``mounts`` (option, path), each at its own path.

    The folders above a mount that bwrap would make are made first, readable by all
    (bwrap run by root makes them 0700, which the kernel's user could not cross).
    """
    args: list[str] = []
    made, mounted = {"/", "/tmp", "/tmp/home"}, ["/tmp"]
    for option, path in mounts:
        parents = list(reversed(Path(path).parents))[1:]
        for parent in map(str, parents):
            if parent not in made and not any(parent == m or parent.startswith(m + "/") for m in mounted):
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        args += [option, path, path]
        mounted.append(path)
    return args


def hand_over(folder: str) -> None:
    """Make ``folder`` and what is in it the kernel's user's (as root), links untouched and unfollowed.

    Only that user may read what is inside; the folder itself stays searchable (0711),
    so bwrap, running as root without the right to override permissions, can enter it.
    """
    if not as_root():
        return
    for root, dirs, files in os.walk(folder):  # os.walk does not descend into links to folders
        for name, mode in [*((d, 0o700) for d in dirs), *((f, 0o600) for f in files)]:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chown(path, kernel_uid(), kernel_uid(), follow_symlinks=False)
                os.chmod(path, mode)
    os.chown(folder, kernel_uid(), kernel_uid(), follow_symlinks=False)
    os.chmod(folder, 0o711)


@functools.cache
def bwrap_knows_size() -> bool:
    """bwrap 0.5 and later can cap the size of a tmpfs."""
    try:
        return "--size" in subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
