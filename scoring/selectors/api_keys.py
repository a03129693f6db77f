"""Reads of a user's API key."""

from datetime import datetime

from scoring.models import User


def api_key_is_current(user: User, key: str) -> bool:
    """Whether this key is still the user's (not replaced or revoked since it was made)."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user, key=key).exists()


def api_key_created(user: User) -> datetime | None:
    """When the user's API key was made; None without one (the key itself is shown only once, when made)."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).values_list("created", flat=True).first()
