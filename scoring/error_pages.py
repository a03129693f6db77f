"""Error answers Django gives itself (no route, a crash, a refused request): JSON in the
README's {"detail", "code"} shape for API clients, the site's own page for people."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from django.views import defaults

from operations import outages

API_PREFIX = "/api/"  # where the API's routes start (urls.py); its answers are always JSON
SERVER_ERROR_SENTENCE = gettext_lazy(
    "We could not answer because of an error on our side; the request can be sent again."
)


def wants_json(request) -> bool:
    """API routes always; elsewhere (photo files, say) a client that asks for JSON and not HTML."""
    return request.path_info.startswith(API_PREFIX) or (
        request.accepts("application/json") and not request.accepts("text/html")
    )


def _json(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": str(detail), "code": code}, status=status)


def bad_request(request, exception=None):
    if wants_json(request):
        return _json(400, gettext("Bad request."), "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if wants_json(request):
        return _json(403, gettext("You may not do this."), "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if wants_json(request):
        return _json(404, gettext("Not found."), "not_found")
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
    """Whether this is Django's DEBUG page for a missing page or a crash (routes, a traceback)."""
    return not response.streaming and DEBUG_PAGE_MARK in response.content


def service_unavailable(request, code: str):
    """503 for an outage (`operations.outages`): JSON for API clients, a page saying to try again for people."""
    if wants_json(request):
        response = _json(503, outages.sentence(code), code)
    else:
        # Like 500.html, rendered without context processors (they may need the database).
        response = render(None, "503.html", {"sentence": outages.sentence(code)}, status=503)
    response["Retry-After"] = str(outages.RETRY_AFTER_SECONDS)
    return response
