"""404 and 500: JSON in the API's {"detail", "code"} shape for API clients, the site's page for people."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from scoring import views
from scoring.api import PhotoViewSet
from scoring.error_pages import SERVER_ERROR_SENTENCE, permission_denied

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_sites_own_404_with_its_navigation(client, alice):
    client.force_login(alice)
    response = client.get("/photos/00000000-0000-0000-0000-000000000000/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Not found</h1>" in page and 'href="/history/"' in page and "Sign out (alice)" in page
    # Staff who review uploads open photos too: the page says so, as the front page and About do.
    assert "only its owner and the staff who review uploads can open a photo" in page
    assert "only to its owner" not in page


def test_the_chinese_404_names_the_staff_who_review_uploads_too(client, alice):
    client.force_login(alice)
    page = client.get(
        "/photos/00000000-0000-0000-0000-000000000000/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "只有上传者本人和审核上传内容的工作人员能打开照片" in page
    assert "只对上传者本人显示" not in page


def test_a_photo_file_that_is_gone_is_a_json_404_for_a_client_that_asks_for_json(alice):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    response = api.get("/private-media/photos/gone/annotated.png", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    # A browser (which accepts HTML) gets the page.
    browser = api.get("/private-media/photos/gone/annotated.png", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert browser.status_code == 404 and b"<h1>Not found</h1>" in browser.content


def test_a_crash_answers_json_on_the_api_and_the_plain_500_page_elsewhere(client, alice, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(PhotoViewSet, "list", crash)
    monkeypatch.setattr(views, "render", crash)
    client.raise_request_exception = False
    client.force_login(alice)
    api = client.get("/api/photos/", HTTP_ACCEPT="application/json")
    assert api.status_code == 500
    assert api.json() == {"detail": SERVER_ERROR_SENTENCE, "code": "internal_error"}
    page = client.get("/about/", HTTP_ACCEPT="text/html")
    assert page.status_code == 500 and b"Something went wrong on our side" in page.content


def test_a_refused_host_or_permission_on_the_api_is_json_too(client):
    refused_host = client.get("/api/photos/", HTTP_HOST="not-ours.example")
    assert refused_host.status_code == 400 and refused_host.json()["code"] == "bad_request"
    denied = permission_denied(RequestFactory().get("/api/photos/"), PermissionDenied())
    assert denied.status_code == 403 and b'"code": "permission_denied"' in denied.content


def test_with_debug_on_api_errors_stay_json(client, alice, settings, monkeypatch):
    settings.DEBUG = True  # as `make run` starts
    client.force_login(alice)
    for path in ("/api/nope/", "/api/photos/not-a-uuid/"):
        response = client.get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Not found.", "code": "not_found"}, path
    gone = client.get("/private-media/photos/gone/annotated.png", HTTP_ACCEPT="application/json")
    assert gone.json()["code"] == "not_found"
    monkeypatch.setattr(PhotoViewSet, "list", lambda *args, **kwargs: 1 / 0)
    client.raise_request_exception = False
    crashed = client.get("/api/photos/")
    assert crashed.status_code == 500 and crashed.json()["code"] == "internal_error"
    # DRF's own answers are left as production leaves them: its browsable page for a browser.
    browsable = client.get("/api/photos/00000000-0000-0000-0000-000000000000/", HTTP_ACCEPT="text/html")
    assert browsable.status_code == 404 and browsable["Content-Type"].startswith("text/html")


def test_with_debug_on_as_make_run_starts_people_get_the_sites_own_404_and_500(client, alice, settings, monkeypatch):
    settings.DEBUG = True
    client.force_login(alice)
    deleted_photo = "/photos/00000000-0000-0000-0000-000000000000/"
    for path in (deleted_photo, "/nope/"):
        page = client.get(path, HTTP_ACCEPT="text/html")
        assert page.status_code == 404 and b"<h1>Not found</h1>" in page.content, path
        assert b"URLconf" not in page.content and b"NOARCHIVE" not in page.content
    monkeypatch.setattr(views, "render", lambda *args, **kwargs: 1 / 0)
    client.raise_request_exception = False
    crashed = client.get("/about/", HTTP_ACCEPT="text/html")
    assert crashed.status_code == 500 and b"Something went wrong on our side" in crashed.content
    assert b"ZeroDivisionError" not in crashed.content


def test_debug_error_pages_brings_djangos_debug_page_back_for_the_one_developing(client, alice, settings):
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = True
    page = client.get("/nope/", HTTP_ACCEPT="text/html")
    assert page.status_code == 404 and b"Using the URLconf defined in" in page.content
