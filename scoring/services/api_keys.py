"""A user's API key: made, shown once, replaced or revoked by its owner."""

from django.db import transaction
from rest_framework.authtoken.models import Token

from scoring.models import User


def api_key_create(*, user: User) -> str:
    """A new key for the user, replacing any earlier one (which stops working at once); returns it."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def api_key_revoke(*, user: User) -> bool:
    """Delete the user's key; False when there was none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
