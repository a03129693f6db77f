"""Error answers Django gives itself (no route, a crash, a refused request): JSON in the
README's {"detail", "code"} shape for API clients, the site's own page for people."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework.response import Response

from scoring import outages
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


class JsonErrorsWhileDebuggingMiddleware:
    """With DEBUG on, Django answers a missing route or a crash with its HTML debug page and never
    calls the handlers above; a client that wants JSON (every `/api/` caller) gets the same JSON
    as in production instead, so `make run` behaves as the README says. A no-op with DEBUG off."""

    replaced = {404: page_not_found, 500: server_error}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        # A DRF answer (its browsable page, say) is left as production leaves it.
        is_drf = isinstance(response, Response)
        if settings.DEBUG and response.status_code in self.replaced and not (is_json or is_drf) and wants_json(request):
            return self.replaced[response.status_code](request)
        return response


class OutageMiddleware:
    """A database or storage outage during a page is a 503 saying to try again, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        code = outages.unavailable(exception)
        if code is None:
            return None
        if wants_json(request):
            response = _json(503, outages.sentence(code), code)
        else:
            # Like 500.html, rendered without context processors (they may need the database).
            response = render(None, "503.html", {"sentence": outages.sentence(code)}, status=503)
        response["Retry-After"] = str(outages.RETRY_AFTER_SECONDS)
        return response
