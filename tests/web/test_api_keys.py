"""A signed-in user makes an API key, sees it once, uses it, and revokes it; the admin never shows keys."""

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def make_key(client) -> str:
    page = client.post(reverse("scoring:account"), {"action": "create"}, follow=True)
    assert page.redirect_chain == [(reverse("scoring:account"), 302)]
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    return re.search(r'<input id="new-key"[^>]* value="([0-9a-f]{40})"', page.content.decode())[1]


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/photos/").status_code


def test_a_user_makes_a_key_that_works_and_is_shown_only_once(client, alice):
    client.force_login(alice)
    assert b"Make a key" in client.get(reverse("scoring:account")).content
    key = make_key(client)
    assert api_status(key) == 200
    again = client.get(reverse("scoring:account")).content.decode()
    assert key not in again and "You have a key" in again


def test_reloading_the_page_after_making_a_key_neither_makes_another_nor_shows_it_again(client, alice):
    client.force_login(alice)
    key = make_key(client)
    reloaded = client.get(reverse("scoring:account")).content.decode()
    assert key not in reloaded and "You have a key" in reloaded
    assert Token.objects.get(user=alice).key == key and api_status(key) == 200


def test_a_key_sent_as_bearer_works_like_token_on_the_api_and_the_photo_files(client, alice, face_upload):
    client.force_login(alice)
    key = make_key(client)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    created = bearer.post("/api/photos/", {"image": face_upload}, format="multipart")
    assert created.status_code == 201
    image_url = bearer.get(f"/api/photos/{created.json()['id']}/").json()["image_url"]
    assert bearer.get(image_url).status_code == 200
    bearer.credentials(HTTP_AUTHORIZATION="Bearer not-a-key")
    refused = bearer.get("/api/photos/")
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    bearer.credentials(HTTP_AUTHORIZATION="Bearer")
    assert "'Bearer <key>'" in bearer.get("/api/photos/").json()["detail"]


def test_a_key_revoked_or_replaced_before_its_page_was_seen_is_never_shown(client, alice):
    from scoring.services import api_keys

    client.force_login(alice)
    client.post(reverse("scoring:account"), {"action": "create"})  # the page that shows it never came
    client.post(reverse("scoring:account"), {"action": "revoke"})
    assert 'id="new-key"' not in client.get(reverse("scoring:account")).content.decode()
    client.post(reverse("scoring:account"), {"action": "create"})
    api_keys.api_key_create(user=alice)  # replaced from another device meanwhile
    page = client.get(reverse("scoring:account")).content.decode()
    assert 'id="new-key"' not in page and "You have a key" in page


def test_a_new_key_replaces_the_old_one(client, alice):
    client.force_login(alice)
    old = make_key(client)
    new = make_key(client)
    assert old != new and api_status(old) == 401 and api_status(new) == 200


def test_a_revoked_key_stops_working(client, alice):
    client.force_login(alice)
    key = make_key(client)
    response = client.post(reverse("scoring:account"), {"action": "revoke"}, follow=True)
    assert b"was revoked" in response.content and b"Make a key" in response.content
    assert api_status(key) == 401 and not Token.objects.exists()


def test_the_account_page_asks_visitors_to_log_in(client):
    assert client.get(reverse("scoring:account"))["Location"].startswith(reverse("account_login"))


def test_the_admin_lists_who_has_a_key_but_never_the_key(staff_client, alice):
    client = staff_client
    key = Token.objects.create(user=alice).key
    listing = client.get(reverse("admin:authtoken_tokenproxy_changelist"))
    assert listing.status_code == 200 and b"alice" in listing.content and key.encode() not in listing.content
    assert client.get(reverse("admin:authtoken_tokenproxy_change", args=[alice.pk])).status_code == 403
    assert client.get(reverse("admin:authtoken_tokenproxy_add")).status_code == 403
