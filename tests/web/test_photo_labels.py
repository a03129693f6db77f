"""A photo keeps its file's name as a label: set on upload (page or API), renamed by its owner
on its page, shown on its card, title, compare tile and alt text, and written to the export."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scoring.labels import LABEL_MAX_LENGTH, clean_label, label_from_file_name
from scoring.models import Photo
from scoring.services import photos
from tests.images import jpeg
from tests.web.test_export import unzip

pytestmark = pytest.mark.django_db


def named_upload(astronaut, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(astronaut), content_type="image/jpeg")


def test_the_upload_page_keeps_each_files_name_as_its_label_and_never_as_a_storage_name(
    client, alice, astronaut, no_broker
):
    client.force_login(alice)
    files = [named_upload(astronaut, "Grandma in Paris.jpg"), named_upload(astronaut, "IMG_0412.JPG")]
    assert client.post(reverse("scoring:upload"), {"photos": files}).status_code == 302
    labels = sorted(Photo.objects.values_list("label", flat=True))
    assert labels == ["Grandma in Paris.jpg", "IMG_0412.JPG"]
    for photo in Photo.objects.all():
        assert "Grandma" not in photo.image.name and "IMG_0412" not in photo.image.name
    history = client.get(reverse("scoring:history")).content.decode()
    assert '<strong class="name">Grandma in Paris.jpg</strong>' in history
    assert 'alt="Your photo IMG_0412.JPG"' in history


def test_the_api_takes_a_label_or_falls_back_to_the_files_name(api, astronaut, no_broker):
    given = api.post("/api/photos/", {"image": named_upload(astronaut, "a.jpg"), "label": "Wedding\x07 day"})
    assert given.status_code == 201, given.json()
    plain = api.post("/api/photos/", {"image": named_upload(astronaut, "holiday.jpg")})
    labels = {item["id"]: item["label"] for item in api.get("/api/photos/").json()["results"]}
    assert labels == {given.json()["id"]: "Wedding day", plain.json()["id"]: "holiday.jpg"}


def test_the_api_refuses_a_label_over_the_limit_with_400_and_stores_nothing(api, astronaut, no_broker):
    response = api.post(
        "/api/photos/", {"image": named_upload(astronaut, "a.jpg"), "label": "x" * (LABEL_MAX_LENGTH + 1)}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "label" in response.json()["field_errors"]
    assert not Photo.objects.exists()


@pytest.fixture
def labelled(alice, face_upload):
    return photos.photo_create(owner=alice, upload=face_upload, label="before.jpg")


def rename(client, photo, label):
    return client.post(reverse("scoring:photo_label", args=[photo.public_id]), {"label": label})


def test_the_owner_renames_a_photo_on_its_page(client, alice, labelled):
    client.force_login(alice)
    response = rename(client, labelled, "  After \u202ethe\x07 party ")
    assert response.status_code == 302
    labelled.refresh_from_db()
    assert labelled.label == "After the party"
    page = client.get(reverse("scoring:photo", args=[labelled.public_id])).content.decode()
    assert "<title>After the party, " in page and "Your photo After the party</h1>" in page
    assert 'value="After the party"' in page  # the form shows the name to edit


def test_a_rename_keeps_what_was_typed_around_a_slash(client, alice, labelled, api, astronaut, no_broker):
    """A typed name is not a path: nothing before a slash is lost (an uploaded file's folders are)."""
    client.force_login(alice)
    assert rename(client, labelled, "a/b:c?*").status_code == 302
    labelled.refresh_from_db()
    assert labelled.label == "a/b:c?*"
    sent = api.post("/api/photos/", {"image": named_upload(astronaut, "x.jpg"), "label": "Mum/Dad"})
    assert sent.status_code == 201 and Photo.objects.get(public_id=sent.json()["id"]).label == "Mum/Dad"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "This field is required."),
        ("\x01\u200b\u202e ", "Give the photo a name: what was typed is only spaces or invisible characters."),
        ("a\x00b", "Null characters are not allowed."),
        ("x" * (LABEL_MAX_LENGTH + 1), "Ensure this value has at most 120 characters"),
    ],
)
def test_a_bad_name_is_refused_with_400_and_a_sentence_under_the_field(client, alice, labelled, label, message):
    client.force_login(alice)
    response = rename(client, labelled, label)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and page.rindex(message) > page.index('id="label-help"')  # under the field
    # Also said at the top of the page, naming the field, above the result the form sits under; the field is focused.
    assert page.index(f"Name: {message}") < page.index('id="result"') and page.count(message) == 2
    assert re.search(r'<input[^>]*name="label"[^>]*autofocus', page)
    labelled.refresh_from_db()
    assert labelled.label == "before.jpg"


