"""Error answers Django gives itself (no route, a crash, a refused request): JSON in the
README's {"detail", "code"} shape for API clients, the site's own page for people."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework.response import Response

from scoring.api_paths import API_PREFIX

SERVER_ERROR_SENTENCE = "We could not answer because of an error on our side; the request can be sent again."


def wants_json(request) -> bool:
    """API routes always; elsewhere (photo files, say) a client that asks for JSON and not HTML."""
    return request.path_info.startswith(API_PREFIX) or (
        request.accepts("application/json") and not request.accepts("text/html")
    )


def _json(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request, exception=None):
    if wants_json(request):
        return _json(400, "Bad request.", "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if wants_json(request):
        return _json(403, "You may not do this.", "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if wants_json(request):
        return _json(404, "Not found.", "not_found")
    return render(request, "404.html", status=404)


def server_error(request):
    if wants_json(request):
        return _json(500, SERVER_ERROR_SENTENCE, "internal_error")
    # Django's own view: a plain template rendered without context processors, which may be
    # what failed.
    return defaults.server_error(request)


# Django's debug pages (technical_404.html, technical_500.html) carry this; the site's never do.
DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


def is_debug_page(response) -> bool:
    return not response.streaming and DEBUG_PAGE_MARK in response.content


class JsonErrorsWhileDebuggingMiddleware:
    """With DEBUG on, Django answers a missing route or a crash with its HTML debug page (the site's
    routes, a traceback) and never calls the handlers above. Here production's answer replaces it:
    JSON for a client that wants JSON (every `/api/` caller), the site's own page for a person, so
    `make run` shows what users see. DEBUG_ERROR_PAGES brings Django's pages back for people (the
    traceback is in the server's console either way). A no-op with DEBUG off."""

    replaced = {404: page_not_found, 500: server_error}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        # A DRF answer (its browsable page, say) is left as production leaves it.
        is_drf = isinstance(response, Response)
        if not settings.DEBUG or response.status_code not in self.replaced or is_json or is_drf:
            return response
        if wants_json(request) or (not settings.DEBUG_ERROR_PAGES and is_debug_page(response)):
            return self.replaced[response.status_code](request)
        return response
