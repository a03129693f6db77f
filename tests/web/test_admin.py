"""The Django admin: staff review uploads (list, search, flag, approve, re-score); nobody else gets in."""

import re

import pytest
from django.urls import reverse

from scoring.models import Photo
from tests.web.helpers import scored_rows

pytestmark = pytest.mark.django_db


def test_staff_see_the_list_and_the_result_read_only(staff_client, scored_photo):
    client = staff_client
    listing = client.get(reverse("admin:scoring_photo_changelist"), {"status__exact": Photo.Status.DONE})
    assert listing.status_code == 200 and str(scored_photo.public_id).encode() in listing.content
    page = client.get(reverse("admin:scoring_photo_change", args=[scored_photo.pk]))
    assert page.status_code == 200 and b"Grad-CAM" in page.content and b"stage7" in page.content


def test_search_by_user(staff_client, scored_photo):
    client = staff_client
    changelist = reverse("admin:scoring_photo_changelist")
    public_id = str(scored_photo.public_id).encode()
    assert public_id in client.get(changelist, {"q": "alice"}).content
    assert public_id not in client.get(changelist, {"q": "nobody"}).content


def test_flag_hides_the_photo_from_its_owner_and_approve_brings_it_back(client, staff_client, alice, scored_photo):
    url = reverse("admin:scoring_photo_changelist")
    staff_client.post(url, {"action": "flag_nudity", "_selected_action": [scored_photo.pk]})
    flagged = Photo.objects.get(pk=scored_photo.pk)
    assert flagged.review == Photo.Review.FLAGGED and flagged.review_reason == Photo.Reason.NUDITY
    client.force_login(alice)
    assert client.get(reverse("scoring:photo", args=[scored_photo.public_id])).status_code == 404
    staff_client.post(url, {"action": "approve", "_selected_action": [scored_photo.pk]})
    approved = Photo.objects.get(pk=scored_photo.pk)
    assert approved.review == Photo.Review.APPROVED and approved.review_reason == ""
    assert client.get(reverse("scoring:photo", args=[scored_photo.public_id])).status_code == 200


def test_rescore_action_queues_the_photo_again(staff_client, scored_photo):
    url = reverse("admin:scoring_photo_changelist")
    staff_client.post(url, {"action": "rescore", "_selected_action": [scored_photo.pk]})
    scored_photo.refresh_from_db()
    assert scored_photo.status == Photo.Status.QUEUED and not scored_photo.faces.exists()


def test_non_staff_cannot_open_the_admin(client, alice):
    client.force_login(alice)
    assert client.get(reverse("admin:scoring_photo_changelist")).status_code == 302


def test_the_admin_shows_rounded_scores_faces_from_1_and_no_editable_claim(staff_client, alice):
    (photo,) = scored_rows(alice, 3.123456789)
    page = staff_client.get(reverse("admin:scoring_photo_change", args=[photo.pk])).content.decode()
    assert "3.12" in page and "3.123456789" not in page
    assert 'name="claimed_by"' not in page and 'name="claimed_0"' not in page
    assert re.search(r'<td class="field-number">\s*<p>1</p>', page)
