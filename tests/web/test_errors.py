"""Errors a program can act on: a stable code beside every sentence, Retry-After on 429."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from scoring.errors import failure_code
from scoring.models import Photo
from scoring.services import jobs, photos, pipeline
from tests.images import jpeg

pytestmark = pytest.mark.django_db


def encoded(rgb, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=image_format, **options)
    return buffer.getvalue()


def animated_png() -> bytes:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


GREY = np.full((64, 64, 3), 128, np.uint8)


def far_too_many_pixels() -> bytes:
    """A 14000x14000 PNG (196 million pixels): past Pillow's own limit, which refuses to open it."""
    buffer = io.BytesIO()
    Image.new("1", (14000, 14000)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "settings_change", "code"),
    [
        (b"", {}, "empty_file"),
        (encoded(GREY, "JPEG"), {"PHOTO_MAX_BYTES": 100}, "too_large"),
        (encoded(GREY, "GIF"), {}, "unsupported_format"),
        (encoded(GREY, "JPEG"), {"PHOTO_MAX_PIXELS": 1000}, "too_many_pixels"),
        (far_too_many_pixels(), {}, "too_many_pixels"),
        (animated_png(), {}, "animated"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", {}, "unreadable_image"),
        (encoded(np.zeros((16, 16, 3), np.uint8), "PNG"), {}, "too_small"),
    ],
)
def test_each_refused_upload_carries_its_code_and_a_sentence(api, settings, content, settings_change, code):
    for name, value in settings_change.items():
        setattr(settings, name, value)
    response = api.post("/api/photos/", {"image": SimpleUploadedFile("x", content)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"].endswith(".")
    assert not Photo.objects.exists()


def test_a_request_without_a_file_says_which_field_is_wrong(api):
    body = api.post("/api/photos/", {}, format="multipart").json()
    assert body["code"] == "invalid" and body["detail"].startswith("image: ") and "image" in body["field_errors"]


def test_the_api_429_says_rate_limited_and_when_to_come_back(api, astronaut, settings):
    settings.PHOTO_UPLOAD_RATE = "1/h"
    statuses = []
    for _ in range(2):
        response = api.post("/api/photos/", {"image": SimpleUploadedFile("a.jpg", jpeg(astronaut))}, format="multipart")
        statuses.append(response.status_code)
    assert statuses == [201, 429]
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_the_upload_pages_429_says_when_to_come_back(client, alice, astronaut, settings):
    settings.PHOTO_UPLOAD_RATE = "1/m"
    client.force_login(alice)
    client.post("/upload/", {"photos": SimpleUploadedFile("a.jpg", jpeg(astronaut))})
    response = client.post("/upload/", {"photos": SimpleUploadedFile("a.jpg", jpeg(astronaut))})
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60


def test_not_found_and_not_signed_in_have_codes_too(api, charlie, alice, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    other = APIClient()
    other.force_authenticate(charlie)
    assert other.get(f"/api/photos/{photo.public_id}/").json()["code"] == "not_found"
    assert APIClient().get("/api/photos/").json()["code"] == "not_authenticated"
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token nope")
    assert bad_token.get("/api/photos/").json()["code"] == "authentication_failed"


def test_a_photo_without_a_face_fails_with_the_code_no_face(api, alice, blank_upload):
    photo = photos.photo_create(owner=alice, upload=blank_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    body = api.get(f"/api/photos/{photo.public_id}/").json()
    assert body["status"] == "failed" and body["error_code"] == "no_face" and body["error"]


def test_a_photo_still_waiting_or_scored_has_no_error_code(api, scored_photo):
    assert api.get(f"/api/photos/{scored_photo.public_id}/").json()["error_code"] is None


def test_every_sentence_the_worker_can_store_maps_to_its_code(monkeypatch):
    from ml.inference import faces

    def load_error(content: bytes) -> str:
        with pytest.raises(faces.FaceError) as raised:
            faces.load_image(content)
        return str(raised.value)

    monkeypatch.setattr(faces, "MAX_PIXELS", 100)
    assert failure_code(load_error(jpeg(np.zeros((64, 64, 3), np.uint8)))) == "too_many_pixels"
    assert failure_code(load_error(b"not an image")) == "unreadable_image"
    assert failure_code(load_error(far_too_many_pixels())) == "too_many_pixels"
    assert failure_code(str(faces.NoFaceFound())) == "no_face"
    assert failure_code(str(faces.FaceTooSmall(12))) == "face_too_small"
    assert failure_code(jobs.GAVE_UP_MESSAGE) == "internal_error"
    assert failure_code(jobs.TOO_SLOW_MESSAGE) == "too_slow"
    assert failure_code("Something no one planned for.") == "scoring_failed"
    assert failure_code("") is None


def test_every_known_failure_has_a_few_words_for_a_tile_and_an_unknown_one_says_not_scored():
    from scoring.errors import FAILURE_SENTENCE_STARTS, failure_short

    for sentence, code in FAILURE_SENTENCE_STARTS.items():
        short = failure_short(failure_code(f"{sentence}."))
        assert short.startswith("not scored: ") and len(short) <= 32, (code, short)
    assert failure_short(failure_code("Something no one planned for.")) == "not scored"
