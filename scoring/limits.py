"""Per-user upload limit, shared by the upload page and the API (django-ratelimit, counted in the cache)."""

from django.conf import settings
from django_ratelimit.core import get_usage


def upload_limit_message(wait_seconds: int) -> str:
    """The limit's sentence with the wait in words a person reads ("about 32 minutes")."""
    minutes = round(wait_seconds / 60)
    if minutes < 1:
        wait = "under a minute"
    elif minutes == 1:
        wait = "about a minute"
    else:
        wait = f"about {minutes} minutes"
    return f"You have uploaded many photos in a short time. Try again in {wait}."


def _upload_rate(_group, _request) -> str:
    return settings.PHOTO_UPLOAD_RATE


def upload_limit_wait(request) -> int | None:
    """Count one photo against the user's allowance; once it is used up, the seconds until it renews."""
    usage = get_usage(request, group="photo-upload", key="user", rate=_upload_rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])
