"""Per-user upload limit, shared by the upload page and the API (django-ratelimit, counted in the cache)."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

UPLOAD_LIMIT_MESSAGE = "You have uploaded many photos in a short time. Wait a while, then try again."


def _upload_rate(_group, _request) -> str:
    return settings.PHOTO_UPLOAD_RATE


def upload_limit_reached(request) -> bool:
    """Count one photo against the user's hourly allowance; True once it is used up."""
    return is_ratelimited(request, group="photo-upload", key="user", rate=_upload_rate, increment=True)
