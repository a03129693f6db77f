"""schemathesis, a client we did not write, attacks the live API over HTTP with a real worker scoring.

Every operation of /api/schema/, every check schemathesis has (server errors, schema
conformance of status, headers and bodies, valid requests rejected, auth ignored, ...), a
bounded number of examples so it stays within a few minutes. Uploads it generates are real
photos, truncated photos and files that are no photo at all.
"""

import math
import time
from collections import Counter

import numpy as np
import pytest
import requests
import schemathesis
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from skimage import data

from tests.images import jpeg, png

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

STEPS = 15  # stateful scenarios, each a few linked calls
EXAMPLES = 30  # per operation: enough to reach every status the schema names, small enough for 2 busy cores


FACE = jpeg(data.astronaut())
WALL = png(np.full((120, 120, 3), 90, np.uint8))
INTACT = (FACE, WALL)  # photos the API must take (201); a worker scores them, face found or not
UPLOAD_REFUSALS = {"empty_file", "unsupported_format", "unreadable_image", "too_small"}


def upload_bodies() -> st.SearchStrategy[bytes]:
    """What a client may send as the photo: a face, a photo without one, the same cut short, or no image."""
    face, wall = FACE, WALL
    truncated = st.sampled_from([face, wall]).flatmap(
        lambda whole: st.integers(1, len(whole) - 1).map(lambda n: whole[:n])
    )
    not_images = st.sampled_from([b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.4\n", b"GIF89a"])
    return st.one_of(st.just(face), st.just(wall), truncated, not_images, st.binary(max_size=256))


# The schema says the photo is `format: binary`; schemathesis sends these bytes as the multipart file.
schemathesis.openapi.format("binary", upload_bodies())


ANSWERS: Counter[tuple[str, int]] = Counter()  # (operation, status) over the whole run


@pytest.fixture(scope="module", autouse=True)
def answers_seen():
    """Tallies what the API answered; the uploads must have reached both a 201 and a refusal."""
    started = time.monotonic()
    yield
    took = time.monotonic() - started
    print(f"\nschemathesis: {sum(ANSWERS.values())} requests in {took:.0f}s: {sorted(ANSWERS.items())}")
    uploads = {status for (operation, status) in ANSWERS if operation == "POST /api/photos/"}
    assert not uploads or {201, 400} <= uploads  # (a run of `-k` without the upload tallies none)


@pytest.fixture
def token(alice) -> str:
    return Token.objects.create(user=alice).key


def served_schema() -> dict:
    """/api/schema/ as the site serves it (read here, at collection, where no live server runs yet)."""
    from django.test import Client

    return Client().get("/api/schema/", {"format": "json"}).json()


schema = schemathesis.openapi.from_dict(served_schema())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_its_schema(case, live_server, worker, token):
    kwargs = {"base_url": live_server.url, "headers": {"Authorization": f"Token {token}"}, "timeout": 60}
    validate(case, case.call(**kwargs), kwargs)


def test_uploads_followed_by_their_links_keep_to_the_schema(live_server, worker, token):
    """Stateful: POST's 201 links its id to GET and DELETE, so photos that exist are read and deleted."""
    # The upload allowance is state outside the scenarios: once spent, a 201 turns 429 midway and
    # the link rules hypothesis may draw change under it (FlakyStrategyDefinition). The 429 is
    # the first test's to meet.
    plenty = override_settings(PHOTO_UPLOAD_RATE="100000/h")
    kwargs = {"base_url": live_server.url, "headers": {"Authorization": f"Token {token}"}, "timeout": 60}

    class Links(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return kwargs

        def validate_response(self, response, case, additional_checks=None, **_):
            validate(case, response, kwargs, recorder=self.recorder)

    before = Counter(ANSWERS)
    with plenty:
        Links.run(
            settings=settings(max_examples=STEPS, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        )
    linked = {label for (label, status) in ANSWERS - before if status in (200, 204) and "{public_id}" in label}
    assert linked == {"GET /api/photos/{public_id}/", "DELETE /api/photos/{public_id}/"}


def validate(case, response, kwargs, **more) -> None:
    """All of schemathesis's checks on the answer; a schema-valid request refused for what no schema
    can state is spared the one check that calls its 400 wrong, and the 400 must say why."""
    ANSWERS[case.operation.label, response.status_code] += 1
    refusals = refused_beyond_the_schema(case)
    excluded = [positive_data_acceptance] if refusals else []
    if text_whatever_its_type(case):
        excluded.append(negative_data_rejection)
    case.validate_response(
        response, excluded_checks=excluded, headers=kwargs["headers"], transport_kwargs=kwargs, **more
    )
    if refusals and response.status_code == 400:
        assert response.json()["code"] in refusals, response.text
        if response.json()["code"] == "invalid_page":
            assert_past_the_last_page(case, kwargs)


def assert_past_the_last_page(case, kwargs) -> None:
    """A page refused as past the last must be past the last: one that holds photos is no 400."""
    page_size = int(case.query.get("page_size", django_settings.REST_FRAMEWORK["PAGE_SIZE"]))
    listed = requests.get(f"{kwargs['base_url']}/api/photos/", headers=kwargs["headers"], timeout=60)
    pages = max(1, math.ceil(listed.json()["count"] / page_size))
    assert int(case.query["page"]) > pages, f"page {case.query['page']} of {pages} refused"


def text_whatever_its_type(case) -> bool:
    """A schema-violating upload whose `label` is no string: a multipart field arrives as text
    whatever type was meant (5 is sent as "5", a valid label), so taking it breaks no schema."""
    negative = case.meta is not None and not case.meta.generation.mode.is_positive
    body = case.body if isinstance(case.body, dict) else {}
    return negative and "label" in body and not isinstance(body["label"], str)


def refused_beyond_the_schema(case) -> set[str]:
    """The error codes a schema-valid request may get: bytes that are no photo, a page past the last."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return set()  # schema-violating requests: schemathesis's own checks say what they must get
    if case.method == "POST" and case.path == "/api/photos/" and isinstance(case.body, dict):
        return set() if case.body.get("image") in INTACT else UPLOAD_REFUSALS
    if case.method == "GET" and case.path == "/api/photos/" and str((case.query or {}).get("page", 1)) != "1":
        return {"invalid_page"}
    return set()
