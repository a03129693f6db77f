"""One rounding rule for a score: every place that prints one says the same number (issue 33).

3.525 is where the rules used to part: Django's floatformat rounded it up (3.53), the page's
script rounded the API's 3.525 down (3.52) and the export wrote 3.525.
"""

import io
import json
import re
import zipfile

import numpy as np
import pytest
from django.urls import reverse
from PIL import ImageChops

from ml.inference.annotate import annotate, box_label
from ml.inference.score_format import rounded_score, score_text
from tests.web.factories import FaceFactory
from tests.web.helpers import panel_for, scored_rows

pytestmark = pytest.mark.django_db
HALF_WAY = 3.525


@pytest.mark.parametrize(
    ("score", "printed"),
    [(3.525, "3.53"), (3.5249, "3.52"), (2.005, "2.01"), (1.0, "1.00"), (4.999, "5.00"), (2.675, "2.68")],
)
def test_a_score_rounds_half_up_on_the_number_as_written(score, printed):
    assert score_text(score) == printed and rounded_score(score) == float(printed)


def test_the_box_drawn_on_the_photo_says_the_rounded_score():
    assert box_label(1, HALF_WAY) == "#1 3.53"
    photo = np.full((200, 200, 3), 128, np.uint8)
    drawn = annotate(photo, [((40, 60, 100, 100), HALF_WAY)])
    assert ImageChops.difference(drawn, annotate(photo, [((40, 60, 100, 100), 3.53)])).getbbox() is None
    assert ImageChops.difference(drawn, annotate(photo, [((40, 60, 100, 100), 3.52)])).getbbox() is not None


def test_every_place_that_prints_a_score_prints_the_same(client, alice, staff_client):
    face = FaceFactory(photo__owner=alice, score=HALF_WAY, percentile=71, grad_cam="", distribution=panel_for(HALF_WAY))
    photo = face.photo
    said = {}
    changelist = staff_client.get("/admin/scoring/photo/").content.decode()
    said["admin list"] = float(re.search(r'<td class="field-score">([\d.]+)</td>', changelist)[1])
    change = staff_client.get(f"/admin/scoring/photo/{photo.pk}/change/").content.decode()
    said["admin face"] = float(re.search(r'field-score_text">\s*<p>([\d.]+)</p>', change)[1])
    said["admin face's name"] = float(re.search(r"face 1, score ([\d.]+)", change)[1])  # the inline row's title
    review = staff_client.get(reverse("admin:scoring_photo_review")).content.decode()  # the only photo waiting
    said["review queue"] = float(re.search(r'class="face-score">score ([\d.]+)', review)[1])
    client.force_login(alice)
    # The photo page's script prints the number its data carries (toFixed(2) of an already rounded number).
    page = client.get(reverse("scoring:photo", args=[photo.public_id])).content.decode()
    data = json.loads(re.search(r'<script id="photo-data" type="application/json">(.*?)</script>', page, re.S)[1])
    said["page"] = data["faces"][0]["score"]
    said["status"] = client.get(reverse("scoring:photo_status", args=[photo.public_id])).json()["faces"][0]["score"]
    history = client.get(reverse("scoring:history")).content.decode()
    said["card"] = float(re.search(r'<span class="status done">([\d.]+) / 5</span>', history)[1])
    said["tooltip"] = client.get(reverse("scoring:history_chart")).json()["points"][0]["score"]
    said["api"] = client.get(f"/api/photos/{photo.public_id}/").json()["faces"][0]["score"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(reverse("scoring:export")).streaming_content)))
    said["export"] = json.loads(archive.read("scores.json"))[0]["faces"][0]["score"]
    other = scored_rows(alice, 2.0, 1.5)
    compare = client.get(
        reverse("scoring:compare"), {"photo": [photo.public_id, *[p.public_id for p in other]]}
    ).content.decode()
    said["compare verdict"] = float(re.search(r"A scores highest: ([\d.]+) / 5", compare)[1])
    said["compare face line"] = float(re.search(r'<strong class="score">([\d.]+)</strong> / 5', compare)[1])
    assert said == dict.fromkeys(said, 3.53)
