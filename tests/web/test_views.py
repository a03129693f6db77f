import re

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.limits import upload_limit_message
from scoring.models import Photo
from scoring.services import photos
from tests.web.conftest import add_scored_rows, photo_urls

pytestmark = pytest.mark.django_db


def test_pages_ask_an_anonymous_visitor_to_log_in(client):
    for name in ("scoring:upload", "scoring:history", "scoring:compare"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_photo_link_opened_signed_out_leads_to_sign_in_and_back_whether_or_not_the_photo_exists(
    client, alice, scored_photo
):
    real = reverse("scoring:photo", args=[scored_photo.public_id])
    made_up = reverse("scoring:photo", args=["00000000-0000-0000-0000-000000000000"])
    answers = [client.get(url) for url in (real, made_up)]
    assert [a.status_code for a in answers] == [302, 302]  # the same answer: existence is not revealed
    assert answers[0]["Location"] == f"/accounts/login/?next={real}"
    signed_in = client.post(answers[0]["Location"], {"login": "alice", "password": "pw-alice-123"})
    assert signed_in["Location"] == real and client.get(real).status_code == 200


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
    # Named and worded as any other refused file (and as the API words it).
    assert "a.jpg: The file is empty." in response.content.decode()


def test_owner_sees_photo_page_with_score_and_layers(client, alice, scored_photo, stage_count):
    client.force_login(alice)
    response = client.get(reverse("scoring:photo", args=[scored_photo.public_id]))
    assert response.status_code == 200
    assert b"photo-data" in response.content and b"stage3" in response.content
    status = client.get(reverse("scoring:photo_status", args=[scored_photo.public_id])).json()
    assert status["status"] == Photo.Status.DONE and len(status["faces"][0]["layers"]) == stage_count
    media = client.get(status["faces"][0]["grad_cam_url"])
    assert media.status_code == 200 and media["Content-Type"] == "image/jpeg"


# The access matrix: each visitor against each URL of Alice's scored photo. Only the owner
# (and staff, below) get it; anyone else gets 404 as if it did not exist, but an anonymous visitor
# is sent to sign in by the page (whatever the id: that reveals nothing either).
VISITORS = ["owner", "charlie", "anonymous"]
MEDIA_FILES = {
    "original": lambda photo: [photo.image],
    "annotated": lambda photo: [photo.annotated],
    "filters": lambda photo: [photo.filters],
    "grad-cam": lambda photo: [photo.top_face.grad_cam],
    "layers": lambda photo: [layer.image for layer in photo.top_face.layers.all()],
}
VIEW_URLS = {
    "page": lambda photo: [reverse("scoring:photo", args=[photo.public_id])],
    "status JSON": lambda photo: [reverse("scoring:photo_status", args=[photo.public_id])],
    "API detail": lambda photo: [f"/api/photos/{photo.public_id}/"],
    **{
        f"media {kind}": lambda photo, files=files: [reverse("scoring:media", args=[f.name]) for f in files(photo)]
        for kind, files in MEDIA_FILES.items()
    },
}
DELETE_REQUESTS = {
    "delete page": lambda client, photo: client.post(reverse("scoring:photo_delete", args=[photo.public_id])),
    "API delete": lambda client, photo: client.delete(f"/api/photos/{photo.public_id}/"),
}


@pytest.fixture
def visitor_client(request, client, alice, charlie):
    """The test client as the visitor the test is parametrized with."""
    who = {"owner": alice, "charlie": charlie, "anonymous": None}[request.param]
    if who is not None:
        client.force_login(who)
    client.is_owner = request.param == "owner"
    return client


@pytest.mark.parametrize("visitor_client", VISITORS, indirect=True)
@pytest.mark.parametrize("url_kind", VIEW_URLS)
def test_only_the_owner_can_open_each_url_of_a_photo(visitor_client, url_kind, scored_photo):
    urls = VIEW_URLS[url_kind](scored_photo)
    assert urls and all(urls), url_kind
    anonymous_page = url_kind == "page" and not visitor_client.session.get("_auth_user_id")
    expected = 200 if visitor_client.is_owner else 302 if anonymous_page else 404
    for url in urls:
        assert visitor_client.get(url).status_code == expected, url


def test_the_matrix_covers_every_stored_file_of_the_photo(scored_photo):
    covered = {f.name for files in MEDIA_FILES.values() for f in files(scored_photo)}
    assert covered == {f.name for f in scored_photo.stored_files()}


@pytest.mark.parametrize("visitor_client", VISITORS, indirect=True)
@pytest.mark.parametrize("request_kind", DELETE_REQUESTS)
def test_only_the_owner_can_delete_a_photo(visitor_client, request_kind, scored_photo):
    response = DELETE_REQUESTS[request_kind](visitor_client, scored_photo)
    if visitor_client.is_owner:
        assert response.status_code in (204, 302)
        assert not Photo.objects.filter(pk=scored_photo.pk).exists()
    else:
        assert response.status_code == 404
        assert Photo.objects.filter(pk=scored_photo.pk).exists()


@pytest.fixture
def charlies_photo(charlie, face_upload):
    return photos.photo_create(owner=charlie, upload=face_upload)


def test_a_user_cannot_open_another_users_files_by_name(client, alice, charlies_photo):
    client.force_login(alice)
    assert default_storage.exists(charlies_photo.image.name)
    assert client.get(reverse("scoring:media", args=[charlies_photo.image.name])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "photos/{mine}/results/../{my_file}",  # her own original, by a path the route refuses on its face
        "photos/{mine}/../{theirs}/{their_file}",  # up from her folder into Charlie's
        "photos/{mine}/results/../../{theirs}/{their_file}",
        "photos/{mine}/%2e%2e/{theirs}/{their_file}",
        "photos/{mine}/{their_file}",  # Charlie's file name under her photo
        "../../beautysite/settings.py",
    ],
)
def test_a_media_name_with_dot_dot_or_another_users_file_is_refused(client, alice, scored_photo, charlies_photo, name):
    name = name.format(
        mine=scored_photo.public_id,
        my_file=scored_photo.image.name.rsplit("/", 1)[1],
        theirs=charlies_photo.public_id,
        their_file=charlies_photo.image.name.rsplit("/", 1)[1],
    )
    client.force_login(alice)
    assert client.get(f"/private-media/{name}").status_code == 404


