"""Outages of the photo storage: uploads answer 503 with a code and keep nothing; a worker gives
its photos back without using up their attempts. (Real outages of every server, across hosts:
tests/hosts/test_several_hosts.py.)"""

from datetime import timedelta

import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from operations import outages
from scoring.models import Photo
from scoring.services import jobs, photos, pipeline

pytestmark = pytest.mark.django_db


def bucket_behind_the_discard_port(settings, monkeypatch) -> None:
    """Photo storage on S3 where nothing listens: botocore raises its own connection error."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "beauty-photos",
                "endpoint_url": "http://127.0.0.1:9",
                "region_name": "us-east-1",
                "client_config": Config(connect_timeout=1, retries={"mode": "standard", "max_attempts": 1}),
            },
        },
    }


@pytest.fixture
def unreachable_storage(settings, monkeypatch):
    bucket_behind_the_discard_port(settings, monkeypatch)


def test_errors_of_an_unreachable_server_are_outages_and_others_are_not():
    assert outages.unavailable(EndpointConnectionError(endpoint_url="http://127.0.0.1:9")) == outages.STORAGE
    assert outages.unavailable(OperationalError("server closed the connection unexpectedly")) == outages.DATABASE
    assert outages.unavailable(ValueError("a bad photo")) is None


def test_an_api_upload_meeting_a_storage_outage_is_a_503_with_a_code_and_nothing_kept(
    api, face_upload, unreachable_storage
):
    response = api.post("/api/photos/", {"image": face_upload}, format="multipart")
    assert response.status_code == 503, response.content
    assert response.json() == {"detail": outages.sentence(outages.STORAGE), "code": "storage_unavailable"}
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert not Photo.objects.exists()


def test_a_page_upload_meeting_a_storage_outage_says_to_try_again(client, alice, face_upload, unreachable_storage):
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload]})
    assert response.status_code == 503
    assert b"Try again in a minute" in response.content and b"Photo storage cannot be reached" in response.content
    assert not Photo.objects.exists()


def test_a_worker_meeting_a_storage_outage_gives_the_photos_back_uncounted_for_later(
    alice, face_upload, settings, monkeypatch
):
    stored = [photos.photo_create(owner=alice, upload=face_upload) for _ in range(2)]  # on the local folder
    sent = []
    monkeypatch.setattr(jobs, "send", lambda public_id, countdown=None: sent.append((str(public_id), countdown)))
    bucket_behind_the_discard_port(settings, monkeypatch)  # now the storage is away

    pipeline.run_scoring_job(public_id=stored[0].public_id, task_id="task-1")  # claims both: one batch

    for photo in stored:
        photo.refresh_from_db()
        assert (photo.status, photo.attempts, photo.faces.count()) == ("queued", 0, 0)
    assert sorted(sent) == sorted((str(photo.public_id), jobs.OUTAGE_PAUSE_SECONDS) for photo in stored)


def test_a_photo_given_back_after_an_outage_joins_no_batch_before_its_pause(alice, face_upload, monkeypatch):
    monkeypatch.setattr(jobs, "send", lambda public_id, countdown=None: True)
    rested, leader = (photos.photo_create(owner=alice, upload=face_upload) for _ in range(2))
    jobs.claim(public_id=rested.public_id, task_id="task-1")
    jobs.give_back_after_outage(photos=Photo.objects.filter(pk=rested.pk))
    claimed_leader = jobs.claim(public_id=leader.public_id, task_id="task-2")
    assert jobs.claim_batch_mates(leader=claimed_leader, task_id="task-2") == []  # back in the queue, but resting

    Photo.objects.filter(pk=rested.pk).update(claimed=timezone.now() - timedelta(seconds=jobs.OUTAGE_PAUSE_SECONDS))
    assert [mate.pk for mate in jobs.claim_batch_mates(leader=claimed_leader, task_id="task-2")] == [rested.pk]
