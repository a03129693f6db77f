"""URLs for stored files that only their owner (or staff) can open, and who is asking for one."""

from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse
from rest_framework.exceptions import AuthenticationFailed

from scoring.authentication import ApiKeyAuthentication


def private_url(field_file) -> str:
    """An auth-checked view URL for local storage, a short-lived signed URL on S3."""
    if not field_file:
        return ""
    if isinstance(default_storage, FileSystemStorage):
        return reverse("scoring:media", args=[field_file.name])
    return field_file.url


def media_reader(request):
    """The user behind a media request: the session's, else the API key's (`Authorization: Token ...` or `Bearer ...`).

    A bad token is an anonymous caller, who gets the same 404 as anyone else not allowed.
    """
    if request.user.is_authenticated:
        return request.user
    try:
        found = ApiKeyAuthentication().authenticate(request)
    except AuthenticationFailed:
        return AnonymousUser()
    return found[0] if found else AnonymousUser()
