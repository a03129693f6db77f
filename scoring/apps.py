from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from scoring import checks, heartbeat, languages  # noqa: F401 (checks and languages register themselves)

        heartbeat.connect_signals()  # only a Celery worker ever sends these signals
