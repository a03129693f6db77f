"""CSRF: every form the site renders carries a token, and a POST without one is refused."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Photo

pytestmark = pytest.mark.django_db


class PostForms(HTMLParser):
    """The POST forms of a page: their action and whether they hold a CSRF token."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url, self.forms = page_url, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "get").lower() == "post":
            self.forms.append({"action": attrs.get("action") or self.page_url, "token": False})
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["token"] = True


def post_forms(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = PostForms(url)
    parser.feed(response.content.decode())
    return parser.forms


ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password"]
USER_PAGES = ["scoring:upload", "scoring:history", "scoring:account_delete", "account_change_password"]


def test_every_form_carries_a_token_and_a_post_without_it_is_refused(alice, scored_photo):
    browser = Client(enforce_csrf_checks=True)
    forms = [form for name in ANONYMOUS_PAGES for form in post_forms(browser, reverse(name))]
    browser.force_login(alice)
    pages = [reverse(name) for name in USER_PAGES] + [reverse("scoring:photo", args=[scored_photo.public_id])]
    forms += [form for url in pages for form in post_forms(browser, url)]

    actions = {form["action"] for form in forms}
    assert len(actions) >= 8, actions  # log-in, sign-up, reset, upload, log-out, delete photo/account, password
    assert all(form["token"] for form in forms), [form for form in forms if not form["token"]]
    for action in actions:
        response = browser.post(action, {"password": "pw-alice-123"})
        assert response.status_code == 403, action
    assert Photo.objects.filter(pk=scored_photo.pk).exists() and alice.__class__.objects.filter(pk=alice.pk).exists()


def test_the_api_with_a_session_needs_the_token_but_token_auth_does_not(alice, face_upload):
    from rest_framework.authtoken.models import Token

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.post("/api/photos/", {"image": face_upload}).status_code == 403
    face_upload.seek(0)
    token = Token.objects.create(user=alice)
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.post("/api/photos/", {"image": face_upload}).status_code == 201
