"""Values every page's template may show."""

from django.conf import settings

CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"


def contact(request) -> dict:
    # With the console backend (`make run`'s default) no mail leaves the machine: pages that
    # say "we sent you an email" say where it went instead.
    return {"contact_email": settings.CONTACT_EMAIL, "mail_printed_in_console": settings.EMAIL_BACKEND == CONSOLE_MAIL}


def local_time(request) -> dict:
    """The zone the page's times are in (the middleware activated it): its IANA name for scripts,
    and its name in the page's language, to write beside the times."""
    from scoring.time_zones import active_time_zone, time_zone_words

    name = active_time_zone()
    return {"time_zone_name": name, "time_zone_words": time_zone_words(name)}
