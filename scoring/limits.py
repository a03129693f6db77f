"""Per-user upload limit, shared by the upload page and the API (django-ratelimit, counted in the cache)."""

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django_ratelimit.core import _split_rate, get_usage  # the parser the limit itself uses

UNITS = (86400, 3600, 60, 1)  # the units a rate is said in, largest first


def _per_unit(count: int, unit: int) -> str:
    return {
        86400: gettext("%(count)d a day"),
        3600: gettext("%(count)d an hour"),
        60: gettext("%(count)d a minute"),
        1: gettext("%(count)d a second"),
    }[unit] % {"count": count}


def _every(count: int, amount: int, unit: int) -> str:
    words = {
        86400: ngettext("%(count)d every %(amount)d day", "%(count)d every %(amount)d days", amount),
        3600: ngettext("%(count)d every %(amount)d hour", "%(count)d every %(amount)d hours", amount),
        60: ngettext("%(count)d every %(amount)d minute", "%(count)d every %(amount)d minutes", amount),
        1: ngettext("%(count)d every %(amount)d second", "%(count)d every %(amount)d seconds", amount),
    }[unit]
    return words % {"count": count, "amount": amount}


def rate_in_words(rate: str) -> str:
    """django-ratelimit's rate ("100/h", "10/5m", "100/hour", "30/60") as a person says it:
    "100 an hour", "10 every 5 minutes". Read by django-ratelimit's own parser, so any rate
    it enforces can be said."""
    count, seconds = _split_rate(rate)
    amount, unit = next((seconds // size, size) for size in UNITS if seconds % size == 0)
    return _per_unit(count, unit) if amount == 1 else _every(count, amount, unit)


def upload_limit_message(wait_seconds: int) -> str:
    """The limit's sentence: the allowance, and the wait in words a person reads ("about 32 minutes")."""
    minutes = round(wait_seconds / 60)
    if minutes < 1:
        wait = gettext("under a minute")
    elif minutes == 1:
        wait = gettext("about a minute")
    else:
        wait = ngettext("about %(minutes)d minute", "about %(minutes)d minutes", minutes) % {"minutes": minutes}
    allowance = rate_in_words(settings.PHOTO_UPLOAD_RATE)
    return gettext("You have uploaded many photos in a short time (at most %(allowance)s). Try again in %(wait)s.") % {
        "allowance": allowance,
        "wait": wait,
    }


def _upload_rate(_group, _request) -> str:
    return settings.PHOTO_UPLOAD_RATE


def upload_limit_wait(request) -> int | None:
    """Count one photo against the user's allowance; once it is used up, the seconds until it renews."""
    usage = get_usage(request, group="photo-upload", key="user", rate=_upload_rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])
