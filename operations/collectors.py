"""Series read from the database when Prometheus scrapes, once per scrape whatever the number of
web processes (never kept in a process, so never added up across them)."""

import logging

from operations.heartbeat import last_heartbeat_age
from scoring.models import Photo

log = logging.getLogger(__name__)


class QueueCollector:
    """Photos waiting to be scored, and how long ago a worker last said it was alive."""

    def describe(self):
        return []  # nothing read at registration: the database may not be there yet

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        try:
            queued = Photo.objects.filter(status=Photo.Status.QUEUED).count()
            age = last_heartbeat_age()
        except Exception:  # the database is away: the scrape still answers, /readyz names the failure
            log.warning("metrics: the database did not answer", exc_info=True)
            return
        yield GaugeMetricFamily("beauty_photos_queued", "Photos waiting for a worker (status queued)", value=queued)
        # No worker ever beat: no sample, so `absent()` in an alert says so.
        if age is not None:
            yield GaugeMetricFamily(
                "beauty_worker_heartbeat_age_seconds", "Seconds since any worker last recorded its heartbeat", value=age
            )
