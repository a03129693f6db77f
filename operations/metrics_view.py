"""GET /metrics for Prometheus: the web's request, database and cache series (django-prometheus),
summed over every web process, and the queue read from the database at scrape time.

Served only with `Authorization: Bearer <METRICS_TOKEN>`: with no token set, or a wrong one, the
route does not exist (operations.middleware answers it as any missing page, 404).
"""

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from operations import multiprocess
from operations.collectors import QueueCollector

PATH = "/metrics"


def authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and secrets.compare_digest(given.strip(), token)


class _Scrape:
    """The registries one scrape reads, in turn: the processes' series, then the database's."""

    def __init__(self, *registries) -> None:
        self.registries = registries

    def collect(self):
        for registry in self.registries:
            yield from registry.collect()


def metrics(_request: HttpRequest) -> HttpResponse:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    body = generate_latest(_Scrape(multiprocess.every_process(), QueueCollector()))
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