def test_staff_can_see_alices_photo(client, staff, scored_photo):
    client.force_login(staff)
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
    other = photos.photo_create(owner=alice, upload=face_upload)
    client.force_login(alice)
    response = client.get(reverse("scoring:compare"), {"photo": [scored_photo.public_id, other.public_id]})
    assert response.status_code == 200 and response.content.count(b'class="card"') == 2


def test_deleting_the_account_removes_everything(client, alice, scored_photo):
    client.force_login(alice)
    assert client.post(reverse("scoring:account_delete"), {"password": "pw-alice-123"}).status_code == 302
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
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload, blank_upload]}, follow=True)
    assert response.redirect_chain == [(reverse("scoring:history"), 302)]
    assert Photo.objects.filter(owner=alice, status="queued").count() == 2
    assert "2 photos uploaded; they are being scored." in response.content.decode()


def test_a_failed_photo_page_does_not_say_it_was_scored(client, alice, no_face_photo):
    photo = no_face_photo
    client.force_login(alice)
    page = client.get(reverse("scoring:photo", args=[photo.public_id])).content.decode()
    assert "No face found in this photo." in page
    assert "Not scored" in page and "Scored by model version" not in page
    assert f'id="try-another" href="{reverse("scoring:upload")}">Try another photo</a>' in page  # not a dead end
    assert re.search(r'id="compare-with" [^>]* hidden>', page)  # a failed photo cannot be compared


def test_every_page_has_a_skip_link_and_the_about_page_in_its_menu(client, alice):
    for logged_in in (False, True):
        if logged_in:
            client.force_login(alice)
        page = client.get(reverse("scoring:home"), follow=True).content.decode()
        header = page[page.index("<header>") : page.index("</header>")]
        assert page.index('class="skip-link" href="#content"') < page.index("<header>")
        assert '<main id="content"' in page
        assert f'href="{reverse("scoring:about")}">About</a>' in header, logged_in


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
    # The page says how long, in words, from the same wait as the Retry-After header.
    assert upload_limit_message(int(response["Retry-After"])) in response.content.decode()


@pytest.mark.parametrize(
    "seconds, words",
    [(20, "under a minute"), (75, "about a minute"), (1921, "about 32 minutes"), (3600, "about 60 minutes")],
)
def test_the_upload_limit_says_the_wait_in_words(seconds, words):
    assert upload_limit_message(seconds).endswith(f"Try again in {words}.")


@pytest.mark.parametrize(
    "rate, words",
    [
        ("100/h", "100 an hour"),
        ("5/m", "5 a minute"),
        ("10/5m", "10 every 5 minutes"),
        ("300/d", "300 a day"),
        ("100/hour", "100 an hour"),  # django-ratelimit reads the first letter only
        ("100/60", "100 a minute"),  # seconds when no unit is given
        ("100/01h", "100 an hour"),
        ("7/90", "7 every 90 seconds"),
    ],
)
def test_the_upload_limit_says_the_allowance_in_words(rate, words, settings):
    settings.PHOTO_UPLOAD_RATE = rate
    assert f"(at most {words})." in upload_limit_message(60)


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
    assert b"1 photo uploaded; it is being scored." in response.content  # in the singular
    assert Photo.objects.filter(owner=alice).count() == 1
