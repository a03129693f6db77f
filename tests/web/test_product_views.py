"""The pages of issue 13 without a browser: compare, history, front page, account deletion, limits."""

import re

import pytest
from django.urls import reverse

from scoring import compare
from scoring.explain import STAGES
from scoring.models import Face, Photo
from tests.web.conftest import add_scored_rows

pytestmark = pytest.mark.django_db


def scored_rows(owner, *scores: float) -> list[Photo]:
    """Scored photos (rows only, no files), oldest first, with these scores."""
    photos = []
    for value in scores:
        photo = Photo.objects.create(owner=owner, image="photos/x.jpg", width=1, height=1, status=Photo.Status.DONE)
        Face.objects.create(photo=photo, rank=0, x=0, y=0, w=1, h=1, score=value, percentile=value * 20, grad_cam="")
        photos.append(photo)
    return photos


def compare_url(*photos: Photo, go: bool = True) -> str:
    query = "&".join(f"photo={p.public_id}" for p in photos)
    return f"{reverse('scoring:compare')}?{'go=1&' if go else ''}{query}"


def flag(photo: Photo) -> None:
    Photo.objects.filter(pk=photo.pk).update(review=Photo.Review.FLAGGED)


def test_compare_keeps_the_order_chosen_and_says_which_scores_higher(client, alice):
    low, high = scored_rows(alice, 2.0, 3.5)
    client.force_login(alice)
    response = client.get(compare_url(high, low))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(str(high.public_id)) < page.index(str(low.public_id))
    assert "A scores highest: 3.50 / 5" in page
    assert "B scores 1.50 points lower than A (30 percentile points): a large difference." in page


def test_compare_calls_a_difference_within_the_models_error_a_tie(client, alice):
    photos = scored_rows(alice, 3.0, 3.1)
    client.force_login(alice)
    page = client.get(compare_url(*photos)).content.decode()
    assert "A and B are 0.10 points apart" in page and "(about 0.35), so read it as a tie." in page
    assert "score about the same" in page
    assert "Differences under about 0.35 points" in page  # one margin, said alike everywhere


def test_a_tie_at_the_top_of_three_is_no_win_and_the_third_photo_is_named(client, alice):
    photos = scored_rows(alice, 3.59, 3.34, 3.30)
    photos.append(scored_rows(alice, 2.5)[0])
    client.force_login(alice)
    page = client.get(compare_url(*photos)).content.decode()
    assert (
        "A, B and C score about the same, the highest here (3.59, 3.34 and 3.30 / 5): closer than the "
        "model&#x27;s margin of error, so none is ahead. D scores clearly lower." in page
    )
    assert "ahead by a hair" not in page


def test_a_photo_near_the_lower_of_a_shared_top_is_only_a_little_lower(client, alice):
    # C is 0.40 under B but only 0.10 under A, which the pairwise sentence calls a tie.
    photos = scored_rows(alice, 2.70, 3.00, 2.60)
    client.force_login(alice)
    page = client.get(compare_url(*photos)).content.decode()
    assert "so neither is ahead. C scores a little lower." in page
    assert "A and C are 0.10 points apart" in page and "clearly lower" not in page


def test_compare_takes_up_to_four_photos_and_counts_each_once(client, alice):
    photos = scored_rows(alice, 2, 3, 4, 5)
    client.force_login(alice)
    response = client.get(compare_url(*photos, photos[0]))
    assert response.status_code == 200 and response.content.count(b"data-letter=") == 4


def test_one_photo_is_refused_with_a_sentence_and_stays_ticked(client, alice):
    (photo,) = scored_rows(alice, 3)
    client.force_login(alice)
    response = client.get(compare_url(photo))
    assert response.status_code == 400
    assert "Pick at least two photos" in response.content.decode()
    assert re.search(rf'value="{photo.public_id}"\s+checked', response.content.decode())


def test_five_photos_are_refused_with_a_sentence(client, alice):
    photos = scored_rows(alice, 1, 2, 3, 4, 5)
    client.force_login(alice)
    response = client.get(compare_url(*photos))
    assert response.status_code == 400 and "Pick at most 4 photos; you picked 5." in response.content.decode()


def test_compare_with_from_a_photo_page_opens_the_picker_quietly(client, alice):
    (photo,) = scored_rows(alice, 3)
    client.force_login(alice)
    response = client.get(compare_url(photo, go=False))
    assert response.status_code == 200 and b"Pick at least" not in response.content
    assert f'data-chosen="{photo.public_id}"' in response.content.decode()


