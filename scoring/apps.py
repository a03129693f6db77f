from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")  # the admin's heading for the app's models
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from scoring import checks, languages, text_search  # noqa: F401 (they register themselves)
