"""Per-user upload limit, shared by the upload page and the API (django-ratelimit, counted in the cache)."""

from django.conf import settings
from django_ratelimit.core import _split_rate, get_usage  # the parser the limit itself uses

UNITS = ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))


def rate_in_words(rate: str) -> str:
    """django-ratelimit's rate ("100/h", "10/5m", "100/hour", "30/60") as a person says it:
    "100 an hour", "10 every 5 minutes". Read by django-ratelimit's own parser, so any rate
    it enforces can be said."""
    count, seconds = _split_rate(rate)
    amount, unit = next((seconds // size, name) for size, name in UNITS if seconds % size == 0)
    if amount != 1:
        return f"{count} every {amount} {unit}s"
    return f"{count} {'an' if unit == 'hour' else 'a'} {unit}"


def upload_limit_message(wait_seconds: int) -> str:
    """The limit's sentence: the allowance, and the wait in words a person reads ("about 32 minutes")."""
    minutes = round(wait_seconds / 60)
    if minutes < 1:
        wait = "under a minute"
    elif minutes == 1:
        wait = "about a minute"
    else:
        wait = f"about {minutes} minutes"
    allowance = rate_in_words(settings.PHOTO_UPLOAD_RATE)
    return f"You have uploaded many photos in a short time (at most {allowance}). Try again in {wait}."


def _upload_rate(_group, _request) -> str:
    return settings.PHOTO_UPLOAD_RATE


def upload_limit_wait(request) -> int | None:
    """Count one photo against the user's allowance; once it is used up, the seconds until it renews."""
    usage = get_usage(request, group="photo-upload", key="user", rate=_upload_rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])
