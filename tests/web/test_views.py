import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring import services
from scoring.models import Photo
from tests.web.conftest import add_scored_rows

pytestmark = pytest.mark.django_db


def photo_urls(photo):
    names = [f.name for f in photo.stored_files()]
    return [
        reverse("scoring:photo", args=[photo.public_id]),
        reverse("scoring:photo_status", args=[photo.public_id]),
        f"/api/photos/{photo.public_id}/",
        *[reverse("scoring:media", args=[name]) for name in names],
    ]


def test_pages_ask_an_anonymous_visitor_to_log_in(client):
    for name in ("scoring:upload", "scoring:history", "scoring:compare"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_upload_page_stores_the_photo_and_opens_its_page(client, alice, face_upload):
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload]})
    photo = Photo.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("scoring:photo", args=[photo.public_id])
    assert photo.owner == alice and photo.status == "queued"


def test_upload_page_rejects_a_bad_file_with_a_message_and_400(client, alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(alice)
    response = client.post(
        reverse("scoring:upload"), {"photos": [SimpleUploadedFile("a.jpg", b"", content_type="image/jpeg")]}
    )
    assert response.status_code == 400
    assert Photo.objects.count() == 0


def test_owner_sees_photo_page_with_score_and_layers(client, alice, scored_photo):
    client.force_login(alice)
    response = client.get(reverse("scoring:photo", args=[scored_photo.public_id]))
    assert response.status_code == 200
    assert b"photo-data" in response.content and b"stage3" in response.content
    status = client.get(reverse("scoring:photo_status", args=[scored_photo.public_id])).json()
    assert status["status"] == "done" and len(status["faces"][0]["layers"]) == 9
    media = client.get(status["faces"][0]["grad_cam_url"])
    assert media.status_code == 200 and media["Content-Type"] == "image/jpeg"


def test_charlie_gets_404_on_every_url_of_alices_photo(client, charlie, scored_photo):
    client.force_login(charlie)
    urls = photo_urls(scored_photo)
    assert len(urls) > 10
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("scoring:photo_delete", args=[scored_photo.public_id])).status_code == 404
    assert client.delete(f"/api/photos/{scored_photo.public_id}/").status_code == 404
    assert Photo.objects.filter(pk=scored_photo.pk).exists()


def test_anonymous_visitor_gets_404_from_every_photo_url(client, scored_photo):
    urls = photo_urls(scored_photo)
    assert len(urls) > 10
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("scoring:photo_delete", args=[scored_photo.public_id])).status_code == 404
    assert client.delete(f"/api/photos/{scored_photo.public_id}/").status_code == 404
    assert Photo.objects.filter(pk=scored_photo.pk).exists()


def test_staff_bob_can_see_alices_photo(client, bob, scored_photo):
    client.force_login(bob)
    for url in photo_urls(scored_photo):
        assert client.get(url).status_code == 200, url


def test_owner_deletes_a_photo_and_its_files(client, alice, scored_photo):
    client.force_login(alice)
    response = client.post(reverse("scoring:photo_delete", args=[scored_photo.public_id]))
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert not default_storage.exists(scored_photo.image.name)


def test_history_runs_the_same_number_of_queries_for_1_or_20_photos(client, alice, face_upload):
    client.force_login(alice)

    add_scored_rows(alice, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("scoring:history")).status_code == 200
    add_scored_rows(alice, 19)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(reverse("scoring:history"))
    assert response.content.count(b'class="tile"') == 20
    assert len(twenty) == len(one)


def test_compare_shows_two_of_your_photos_side_by_side(client, alice, scored_photo, face_upload):
    other = services.photo_create(owner=alice, upload=face_upload)
    client.force_login(alice)
    response = client.get(reverse("scoring:compare"), {"photo": [scored_photo.public_id, other.public_id]})
    assert response.status_code == 200 and response.content.count(b'class="card"') == 2


def test_deleting_the_account_removes_everything(client, alice, scored_photo):
    client.force_login(alice)
    assert client.post(reverse("scoring:account_delete")).status_code == 302
    assert not Photo.objects.exists() and not default_storage.exists(scored_photo.image.name)
    from scoring.models import User

    assert not User.objects.filter(username="alice").exists()


def test_sign_up_then_log_in(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("account_login"), {"login": "dora", "password": "a-long-pass-phrase-9"})
    assert response.status_code == 302
    assert client.get(reverse("scoring:history")).status_code == 200


def test_several_photos_in_one_upload_go_to_history(client, alice, face_upload, blank_upload):
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload, blank_upload]})
    assert response.status_code == 302 and response["Location"] == reverse("scoring:history")
    assert Photo.objects.filter(owner=alice, status="queued").count() == 2


def test_compare_with_ids_that_are_not_uuids_is_a_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("scoring:compare"), {"photo": ["x", "y"]}).status_code == 404


def test_password_reset_sends_a_mail_with_a_link(client, alice, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/accounts/password/reset/key/" in mailoutbox[0].body


def test_password_change_takes_the_new_password(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pw-alice-123", "password1": "new-long-phrase-77", "password2": "new-long-phrase-77"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("new-long-phrase-77")


def test_the_upload_page_says_when_the_limit_is_reached(client, alice, face_upload, settings):
    settings.PHOTO_UPLOAD_RATE = "0/h"
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload]})
    assert response.status_code == 429 and b"uploaded many photos" in response.content
    assert not Photo.objects.exists()


def test_repeated_failed_log_ins_are_refused_with_a_message(client, alice):
    for i in range(6):
        response = client.post(reverse("account_login"), {"login": "alice", "password": f"wrong-{i}"})
    assert b"Too many failed login attempts" in response.content
    # Even the right password is refused while the limit holds.
    client.post(reverse("account_login"), {"login": "alice", "password": "pw-alice-123"})
    assert client.get(reverse("scoring:history")).status_code == 302


def test_too_many_sign_ups_from_one_address_get_429(client, settings, db):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    codes = []
    for i in range(3):
        codes.append(
            client.post(
                reverse("account_signup"),
                {
                    "username": f"user{i}",
                    "email": f"user{i}@example.com",
                    "password1": "a-long-pass-phrase-9",
                    "password2": "a-long-pass-phrase-9",
                },
            ).status_code
        )
        client.logout()
    assert codes == [302, 302, 429]


def test_a_mixed_upload_keeps_the_good_photo_and_names_the_bad_file(client, alice, face_upload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(alice)
    bad = SimpleUploadedFile("notes.jpg", b"text", content_type="image/jpeg")
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload, bad]}, follow=True)
    assert response.status_code == 200
    assert b"notes.jpg: This file is not a photo we can read" in response.content
    assert b"1 photo(s) uploaded" in response.content
    assert Photo.objects.filter(owner=alice).count() == 1
