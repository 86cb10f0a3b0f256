"""Kernels for fresh runs that start warm: ``python -m ipykernel_launcher`` forked from the warm server.

``run_fresh`` (``course.checks.fresh_run``) re-runs a notebook in a new kernel. A new
kernel costs a Python start, ipykernel's imports, then the notebook's own imports of
pandas and scikit-learn: seconds before the learner's first line does anything. With
``kernel_manager_class()``, nbclient starts the kernel through this module::

    python -m course.checks.warm_kernel SOCKET PYTHON -m ipykernel_launcher -f CONNECTION_FILE

a small launcher (it imports only ``course.checks.warm``) that asks the warm server of the
process that runs nbclient (at SOCKET) for
``-m ipykernel_launcher -f CONNECTION_FILE`` in its own folder and environment, with its
own stdin, stdout and stderr, and then stands in for the kernel: a signal it gets
(jupyter_client interrupts a kernel with SIGINT, ends it with SIGTERM) goes to the kernel,
and it exits with the kernel's exit code. If the launcher is killed, the server sees its
connection close and kills the kernel. The kernel is a new process as
``course.checks.warm_child`` describes, with the server's preloads (ipykernel among
them) already imported: no ZMQ context, thread or event loop exists before the fork.

When the command is not this interpreter's ``-m ipykernel_launcher``, or the server
refuses or is not there, the launcher ``exec``s the command as given: the cold kernel.
Grading kernels (``course.grading.sandboxed_kernel``) stay cold: each runs in a sandbox
of its own notebook, where a server would have to import the libraries again anyway.
"""

from __future__ import annotations

import os
import signal
import sys

from course.checks import warm

RELAYED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def warm_command(command: list[str]) -> list[str] | None:
    """The ``python`` arguments to run warm for a kernel command, or None when it is not one we can."""
    if len(command) < 3 or command[1:3] != ["-m", "ipykernel_launcher"]:
        return None
    if os.path.realpath(command[0]) != os.path.realpath(sys.executable):
        return None
    return command[1:]


def launch(socket_path: str, command: list[str]) -> int:
    """Run the kernel ``command`` warm, standing in for it; exec it cold when that cannot be done."""
    arguments = warm_command(command)
    if arguments is not None and not warm.why_cold():
        warm.inherit(socket_path)
        try:
            child = warm.spawn(arguments, os.getcwd(), dict(os.environ), [0, 1, 2])
        except warm.Refused:
            child = None
        if child is not None:
            for number in RELAYED:
                signal.signal(number, lambda received, _frame: child.send_signal(received))
            try:
                code, _ = child.wait()
            except warm.Refused:
                return 1
            if code < 0:  # the kernel died of a signal: so does its stand-in
                signal.signal(-code, signal.SIG_DFL)
                os.kill(os.getpid(), -code)
            return code
    os.execv(command[0], command)
    return 1  # not reached


def kernel_manager_class():
    """A jupyter_client ``KernelManager`` whose kernels start through this launcher."""
    from jupyter_client.manager import KernelManager

    class WarmKernelManager(KernelManager):
        """Starts ``PYTHON -m ipykernel_launcher ...`` as ``PYTHON -m course.checks.warm_kernel PYTHON -m ...``."""

        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            if warm_command(command) is None or warm.why_cold():
                return command
            try:
                socket_path = warm.server_socket(dict(os.environ))
            except warm.Refused:
                return command
            return [sys.executable, "-m", "course.checks.warm_kernel", socket_path, *command]

    return WarmKernelManager


if __name__ == "__main__":
    sys.exit(launch(sys.argv[1], sys.argv[2:]))
