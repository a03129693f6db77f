"""Take my data: one zip of a user's photos, results and scores, streamed with flat memory."""

import io
import json
import os
import re
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ml.inference.score_format import rounded_score
from scoring.export_names import MAX_CHARACTERS, FolderNames, safe_folder_name
from scoring.models import Face, LayerImage, Photo, photo_file_name
from scoring.services import photos
from tests.web.test_api_schema import conforms, openapi  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def unzip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="beauty-evaluator-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def stored(public_id, kind: str, data: bytes, extension: str = "jpg") -> str:
    return default_storage.save(photo_file_name(public_id, kind, extension), ContentFile(data))


def photo_with_files(owner, size: int = 2000) -> Photo:
    """A scored photo's rows and files (random bytes: no model needed)."""
    photo = Photo(owner=owner, width=10, height=10, status=Photo.Status.DONE, model_version="test-1")
    photo.image = stored(photo.public_id, "original", os.urandom(size))
    photo.annotated = stored(photo.public_id, "annotated", os.urandom(size // 2))
    photo.save()
    grad_cam = stored(photo.public_id, "gradcam", os.urandom(500), "png")
    face = Face.objects.create(photo=photo, rank=0, x=1, y=2, w=3, h=4, score=3.21, percentile=55.5, grad_cam=grad_cam)
    layer = stored(photo.public_id, "layer", os.urandom(300), "png")
    LayerImage.objects.create(face=face, order=0, name="stem", shape="32x96x96", image=layer)
    return photo


def test_the_zip_holds_every_file_and_score_of_the_user_and_nothing_of_anyone_else(
    client, alice, charlie, scored_photo, blank_upload, stage_count
):
    from scoring.services import pipeline

    failed = photos.photo_create(owner=alice, upload=blank_upload)
    pipeline.run_scoring_job(public_id=failed.public_id)
    theirs = photo_with_files(charlie)
    client.force_login(alice)

    archive = unzip(client.get("/account/export/"))

    assert archive.testzip() is None
    names = archive.namelist()
    assert not any(str(theirs.public_id) in name for name in names)
    scored = "photos/me"  # named by its label, me.jpg
    face = f"{scored}/face-1"
    expected = {f"{scored}/original.jpg", f"{scored}/annotated.jpg", f"{scored}/filters.png", f"{face}/grad-cam.jpg"}
    assert expected <= set(names)
    assert len([n for n in names if n.startswith(f"{face}/layers/")]) == stage_count
    assert archive.read(f"{scored}/original.jpg") == default_storage.open(scored_photo.image.name).read()
    assert archive.getinfo(f"{scored}/original.jpg").compress_type == zipfile.ZIP_STORED
    failed.refresh_from_db()
    assert f"photos/wall/original.{failed.image.name.rsplit('.', 1)[1]}" in names

    scores = {entry["id"]: entry for entry in json.loads(archive.read("scores.json"))}
    assert set(scores) == {str(scored_photo.public_id), str(failed.public_id)}
    entry = scores[str(scored_photo.public_id)]
    top = scored_photo.faces.get(rank=0)
    assert entry["status"] == "done" and entry["model_version"] == scored_photo.model_version
    assert entry["created"] == client.get(f"/api/photos/{scored_photo.public_id}/").json()["created"]  # one format
    assert entry["created"].endswith("Z")
    assert entry["faces"][0]["box"] == top.box
    assert entry["faces"][0]["score"] == rounded_score(top.score)  # as every page prints it
    assert entry["faces"][0]["percentile"] == round(top.percentile, 1)
    layers = [layer["file"] for layer in entry["faces"][0]["layers"]]
    every_file = [*entry["files"].values(), entry["faces"][0]["grad_cam"], *layers]
    assert all(path in names for path in every_file)
    assert scores[str(failed.public_id)]["status"] == "failed" and scores[str(failed.public_id)]["faces"] == []
    # The same error and stable code as the API gives for the photo.
    api_answer = client.get(f"/api/photos/{failed.public_id}/").json()
    assert scores[str(failed.public_id)]["error_code"] == api_answer["error_code"] == "no_face"
    assert scores[str(failed.public_id)]["error"] == api_answer["error"]
    assert entry["error"] is None and entry["error_code"] is None
    assert scores[str(failed.public_id)]["files"]["annotated"] is None
    assert (entry["folder"], scores[str(failed.public_id)]["folder"]) == ("me", "wall")
    assert "README.txt" in names


def test_a_user_with_no_photos_gets_an_empty_list(client, charlie):
    client.force_login(charlie)
    archive = unzip(client.get("/account/export/"))
    assert json.loads(archive.read("scores.json")) == []


def test_a_lost_file_is_left_out_and_the_rest_still_arrives(client, alice):
    photo = photo_with_files(alice)
    default_storage.delete(photo.annotated.name)
    client.force_login(alice)
    archive = unzip(client.get("/account/export/"))
    assert archive.testzip() is None
    entry = json.loads(archive.read("scores.json"))[0]
    assert entry["files"]["annotated"] is None
    assert entry["files"]["original"] in archive.namelist()


def test_two_hundred_photos_stream_in_far_less_memory_than_the_archive(client, alice):
    for _ in range(200):
        photo_with_files(alice, size=150_000)
    client.force_login(alice)
    response = client.get("/account/export/")
    assert response.streaming

    tracemalloc.start()
    total, chunks, largest = 0, 0, 0
    with open(os.devnull, "wb") as sink:  # as a server would: each chunk sent, then dropped
        for chunk in response.streaming_content:
            sink.write(chunk)
            total, chunks, largest = total + len(chunk), chunks + 1, max(largest, len(chunk))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert total > 200 * 225_000  # originals and annotated copies, stored as they are
    assert chunks > 200 and largest < 200_000
    assert peak < total / 8, f"peak {peak} bytes for a {total}-byte archive"


def test_the_account_page_links_to_the_download(client, alice):
    client.force_login(alice)
    assert 'href="/account/export/"' in client.get("/account/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in_and_token_less_api_callers_get_401(client):
    response = client.get("/account/export/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    answer = APIClient().get("/api/export/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


def test_a_token_client_downloads_its_own_zip_and_it_matches_the_schema(openapi, alice, charlie):  # noqa: F811
    mine, theirs = photo_with_files(alice), photo_with_files(charlie)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    response = api.get("/api/export/")
    body = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert [entry["id"] for entry in json.loads(archive.read("scores.json"))] == [str(mine.public_id)]
    assert not any(str(theirs.public_id) in name for name in archive.namelist())

    whole = HttpResponse(body, status=response.status_code, content_type=response["Content-Type"])
    whole.wsgi_request = response.wsgi_request
    conforms(openapi, whole)
    refused = APIClient().get("/api/export/")
    conforms(openapi, refused)


@pytest.mark.parametrize(
    "label, folder",
    [
        ("Grandma at the wedding.jpg", "Grandma at the wedding"),
        ("IMG_0412.JPEG", "IMG_0412"),
        ("notes.txt", "notes.txt"),  # only a photo's extension goes
        ('a<b>:c"d|e?f*g\\h/i.png', "a_b__c_d_e_f_g_h_i"),
        ("tab\tand\x00nul.jpg", "tab and_nul"),
        ("CON.jpg", "_CON"),
        ("lpt1.backup.png", "_lpt1.backup"),
        ("console.jpg", "console"),
        ("  ..hidden. .jpg", "hidden"),
        ("..", ""),
        (".jpg", "jpg"),  # a name that is only an extension keeps it
        ("婚礼 照片.jpg", "婚礼 照片"),
        ("x" * 200, "x" * MAX_CHARACTERS),
    ],
)
def test_a_label_becomes_a_folder_name_any_file_system_takes(label, folder):
    assert safe_folder_name(label) == folder


def test_folder_names_are_unique_whatever_the_letter_case():
    names = FolderNames()
    given = [names.name(label, "2026-12-03 16-36-00") for label in ("me.jpg", "ME.png", "me", "", "..")]
    assert given == ["me", "ME (2)", "me (3)", "2026-12-03 16-36-00", "2026-12-03 16-36-00 (2)"]


def test_the_zip_names_each_folder_by_the_photos_label_and_scores_json_keeps_the_id(client, alice):
    labelled = []
    for label in ("Wedding.jpg", "wedding.png", "CON.jpg", ""):
        photo = photo_with_files(alice)
        Photo.objects.filter(pk=photo.pk).update(label=label)
        labelled.append(photo)
    client.force_login(alice)
    archive = unzip(client.get("/account/export/"))
    scores = json.loads(archive.read("scores.json"))
    assert [entry["id"] for entry in scores] == [str(photo.public_id) for photo in labelled]
    folders = [entry["folder"] for entry in scores]
    assert folders[:3] == ["Wedding", "wedding (2)", "_CON"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d-\d\d-\d\d", folders[3])  # no label: when it was uploaded
    for entry in scores:
        assert entry["files"]["original"] == f"photos/{entry['folder']}/original.jpg"
        assert entry["files"]["original"] in archive.namelist()
    assert not any(str(photo.public_id) in name for name in archive.namelist() for photo in labelled)


def _keys(value) -> set[str]:
    """Every key of a JSON value, nested ones included."""
    if isinstance(value, dict):
        return set(value) | {key for inner in value.values() for key in _keys(inner)}
    if isinstance(value, list):
        return {key for inner in value for key in _keys(inner)}
    return set()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_archives_readme_names_every_key_of_scores_json(client, alice, scored_photo, language):
    """A reader matches the README to the file by the keys' own names, in either language."""
    client.force_login(alice)
    archive = unzip(client.get("/account/export/", headers={"Accept-Language": language}))
    readme = archive.read("README.txt").decode()
    keys = _keys(json.loads(archive.read("scores.json")))
    assert {"distribution", "band", "share", "width", "height", "shape", "time_zone", "folder"} <= keys
    assert [key for key in sorted(keys) if not re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", readme)] == []
    assert max(len(line) for line in readme.splitlines()) <= 100  # a column layout a plain editor keeps
