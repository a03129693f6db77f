"""404 and 500 answers: JSON for API clients (the README's {"detail", "code"} shape), the
site's own page for people."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from scoring.api_paths import API_PREFIX
from scoring.errors import FAILURE_SENTENCE_STARTS


def wants_json(request) -> bool:
    """API routes always; elsewhere (photo files, say) a client that asks for JSON and not HTML."""
    return request.path.startswith(API_PREFIX) or (
        request.accepts("application/json") and not request.accepts("text/html")
    )


def page_not_found(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


INTERNAL_ERROR_SENTENCE = next(s for s, code in FAILURE_SENTENCE_STARTS.items() if code == "internal_error")


def server_error(request):
    if wants_json(request):
        return JsonResponse({"detail": f"{INTERNAL_ERROR_SENTENCE}.", "code": "internal_error"}, status=500)
    # Django's own view: a plain template rendered without context processors, which may be
    # what failed.
    return defaults.server_error(request)
