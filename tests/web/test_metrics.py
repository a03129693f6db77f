"""GET /metrics of the web: hidden without the bearer token, the queue read from the database,
django-prometheus's request, database and cache series beside it."""

import pytest
from django.core.cache import cache

from scoring.models import Photo
from tests.web.factories import PhotoFactory
from tests.web.metrics_helpers import samples, value

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-metrics-token"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


def test_without_a_token_set_metrics_is_a_missing_page_whatever_is_sent(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_a_missing_or_wrong_token_gets_the_same_404_as_any_missing_page(client, token):
    missing = client.get("/no-such-page")
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Token {TOKEN}"},
                    {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"}, {"HTTP_AUTHORIZATION": TOKEN}):  # fmt: skip
        answer = client.get("/metrics", **headers)
        assert answer.status_code == 404, headers
        assert answer["Content-Type"] == missing["Content-Type"] and b"beauty_" not in answer.content


def test_the_right_token_reads_the_queue_from_the_database(client, token, alice):
    PhotoFactory.create_batch(3, owner=alice, status=Photo.Status.QUEUED)
    PhotoFactory(owner=alice, status=Photo.Status.RUNNING)
    PhotoFactory(owner=alice, status=Photo.Status.DONE)
    assert value(scrape(client), "beauty_photos_queued") == 3
    Photo.objects.filter(status=Photo.Status.QUEUED).first().delete()
    assert value(scrape(client), "beauty_photos_queued") == 2


def test_metrics_answers_by_ip_over_http_like_the_health_routes(client, token, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["beauty.example.com"]
    response = client.get("/metrics", HTTP_HOST="10.0.0.7:8000", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200 and b"beauty_photos_queued" in response.content
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_requests_queries_and_cache_reads_are_counted(client, token):
    view = {"view": "account_login", "method": "GET"}
    before = scrape(client)
    for _ in range(3):
        assert client.get("/accounts/login/").status_code == 200
    cache.get("metrics-test-key")  # the configured cache, as rate limits read it
    after = scrape(client)
    requests = "django_http_requests_total_by_view_transport_method_total"
    assert (value(after, requests, **view) or 0) - (value(before, requests, **view) or 0) == 3
    misses = "django_cache_get_misses_total"
    assert (value(after, misses) or 0) - (value(before, misses) or 0) == 1
    assert value(after, "django_db_execute_total") > (value(before, "django_db_execute_total") or 0)
    # The scrapes themselves are not counted as requests: they are answered before the middleware.
    assert value(after, requests, view="<unnamed view>") in (None, 0)


def counted(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0


def test_every_way_a_photo_ends_failed_is_counted_once_by_its_code(alice, settings):
    from scoring.services import jobs

    before = {
        code: counted("beauty_photos_failed_total", code=code) for code in ("too_slow", "internal_error", "no_face")
    }
    jobs.fail_too_slow(public_id=PhotoFactory(owner=alice, status=Photo.Status.RUNNING).public_id)
    spent = PhotoFactory(owner=alice, status=Photo.Status.QUEUED, attempts=settings.SCORING_MAX_ATTEMPTS)
    assert jobs.claim(public_id=spent.public_id) is None  # gave up: failed, internal_error
    jobs.fail(photo=PhotoFactory(owner=alice, status=Photo.Status.RUNNING), message="No face found in this photo.")
    gone = PhotoFactory(owner=alice, status=Photo.Status.RUNNING)
    Photo.objects.filter(pk=gone.pk).delete()
    jobs.fail(photo=gone, message="No face found in this photo.")  # nothing ended failed: nothing counted
    after = {code: counted("beauty_photos_failed_total", code=code) for code in before}
    assert {code: after[code] - before[code] for code in before} == {"too_slow": 1, "internal_error": 1, "no_face": 1}


def test_queue_wait_is_observed_at_a_photos_first_claim_only(alice):
    from scoring.services import jobs

    before = counted("beauty_queue_wait_seconds_count")
    photo = PhotoFactory(owner=alice, status=Photo.Status.QUEUED)
    assert jobs.claim(public_id=photo.public_id, task_id="t1") is not None
    assert counted("beauty_queue_wait_seconds_count") == before + 1
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.QUEUED)  # given back after an error
    assert jobs.claim(public_id=photo.public_id, task_id="t2").attempts == 2
    assert counted("beauty_queue_wait_seconds_count") == before + 1
