"""prometheus_client's multiprocess mode: every process of a server counts into its own files in
PROMETHEUS_MULTIPROC_DIR, and a scrape adds them up, whichever process answers it.

The folder must be chosen before a series is made (prometheus_client decides then how its values
are kept), and must start empty (files left by an earlier run would be added in).
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
_made: Path | None = None  # the temporary folder this process made, removed by forget()


def folder() -> Path | None:
    value = os.environ.get(ENV) or os.environ.get(ENV.lower())
    return Path(value) if value else None


def prepare(*, prefix: str) -> Path:
    """The multiprocess folder, made (a fresh temporary one, named in the environment for the
    processes forked from this one) when none was named; emptied of an earlier run's files."""
    global _made
    chosen = folder()
    if chosen is None:
        chosen = _made = Path(tempfile.mkdtemp(prefix=prefix))
        os.environ[ENV] = str(chosen)
    chosen.mkdir(parents=True, exist_ok=True)
    for stale in chosen.glob("*.db"):
        stale.unlink(missing_ok=True)
    if "prometheus_client" in sys.modules:
        # Already loaded (a Celery worker sets Django up before its first signal): series made
        # from now on keep their values in the folder's files.
        from prometheus_client import values

        values.ValueClass = values.get_value_class()
    return chosen


def forget() -> None:
    """The server stops: the temporary folder prepare() made goes with it (a named one stays)."""
    if _made is not None:
        shutil.rmtree(_made, ignore_errors=True)


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
