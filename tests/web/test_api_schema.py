"""The OpenAPI schema tells the truth: real answers of every API route validate against /api/schema/."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from rest_framework.test import APIClient

from scoring.models import Photo
from scoring.services import photos
from tests.images import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(client) -> OpenAPI:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return OpenAPI.from_dict(response.json())


class RouteOf(DjangoOpenAPIRequest):
    """The request as far as finding the answer's route goes: a multipart body was read by the view already."""

    @property
    def body(self) -> bytes:
        return b""


def conforms(openapi: OpenAPI, response) -> None:
    """The answer matches what the schema documents for its route, method and status (raises otherwise)."""
    openapi.validate_response(RouteOf(response.wsgi_request), DjangoOpenAPIResponse(response))


def test_a_scored_photo_its_list_and_a_failed_one_match_the_schema(openapi, api, alice, scored_photo, blank_upload):
    from scoring.services import pipeline

    failed = photos.photo_create(owner=alice, upload=blank_upload)
    pipeline.run_scoring_job(public_id=failed.public_id)
    queued = photos.photo_create(owner=alice, upload=SimpleUploadedFile("a.jpg", scored_photo.image.read()))
    for url in ("/api/photos/", f"/api/photos/{scored_photo.public_id}/", f"/api/photos/{failed.public_id}/",
                f"/api/photos/{queued.public_id}/"):  # fmt: skip
        response = api.get(url)
        assert response.status_code == 200
        conforms(openapi, response)
    assert api.get(f"/api/photos/{failed.public_id}/").json()["error_code"] == "no_face"


def test_upload_answers_match_the_schema_201_400_and_429(openapi, api, astronaut, settings):
    settings.PHOTO_UPLOAD_RATE = "1/h"
    created = api.post("/api/photos/", {"image": SimpleUploadedFile("a.jpg", jpeg(astronaut))}, format="multipart")
    assert created.status_code == 201
    conforms(openapi, created)
    limited = api.post("/api/photos/", {"image": SimpleUploadedFile("a.jpg", jpeg(astronaut))}, format="multipart")
    assert limited.status_code == 429
    conforms(openapi, limited)
    settings.PHOTO_UPLOAD_RATE = "100/h"
    for body in ({"image": SimpleUploadedFile("x.png", b"<svg></svg>")}, {}):
        refused = api.post("/api/photos/", body, format="multipart")
        assert refused.status_code == 400
        conforms(openapi, refused)


def test_delete_404_and_401_match_the_schema(openapi, api, alice, charlie, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    other = APIClient()
    other.force_authenticate(charlie)
    missing = other.get(f"/api/photos/{photo.public_id}/")
    assert missing.status_code == 404
    conforms(openapi, missing)
    anonymous = APIClient().get("/api/photos/")
    assert anonymous.status_code == 401
    conforms(openapi, anonymous)
    deleted = api.delete(f"/api/photos/{photo.public_id}/")
    assert deleted.status_code == 204
    conforms(openapi, deleted)
    assert not Photo.objects.exists()


def test_the_schema_refuses_an_answer_that_drifted(openapi, api, scored_photo):
    """The check can fail: an answer missing a documented field does not validate."""
    from openapi_core.validation.response.exceptions import InvalidData

    response = api.get(f"/api/photos/{scored_photo.public_id}/")
    response.content = response.content.replace(b'"model_version"', b'"modelVersion"')
    with pytest.raises(InvalidData):
        conforms(openapi, response)


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(not re.match(r"(https?:)?//", source) for source in sources), sources
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in source for source in sources)
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert "<script>" not in page  # the set-up script is a file of its own too (CSP)


def test_the_schema_lists_the_api_and_not_its_own_route(client):
    # Listed, /api/schema/ promised a `lang` enum nothing enforces (schemathesis: ?lang=AAA was 200).
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert "/api/schema/" not in paths and "/api/photos/" in paths


def test_an_upload_links_its_id_to_the_photo_routes_which_take_anonymous_callers(client):
    """Links let a client (schemathesis's stateful runs) go from POST to the photo; the photo's
    routes answer anyone (404 unless owner or staff), which their security's `{}` says."""
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    links = paths["/api/photos/"]["post"]["responses"]["201"]["links"]
    assert {name: (link["operationId"], link["parameters"]) for name, link in links.items()} == {
        "GetPhoto": ("photos_retrieve", {"public_id": "$response.body#/id"}),
        "DeletePhoto": ("photos_destroy", {"public_id": "$response.body#/id"}),
    }
    detail = paths["/api/photos/{public_id}/"]
    assert all({} in detail[method]["security"] for method in ("get", "delete"))
    assert {} not in paths["/api/photos/"]["post"]["security"]
