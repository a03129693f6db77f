"""With the broker unreachable, an upload is kept, queued, and the person is told it will be scored."""

import logging

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from beautysite.celery import app
from scoring.models import Photo
from tests.web.helpers import scoring_worker, wait_until_finished

pytestmark = pytest.mark.django_db(transaction=True)


def use_broker(url: str, transport: str | None = None) -> None:
    """Point the app's producers at another broker (drops the cached connection pools)."""
    app.conf.broker_url = url
    app.conf.broker_transport = transport
    app.__dict__.pop("pool", None)
    app.amqp._producer_pool = None


@pytest.fixture
def unreachable_broker():
    saved = app.conf.broker_url, app.conf.broker_transport
    use_broker("redis://127.0.0.1:9/0")  # the discard port: nothing listens there
    yield saved  # the working broker, for tests that bring it back
    use_broker(*saved)


def test_the_upload_is_kept_queued_when_the_broker_is_down(client, alice, face_upload, unreachable_broker, caplog):
    # An in-process Celery worker started by an earlier test leaves the root logger at ERROR.
    caplog.set_level(logging.WARNING, logger="scoring.services.jobs")
    client.force_login(alice)
    response = client.post(reverse("scoring:upload"), {"photos": [face_upload]}, follow=True)
    assert response.status_code == 200
    photo = Photo.objects.get()
    assert photo.status == Photo.Status.QUEUED and default_storage.exists(photo.image.name)
    assert b"it will be scored in a moment" in response.content
    assert "could not reach the broker" in caplog.text


def test_once_the_broker_is_back_the_stale_photo_is_resent_and_scored(client, alice, face_upload, unreachable_broker):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    client.force_login(alice)
    client.post(reverse("scoring:upload"), {"photos": [face_upload]})
    photo = Photo.objects.get()
    Photo.objects.filter(pk=photo.pk).update(created=timezone.now() - timedelta(minutes=30))
    use_broker(*unreachable_broker)
    with scoring_worker():
        call_command("requeue_stale", "--minutes", "10")
        assert wait_until_finished(photo).status == Photo.Status.DONE
