"""The kernel manager ``course grade`` uses when sandboxed: each kernel starts inside bubblewrap.

The sandbox itself (what the kernel sees, its limits, its user) is
``course.grading.sandbox``; this module only starts kernels in it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile

from jupyter_client.manager import AsyncKernelManager

from course.grading.sandbox import BWRAP_ENV, SCRATCH_PREFIX, bwrap_command, hand_over


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside bwrap.

    The kernel talks to the grader through Unix sockets in a private folder
    (so it needs no network), and is interrupted by a message (a signal would
    stop bwrap rather than the kernel). Its working folder (``cwd``, the scratch
    copy ``PrepareWorkdir`` made) and the socket folder are handed to the
    kernel's user before it starts.
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
        kw["env"] = dict(BWRAP_ENV)  # bwrap's init (pid 1 in the sandbox) keeps the environment it started with
        hand_over(self._private_dir)
        if os.path.basename(workdir).startswith(SCRATCH_PREFIX):
            hand_over(workdir)
        return await super()._async_launch_kernel(prefix + list(kernel_cmd), **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(getattr(self, "_private_dir", ""), ignore_errors=True)
