"""URLs for stored files that only their owner (or staff) can open."""

from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse


def private_url(field_file) -> str:
    """An auth-checked view URL for local storage, a short-lived signed URL on S3."""
    if not field_file:
        return ""
    if isinstance(default_storage, FileSystemStorage):
        return reverse("scoring:media", args=[field_file.name])
    return field_file.url
