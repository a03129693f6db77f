"""The look inside says how many filters of each stage stayed dark on the training photos (issue 27)."""

import json
import re

import pytest

from ml.inference.dark_filters import dark_filters_for
from scoring.models import Photo

pytestmark = pytest.mark.django_db


def _page_data(page: str) -> dict:
    found = re.search(r'<script id="photo-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the photo page carries no data for its script"
    return json.loads(found.group(1))


def test_the_photo_page_says_how_many_filters_of_each_stage_stayed_dark(client, alice, scored_photo, stage_count):
    shipped = dark_filters_for(scored_photo.model_version)
    assert shipped is not None, "the shipped weights have no dark-filter list measured on them"
    client.force_login(alice)
    notes = _page_data(client.get(f"/photos/{scored_photo.public_id}/").content.decode())["dark_filters"]
    drawn = [layer.name for layer in scored_photo.faces.get().layers.order_by("order")]
    assert len(drawn) == stage_count and set(notes["stages"]) == set(drawn)
    for name in drawn:
        stage, said = shipped.stages[name], notes["stages"][name]
        # Counts grouped as the legend's are ("2,640", not "2640").
        assert said["sentence"].startswith(f"{stage.dark:,} of the {stage.filters:,} filters in this stage stayed dark")
        assert said["label"].startswith(f"This stage's {stage.filters:,} filters as squares")
        # The grid marks exactly those filters, each inside the stage.
        assert said["grid"]["filters"] == stage.filters and len(said["grid"]["dark"]) == stage.dark
        assert all(0 <= i < stage.filters for i in said["grid"]["dark"])
        assert len(set(said["grid"]["dark"])) == stage.dark
    assert f"{shipped.dark:,} of the network's {shipped.filters:,} are like that" in notes["legend"]
    assert "could be removed (pruned) to make the network faster" in notes["legend"]
    # In words for a reader who never trained a network: the threshold's shares and the count of
    # training photos are the model card's ("Dark filters and pruning"), not the page's.
    assert "%" not in notes["legend"] and f"{sum(shipped.faces.values()):,}" not in notes["legend"]
    assert "strongest reaction" not in notes["legend"] and "hardly ever react" in notes["legend"]
    # What was done about them, from the measured decision.
    decided = "We removed them" if shipped.pruned["shipped"] else "so the network you see still has them"
    assert decided in notes["legend"]
    # In plain words: the speed ratios and the bar they missed are the model card's, not the page's.
    assert not re.search(r"\d\.\d+ times|\d+%? gain|faces a pass", notes["legend"])
    # The status endpoint, which the open page polls and redraws from, says the same.
    status = client.get(f"/photos/{scored_photo.public_id}/status/").json()
    assert status["dark_filters"] == notes


def test_a_photo_scored_by_other_weights_gets_no_dark_filters(client, alice, scored_photo):
    Photo.objects.filter(pk=scored_photo.pk).update(model_version="ensemble-0000000000")
    client.force_login(alice)
    data = _page_data(client.get(f"/photos/{scored_photo.public_id}/").content.decode())
    assert data["dark_filters"] is None and data["faces"]  # another network's filters are not this one's
