"""Production settings that must not start: system check errors, run by manage.py and by the WSGI app.

With DEBUG off: a missing or development secret key (anyone can forge sessions with it), and
rate limits counted in each process's own memory (they would not hold with several processes).
"""

from django.conf import settings
from django.core.checks import Error, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "operations.cache.LocMemCache",  # the same, counted for /metrics
    "django.core.cache.backends.dummy.DummyCache",
}


@register("production")
def production_settings_check(app_configs=None, **_kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    errors = []
    if not settings.SECRET_KEY or settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=false the service refuses the development key.",
                hint='Set DJANGO_SECRET_KEY to a long random value, e.g. python -c "import secrets; '
                'print(secrets.token_urlsafe(50))".',
                id="scoring.E001",
            )
        )
    if settings.RATE_LIMITS and settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        errors.append(
            Error(
                "Rate limits are on but count in each process's own memory: "
                "with several web processes they do not hold.",
                hint="Set CACHE_URL to a shared cache (e.g. redis://redis:6379/1), "
                "or RATE_LIMITS=false to turn them off.",
                id="scoring.E002",
            )
        )
    return errors


def refuse_unsafe_production_settings() -> None:
    """Stop a web process from starting on settings these checks refuse (gunicorn runs no checks itself)."""
    from django.core.checks import run_checks
    from django.core.exceptions import ImproperlyConfigured

    errors = run_checks(tags=["production"])
    if errors:
        raise ImproperlyConfigured("\n".join(f"{error.id}: {error.msg} {error.hint}" for error in errors))
