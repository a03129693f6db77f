"""Every URL the API returns opens for the token that may see the photo, and for no one else."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def every_url(detail: dict) -> list[str]:
    urls = [detail["image_url"], detail["annotated_url"], detail["filters_url"]]
    for face in detail["faces"]:
        urls.append(face["grad_cam_url"])
        urls.extend(layer["url"] for layer in face["layers"])
    return urls


def test_a_token_client_opens_every_url_of_its_scored_photo(alice, scored_photo, stage_count):
    api = token_client(alice)
    urls = every_url(api.get(f"/api/photos/{scored_photo.public_id}/").json())
    assert len(urls) == 4 + stage_count and all(url.startswith("http://testserver/private-media/") for url in urls)
    for url in urls:
        response = api.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)[:4] in (b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"\x89PNG")


def test_the_same_urls_are_404_for_another_token_a_bad_one_and_no_one(alice, charlie, scored_photo):
    urls = every_url(token_client(alice).get(f"/api/photos/{scored_photo.public_id}/").json())
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    for client in (token_client(charlie), bad, APIClient()):
        assert {client.get(url).status_code for url in urls} == {404}


def test_a_staff_token_opens_no_one_elses_photo_an_api_key_is_no_second_factor(alice, staff, scored_photo):
    urls = every_url(token_client(alice).get(f"/api/photos/{scored_photo.public_id}/").json())
    api = token_client(staff)
    assert {api.get(url).status_code for url in urls} == {404}
    assert api.get(f"/api/photos/{scored_photo.public_id}/").status_code == 404
