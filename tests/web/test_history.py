"""The history page: its tiles and their live status, filters, the chart and what is under review."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scoring.models import Face, Photo
from tests.web.factories import FaceFactory, PhotoFactory
from tests.web.helpers import add_scored_rows, flag, scored_rows

pytestmark = pytest.mark.django_db


def test_history_runs_the_same_number_of_queries_for_1_or_20_photos(client, alice, face_upload):
    client.force_login(alice)

    add_scored_rows(alice, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("scoring:history")).status_code == 200
    add_scored_rows(alice, 19)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(reverse("scoring:history"))
    assert response.content.count(b'class="tile"') == 20
    assert len(twenty) == len(one)


def test_the_history_chart_has_every_scored_photo_not_only_the_page(client, alice):
    add_scored_rows(alice, 30)
    client.force_login(alice)
    response = client.get(reverse("scoring:history"))
    assert len(response.context["page"].object_list) == 24
    assert len(client.get(reverse("scoring:history_chart")).json()["points"]) == 30


def test_a_failed_tile_says_why_in_a_few_words_on_the_page_and_when_polled(client, alice, no_face_photo):
    photo = no_face_photo
    client.force_login(alice)
    assert "not scored: no face found" in client.get(reverse("scoring:history")).content.decode()
    polled = client.get(reverse("scoring:history_status"), {"photo": str(photo.public_id)}).json()["photos"]
    assert polled[0]["failure"] == "not scored: no face found"


def test_the_history_filters_show_done_or_failed_photos(client, alice):
    scored_rows(alice, 3)
    PhotoFactory(owner=alice, image="photos/y.jpg", status=Photo.Status.FAILED)
    client.force_login(alice)
    for shown, status in (("done", Photo.Status.DONE), ("failed", Photo.Status.FAILED)):
        page = client.get(reverse("scoring:history"), {"status": shown}).context["page"]
        assert [p.status for p in page.object_list] == [status]
    history = client.get(reverse("scoring:history")).content.decode()
    assert re.search(r'href="\?status=failed"[^>]*>Not scored</a>', history)
    assert reverse("scoring:account_delete") not in history  # a risky action lives on the account page only
    assert len(client.get(reverse("scoring:history"), {"status": "nonsense"}).context["page"].object_list) == 2


def test_the_history_tells_the_owner_a_photo_is_under_review(client, alice):
    photos = scored_rows(alice, 3, 4)
    flag(photos[0])
    client.force_login(alice)
    response = client.get(reverse("scoring:history"))
    assert "1 of your photos is under review" in response.content.decode()
    # It links to the flagged photo's page, which says why and offers deleting it or another look.
    assert reverse("scoring:photo", args=[photos[0].public_id]) in response.content.decode()
    points = client.get(reverse("scoring:history_chart")).json()["points"]
    assert [p["id"] for p in points] == [str(photos[1].public_id)]


def test_the_history_status_answers_only_about_the_users_own_photos(client, alice, charlie):
    (photo,) = scored_rows(alice, 3.25)
    client.force_login(charlie)
    url = reverse("scoring:history_status")
    assert client.get(url, {"photo": [str(photo.public_id), "not-a-uuid"]}).json() == {"photos": []}
    client.force_login(alice)
    (state,) = client.get(url, {"photo": str(photo.public_id)}).json()["photos"]
    assert state["status"] == "done" and state["score"] == 3.25


def test_the_cached_history_chart_follows_new_scores_rescores_deletions_and_reviews(client, alice):
    from django.utils import timezone

    first, second = scored_rows(alice, 2.0, 3.0)
    client.force_login(alice)

    def chart() -> list[tuple[str, float]]:
        return [(p["id"], p["score"]) for p in client.get(reverse("scoring:history_chart")).json()["points"]]

    assert chart() == [(str(first.public_id), 2.0), (str(second.public_id), 3.0)]
    (third,) = scored_rows(alice, 4.0)
    assert len(chart()) == 3
    Face.objects.filter(photo=first).update(score=1.5)
    Photo.objects.filter(pk=first.pk).update(scored=timezone.now())  # re-scored
    assert chart()[0] == (str(first.public_id), 1.5)
    flag(second)
    assert [point[0] for point in chart()] == [str(first.public_id), str(third.public_id)]
    third.delete()
    assert [point[0] for point in chart()] == [str(first.public_id)]


def test_the_history_chart_answers_only_with_the_users_own_points(client, alice, charlie):
    scored_rows(alice, 3.0, 4.0)
    assert client.get(reverse("scoring:history_chart")).status_code == 302  # to the log-in page
    client.force_login(charlie)
    assert client.get(reverse("scoring:history_chart")).json() == {"points": []}


def test_a_new_user_sees_no_controls_that_have_nothing_to_act_on(client, charlie):
    client.force_login(charlie)
    history = client.get(reverse("scoring:history")).content.decode()
    assert "No photos yet." in history
    assert 'class="filters"' not in history and "Page 1 of 1" not in history
    picker = client.get(reverse("scoring:compare")).content.decode()
    assert "You need at least two scored photos" in picker and "Compare the selected photos" not in picker
    assert "Click two to four photos" in picker
    deletion = client.get(reverse("scoring:account_delete")).content.decode()
    assert "0 photos" not in deletion and "Delete my account</button>" in deletion


def test_one_scored_photo_gets_the_sentence_and_no_compare_bar(client, alice):
    scored_rows(alice, 3)
    client.force_login(alice)
    picker = client.get(reverse("scoring:compare")).content.decode()
    assert "You need at least two scored photos" in picker and "Compare the selected photos" not in picker


def test_the_history_filters_stay_once_there_are_photos(client, alice):
    scored_rows(alice, 3)
    client.force_login(alice)
    assert 'class="filters"' in client.get(reverse("scoring:history")).content.decode()
    assert 'class="filters"' in client.get(reverse("scoring:history") + "?status=failed").content.decode()


def history_labels(client, **query) -> list[str]:
    return [photo.label for photo in client.get(reverse("scoring:history"), query).context["page"].object_list]


def named_rows(owner, **scores: float | None) -> None:
    """Photos named by the keywords, uploaded in their order a minute apart; None: not scored."""
    start = timezone.now() - timedelta(hours=1)
    for minute, (label, score) in enumerate(scores.items()):
        if score is None:
            photo = PhotoFactory(owner=owner, status=Photo.Status.FAILED)
        else:
            photo = FaceFactory(photo__owner=owner, score=score, percentile=50, grad_cam="").photo
        Photo.objects.filter(pk=photo.pk).update(label=label, created=start + timedelta(minutes=minute))


def test_the_history_sorts_newest_oldest_highest_and_lowest_unscored_last(client, alice):
    named_rows(alice, middle=3.0, failed=None, best=4.5, worst=1.5)
    client.force_login(alice)
    assert history_labels(client) == ["worst", "best", "failed", "middle"]
    assert history_labels(client, sort="newest") == ["worst", "best", "failed", "middle"]
    assert history_labels(client, sort="oldest") == ["middle", "failed", "best", "worst"]
    assert history_labels(client, sort="highest") == ["best", "middle", "worst", "failed"]
    assert history_labels(client, sort="lowest") == ["worst", "middle", "best", "failed"]
    assert history_labels(client, sort="'; drop table") == ["worst", "best", "failed", "middle"]  # unknown: newest


def test_the_history_searches_photo_names_in_any_letter_case_and_keeps_the_choices_in_its_links(client, alice):
    labels = {"Wedding day.jpg": 3.0, "beach.jpg": 4.0, "wedding cake.png": 2.0, "婚礼.jpg": 3.5, "Zoë Ölz.jpg": 3.2}
    named_rows(alice, **labels)
    client.force_login(alice)
    assert history_labels(client, q="WEDDING") == ["wedding cake.png", "Wedding day.jpg"]
    # Every alphabet's letter case, not ASCII's alone (SQLite's own LOWER folds only ASCII).
    assert history_labels(client, q="ZOË ÖLZ") == history_labels(client, q="zoë ölz") == ["Zoë Ölz.jpg"]
    assert history_labels(client, q="  wedding   day ") == ["Wedding day.jpg"]  # spaces as typed, tidied
    assert history_labels(client, q="婚礼") == ["婚礼.jpg"]
    assert history_labels(client, q="wedding", sort="highest") == ["Wedding day.jpg", "wedding cake.png"]
    page = client.get(reverse("scoring:history"), {"q": "wedding", "sort": "highest"}).content.decode()
    assert 'value="wedding"' in page and '<option value="highest" selected>' in page
    assert 'href="?status=failed&amp;sort=highest&amp;q=wedding"' in page  # a filter keeps the search and order
    nothing = client.get(reverse("scoring:history"), {"q": "birthday"}).content.decode()
    assert "No photo's name contains “birthday”." in nothing and "No photos yet" not in nothing
    assert 'id="history-search"' in nothing  # the search stays to change it


def test_the_history_pages_keep_the_search_and_order(client, alice):
    named_rows(alice, **{f"trip {n}.jpg": 1 + n / 10 for n in range(30)})
    client.force_login(alice)
    page = client.get(reverse("scoring:history"), {"q": "trip", "sort": "lowest"}).content.decode()
    assert 'href="?status=all&amp;sort=lowest&amp;q=trip&amp;page=2"' in page
    assert history_labels(client, q="trip", sort="lowest", page=2) == [f"trip {n}.jpg" for n in range(24, 30)]
