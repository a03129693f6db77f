"""API addresses answer with or without their final slash.

Django's APPEND_SLASH answers `/api/photos` with a redirect to `/api/photos/`: most HTTP
clients follow a 301 as a GET, so `POST /api/photos` would lose its upload (and with DEBUG on,
Django raises instead of redirecting a POST). An API client gets the view itself.
"""

from django.urls import is_valid_path

API_PREFIX = "/api/"


class ApiOptionalSlashMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(API_PREFIX) and not path.endswith("/"):
            urlconf = getattr(request, "urlconf", None)
            if not is_valid_path(path, urlconf) and is_valid_path(f"{path}/", urlconf):
                request.path_info = f"{path}/"
                request.path = f"{request.path}/"
        return self.get_response(request)
