from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from scoring import checks, heartbeat  # noqa: F401 (checks registers itself)

        heartbeat.connect_signals()  # only a Celery worker ever sends these signals
