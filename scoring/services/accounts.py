"""A user's own settings: where they live (their time zone)."""

from scoring.models import User
from scoring.time_zones import canonical_time_zone, validate_time_zone


def time_zone_remember(*, user: User, name: str) -> None:
    """The browser's zone (its canonical id) for an account that has none yet; an account's own
    choice is never replaced."""
    validate_time_zone(name)
    name = canonical_time_zone(name)
    if User.objects.filter(pk=user.pk, time_zone="").update(time_zone=name):
        user.time_zone = name


def time_zone_set(*, user: User, name: str) -> None:
    """The zone the user chose on the account page (its canonical id)."""
    validate_time_zone(name)
    name = canonical_time_zone(name)
    User.objects.filter(pk=user.pk).update(time_zone=name)
    user.time_zone = name
