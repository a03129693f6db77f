"""The interface's language: the browser's (Accept-Language) or the visitor's pick, and for a
signed-in user the one stored on their account, so the choice follows them to every device.

Django's LocaleMiddleware decides from the language cookie and Accept-Language; this module
adds the account's choice on top (it needs the user, known only after AuthenticationMiddleware).
"""

from allauth.account.signals import user_signed_up
from django.conf import settings
from django.dispatch import receiver
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


def supported(code: str) -> str | None:
    """The site's own code for a language (zh-CN reads as zh-hans), or None for one it lacks."""
    try:
        return translation.get_supported_language_variant(code) if code else None
    except LookupError:
        return None


class AccountLanguageMiddleware:
    """Speak a signed-in user's chosen language, whatever this browser asked for, and remember
    it in the language cookie too so the pages after signing out stay in it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = supported(user.language) if user is not None and user.is_authenticated else None
        if chosen and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        # A language just switched (set_language sets the cookie) is not overwritten with the old one.
        if chosen and request.COOKIES.get(cookie) != chosen and cookie not in response.cookies:
            set_language_cookie(response, chosen)
        return response


def set_language_cookie(response, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request):
    """Django's set_language (cookie, then back to the page the switch was on); a signed-in
    user's choice is also kept on the account."""
    response = django_set_language(request)
    chosen = supported(request.POST.get("language", ""))
    user = request.user
    if chosen and user.is_authenticated and user.language != chosen:
        user.language = chosen
        user.save(update_fields=["language"])
    return response


@receiver(user_signed_up)
def keep_the_language_signed_up_in(request, user, **kwargs):
    """A visitor who picked a language before signing up keeps it on the new account, so their
    other devices open in it too (a language only the browser asked for is left to each browser)."""
    picked = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")) if request else None
    if picked and not user.language:
        user.language = picked
        user.save(update_fields=["language"])
