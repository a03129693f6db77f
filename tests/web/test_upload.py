"""The upload page: one photo or several, bad files named, the upload limit said in words."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring.limits import upload_limit_message
from scoring.models import Photo
from tests.images import jpeg

pytestmark = pytest.mark.django_db


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


def test_several_photos_in_one_upload_go_to_history(client, alice, face_upload, blank_upload):
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload, blank_upload]}, follow=True)
    assert response.redirect_chain == [(reverse("scoring:history"), 302)]
    assert Photo.objects.filter(owner=alice, status="queued").count() == 2
    assert "2 photos uploaded; they are being scored." in response.content.decode()


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


def test_a_mixed_upload_keeps_the_good_photo_and_names_the_bad_file(client, alice, face_upload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(alice)
    bad = SimpleUploadedFile("notes.jpg", b"text", content_type="image/jpeg")
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload, bad]}, follow=True)
    assert response.status_code == 200
    assert b"notes.jpg: This file is not a photo we can read" in response.content
    assert b"1 photo uploaded; it is being scored." in response.content  # in the singular
    assert Photo.objects.filter(owner=alice).count() == 1


def test_the_upload_form_states_its_limits_before_they_bite(client, alice):
    client.force_login(alice)
    page = client.get(reverse("scoring:upload")).content.decode()
    assert "Up to 10 photos at a time, each at most 10 MB and 40 million pixels. JPEG, PNG or WebP" in page


def test_neither_file_input_is_required_so_the_cameras_photo_alone_can_be_sent(client, alice):
    # Without the script a `required` on the library's input stopped a form holding only the camera's photo.
    client.force_login(alice)
    page = client.get(reverse("scoring:upload")).content.decode()
    inputs = re.findall(r'<input type="file"[^>]*>', page)
    assert len(inputs) == 2 and 'id="camera"' in inputs[1]
    assert not any(re.search(r"\brequired\b", tag) for tag in inputs)


def test_an_upload_with_no_photo_is_refused_in_a_sentence(client, alice):
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": ""})
    assert response.status_code == 400 and "Choose at least one photo." in response.content.decode()
    assert not Photo.objects.exists()


def test_more_photos_than_one_upload_takes_the_first_and_says_so(client, alice, astronaut, settings):
    settings.PHOTO_MAX_FILES_PER_UPLOAD = 2
    chosen = [SimpleUploadedFile(f"{n}.jpg", jpeg(astronaut), content_type="image/jpeg") for n in (1, 2, 3)]
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": chosen}, follow=True)
    assert response.redirect_chain == [(reverse("scoring:history"), 302)]
    assert sorted(Photo.objects.values_list("label", flat=True)) == ["1.jpg", "2.jpg"]
    page = response.content.decode()
    # The sentence the page's script says when it takes the first ones itself.
    assert "You chose 3 photos: the first 2 are taken, as at most 2 go at a time. Send the rest afterwards." in page
    assert "2 photos uploaded; they are being scored." in page


def test_the_photos_left_out_are_said_in_chinese_as_the_script_says_them(client, alice, astronaut, settings):
    settings.PHOTO_MAX_FILES_PER_UPLOAD = 1
    chosen = [SimpleUploadedFile(f"{n}.jpg", jpeg(astronaut), content_type="image/jpeg") for n in (1, 2)]
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": chosen}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert Photo.objects.get().label == "1.jpg"
    assert "您选了 2 张照片：每次最多传 1 张，已取前 1 张。其余的请之后再传。" in response.content.decode()


JSON = {"HTTP_ACCEPT": "application/json"}  # as the page's script sends the form


def test_the_page_gives_its_script_the_limits_the_server_enforces(client, alice, settings):
    settings.PHOTO_MAX_BYTES, settings.PHOTO_MAX_FILES_PER_UPLOAD = 123_456, 7
    client.force_login(alice)
    page = client.get(reverse("scoring:upload")).content.decode()
    assert re.search(r'<input type="file" name="photos"[^>]* data-max-bytes="123456" data-max-files="7"', page)
    assert 'accept="image/jpeg,image/png,image/webp"' in page and 'capture="user"' in page  # the camera, on phones
    assert 'src="/static/scoring/upload.js"' in page


def test_the_script_is_told_where_to_go_instead_of_being_redirected(client, alice, face_upload, blank_upload):
    client.force_login(alice)
    one = client.post(reverse("scoring:upload"), {"photos": [face_upload]}, **JSON)
    photo = Photo.objects.get()
    assert one.status_code == 200 and one.json() == {"location": reverse("scoring:photo", args=[photo.public_id])}
    face_upload.seek(0)
    two = client.post(reverse("scoring:upload"), {"photos": [face_upload, blank_upload]}, **JSON)
    assert two.json() == {"location": reverse("scoring:history")}
    # The page it goes to still has its message: the answer used none up.
    assert "2 photos uploaded; they are being scored." in client.get(two.json()["location"]).content.decode()


def test_the_script_is_answered_the_refusals_in_sentences(client, alice, face_upload, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(alice)
    empty = SimpleUploadedFile("a.jpg", b"", content_type="image/jpeg")
    refused = client.post(reverse("scoring:upload"), {"photos": [empty]}, **JSON)
    assert refused.status_code == 400 and refused.json() == {
        "errors": ["a.jpg: The file is empty. Choose a JPEG, PNG or WebP photo."]
    }
    nothing = client.post(reverse("scoring:upload"), {}, **JSON)
    assert nothing.status_code == 400 and nothing.json() == {"errors": ["Choose at least one photo."]}
    settings.PHOTO_UPLOAD_RATE = "0/h"
    limited = client.post(reverse("scoring:upload"), {"photos": [face_upload]}, **JSON)
    assert limited.status_code == 429 and "uploaded many photos" in limited.json()["errors"][0]
    assert int(limited["Retry-After"]) > 0
    assert not Photo.objects.exists()
