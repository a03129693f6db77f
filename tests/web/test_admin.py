"""The Django admin: staff review uploads (list, search, flag, approve, re-score); nobody else gets in."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from scoring.models import Photo, User
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


def test_the_photo_list_names_the_zone_of_its_times_in_the_readers_language(staff_client, staff, scored_photo):
    User.objects.filter(pk=staff.pk).update(time_zone="America/New_York")
    listing = staff_client.get(reverse("admin:scoring_photo_changelist")).content.decode()
    assert "uploaded (United States (New York) Time)" in listing  # the column; the filter's title too
    assert "America/New_York" not in listing
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    listing = staff_client.get(reverse("admin:scoring_photo_changelist")).content.decode()
    assert listing.count("上传时间（美国（纽约）时间）") >= 2  # the column and the filter's title
    assert "America/New_York" not in listing and "上传时间 (" not in listing


def test_a_reviewer_in_a_fixed_offset_zone_reads_the_list_and_the_queue(staff_client, staff, scored_photo):
    User.objects.filter(pk=staff.pk).update(time_zone="Etc/GMT-8")
    listing = staff_client.get(reverse("admin:scoring_photo_changelist"))
    assert listing.status_code == 200 and "uploaded (GMT+08:00)" in listing.content.decode()
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    queue = staff_client.get(reverse("admin:scoring_photo_review"))
    assert queue.status_code == 200 and "（GMT+08:00）" in queue.content.decode()
