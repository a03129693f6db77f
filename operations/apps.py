from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """What an operator watches: health and readiness, the workers' heartbeat, outages, metrics."""

    name = "operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from operations import heartbeat, scoring_metrics

        heartbeat.connect_signals()  # only a Celery worker ever sends these signals
        scoring_metrics.connect_signals()
