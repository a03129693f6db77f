"""The real WSGI app in a process of its own, serving pages and the API; it prints what it loaded.

Run by tests/web/test_web_imports.py with BEAUTY_VAR_DIR set to an empty folder: it migrates,
makes a user with an API key and a scored photo's rows, serves `beautysite.wsgi.application`
over HTTP (wsgiref), requests pages (signed out and in), the API (an upload included) and
/metrics (with METRICS_TOKEN), and prints one JSON line: each address's status, and which of
the worker's heavy modules this process imported.
"""

import json
import os
import sys
import threading
import urllib.error
import urllib.request
import uuid
from wsgiref.simple_server import WSGIRequestHandler, make_server

from beautysite.wsgi import application  # the app gunicorn serves, settings and checks included

HEAVY = ("torch", "torchvision", "cv2", "onnxruntime")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *_args) -> None:
        pass


def prepare() -> tuple[str, str, str]:
    """Tables, a user, their API key, a session cookie and a scored photo's id."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from scoring.services.api_keys import api_key_create
    from tests.web.factories import FaceFactory, UserFactory

    call_command("migrate", verbosity=0)
    user = UserFactory(username="light")
    key = api_key_create(user=user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    face = FaceFactory(photo__owner=user)
    return key, session.session_key, str(face.photo.public_id)


def jpeg_upload() -> tuple[bytes, str]:
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 150, 120)).save(image, format="JPEG")
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="me.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + image.getvalue()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def status(url: str, *, headers: dict[str, str], data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def main() -> None:
    key, session_key, photo_id = prepare()
    server = make_server("127.0.0.1", 0, application, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_port}"
    signed_out: dict[str, str] = {}
    signed_in = {"Cookie": f"sessionid={session_key}"}
    api = {"Authorization": f"Token {key}", "Accept": "application/json"}
    statuses = {}
    for path in ("/", "/about/", "/accounts/login/", "/accounts/signup/", "/healthz", "/readyz", "/api/schema/",
                 "/api/docs/", "/i18n/catalogue.js"):  # fmt: skip
        statuses[path] = status(root + path, headers=signed_out)
    for path in ("/upload/", "/history/", "/compare/", "/account/", f"/photos/{photo_id}/",
                 f"/photos/{photo_id}/status/"):  # fmt: skip
        statuses[path] = status(root + path, headers=signed_in)
    for path in ("/api/photos/", f"/api/photos/{photo_id}/"):
        statuses["api " + path] = status(root + path, headers=api)
    metrics = {"Authorization": f"Bearer {os.environ['METRICS_TOKEN']}"}
    statuses["/metrics"] = status(root + "/metrics", headers=metrics)
    body, content_type = jpeg_upload()
    statuses["api upload"] = status(root + "/api/photos/", headers={**api, "Content-Type": content_type}, data=body)
    server.shutdown()
    print(json.dumps({"statuses": statuses, "imported": [name for name in HEAVY if name in sys.modules]}))


if __name__ == "__main__":
    main()
