"""What ``course grade --cluster SPEC`` names: a Dask scheduler, a Dask Gateway cluster or a batch-queue cluster.

``SPEC`` is one of:

* ``tcp://HOST:PORT`` or ``tls://HOST:PORT`` (``HOST:PORT`` means ``tcp://``): a running
  Dask scheduler (``dask scheduler``), whose workers grade;
* ``gateway``: a new cluster from the Dask Gateway next to the hub (a "daskhub"), shut
  down when grading ends; ``gateway:NAME``: the gateway's running cluster ``NAME``, left running;
* ``jobqueue:SYSTEM`` (``slurm``, ``pbs``, ``sge``, ``lsf``, ``htcondor``, ``moab``, ``oar``):
  worker jobs on an HPC batch queue through dask-jobqueue, cancelled when grading ends.

The named ones read an optional TOML file, ``$COURSE_CLUSTER_CONFIG`` or else
``~/.config/course/cluster.toml``; without it, the packages' own Dask configuration
applies (on a daskhub the hub already sets the gateway's address and login)::

    [gateway]
    workers = 20                   # workers to ask for (default 2)
    wait_seconds = 600             # how long to wait for the first one (default 600)
    address = "https://hub.example.edu/services/dask-gateway"   # also proxy_address, public_address, auth
    [gateway.options]              # the gateway's cluster options, as its administrator named them
    image = "registry.example.edu/course-grader:2026.12"

    [jobqueue.slurm]
    workers = 20                   # every other key goes to dask_jobqueue.SLURMCluster as it is
    cores = 1
    memory = "4GB"
    walltime = "01:00:00"

Nothing here imports Dask: parsing is checked without it (``course.grading.cluster`` connects).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_ENV = "COURSE_CLUSTER_CONFIG"
DEFAULT_CONFIG = Path("~/.config/course/cluster.toml")
JOBQUEUE_CLASSES = {
    "slurm": "SLURMCluster",
    "pbs": "PBSCluster",
    "sge": "SGECluster",
    "lsf": "LSFCluster",
    "htcondor": "HTCondorCluster",
    "moab": "MoabCluster",
    "oar": "OARCluster",
}
GATEWAY_KEYS = {"address", "proxy_address", "public_address", "auth"}  # dask_gateway.Gateway's arguments
SCHEMES = ("tcp", "tls")
SCHEDULER_ADDRESS = re.compile(
    r"(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]+)"
)
GATEWAY_NAME = re.compile(r"[A-Za-z0-9._-]{1,200}")
DEFAULT_WORKERS = 2
SCHEDULER_WAIT_SECONDS = 60  # a running scheduler: its workers should be there already
QUEUED_WAIT_SECONDS = 600  # a cluster started for this run: pods or batch jobs take a while to start
FORMS = "tcp://HOST:PORT, gateway, gateway:NAME or jobqueue:SYSTEM"


class ClusterUnavailable(RuntimeError):
    """The cluster named cannot be used: a wrong name or file, a missing package, nobody answering."""


@dataclass(frozen=True)
class ClusterTarget:
    """Where to grade: ``kind`` scheduler (``address``), gateway (``name`` or a new one) or jobqueue (``system``)."""

    kind: str
    address: str = ""
    name: str = ""
    system: str = ""
    workers: int = DEFAULT_WORKERS
    wait_seconds: int = SCHEDULER_WAIT_SECONDS
    options: dict = field(default_factory=dict)  # gateway: Gateway() arguments and "options"; jobqueue: the class's

    def describe(self) -> str:
        if self.kind == "scheduler":
            return f"the Dask scheduler at {self.address}"
        if self.kind == "gateway":
            return f"Dask Gateway cluster {self.name}" if self.name else "a new Dask Gateway cluster"
        return f"dask-jobqueue's {JOBQUEUE_CLASSES[self.system]}"


def parse_target(spec: str, config: dict | None = None) -> ClusterTarget:
    """The cluster ``spec`` names; ``config``: the TOML file's tables (read from disk when None and needed)."""
    spec = spec.strip()
    kind, _, rest = spec.partition(":")
    if kind == "gateway":
        if rest and not GATEWAY_NAME.fullmatch(rest):
            raise ClusterUnavailable(f"--cluster {spec}: a gateway cluster's name has letters, digits, '.', '_', '-'")
        table = section(read_config() if config is None else config, "gateway")
        counts = limits(table, "gateway")
        unknown = sorted(set(table) - GATEWAY_KEYS - {"options"})
        if unknown:
            raise ClusterUnavailable(f"[gateway] in {config_path()}: unknown keys {', '.join(unknown)}")
        if not isinstance(table.get("options", {}), dict):
            raise ClusterUnavailable(f"[gateway] in {config_path()}: options must be a table ([gateway.options])")
        return ClusterTarget("gateway", name=rest, **counts, options=table)
    if kind == "jobqueue":
        if rest not in JOBQUEUE_CLASSES:
            raise ClusterUnavailable(f"--cluster {spec}: the batch system is one of {', '.join(JOBQUEUE_CLASSES)}")
        tables = section(read_config() if config is None else config, "jobqueue")
        table = section(tables, rest, f"jobqueue.{rest}")
        return ClusterTarget("jobqueue", system=rest, **limits(table, f"jobqueue.{rest}"), options=table)
    return ClusterTarget("scheduler", address=scheduler_address(spec))


def scheduler_address(spec: str) -> str:
    """``spec`` as a Dask scheduler address (``tcp://`` when no scheme is given)."""
    found = SCHEDULER_ADDRESS.fullmatch(spec)
    if not found:
        raise ClusterUnavailable(f"--cluster {spec!r} is not a cluster: give {FORMS}")
    scheme = found["scheme"] or "tcp"
    if scheme not in SCHEMES:
        raise ClusterUnavailable(f"--cluster {spec}: a scheduler address starts with tcp:// or tls://")
    if not 0 < int(found["port"]) < 65536:
        raise ClusterUnavailable(f"--cluster {spec}: the port is a number from 1 to 65535")
    return f"{scheme}://{found['host']}:{int(found['port'])}"


def limits(table: dict, name: str) -> dict:
    """``workers`` and ``wait_seconds`` taken out of a config table (what is left goes to the cluster)."""
    found = {"workers": table.pop("workers", DEFAULT_WORKERS), "wait_seconds": table.pop("wait_seconds", None)}
    found["wait_seconds"] = QUEUED_WAIT_SECONDS if found["wait_seconds"] is None else found["wait_seconds"]
    for key, value in found.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ClusterUnavailable(f"[{name}] in {config_path()}: {key} must be a whole number of 1 or more")
    return found


def section(tables: dict, key: str, name: str = "") -> dict:
    """A copy of the table ``key`` (empty when absent); refused when it is a value, not a table."""
    table = tables.get(key, {})
    if not isinstance(table, dict):
        raise ClusterUnavailable(f"{config_path()}: {name or key} must be a table ([{name or key}])")
    return dict(table)


def config_path() -> Path:
    """The cluster configuration file: ``$COURSE_CLUSTER_CONFIG``, else ``~/.config/course/cluster.toml``."""
    return Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else DEFAULT_CONFIG.expanduser()


def read_config() -> dict:
    """The cluster configuration file's tables; none when the default file does not exist."""
    path = config_path()
    if not path.exists():
        if os.environ.get(CONFIG_ENV):
            raise ClusterUnavailable(f"${CONFIG_ENV} names {path}, which does not exist")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ClusterUnavailable(f"cannot read the cluster configuration {path}: {error}") from None
