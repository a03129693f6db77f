"""Times in the reader's own zone: their account's, else their browser's, else UTC.

The browser says its zone through a cookie (static/scoring/time_zone.js sets it on every page,
sign-up included); an account without a zone takes the browser's on its first signed-in
request, and after that only the account page changes it. A page's times then name that zone.
"""

import zoneinfo
from urllib.parse import unquote

from scoring.services.accounts import time_zone_remember
from scoring.time_zones import UTC, canonical_time_zone

BROWSER_ZONE_COOKIE = "time_zone"


def browser_zone(request) -> str | None:
    """The zone the browser reported (an alias read as its canonical zone), if it names one we know."""
    return canonical_time_zone(unquote(request.COOKIES.get(BROWSER_ZONE_COOKIE, "")))


def reader_zone(request) -> str:
    """The zone to show this request's times in; remembers the browser's on an account without one."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if not user.time_zone and (name := browser_zone(request)):
            time_zone_remember(user=user, name=name)
        if user.time_zone and (name := canonical_time_zone(user.time_zone)):
            return name
    return browser_zone(request) or UTC


def account_zone(user) -> zoneinfo.ZoneInfo:
    """The user's own zone (UTC until known), for what is made outside a page's request: the
    API's answers (its token is read after the middleware ran), the export, e-mails."""
    return zoneinfo.ZoneInfo(canonical_time_zone(getattr(user, "time_zone", "")) or UTC)
