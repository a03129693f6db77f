"""A worker's /metrics: with WORKER_METRICS_PORT set, the worker's main process serves, on that
port, the sums of every pool process's series (operations.scoring_metrics).

Connected to Celery's signals from beautysite.celery. The multiprocess folder is prepared in
`celeryd_init`, before any of these series is made (operations.scoring_metrics makes them on
first use), so the pool processes forked later count into its files; the server starts in
`worker_init`, in the main process only.
"""

import logging
import os

from operations import multiprocess

log = logging.getLogger(__name__)
PORT_ENV = "WORKER_METRICS_PORT"


def port() -> int | None:
    value = os.environ.get(PORT_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"{PORT_ENV} must be a port number (1-65535), not {value!r}")
    return int(value)


def prepare(**_kwargs) -> None:
    """celeryd_init: choose (or make) the multiprocess folder, empty, for this worker's processes."""
    if port() is not None:
        multiprocess.prepare(prefix="beauty-worker-metrics-")


def serve(**_kwargs) -> None:
    """worker_init: serve /metrics on the port, from the main process, for the whole worker."""
    if port() is None:
        return
    from prometheus_client import start_http_server

    from operations import scoring_metrics
    from scoring.errors import FAILURE_SENTENCE_STARTS, SCORING_FAILED

    # Every series from the start, at zero, so a rate is defined before the first photo.
    series = scoring_metrics.series()
    for code in {*FAILURE_SENTENCE_STARTS.values(), SCORING_FAILED}:
        series.failed.labels(code=code)
    start_http_server(port(), registry=multiprocess.every_process())  # every address: a container's too
    log.info("worker metrics on port %d", port())


def forget_pool_process(*, pid: int, **_kwargs) -> None:
    """worker_process_shutdown: a pool process ended (replaced after its tasks, say)."""
    if port() is not None:
        multiprocess.process_dead(pid)


def clean_up(**_kwargs) -> None:
    """worker_shutdown: the folder this worker made goes with it."""
    multiprocess.forget()


def connect_signals() -> None:
    from celery.signals import celeryd_init, worker_init, worker_process_shutdown, worker_shutdown

    celeryd_init.connect(prepare, weak=False, dispatch_uid="operations-worker-metrics-prepare")
    worker_init.connect(serve, weak=False, dispatch_uid="operations-worker-metrics-serve")
    worker_process_shutdown.connect(forget_pool_process, weak=False, dispatch_uid="operations-worker-metrics-dead")
    worker_shutdown.connect(clean_up, weak=False, dispatch_uid="operations-worker-metrics-clean")
