"""How a panel would split, where people look: API, photo page data, history chart, export."""

import io
import json
import zipfile

import pytest

from ml.inference.rating_band import band, on_score_scale, score_band
from tests.web.helpers import add_scored_rows

pytestmark = pytest.mark.django_db


def test_the_api_gives_each_face_its_distribution_and_band(client, alice, scored_photo):
    client.force_login(alice)
    face = client.get(f"/api/photos/{scored_photo.public_id}/").json()["faces"][0]
    assert len(face["distribution"]) == 10 and sum(face["distribution"]) == pytest.approx(1, abs=1e-3)
    # One scale: a rater's 1..10 are 0.5..5, the score's, so the distribution's mean is the score itself.
    mean = sum(on_score_scale(step) * p for step, p in enumerate(face["distribution"], start=1))
    assert mean == pytest.approx(face["score"], abs=0.006)
    # The band on that scale, rounded as printed: one decimal.
    assert face["band"]["share"] == 0.8
    assert 0.5 <= face["band"]["low"] < mean < face["band"]["high"] <= 5
    assert all(face["band"][edge] == round(face["band"][edge], 1) for edge in ("low", "high"))


def test_the_photo_page_data_says_how_a_panel_of_25_would_split(client, alice, scored_photo):
    client.force_login(alice)
    panel = client.get(f"/photos/{scored_photo.public_id}/status/").json()["faces"][0]["panel"]
    assert sum(panel["counts"]) == 25 and len(panel["counts"]) == 10
    assert "half would give it" in panel["sentence"] and panel["sentence"].endswith(", out of 5.")
    # The bars' labels: a rater's 1..10 halved, the score's scale.
    assert panel["steps"] == ["0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"]
    assert panel["text"].startswith("Of 25 raters (each rating 1-10 halved, so 0.5 to 5):")
    assert "would give 10" not in panel["text"]
    page = client.get(f"/photos/{scored_photo.public_id}/").content.decode()
    assert "How a panel of 25 people" in page  # the histogram's legend reaches the page's script
    # The histogram is titled and its axis named, on the one scale.
    assert "How 25 raters would score this face" in page and "their 1-10 halved, so 0.5 to 5" in page


def test_faces_scored_before_the_distribution_have_none_and_their_pages_still_open(client, alice):
    add_scored_rows(alice, 1)
    client.force_login(alice)
    photo = alice.photos.get()
    data = client.get(f"/photos/{photo.public_id}/status/").json()
    assert data["faces"][0]["distribution"] is None and data["faces"][0]["band"] is None
    assert data["faces"][0]["panel"] is None
    assert client.get(f"/photos/{photo.public_id}/").status_code == 200


def test_the_photo_page_and_the_history_chart_give_one_range_rounded_one_way(client, alice, scored_photo):
    client.force_login(alice)
    sentence = client.get(f"/photos/{scored_photo.public_id}/status/").json()["faces"][0]["panel"]["sentence"]
    band = client.get("/history/chart/").json()["points"][0]["band"]
    # The chart prints the numbers as they come (JavaScript's String(2.6) is "2.6", String(5.0) is "5").
    low, high = (f"{edge:g}" for edge in (band["low"], band["high"]))
    assert f"80% between {low} and {high}, out of 5." in sentence


def test_a_band_is_the_raters_band_halved_rounded_to_one_decimal():
    distribution = [0, 0, 0.1, 0.2, 0.4, 0.2, 0.1, 0, 0, 0]
    low, high = band(distribution)
    assert score_band(distribution) == (round(on_score_scale(low), 1), round(on_score_scale(high), 1))
    assert [on_score_scale(1), on_score_scale(7), on_score_scale(10)] == [0.5, 3.5, 5]  # the score's scale
    assert score_band([1] + [0] * 9) == (0.5, 0.7)  # a panel of 1s: no rating under a rater's 1


def test_the_history_chart_and_the_export_carry_the_band(client, alice, scored_photo):
    client.force_login(alice)
    point = client.get("/history/chart/").json()["points"][0]
    assert point["band"]["low"] < point["score"] < point["band"]["high"] <= 5
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get("/account/export/").streaming_content)))
    face = json.loads(archive.read("scores.json"))[0]["faces"][0]
    assert face["band"] == point["band"] and len(face["distribution"]) == 10


def test_the_front_page_example_says_how_a_panel_would_split(client):
    from scoring.example import example_result

    distribution = example_result()["distribution"]
    assert len(distribution) == 10
    page = client.get("/").content.decode()
    # A rater's 0.5 is said with the halving, beside a headline of scores from 1 to 5.
    assert "half would give it" in page and "Of 25 raters (each rating 1-10 halved, so 0.5 to 5):" in page
