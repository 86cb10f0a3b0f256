"""Run a learner's kernel inside a bubblewrap sandbox while it is graded.

With Debian's ``bubblewrap`` (``bwrap``) the kernel sees only: the system's
programs and libraries, the Python installation, the ``course`` package (all
read-only), its own working folder, and a private ``/tmp``. It has no network,
its own process tree (it cannot see or signal the grader), no capabilities and
a cleared environment. So learner code cannot read ``solutions/``, the
gradebook, other learners' submissions or the grader's environment variables.

Without ``bwrap`` grading still works, unsandboxed, and says so (see
``choose``). site/reference/grading-security.md lists what is defended.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

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
INSTALL_HINT = "install it with `apt-get install bubblewrap` (Debian/Ubuntu)"


@dataclass(frozen=True)
class SandboxChoice:
    """Whether kernels run sandboxed, and the sentence that tells the instructor."""

    enabled: bool
    message: str


class SandboxUnavailable(RuntimeError):
    """``--sandbox require`` was asked for on a machine where bwrap does not work."""


def probe() -> str:
    """'' when bwrap works here, else the reason it does not."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    try:
        done = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
            capture_output=True,
            text=True,
            timeout=20,
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


def bwrap_command(workdir: str, private_dir: str, env: dict[str, str]) -> list[str]:
    """The bwrap prefix for a kernel working in ``workdir`` that talks through sockets in ``private_dir``.

    Of ``env`` (the kernel's environment) only the variables in ``KEPT_ENV_PREFIXES`` are kept.
    """
    command = [
        shutil.which("bwrap") or "bwrap",
        "--die-with-parent",
        "--unshare-all",
        "--cap-drop",
        "ALL",
        "--clearenv",
    ]
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
        "MPLCONFIGDIR",
        "/tmp/home/.matplotlib",
    ]
    command += ["--proc", "/proc", "--dev", "/dev"]
    command += (["--size", TMP_SIZE] if bwrap_knows_size() else []) + ["--tmpfs", "/tmp", "--dir", "/tmp/home"]
    for path in readonly_dirs():  # after the private /tmp, so a Python installed under /tmp stays visible
        command += ["--ro-bind", path, path]
    command += ["--bind", private_dir, private_dir, "--bind", workdir, workdir, "--chdir", workdir, "--"]
    return command


@functools.cache
def bwrap_knows_size() -> bool:
    """bwrap 0.5 and later can cap the size of a tmpfs."""
    try:
        return "--size" in subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside bwrap.

    The kernel talks to the grader through Unix sockets in a private folder
    (so it needs no network), and is interrupted by a message (a signal would
    stop bwrap rather than the kernel).
    """

    async def _async_pre_start_kernel(self, **kw):
        # a short path: a Unix socket's path must stay under 108 characters
        private_dir = tempfile.mkdtemp(prefix="course-kernel-")
        atexit.register(shutil.rmtree, private_dir, ignore_errors=True)  # also when a dead kernel skips cleanup
        self.transport = "ipc"
        self.connection_file = os.path.join(private_dir, "kernel.json")
        self.ip = os.path.join(private_dir, "kernel-ipc")
        self._private_dir = private_dir
        spec = self.kernel_spec
        assert spec is not None  # the kernel manager found the kernel's spec before this hook runs
        spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        workdir = os.path.abspath(kw.get("cwd") or os.getcwd())
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL  # learner noise never reaches the grader's terminal
        # JPY_PARENT_PID is not passed on: inside bwrap the kernel's parent is bwrap's
        # init, which ipykernel would take for a dead parent; --die-with-parent does that job.
        prefix = bwrap_command(workdir, self._private_dir, kw.get("env") or dict(os.environ))
        return await super()._async_launch_kernel(prefix + list(kernel_cmd), **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(getattr(self, "_private_dir", ""), ignore_errors=True)
