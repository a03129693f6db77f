"""The operators' routes, answered before anything that could refuse them."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from operations import health, metrics_view


class OperationsMiddleware:
    """Answers /healthz, /readyz and /metrics before host checks, the HTTPS redirect and sessions:
    a load balancer probes, and Prometheus scrapes, by IP address and plain HTTP. Placed first.

    /metrics answers only a request carrying the bearer token (`operations.metrics_view`); any
    other goes on as a request for a page that does not exist (the site's 404), so the route
    is not even seen without the token.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # "/readyz/" too: a probe configured with a final slash should not read as a dead app.
        path = request.path_info.rstrip("/")
        view = health.ROUTES.get(path)
        if path == metrics_view.PATH and metrics_view.authorized(request):
            view = metrics_view.metrics
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request)
