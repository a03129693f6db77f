"""Workers record that they are alive, so /readyz can tell an operator when none is.

Celery's heart beats every 2 seconds in each worker's main process; one row per worker is
updated at most every RECORD_EVERY_SECONDS, so the database sees little of it.
"""

import logging
import time

from django.utils import timezone

from scoring.models import WorkerHeartbeat

log = logging.getLogger(__name__)
RECORD_EVERY_SECONDS = 10.0
_last_recorded: dict[str, float] = {}


def heartbeat_record(hostname: str, *, force: bool = False) -> None:
    """Note that the worker is alive now (unless this process did so moments ago)."""
    now = time.monotonic()
    if not force and now - _last_recorded.get(hostname, -RECORD_EVERY_SECONDS) < RECORD_EVERY_SECONDS:
        return
    try:
        WorkerHeartbeat.objects.update_or_create(hostname=hostname[:200], defaults={"seen": timezone.now()})
    except Exception:  # a heartbeat must never take the worker down; /readyz shows the silence
        log.warning("could not record the heartbeat of %s", hostname, exc_info=True)
        return
    _last_recorded[hostname] = now


def last_heartbeat_age() -> float | None:
    """Seconds since any worker last recorded a heartbeat; None if none ever did."""
    latest = WorkerHeartbeat.objects.order_by("-seen").values_list("seen", flat=True).first()
    return None if latest is None else (timezone.now() - latest).total_seconds()


def on_worker_ready(sender, **_kwargs) -> None:
    heartbeat_record(sender.hostname, force=True)


def on_heartbeat_sent(sender, **_kwargs) -> None:
    heartbeat_record(sender.eventer.hostname)


def connect_signals() -> None:
    from celery.signals import heartbeat_sent, worker_ready

    worker_ready.connect(on_worker_ready, weak=False, dispatch_uid="scoring-heartbeat-ready")
    heartbeat_sent.connect(on_heartbeat_sent, weak=False, dispatch_uid="scoring-heartbeat-sent")
