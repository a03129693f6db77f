"""Fixtures of the web tests (users, photos, uploads, a worker, a browser); helpers are in helpers.py."""

from collections.abc import Iterator

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from playwright.sync_api import sync_playwright

from scoring.models import Photo, User
from tests.images import jpeg, png
from tests.web.factories import PhotoFactory, StaffFactory, UserFactory
from tests.web.helpers import CHROMIUM, scoring_worker, sign_in_with_totp


@pytest.fixture(autouse=True)
def _media_everywhere(_private_media_folder):
    return _private_media_folder


@pytest.fixture(autouse=True)
def _site_language_at_start():
    """Each test starts in the site's language: a request in Chinese leaves Chinese active in the
    thread after it (LocaleMiddleware activates a language per request and never takes it back)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def alice(db) -> User:
    return UserFactory(username="alice")


@pytest.fixture
def staff(db) -> User:
    """A superuser: staff pages, the admin, and every photo are open to them."""
    return StaffFactory(username="bob")


@pytest.fixture
def staff_client(staff):
    """A client signed in as staff with a second factor (password, then a real TOTP code), as the
    admin and other users' photos require."""
    from django.test import Client

    client = Client()
    sign_in_with_totp(client, staff)
    return client


@pytest.fixture
def api(alice):
    """An API client holding Alice's key, as a script using the API would."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    return client


@pytest.fixture
def charlie(db) -> User:
    return UserFactory(username="charlie")


@pytest.fixture
def scored_photo(alice, face_upload):
    """Alice's photo, scored by the real model."""
    from scoring.services import photos, pipeline

    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    return Photo.objects.get(pk=photo.pk)


@pytest.fixture
def no_face_photo(alice):
    """Alice's photo as the worker leaves one without a face (a row only: no file, no model)."""
    return PhotoFactory(
        owner=alice, image="photos/y.jpg", status=Photo.Status.FAILED, error="No face found in this photo."
    )


@pytest.fixture(scope="session")
def stage_count() -> int:
    """How many layer images scoring stores per face: one per stage of the served model."""
    from scoring.inference import get_predictor

    return len(get_predictor().model.stage_names())


@pytest.fixture
def face_upload(astronaut):
    return SimpleUploadedFile("me.jpg", jpeg(astronaut), content_type="image/jpeg")


@pytest.fixture
def blank_upload():
    return SimpleUploadedFile("wall.png", png(np.full((200, 200, 3), 120, np.uint8)), content_type="image/png")


@pytest.fixture
def no_broker(monkeypatch):
    """Uploads here are scored in-process; nothing is sent to a broker no worker listens to."""
    from scoring.services import jobs

    monkeypatch.setattr(jobs, "send", lambda public_id, **_: True)


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test body are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def worker() -> Iterator[None]:
    """A real worker on the scoring queue for the whole test."""
    with scoring_worker():
        yield
