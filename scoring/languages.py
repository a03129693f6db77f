"""The interface's language: the browser's (Accept-Language) or the visitor's pick, and for a
signed-in user the one stored on their account, so the choice follows them to every device.

Django's LocaleMiddleware decides from the language cookie and Accept-Language; the account's
choice goes on top (scoring.middleware.AccountLanguageMiddleware: it needs the user, known only
after AuthenticationMiddleware).
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
