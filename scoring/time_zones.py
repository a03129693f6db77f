"""Which time zones a user may live in (IANA names that zoneinfo knows on this machine), and
what a reader calls each, in the page's language."""

import zoneinfo
from functools import cache, lru_cache

from babel.dates import get_timezone_location
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The longest IANA name is 32 characters ("America/Argentina/ComodRivadavia"); room to spare.
TIME_ZONE_MAX_LENGTH = 64


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _babel_locale() -> str:
    return translation.to_locale(translation.get_language() or "en")


@lru_cache(maxsize=4096)
def _words(name: str, locale: str) -> str:
    if name in ("UTC", "GMT") or name.startswith("Etc/"):
        return name.removeprefix("Etc/")  # fixed offsets have no place to name: their code is their name
    return get_timezone_location(name, locale=locale)


def time_zone_words(name: str) -> str:
    """A zone as a reader of the page's language names it (CLDR's names, through Babel):
    "China (Shanghai) Time", "中国（上海）时间"."""
    return _words(name, _babel_locale())


def time_zone_choices() -> list[tuple[str, str]]:
    """Every known zone named in the page's language, sorted by that name, for the account page's select."""
    return sorted(((name, time_zone_words(name)) for name in known_time_zones()), key=lambda choice: choice[1])


def is_time_zone(name: str) -> bool:
    return name in known_time_zones()


def validate_time_zone(name: str) -> None:
    if not is_time_zone(name):
        raise ValidationError(
            _("“%(name)s” is not a time zone we know. Pick one from the list, such as Asia/Shanghai."),
            code="unknown_time_zone",
            params={"name": name[:TIME_ZONE_MAX_LENGTH]},
        )
