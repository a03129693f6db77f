"""Series read from the database when Prometheus scrapes, once per scrape whatever the number of
web processes (never kept in a process, so never added up across them)."""

from operations.heartbeat import last_heartbeat_age
from scoring.models import Photo


class QueueCollector:
    """Photos waiting to be scored, and how long ago a worker last said it was alive."""

    def describe(self):
        return []  # nothing read at registration: the database may not be there yet

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        yield GaugeMetricFamily(
            "beauty_photos_queued",
            "Photos waiting for a worker (status queued)",
            value=Photo.objects.filter(status=Photo.Status.QUEUED).count(),
        )
        age = last_heartbeat_age()
        # No worker ever beat: no sample, so `absent()` in an alert says so.
        if age is not None:
            yield GaugeMetricFamily(
                "beauty_worker_heartbeat_age_seconds", "Seconds since any worker last recorded its heartbeat", value=age
            )
