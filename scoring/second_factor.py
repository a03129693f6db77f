"""Staff open other people's photos only after a second factor (django-allauth's MFA).

A signed-in staff account's powers (every photo, the admin) hold only in a session whose sign-in
(or a later re-authentication) used a second factor: allauth records each authentication step in
the session. `scoring.middleware.StaffSecondFactorMiddleware` marks the request's user; a user
loaded any other way (an API key, a worker) has no staff powers at all.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

MARK = "passed_second_factor"


def passed_second_factor(request: HttpRequest) -> bool:
    """Whether this session's user proved a second factor (at sign-in or since)."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def mark(request: HttpRequest) -> None:
    """Note on the request's user whether the session passed a second factor (read by `has_staff_powers`)."""
    setattr(request.user, MARK, passed_second_factor(request))


def has_staff_powers(user) -> bool:
    """Staff whose session passed a second factor: they may open other users' photos and the admin."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and getattr(user, MARK, False))


def second_factor_url(request: HttpRequest) -> str:
    """Where a staff member without a second factor in this session goes: enrol one, or prove it,
    then back to the page they asked for."""
    name = "mfa_reauthenticate" if is_mfa_enabled(request.user) else "mfa_activate_totp"
    return f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
