import pytest
from rest_framework.test import APIClient

from scoring.models import Photo
from scoring.services import photos, pipeline
from tests.images import jpeg
from tests.web.helpers import add_scored_rows

pytestmark = pytest.mark.django_db


def test_post_returns_201_with_id_status_and_the_address_to_follow(api, face_upload):
    response = api.post("/api/photos/", {"image": face_upload}, format="multipart")
    assert response.status_code == 201
    photo_id = str(Photo.objects.get().public_id)
    url = f"http://testserver/api/photos/{photo_id}/"
    assert response.json() == {"id": photo_id, "status": "queued", "url": url}
    assert response["Location"] == url
    assert api.get(url).json()["id"] == photo_id


def test_several_files_in_one_upload_are_refused_and_none_is_kept(api, astronaut):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(name, jpeg(astronaut)) for name in ("a.jpg", "b.jpg")]
    response = api.post("/api/photos/", {"image": files}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "one_photo_per_request"
    assert not Photo.objects.exists()


def test_a_bad_file_gets_400_with_a_sentence(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.post("/api/photos/", {"image": SimpleUploadedFile("x.png", b"<svg></svg>")}, format="multipart")
    assert response.status_code == 400 and "not a photo we can read" in response.json()["detail"]
    assert not Photo.objects.exists()


def test_get_lists_only_the_callers_photos_and_shows_faces(api, alice, charlie, face_upload, blank_upload):
    mine = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=mine.public_id)
    photos.photo_create(owner=charlie, upload=blank_upload)
    listed = api.get("/api/photos/").json()
    assert [p["id"] for p in listed["results"]] == [str(mine.public_id)]
    detail = api.get(f"/api/photos/{mine.public_id}/").json()
    assert detail["status"] == "done" and detail["error"] is None
    face = detail["faces"][0]
    assert len(face["box"]) == 4 and 1 <= face["score"] <= 5 and 0 <= face["percentile"] <= 100
    assert detail["annotated_url"] and face["grad_cam_url"]


def test_delete_removes_the_photo(api, alice, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    assert api.delete(f"/api/photos/{photo.public_id}/").status_code == 204
    assert not Photo.objects.exists()


def test_without_a_token_the_api_refuses(db):
    assert APIClient().get("/api/photos/").status_code == 401


def test_the_openapi_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"/api/photos/" in response.content


def test_an_id_that_is_not_a_uuid_or_a_route_that_does_not_exist_is_a_json_404(api):
    for path in ("/api/photos/not-a-uuid/", "/api/nope/", "/api/photos/not-a-uuid"):
        response = api.get(path, HTTP_ACCEPT="application/json")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found.", "code": "not_found"}, path


def test_a_page_that_is_not_a_number_or_past_the_last_is_a_400_naming_the_range(api, alice):
    add_scored_rows(alice, 3)
    for page in ("abc", "-1", "99999999999999999999", "2", "", "last", " 1"):
        response = api.get("/api/photos/", {"page": page})
        assert response.status_code == 400, page
        assert response.json() == {"detail": "Invalid page: ask for a page from 1 to 1.", "code": "invalid_page"}
    assert len(api.get("/api/photos/", {"page": "1"}).json()["results"]) == 3


@pytest.mark.parametrize("debug", [False, True])
def test_api_routes_answer_without_their_final_slash_and_keep_a_posts_upload(api, alice, face_upload, settings, debug):
    # Django's slash redirect would turn a followed POST into a GET (and raise with DEBUG on).
    settings.DEBUG = debug
    created = api.post("/api/photos", {"image": face_upload}, format="multipart")
    assert created.status_code == 201
    photo_id = created.json()["id"]
    assert api.get("/api/photos").json()["results"][0]["id"] == photo_id
    assert api.get(f"/api/photos/{photo_id}").json()["id"] == photo_id
    assert api.delete(f"/api/photos/{photo_id}").status_code == 204
    assert not Photo.objects.exists()


def test_the_list_runs_the_same_number_of_queries_for_1_or_20_photos(api, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_scored_rows(alice, 1)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/photos/").json()["results"]) == 1
    add_scored_rows(alice, 19)
    with CaptureQueriesContext(connection) as twenty:
        assert len(api.get("/api/photos/").json()["results"]) == 20
    assert len(twenty) == len(one)


def test_uploads_past_the_users_hourly_limit_get_429(api, charlie, astronaut, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PHOTO_UPLOAD_RATE = "2/h"
    photo = jpeg(astronaut)
    codes = [
        api.post("/api/photos/", {"image": SimpleUploadedFile("a.jpg", photo)}, format="multipart").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert Photo.objects.count() == 2
    refused = api.post("/api/photos/", {"image": SimpleUploadedFile("a.jpg", photo)}, format="multipart")
    # The allowance and the wait, each said once (DRF would append its own "Expected available in ...").
    assert "(at most 2 an hour). Try again in about" in refused.json()["detail"]
    assert "Expected available" not in refused.json()["detail"] and int(refused["Retry-After"]) > 0
    other = APIClient()
    other.force_authenticate(charlie)
    response = other.post("/api/photos/", {"image": SimpleUploadedFile("a.jpg", photo)}, format="multipart")
    assert response.status_code == 201  # the limit is per user


def test_the_schema_documents_every_field_the_api_returns(api, scored_photo):
    from scoring.serializers import FaceSerializer, LayerSerializer, PhotoSerializer

    detail = api.get(f"/api/photos/{scored_photo.public_id}/").json()
    face = detail["faces"][0]
    assert set(PhotoSerializer().fields) == set(detail)
    assert set(FaceSerializer().fields) == set(face)
    assert set(LayerSerializer().fields) == set(face["layers"][0])


def test_a_failed_photo_has_null_for_the_files_it_never_got(api, no_face_photo):
    detail = api.get(f"/api/photos/{no_face_photo.public_id}/").json()
    assert detail["status"] == "failed" and detail["error_code"] == "no_face"
    assert detail["annotated_url"] is None and detail["filters_url"] is None  # as absent values are elsewhere
    assert detail["image_url"].startswith("http://testserver/private-media/")


def test_the_list_page_size_can_be_asked_for_from_one_to_a_hundred(api, alice):
    add_scored_rows(alice, 101)
    two = api.get("/api/photos/?page_size=2").json()
    assert two["count"] == 101 and len(two["results"]) == 2 and "page_size=2" in two["next"]
    assert len(api.get("/api/photos/").json()["results"]) == 50  # the default
    assert len(api.get("/api/photos/?page_size=100").json()["results"]) == 100
    for wrong in ("0", "101", "-3", "abc"):
        refused = api.get(f"/api/photos/?page_size={wrong}")
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_page_size", wrong


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_36_character_id_that_is_no_uuid_is_a_404_not_a_500(api, method):
    answer = getattr(api, method)("/api/photos/000000000000000000000000000000000000/")
    assert answer.status_code == 404


def test_the_schema_states_the_page_bounds_and_offers_only_multipart_for_uploads(client):
    schema = client.get("/api/schema/?format=json").json()
    listing = {p["name"]: p["schema"] for p in schema["paths"]["/api/photos/"]["get"]["parameters"]}
    assert listing["page"]["minimum"] == 1
    assert (listing["page_size"]["minimum"], listing["page_size"]["maximum"]) == (1, 100)
    assert list(schema["paths"]["/api/photos/"]["post"]["requestBody"]["content"]) == ["multipart/form-data"]
