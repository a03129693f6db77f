"""Every middleware of the app, in the order settings.MIDDLEWARE places them; each says why it sits there."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import is_valid_path
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.response import Response

from operations import outages
from scoring import error_pages, languages, local_time, second_factor
from scoring.error_pages import API_PREFIX

ADMIN_PREFIX = "/admin/"


class JsonErrorsWhileDebuggingMiddleware:
    """With DEBUG on, Django answers a missing route or a crash with its HTML debug page (the
    site's routes, a traceback) and never calls the handlers of `scoring.error_pages`. Here
    production's answer replaces it: JSON for a client that wants JSON (every `/api/` caller), the
    site's own page for a person, so `make run` shows what users see; DEBUG_ERROR_PAGES brings
    Django's pages back for people (the traceback is in the server's console either way). A no-op
    with DEBUG off. Placed early, so it sees every answer's final form."""

    replaced = {404: error_pages.page_not_found, 500: error_pages.server_error}

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        # A DRF answer (its browsable page, say) is left as production leaves it.
        is_drf = isinstance(response, Response)
        if not settings.DEBUG or response.status_code not in self.replaced or is_json or is_drf:
            return response
        debug_page_for_a_person = not settings.DEBUG_ERROR_PAGES and error_pages.is_debug_page(response)
        if error_pages.wants_json(request) or debug_page_for_a_person:
            return self.replaced[response.status_code](request)
        return response


class OutageMiddleware:
    """A database or storage outage while a view runs is a 503 saying to try again, not a 500
    (`operations.outages`; the API's own handler answers the same for DRF views)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        code = outages.unavailable(exception)
        return None if code is None else error_pages.service_unavailable(request, code)


class ApiOptionalSlashMiddleware:
    """API addresses answer with or without their final slash; placed before CommonMiddleware.

    Django's APPEND_SLASH answers `/api/photos` with a redirect to `/api/photos/`: most HTTP
    clients follow a 301 as a GET, so `POST /api/photos` would lose its upload (and with DEBUG on,
    Django raises instead of redirecting a POST). An API client gets the view itself.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PREFIX) and not path.endswith("/"):
            urlconf = getattr(request, "urlconf", None)
            if not is_valid_path(path, urlconf) and is_valid_path(f"{path}/", urlconf):
                request.path_info = f"{path}/"
                request.path = f"{request.path}/"
        return self.get_response(request)


class AccountLanguageMiddleware:
    """Speak a signed-in user's chosen language (`User.language`), whatever this browser asked
    LocaleMiddleware for, and remember it in the language cookie too so the pages after signing
    out stay in it. After AuthenticationMiddleware: it reads the user."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = languages.supported(user.language) if user is not None and user.is_authenticated else None
        if chosen and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        # A language just switched (set_language sets the cookie) is not overwritten with the old one.
        if chosen and request.COOKIES.get(cookie) != chosen and cookie not in response.cookies:
            languages.set_language_cookie(response, chosen)
        return response


class LocalTimeMiddleware:
    """Activates the reader's zone (`scoring.local_time`) for the request, so templates, forms and
    DRF's times follow it; after AuthenticationMiddleware, which says whose account it is."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(zoneinfo.ZoneInfo(local_time.reader_zone(request)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class StaffSecondFactorMiddleware:
    """Staff powers need a second factor (`scoring.second_factor`): marks whether this session
    passed one, and sends staff without it from any admin page to enrol or prove it. After
    AuthenticationMiddleware and allauth's AccountMiddleware (the session's sign-in steps)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            second_factor.mark(request)
            if request.path_info.startswith(ADMIN_PREFIX) and not second_factor.has_staff_powers(request.user):
                messages.info(
                    request, gettext("Staff pages open only after a second factor: an authenticator app's code.")
                )
                return redirect(second_factor.second_factor_url(request))
        return self.get_response(request)