def test_only_the_owner_renames_staff_get_403_and_others_404(client, labelled, staff_client, charlie):
    client.force_login(charlie)
    assert rename(client, labelled, "mine now").status_code == 404
    assert rename(staff_client, labelled, "staff's name").status_code == 403
    staff_view = staff_client.get(reverse("scoring:photo", args=[labelled.public_id])).content.decode()
    assert "before.jpg" in staff_view and 'id="rename"' not in staff_view
    client.logout()
    assert rename(client, labelled, "anon").status_code == 404
    labelled.refresh_from_db()
    assert labelled.label == "before.jpg"


def test_the_rename_address_opened_as_a_page_goes_to_the_photo(client, alice, labelled):
    """A refused rename leaves /label/ in the address bar: reloading it (or switching language
    there) opens the photo's page, and renames nothing."""
    client.force_login(alice)
    response = client.get(reverse("scoring:photo_label", args=[labelled.public_id]))
    assert response.status_code == 302 and response["Location"] == reverse("scoring:photo", args=[labelled.public_id])
    labelled.refresh_from_db()
    assert labelled.label == "before.jpg"


def test_labels_name_the_compare_tiles_and_the_exported_photos(client, alice, astronaut, scored_photo):
    other = photos.photo_create(owner=alice, upload=named_upload(astronaut, "second.jpg"))
    client.force_login(alice)
    ids = f"photo={scored_photo.public_id}&photo={other.public_id}"
    picker = client.get(reverse("scoring:compare")).content.decode()
    assert '<span class="name">me.jpg</span>' in picker
    comparison = client.get(reverse("scoring:compare") + "?" + ids).content.decode()
    assert "</span> me.jpg</h2>" in comparison and 'alt="Photo B, second.jpg"' in comparison
    rename(client, other, "renamed.jpg")
    exported = json.loads(unzip(client.get(reverse("scoring:export"))).read("scores.json"))
    assert [entry["label"] for entry in exported] == ["me.jpg", "renamed.jpg"]


def test_the_api_takes_a_label_with_a_nul_and_drops_it_as_any_control_character(api, astronaut, no_broker):
    response = api.post("/api/photos/", {"image": named_upload(astronaut, "a.jpg"), "label": "Mum\x00 and me"})
    assert response.status_code == 201, response.json()
    assert Photo.objects.get().label == "Mum and me"


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("IMG_0412.jpg", "IMG_0412.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Holiday face.png", "Holiday face.png"),
        ("bad\x00name\x1b[31m.jpg", "badname[31m.jpg"),
        ("right\u202eto-left\u200b.jpg", "rightto-left.jpg"),  # bidi override and zero-width space
        ("  two\t\tspaces \n.jpg ", "two spaces .jpg"),
        ("外婆的照片.jpeg", "外婆的照片.jpeg"),
        ("", ""),
        (None, ""),
        ("/", ""),
    ],
)
def test_it_cleans_the_uploaded_file_name_into_a_label(raw, label):
    assert label_from_file_name(raw) == label


def test_a_typed_name_keeps_its_slashes_and_punctuation_a_file_name_its_last_part_only():
    assert clean_label("Mum/Dad at 60: day 2?*") == "Mum/Dad at 60: day 2?*"
    assert label_from_file_name("Mum/Dad at 60.jpg") == "Dad at 60.jpg"


def test_it_caps_a_long_label_without_a_trailing_space():
    label = clean_label("a" * 119 + " " + "b" * 50)
    assert label == "a" * 119
    assert len(clean_label("x" * 500)) == LABEL_MAX_LENGTH
