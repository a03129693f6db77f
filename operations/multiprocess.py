"""prometheus_client's multiprocess mode: every process of a server counts into its own files in
PROMETHEUS_MULTIPROC_DIR, and a scrape adds them up, whichever process answers it.

The folder must be chosen before prometheus_client is first imported (it decides then how values
are kept), and must start empty (files left by an earlier run would be added in).
Nothing here imports prometheus_client at module level for that reason.
"""

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def folder() -> Path | None:
    value = os.environ.get(ENV) or os.environ.get(ENV.lower())
    return Path(value) if value else None


def prepare(*, prefix: str) -> Path:
    """The multiprocess folder, made (a fresh temporary one, named in the environment for the
    processes forked from this one) when none was named; emptied of an earlier run's files."""
    chosen = folder()
    if chosen is None:
        chosen = Path(tempfile.mkdtemp(prefix=prefix))
        os.environ[ENV] = str(chosen)
    chosen.mkdir(parents=True, exist_ok=True)
    for stale in chosen.glob("*.db"):
        stale.unlink(missing_ok=True)
    return chosen


def process_dead(pid: int) -> None:
    """A process ended: its live gauges stop counting (its counters and histograms stay in the sums)."""
    if folder() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def every_process():
    """A registry of this server's series: every process's in multiprocess mode, else this process's."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if folder() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
