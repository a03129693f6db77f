"""/healthz says the process is up; /readyz whether the database, broker and storage answer."""

import time

import pytest
from django.db import OperationalError

from beautysite.celery import app
from operations import health, heartbeat, probes
from scoring.models import WorkerHeartbeat
from scoring.services import photos
from tests.web.helpers import scoring_worker, wait_until

pytestmark = pytest.mark.django_db


def test_healthz_answers_whatever_the_host_and_without_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200 and response.json() == {"status": "up"}


def test_health_routes_take_a_final_slash_and_refuse_other_methods_with_405(client):
    assert client.get("/healthz/").json() == {"status": "up"}
    assert client.get("/readyz/").status_code == 200
    refused = client.post("/readyz")
    assert refused.status_code == 405 and refused["Allow"] == "GET, HEAD"


def test_readyz_is_200_with_each_check_the_heartbeat_and_the_waiting_photos(client, alice, face_upload, settings):
    photos.photo_create(owner=alice, upload=face_upload)
    response = client.get("/readyz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready" and set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["photos_waiting"] == 1 and body["worker_heartbeat_age_seconds"] is None


def test_readyz_tells_no_secrets(client, settings):
    text = client.get("/readyz").content.decode()
    database = settings.DATABASES["default"]
    secrets = [database.get(key) for key in ("NAME", "USER", "PASSWORD", "HOST")] + [settings.SECRET_KEY]
    secrets += [settings.CELERY_BROKER_URL, str(settings.MEDIA_ROOT)]
    assert not [secret for secret in secrets if secret and len(str(secret)) > 4 and str(secret) in text]


class DownDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server at db.internal:5432 password=hunter2")


def test_readyz_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(probes, "connection", DownDatabase())
    monkeypatch.setattr(health, "last_heartbeat_age", lambda: pytest.fail("the database is down"))
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "failing"
    assert body["checks"]["database"]["ok"] is False and body["checks"]["database"]["error"] == "OperationalError"
    assert body["checks"]["broker"]["ok"] and body["checks"]["storage"]["ok"]
    assert body["photos_waiting"] is None and "hunter2" not in response.content.decode()


def test_readyz_is_503_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    monkeypatch.setitem(app.conf, "broker_transport", None)
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    started = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert not response.json()["checks"]["broker"]["ok"] and response.json()["checks"]["database"]["ok"]
    assert time.monotonic() - started < 5  # a load balancer's probe does not wait on retries


def test_readyz_is_503_when_the_media_folder_cannot_be_written(client, settings, tmp_path):
    (tmp_path / "disk").write_text("a file where the media folder's parent should be")
    blocked = {"location": str(tmp_path / "disk" / "media")}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": blocked},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["ok"] is False and storage["error"] == "PermissionError"


def test_a_heartbeat_is_recorded_at_most_every_few_seconds_per_worker(client):
    heartbeat.heartbeat_record("celery@a", force=True)
    first = WorkerHeartbeat.objects.get(hostname="celery@a").seen
    heartbeat.heartbeat_record("celery@a")
    assert WorkerHeartbeat.objects.get(hostname="celery@a").seen == first
    assert 0 <= client.get("/readyz").json()["worker_heartbeat_age_seconds"] < 5


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_running_worker_shows_as_a_fresh_heartbeat(client):
    # Celery's test worker runs without a heart unless asked; a real one has it.
    with scoring_worker("celery", without_heartbeat=False):
        wait_until(
            lambda: client.get("/readyz").json()["worker_heartbeat_age_seconds"] is not None,
            seconds=30,
            failure=lambda: "no heartbeat recorded",
            every=0.5,
        )
    assert client.get("/readyz").json()["worker_heartbeat_age_seconds"] < 30