def test_charlie_gets_404_for_a_comparison_of_alices_photos(client, alice, charlie):
    photos = scored_rows(alice, 2, 3)
    client.force_login(charlie)
    assert client.get(compare_url(*photos)).status_code == 404
    assert client.get(compare_url(photos[0], go=False)).status_code == 404


def test_a_flagged_photo_cannot_be_compared_by_its_owner(client, alice):
    photos = scored_rows(alice, 2, 3)
    flag(photos[1])
    client.force_login(alice)
    assert client.get(compare_url(*photos)).status_code == 404


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
    Photo.objects.create(owner=alice, image="photos/y.jpg", width=1, height=1, status=Photo.Status.FAILED)
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


def test_the_front_page_tells_a_visitor_what_the_site_does_and_sends_users_to_upload(client, alice):
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200 and "Sign up" in page and "An example result" in page
    assert reverse("scoring:about") in page
    client.force_login(alice)
    assert client.get("/")["Location"] == reverse("scoring:upload")


def test_the_favicon_is_served_from_static(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("scoring/favicon.svg")


def test_the_upload_form_states_its_limits_before_they_bite(client, alice):
    client.force_login(alice)
    page = client.get(reverse("scoring:upload")).content.decode()
    assert "Up to 10 photos at a time, each at most 10 MB and 40 megapixels. JPEG, PNG or WebP" in page


def test_deleting_the_account_asks_for_the_password_and_says_what_goes(client, alice):
    scored_rows(alice, 3, 4)
    client.force_login(alice)
    page = client.get(reverse("scoring:account_delete")).content.decode()
    assert "your 2 photos" in page and 'type="password"' in page
    response = client.post(reverse("scoring:account_delete"), {"password": "wrong"})
    assert response.status_code == 400 and "nothing was deleted" in response.content.decode()
    assert Photo.objects.count() == 2
    response = client.post(reverse("scoring:account_delete"), {"password": "pw-alice-123"})
    assert response.status_code == 302 and not Photo.objects.exists()


def test_every_stage_of_the_model_has_a_sentence():
    from ml.models.efficientnet_lite import BeautyNet

    assert list(STAGES) == BeautyNet().stage_names()
    assert all(words["title"] and words["text"] for words in STAGES.values())


def test_the_pages_say_the_pictures_show_one_of_the_models_two_networks(client):
    """The shipped model mixes two networks and draws the first: the pages must not say there is one."""
    from django.utils.html import escape

    from ml.inference.predictor import Predictor
    from scoring.explain import TWO_NETWORKS, page_texts

    model = Predictor().model
    assert len(model.members) == 2 and model.stage_names() == list(STAGES)
    for name in ("scoring:home", "scoring:about"):
        assert escape(str(TWO_NETWORKS)) in client.get(reverse(name)).content.decode(), name
    assert page_texts()["two_networks"] == TWO_NETWORKS  # the photo page's script shows it under each score


def test_a_photo_is_named_by_when_it_was_uploaded(alice):
    (photo,) = scored_rows(alice, 3)
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d", compare.photo_label(photo))


def test_the_admin_shows_rounded_scores_faces_from_1_and_no_editable_claim(client, alice, staff):
    (photo,) = scored_rows(alice, 3.123456789)
    client.force_login(staff)
    page = client.get(reverse("admin:scoring_photo_change", args=[photo.pk])).content.decode()
    assert "3.12" in page and "3.123456789" not in page
    assert 'name="claimed_by"' not in page and 'name="claimed_0"' not in page
    assert re.search(r'<td class="field-number">\s*<p>1</p>', page)


def test_the_owner_of_a_flagged_photo_is_told_it_is_under_review_and_charlie_is_not(client, alice, charlie):
    (photo,) = scored_rows(alice, 3)
    flag(photo)
    url = reverse("scoring:photo", args=[photo.public_id])
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 404 and "under review" in response.content.decode()
    client.force_login(charlie)
    response = client.get(url)
    assert response.status_code == 404 and "under review" not in response.content.decode()


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


def test_the_front_and_about_pages_say_photos_are_never_trained_on_and_how_long_they_are_kept(client):
    for name in ("scoring:home", "scoring:about"):
        page = client.get(reverse(name)).content.decode()
        assert "never used to train the model" in page, name
        assert "kept until you delete them" in page, name


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
