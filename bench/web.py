"""Upload POST and history page under 1, 8 and 32 concurrent clients."""

from __future__ import annotations

import math
import uuid

from bench.load import Request, multipart_photo, run_load, send
from bench.photos import sample_photos

CLIENT_LEVELS = (1, 8, 32)
HISTORY_PHOTOS = 1000


def api_token_for(username: str) -> str:
    from rest_framework.authtoken.models import Token

    from scoring.models import User

    user = User.objects.create_user(username, f"{username}@example.com", "bench-password-123")
    return Token.objects.create(user=user).key


def user_with_history(username: str, photos: int) -> str:
    """A user with `photos` scored photos (rows as the worker leaves them); returns a session cookie."""
    from django.test import Client

    from scoring.models import Face, Photo, User

    user = User.objects.create_user(username, f"{username}@example.com", "bench-password-123")
    rows = []
    for _i in range(photos):
        public_id = uuid.uuid4()
        folder = f"photos/{public_id}"
        rows.append(
            Photo(
                public_id=public_id,
                owner=user,
                image=f"{folder}/original-{uuid.uuid4().hex}.jpg",
                width=512,
                height=512,
                status=Photo.Status.DONE,
                model_version="bench",
                annotated=f"{folder}/results/annotated-{uuid.uuid4().hex}.jpg",
            )
        )
    Photo.objects.bulk_create(rows, batch_size=500)
    faces = [
        Face(
            photo=photo,
            rank=0,
            x=10,
            y=10,
            w=100,
            h=100,
            score=1 + 4 * (i % 97) / 97,
            percentile=50,
            grad_cam=f"photos/{photo.public_id}/results/gradcam-{uuid.uuid4().hex}.jpg",
        )
        for i, photo in enumerate(Photo.objects.filter(owner=user))
    ]
    Face.objects.bulk_create(faces, batch_size=500)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def bench_web(service, total_requests: int = 120) -> dict:
    """Closed-loop clients against gunicorn; each level sends about `total_requests` requests."""
    token = api_token_for("bench-uploader")
    cookie = user_with_history("bench-history", HISTORY_PHOTOS)
    photo = sample_photos()[0]
    body, content_type = multipart_photo("portrait.jpg", photo)
    upload = Request("POST", "/api/photos/", body, {"Authorization": f"Token {token}", "Content-Type": content_type})
    history = Request("GET", "/history/", headers={"Cookie": f"sessionid={cookie}"})
    status, page = send(service.port, history)
    assert status == 200 and b"Page 1 of 42" in page, (status, page[:300])

    warm_up = 4 * service.web_workers  # every gunicorn worker imports its lazy modules before timing
    run_load(service.port, lambda *_: upload, service.web_workers, 4)
    run_load(service.port, lambda *_: history, service.web_workers, 4)
    figures = {"history_photos": HISTORY_PHOTOS, "warm_up_requests": warm_up, "upload": [], "history": []}
    for clients in CLIENT_LEVELS:
        each = math.ceil(total_requests / clients)
        figures["upload"].append(run_load(service.port, lambda *_: upload, clients, each).summary())
        figures["history"].append(run_load(service.port, lambda *_: history, clients, each).summary())
    # No worker runs in this part: drop the uploads and their messages, or the pipeline part's
    # workers would score them first (oldest first).
    from scoring.models import Photo

    Photo.objects.filter(owner__username="bench-uploader").delete()
    service.flush_broker()
    return figures
