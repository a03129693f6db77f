"""An upload goes through the configured broker to a real Celery worker and comes back done.

`make test` runs this once on the embedded defaults (SQLite, kombu's filesystem broker)
and once on PostgreSQL + Redis.
"""

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from kombu.transport import redis

from beautysite import broker
from beautysite.celery import app
from scoring.models import Photo
from scoring.services import photos
from tests.web.helpers import scoring_worker, wait_until_finished

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_an_upload_is_scored_by_a_real_worker(worker, alice, face_upload, blank_upload, stage_count):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    no_face = photos.photo_create(owner=alice, upload=blank_upload)
    photo = wait_until_finished(photo)
    assert photo.status == Photo.Status.DONE, photo.error
    face = photo.faces.get()
    assert 1 <= face.score <= 5 and face.layers.count() == stage_count
    assert all(default_storage.exists(f.name) for f in photo.stored_files())
    assert wait_until_finished(no_face).error.startswith("No face found")


def test_the_broker_is_the_one_configured():
    transport = app.connection_for_write().transport
    expected = redis.Transport if settings.REDIS_URL else broker.Transport
    assert type(transport) is expected


def test_a_dedicated_scoring_queue_sends_jobs_to_the_workers_that_listen_on_it(alice, face_upload, settings):
    settings.SCORING_QUEUE = "scoring-gpu"  # as a deployment with GPU workers sets it
    with scoring_worker("scoring-gpu"):
        photo = photos.photo_create(owner=alice, upload=face_upload)
        assert wait_until_finished(photo).status == Photo.Status.DONE
