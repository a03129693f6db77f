"""What many web tests use: images to upload, waiting on the worker, rows, signed-in browsers and a
real Celery worker (the fixtures are in conftest.py)."""

import base64
import hashlib
import hmac
import math
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from scoring.models import Photo
from tests.images import jpeg
from tests.web.factories import FaceFactory, LayerImageFactory


def gps_exif() -> Image.Exif:
    """EXIF placing the photo in Paris, as a phone would."""
    exif = Image.Exif()
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 29.0), "E", (2.0, 17.0, 40.0)
    return exif


def stored_names(storage, folder: str = "") -> list[str]:
    names = []

    def walk(folder):
        dirs, files = storage.listdir(folder)
        names.extend(f"{folder}/{f}".lstrip("/") for f in files)
        for d in dirs:
            walk(f"{folder}/{d}".lstrip("/"))

    try:
        walk(folder)
    except FileNotFoundError:  # nothing was ever stored
        return []
    return sorted(names)


def add_scored_rows(owner, n: int) -> None:
    """Rows of scored photos (no files): for counting queries, not for viewing."""
    for _ in range(n):
        LayerImageFactory(face__photo__owner=owner)


def photo_urls(photo: Photo) -> list[str]:
    """Every URL that shows the photo or one of its files: page, status JSON, API detail, media."""
    return [
        reverse("scoring:photo", args=[photo.public_id]),
        reverse("scoring:photo_status", args=[photo.public_id]),
        f"/api/photos/{photo.public_id}/",
        *[reverse("scoring:media", args=[f.name]) for f in photo.stored_files()],
    ]


def database_url() -> str:
    """This test's database, as DATABASE_URL tells a server process started beside it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_until(
    condition: Callable[[], bool], *, seconds: float, failure: Callable[[], str], every: float = 0.05
) -> None:
    """Poll `condition` until it holds; past `seconds`, fail with what `failure` says about the state."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {seconds}s: {failure()}")
        time.sleep(every)


def wait_until_finished(photo: Photo, seconds: float = 90) -> Photo:
    """The photo once a worker has left it `done` or `failed`."""

    def finished() -> bool:
        photo.refresh_from_db()
        return photo.status in (Photo.Status.DONE, Photo.Status.FAILED)

    wait_until(finished, seconds=seconds, failure=lambda: f"photo still {photo.status}", every=0.2)
    return photo


# Browser tests: Debian's Chromium driven by Playwright (no browser download).
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def upload(owner, rgb: np.ndarray, name: str = "me.jpg") -> Photo:
    from scoring.services import photos

    return photos.photo_create(owner=owner, upload=SimpleUploadedFile(name, jpeg(rgb), content_type="image/jpeg"))


def score(photo: Photo) -> Photo:
    from scoring.services import pipeline

    pipeline.run_scoring_job(public_id=photo.public_id)
    photo.refresh_from_db()
    return photo


def logged_in(browser, live_server, viewport=DESKTOP, username="alice", password="pw-alice-123", **page_options):
    page = browser.new_page(viewport=viewport, **page_options)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    expect(page.get_by_role("heading", name="Score a photo")).to_be_visible()
    return page


def sign_up(page, live_server, username: str) -> None:
    """Sign up in the browser as a new person would; they land on the upload page."""
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", "a-long-pass-phrase-9")
    page.fill("input[name=password2]", "a-long-pass-phrase-9")
    page.click("form button[type=submit]")
    expect(page.get_by_role("heading", name="Score a photo")).to_be_visible()


@contextmanager
def scoring_worker(queue: str = "scoring", **options) -> Iterator[None]:
    """A real Celery worker in this process (solo pool, the configured broker) consuming `queue`
    while the block runs; `options` go to Celery's start_worker (e.g. without_heartbeat=False)."""
    from beautysite.celery import app

    settings = dict(pool="solo", concurrency=1, queues=[queue], perform_ping_check=False, shutdown_timeout=30)
    with start_worker(app, **{**settings, **options}):
        yield


def panel_for(score: float, width: float = 1.8) -> list[float]:
    """A panel's ratings 1..10 around a score (1-5): a normal of MEBeauty's median spread, rounded to steps."""
    edges = [step + 0.5 for step in range(1, 10)]
    below = [0.0] + [0.5 * (1 + math.erf((edge - 2 * score) / (width * math.sqrt(2)))) for edge in edges] + [1.0]
    return [high - low for low, high in zip(below, below[1:])]


def scored_rows(owner, *scores: float) -> list[Photo]:
    """Scored photos (rows only, no files), oldest first, with these scores and a panel's split around each."""
    photos = []
    for value in scores:
        face = FaceFactory(
            photo__owner=owner, score=value, percentile=value * 20, grad_cam="", distribution=panel_for(value)
        )
        photos.append(face.photo)
    return photos


def flag(photo: Photo) -> None:
    Photo.objects.filter(pk=photo.pk).update(review=Photo.Review.FLAGGED)


# A second factor, as a person with an authenticator app has one: a TOTP secret, codes computed
# here (RFC 6238) and typed into allauth's pages.


def totp_code(secret: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for this base32 secret (RFC 6238: HMAC-SHA1 over
    30-second steps, RFC 4226's dynamic truncation)."""
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_totp_code(secret: str) -> str:
    """A code that stays valid for a few seconds yet: a step about to end is waited out."""
    if time.time() % 30 > 26:
        time.sleep(30 - time.time() % 30 + 0.1)
    return totp_code(secret)


def enrol_totp(user) -> str:
    """Give the user an authenticator app (and recovery codes), as allauth's activation leaves them;
    returns the app's secret."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def sign_in_with_totp(client, user, secret: str | None = None) -> str:
    """Sign the test client in as `user` through allauth's pages: password, then an authenticator
    code (the user is enrolled first unless `secret` is theirs). Returns the secret."""
    secret = secret or enrol_totp(user)
    password = client.post(reverse("account_login"), {"login": user.username, "password": f"pw-{user.username}-123"})
    assert password["Location"] == reverse("mfa_authenticate"), "allauth did not ask for the second factor"
    code = client.post(reverse("mfa_authenticate"), {"code": fresh_totp_code(secret)})
    assert code.status_code == 302 and code["Location"] != reverse("mfa_authenticate"), "the code was refused"
    return secret


def browser_sign_in_with_totp(page, live_server, user, secret: str, *, next_url: str = "/") -> None:
    """Sign in in the browser with the password, then the authenticator's code, by keyboard."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", f"pw-{user.username}-123")
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/2fa/authenticate/**")
    page.fill("input[name=code]", fresh_totp_code(secret))
    page.press("input[name=code]", "Enter")
    page.wait_for_url(f"**{next_url}")
