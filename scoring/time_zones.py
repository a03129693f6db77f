"""Which time zones a user may live in: IANA names that zoneinfo knows on this machine."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The longest IANA name is 32 characters ("America/Argentina/ComodRivadavia"); room to spare.
TIME_ZONE_MAX_LENGTH = 64


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    """Every known zone, sorted by name, for the account page's select."""
    return [(name, name.replace("_", " ")) for name in sorted(known_time_zones())]


def is_time_zone(name: str) -> bool:
    return name in known_time_zones()


def validate_time_zone(name: str) -> None:
    if not is_time_zone(name):
        raise ValidationError(
            _("“%(name)s” is not a time zone we know. Pick one from the list, such as Asia/Shanghai."),
            code="unknown_time_zone",
            params={"name": name[:TIME_ZONE_MAX_LENGTH]},
        )
