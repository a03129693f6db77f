"""Comparing photos: the picker, the order chosen, what the difference says, who may compare what."""

import re

import pytest
from django.urls import reverse

from scoring.models import Photo
from scoring.services import photos
from tests.web.helpers import add_scored_rows, flag, scored_rows

pytestmark = pytest.mark.django_db


def compare_url(*photos: Photo, go: bool = True) -> str:
    query = "&".join(f"photo={p.public_id}" for p in photos)
    return f"{reverse('scoring:compare')}?{'go=1&' if go else ''}{query}"


def test_compare_shows_two_of_your_photos_side_by_side(client, alice, scored_photo, face_upload):
    other = photos.photo_create(owner=alice, upload=face_upload)
    client.force_login(alice)
    response = client.get(reverse("scoring:compare"), {"photo": [scored_photo.public_id, other.public_id]})
    assert response.status_code == 200 and response.content.count(b'class="card"') == 2


def test_compare_with_ids_that_are_not_uuids_is_a_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("scoring:compare"), {"photo": ["x", "y"]}).status_code == 404


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


def test_compare_says_how_raters_would_split_over_two_clearly_different_faces(alice):
    from ml.inference.rating_band import share_preferring
    from scoring.compare import Entry, difference_in_words

    low = [0, 0.05, 0.2, 0.4, 0.25, 0.1, 0, 0, 0, 0]
    high = [0, 0, 0, 0.05, 0.2, 0.4, 0.25, 0.1, 0, 0]
    a = Entry("A", "a", uploaded="", photo={}, score=2.0, percentile=20, distribution=low)
    b = Entry("B", "b", uploaded="", photo={}, score=3.0, percentile=55, distribution=high)
    tenths = round(10 * share_preferring(low, high))
    assert 5 < tenths < 10
    assert difference_in_words(a, b).endswith(f"about {tenths} in 10 would rate B higher, the rest not.")
    assert share_preferring(low, low) == pytest.approx(0.5)


def test_compare_calls_a_tie_with_how_evenly_raters_would_split(alice):
    from scoring.compare import Entry, difference_in_words

    panel = [0, 0.05, 0.2, 0.4, 0.25, 0.1, 0, 0, 0, 0]
    nudged = [0, 0.04, 0.19, 0.4, 0.26, 0.11, 0, 0, 0, 0]
    a = Entry("A", "a", uploaded="", photo={}, score=2.0, percentile=20, distribution=panel)
    b = Entry("B", "b", uploaded="", photo={}, score=2.05, percentile=22, distribution=nudged)
    sentence = difference_in_words(a, b)
    assert "read it as a tie." in sentence and sentence.endswith("5 in 10 would rate B higher.")


def test_the_server_refuses_a_fifth_photo_with_a_sentence_and_keeps_the_ticks(client, alice):
    add_scored_rows(alice, 5)
    client.force_login(alice)
    ids = "&".join(f"photo={photo.public_id}" for photo in alice.photos.all())
    response = client.get(reverse("scoring:compare") + "?go=1&" + ids)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pick at most 4 photos; you picked 5." in page
    assert page.count("checked") == 4
    assert 'data-full="You can compare up to four photos: untick one to pick another."' in page


def test_the_picker_shows_each_photos_face_and_when_it_was_uploaded(client, alice):
    first, second = scored_rows(alice, 3.0, 4.0)
    Photo.objects.filter(pk=first.pk).update(label="beach.jpg", width=400, height=300)
    Photo.objects.filter(pk=second.pk).update(label="party.jpg", width=400, height=300)
    first.faces.update(x=100, y=50, w=80, h=100)
    client.force_login(alice)
    picker = client.get(reverse("scoring:compare")).content.decode()
    # The history card's face square: the photo through an SVG viewBox around the face box.
    assert re.search(r'<svg class="thumb" viewBox="\d+ \d+ \d+ \d+"[^>]*aria-label="Your photo beach.jpg"', picker)
    assert picker.count('<svg class="thumb"') == 2
    assert picker.count("<time datetime=") == 2
