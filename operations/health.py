"""Health routes for load balancers and operators.

GET /healthz: the process is up (no database, no network). GET /readyz: the database, the
broker and the storage answer (503 when one does not), the age of the last worker heartbeat
and how many photos wait. Answers name what failed, never a host, a URL or a message that
could carry credentials: the exception itself goes to the log.

Both are answered by `operations.middleware.OperationsMiddleware`, placed first, before host
validation and the HTTPS redirect: a load balancer probes by IP address and plain HTTP.
"""

import logging
import time
from collections.abc import Callable

from django.http import JsonResponse

from operations.heartbeat import last_heartbeat_age
from operations.probes import check_broker, check_database, check_storage
from scoring.models import Photo

log = logging.getLogger(__name__)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker, "storage": check_storage}


def _run(name: str, check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        log.warning("readiness check %s failed", name, exc_info=True)
        return {"ok": False, "error": type(error).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def readiness() -> tuple[bool, dict]:
    """Whether every dependency answers, and the report /readyz sends."""
    checks = {name: _run(name, check) for name, check in CHECKS.items()}
    ready = all(result["ok"] for result in checks.values())
    report = {
        "status": "ready" if ready else "failing",
        "checks": checks,
        "worker_heartbeat_age_seconds": None,
        "photos_waiting": None,
    }
    if checks["database"]["ok"]:
        age = last_heartbeat_age()
        report["worker_heartbeat_age_seconds"] = None if age is None else round(age, 1)
        report["photos_waiting"] = Photo.objects.filter(status=Photo.Status.QUEUED).count()
    return ready, report


def healthz(_request) -> JsonResponse:
    return JsonResponse({"status": "up"})


def readyz(_request) -> JsonResponse:
    ready, report = readiness()
    response = JsonResponse(report, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


ROUTES = {"/healthz": healthz, "/readyz": readyz}
