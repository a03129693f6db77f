"""Which time zones a user may live in (the canonical zones that both zoneinfo and CLDR know, one
id a place), which of them any other name a browser or an account holds stands for, and what a
reader calls each, in the page's language."""

import datetime as dt
import zoneinfo
from collections import Counter
from functools import cache

from babel.core import get_global
from babel.dates import get_timezone_gmt, get_timezone_location
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from scoring.collation import collation_key

# The longest IANA name is 32 characters ("America/Argentina/ComodRivadavia"); room to spare.
TIME_ZONE_MAX_LENGTH = 64

# The site's default zone (settings.TIME_ZONE) and what browsers report; CLDR files it as Etc/UTC.
UTC = "UTC"
# CLDR's territory for the POSIX-rule zones (CST6CDT, EST5EDT...): they name no place.
WORLDWIDE = "001"


@cache
def offered_time_zones() -> frozenset[str]:
    """The zones the account page offers: canonical ids only, no alias (PRC, Zulu, Asia/Calcutta)
    nor legacy rule (CST6CDT, Factory, localtime)."""
    known = zoneinfo.available_timezones()
    canonical = (name for name, territory in get_global("zone_territories").items() if territory != WORLDWIDE)
    return frozenset(UTC if name == "Etc/UTC" else name for name in canonical if name in known)


def canonical_time_zone(name: str) -> str | None:
    """The offered zone a name stands for (itself, or an alias's canonical zone: PRC is
    Asia/Shanghai), or None where it stands for none."""
    name = get_global("zone_aliases").get(name, name)
    name = UTC if name == "Etc/UTC" else name
    return name if name in offered_time_zones() else None


def _place_words(name: str, locale: str) -> str:
    if name in (UTC, "Etc/GMT"):
        return name.removeprefix("Etc/")
    if name.startswith("Etc/GMT"):
        # A fixed offset names no place: CLDR's "GMT-01:00" says it, with the sign the right way
        # round (POSIX's Etc/GMT+1 is an hour behind UTC).
        return get_timezone_gmt(dt.datetime(2000, 1, 1, tzinfo=zoneinfo.ZoneInfo(name)), width="long", locale=locale)
    return get_timezone_location(name, locale=locale)


def told_apart(words: dict[str, str], locale: str) -> dict[str, str]:
    """Zones' words, each name that more than one zone shares followed by the zone's city."""
    shared = {said for said, count in Counter(words.values()).items() if count > 1}
    # Translators: a zone's name that another zone shares, then its city: "China Time, Urumqi".
    return {
        name: gettext("%(zone)s, %(city)s")
        % {"zone": said, "city": get_timezone_location(name, locale=locale, return_city=True)}
        if said in shared
        else said
        for name, said in words.items()
    }


@cache
def _all_words(locale: str) -> dict[str, str]:
    return told_apart({name: _place_words(name, locale) for name in offered_time_zones()}, locale)


def _babel_locale() -> str:
    return translation.to_locale(translation.get_language() or "en")


def time_zone_words(name: str) -> str:
    """A zone as a reader of the page's language names it (CLDR's names, through Babel):
    "China (Shanghai) Time", "中国（上海）时间", "GMT+08:00"; a name that stands for no zone we
    offer reads as itself."""
    return _all_words(_babel_locale()).get(canonical_time_zone(name) or "", name)


def active_time_zone() -> str:
    """The id of the zone this request's times are in (Django's get_current_timezone_name gives a
    fixed-offset zone's abbreviation instead, "-01", which names no zone)."""
    return str(timezone.get_current_timezone())


def active_time_zone_words() -> str:
    """The zone this request's times are in, as the page's reader names it."""
    return time_zone_words(active_time_zone())


def time_zone_choices() -> list[tuple[str, str]]:
    """Every offered zone named in the page's language, in the order its reader expects those names
    (`scoring.collation`: Åland under A, Chinese by pinyin), for the account page's select."""
    return list(_sorted_choices(_babel_locale(), translation.get_language() or "en"))


@cache
def _sorted_choices(locale: str, language: str) -> tuple[tuple[str, str], ...]:
    # Sorted once a language, not on every account page and every form built.
    return tuple(sorted(_all_words(locale).items(), key=lambda choice: collation_key(choice[1], language)))


def validate_time_zone(name: str) -> None:
    if canonical_time_zone(name) is None:
        raise ValidationError(
            _("“%(name)s” is not a time zone we know. Pick one from the list, such as Asia/Shanghai."),
            code="unknown_time_zone",
            params={"name": name[:TIME_ZONE_MAX_LENGTH]},
        )
