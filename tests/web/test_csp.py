"""Content-Security-Policy: every page sends it, no page needs inline code, and Chromium refuses nothing."""

import re

import numpy as np
import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from scoring.models import Photo
from tests.web.factories import PhotoFactory
from tests.web.helpers import DESKTOP, browser_sign_in_with_totp, enrol_totp, logged_in, score, upload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_broker")]

VISITOR_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/about/", "/api/docs/"]
INLINE_CODE = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),  # inline script
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle=", re.I),
    re.compile(r"\son[a-z]+=", re.I),  # onclick, onsubmit...
]


def signed_in_pages(photo: Photo, other: Photo) -> list[str]:
    return [
        "/upload/",
        "/history/",
        f"/photos/{photo.public_id}/",
        "/compare/",
        f"/compare/?photo={photo.public_id}&photo={other.public_id}",
        "/account/",
        "/account/delete/",
        "/accounts/password/change/",
        "/about/",
        "/api/docs/",
        "/api/docs/?script=",
        "/admin/",
        "/admin/scoring/photo/",
        f"/admin/scoring/photo/{photo.pk}/change/",
        "/admin/scoring/photo/review/",
        "/accounts/2fa/",
    ]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def assert_strict(url: str, response) -> None:
    assert response.status_code == 200, url
    directives = policy(response)
    for name in ("default-src", "script-src", "style-src", "connect-src"):
        assert directives[name] == ["'self'"], (url, name, directives[name])
    assert directives["img-src"][0] == "'self'"
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in directives.values() for value in values), url


@pytest.fixture
def photo_pair(staff):
    """Two photos of the staff user (no model: the pages only need rows)."""
    return PhotoFactory.create_batch(2, owner=staff)


def test_every_page_sends_the_policy_and_has_no_inline_code(client, staff_client, photo_pair):
    for url in VISITOR_PAGES:
        response = client.get(url)
        assert_strict(url, response)
        html = response.content.decode()
        assert not [p.pattern for p in INLINE_CODE if p.search(html)], url
    for url in signed_in_pages(*photo_pair):
        response = staff_client.get(url)
        assert_strict(url, response)
        if response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert not [p.pattern for p in INLINE_CODE if p.search(html)], url


def test_only_the_docs_and_the_authenticator_qr_code_allow_data_images(client, alice):
    assert policy(client.get("/api/docs/"))["img-src"] == ["'self'", "data:"]
    assert policy(client.get("/"))["img-src"] == ["'self'"]
    client.post(reverse("account_login"), {"login": "alice", "password": "pw-alice-123"})
    client.post(reverse("account_reauthenticate"), {"password": "pw-alice-123"})  # allauth asks before adding one
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200 and 'src="data:image/svg+xml' in activate.content.decode()
    assert policy(activate)["img-src"] == ["'self'", "data:"]


def test_on_s3_images_may_come_from_the_bucket(monkeypatch):
    import importlib

    import beautysite.settings as settings_module

    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "beauty-photos")
    monkeypatch.setenv("AWS_S3_REGION_NAME", "eu-west-1")
    try:
        fresh = importlib.reload(settings_module)
        assert fresh.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == [
            "'self'",
            "https://beauty-photos.s3.amazonaws.com",
            "https://beauty-photos.s3.eu-west-1.amazonaws.com",
        ]
        monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000/")
        assert importlib.reload(settings_module).CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == [
            "'self'",
            "http://127.0.0.1:9000",
        ]
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


def test_the_header_carries_the_bucket_when_it_is_configured(client):
    bucket = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "https://b.s3.amazonaws.com"]}}
    with override_settings(CONTENT_SECURITY_POLICY=bucket):
        assert policy(client.get("/"))["img-src"] == ["'self'", "https://b.s3.amazonaws.com"]


def watch_for_refusals(page) -> list[str]:
    """Every CSP refusal Chromium reports on the page: console messages and securitypolicyviolation events."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            or message.text.startswith("Refused to") else None)  # fmt: skip
    page.expose_function("reportViolation", lambda text: refused.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))"
    )
    return refused


def test_chromium_refuses_nothing_and_the_pages_still_work(live_server, browser, alice, staff, astronaut):
    scored = score(upload(alice, astronaut))
    waiting = upload(alice, np.ascontiguousarray(astronaut[20:400, 80:420]))
    base = live_server.url

    visitor = browser.new_page(viewport=DESKTOP)
    refused = watch_for_refusals(visitor)
    for url in ["/", "/accounts/login/", "/accounts/signup/", "/about/"]:
        visitor.goto(base + url)
        visitor.wait_for_load_state("networkidle")
    visitor.goto(base + "/api/docs/")
    expect(visitor.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)  # Swagger UI ran
    assert refused == [], refused

    page = logged_in(browser, live_server)
    refused = watch_for_refusals(page)
    page.goto(f"{base}/photos/{waiting.public_id}/")
    expect(page.locator("#status")).not_to_have_text(re.compile("Scored"))
    score(waiting)
    expect(page.locator("#status")).to_have_text(re.compile("Scored"), timeout=15_000)  # polling ran
    expect(page.locator(".layers img").first).to_be_visible()
    page.goto(f"{base}/history/")
    expect(page.locator("#chart circle")).to_have_count(2)  # the chart script drew it
    page.goto(f"{base}/compare/?photo={scored.public_id}&photo={waiting.public_id}")
    expect(page.locator(".gradcams img")).to_have_count(2)
    for url in ["/upload/", "/account/", "/api/docs/"]:
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}/photos/{waiting.public_id}/")
    page.once("dialog", lambda dialog: dialog.dismiss())  # the confirmation still asks (from a static script)
    page.click("text=Delete this photo")
    expect(page).to_have_url(re.compile(rf"/photos/{waiting.public_id}/$"))
    assert refused == [], refused

    admin = browser.new_page(viewport=DESKTOP)
    refused = watch_for_refusals(admin)
    browser_sign_in_with_totp(admin, live_server, staff, enrol_totp(staff), next_url="/admin/")
    admin_pages = ["/admin/", "/admin/scoring/photo/", f"/admin/scoring/photo/{scored.pk}/change/"]
    for url in [*admin_pages, "/admin/scoring/photo/review/", "/accounts/2fa/totp/activate/"]:
        admin.goto(base + url)
        admin.wait_for_load_state("networkidle")
    assert refused == [], refused
