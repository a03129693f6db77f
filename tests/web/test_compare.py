"""Comparing photos: the picker, the order chosen, what the difference says, who may compare what."""

import re

import pytest
from django.urls import reverse

from scoring.models import Photo
from scoring.services import photos
from tests.web.helpers import add_scored_rows, flag, panel_for, scored_rows

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


def test_compare_keeps_the_order_chosen_and_says_how_a_panel_would_split(client, alice):
    low, high = scored_rows(alice, 2.0, 3.5)
    client.force_login(alice)
    response = client.get(compare_url(high, low))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(str(high.public_id)) < page.index(str(low.public_id))
    verdict = re.search(r'<p class="verdict"><strong>(.*?)</strong>', page).group(1)
    assert verdict.startswith("B scores 1.50 points lower than A. About ")
    assert re.search(r"About [89] in 10 people would rate A higher than B: a clear difference\.$", verdict)
    assert "highest here" not in page and "scores highest" not in page  # two photos: no "highest"
    assert "percentile points" not in page


def test_compare_names_how_the_models_error_was_measured(client, alice):
    client.force_login(alice)
    page = client.get(compare_url(*scored_rows(alice, 3.0, 3.1))).content.decode()
    assert "on MEBeauty&#x27;s validation list (221 photos held out from its training)" in page
    assert "by 0.45 points (root mean square)" in page
    assert "About as many people would rate A higher as B: too close to call." in page


def test_three_photos_name_the_highest_and_how_a_panel_splits_against_the_next(client, alice):
    photos = scored_rows(alice, 3.30, 3.59, 3.34)
    photos.append(scored_rows(alice, 2.5)[0])
    client.force_login(alice)
    page = client.get(compare_url(*photos)).content.decode()
    assert (
        "B scores highest: 3.59 / 5, higher than 72% of the reference faces. About 6 in 10 people would rate B"
        " higher than C: close." in page
    )
    # The others against the highest, B; C, next to it, is in the headline already and not said again.
    differences = re.findall(r"<li>(.*?)</li>", page[page.index('class="differences"') :].split("</ul>")[0])
    assert [d.split(". ")[0] for d in differences] == [
        "A scores 0.29 points lower than B",
        "D scores 1.09 points lower than B",
    ]
    assert all("would rate B higher" in d for d in differences)


def test_two_photos_printed_alike_score_the_same_and_split_evenly(client, alice):
    # The reviewer's pair: 3.0047 and 2.9974 both print 3.00, so they are not 0.01 apart.
    client.force_login(alice)
    page = client.get(compare_url(*scored_rows(alice, 3.0047, 2.9974))).content.decode()
    verdict = re.search(r'<p class="verdict"><strong>(.*?)</strong>', page).group(1)
    assert (
        verdict == "A and B score the same: 3.00 / 5. About as many people would rate A higher as B: too close to call."
    )
    assert page.count('<strong class="score">3.00</strong>') == 2


def test_the_gap_is_taken_between_the_scores_as_printed(alice):
    from scoring.compare import Entry, difference_in_words

    # Raw, 3.004 - 2.996 = 0.008 rounds to 0.01; as printed, 3.00 and 3.00 are the same.
    # Raw, 3.014 - 2.996 = 0.018 rounds to 0.02; as printed, 3.01 - 3.00 is 0.01.
    a = Entry("A", "a", uploaded="", photo={}, score=2.996, percentile=50, distribution=None)
    same = Entry("B", "b", uploaded="", photo={}, score=3.004, percentile=50, distribution=None)
    above = Entry("B", "b", uploaded="", photo={}, score=3.014, percentile=50, distribution=None)
    assert difference_in_words(a, same).startswith("A and B score the same: 3.00 / 5.")
    assert difference_in_words(a, above).startswith("B scores 0.01 points higher than A.")


def test_three_photos_with_a_tie_for_highest_say_it_is_a_tie(client, alice):
    client.force_login(alice)
    page = client.get(compare_url(*scored_rows(alice, 3.0047, 2.9974, 2.5))).content.decode()
    verdict = re.search(r'<p class="verdict"><strong>(.*?)</strong>', page).group(1)
    assert verdict == (
        "A and B share the highest score: 3.00 / 5. About as many people would rate A higher as B: too close to call."
    )
    assert "scores highest" not in page
    assert "A and B score the same" not in page  # the pair the headline set side by side is not said twice
    assert "C scores 0.50 points lower than A." in page


def test_a_tie_for_highest_is_a_tie_in_chinese(client, alice):
    client.force_login(alice)
    page = client.get(
        compare_url(*scored_rows(alice, 2.5, 3.0047, 2.9974)), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    verdict = re.search(r'<p class="verdict"><strong>(.*?)</strong>', page).group(1)
    assert verdict.startswith("B 和 C 并列最高：3.00 / 5。")
    assert "得分最高" not in verdict


def test_pairs_whose_panels_split_alike_get_the_same_verdict(alice):
    from scoring.compare import Entry, difference_in_words, panel_split

    def pair(first: float, second: float) -> tuple[Entry, Entry]:
        return (
            Entry("A", "a", uploaded="", photo={}, score=first, percentile=40, distribution=panel_for(first)),
            Entry("B", "b", uploaded="", photo={}, score=second, percentile=60, distribution=panel_for(second)),
        )

    # The pair: 0.28 apart was "a tie", 0.37 apart "a clear difference", both "about 6 in 10".
    near, far = pair(3.0, 3.28), pair(3.0, 3.37)
    assert panel_split(*near).tenths == panel_split(*far).tenths == 6
    near_words, far_words = difference_in_words(*near), difference_in_words(*far)
    assert near_words.startswith("B scores 0.28 points higher than A.")
    assert far_words.startswith("B scores 0.37 points higher than A.")
    assert (
        near_words.split(". ", 1)[1]
        == far_words.split(". ", 1)[1]
        == ("About 6 in 10 people would rate B higher than A: close.")
    )


def test_no_verdict_says_more_or_less_than_its_own_split(alice):
    from scoring.compare import Entry, panel_split, split_words

    seen = {}
    for hundredths in range(0, 300, 5):
        second = 1.5 + hundredths / 100
        a = Entry("A", "a", uploaded="", photo={}, score=1.5, percentile=5, distribution=panel_for(1.5))
        b = Entry("B", "b", uploaded="", photo={}, score=second, percentile=50, distribution=panel_for(second))
        split = panel_split(a, b)
        words = split_words(split)
        seen.setdefault(split.tenths, set()).add(words)
        if split.tenths <= 5:
            assert "too close to call" in words
        elif split.tenths < 10:
            assert f"About {split.tenths} in 10 people would rate B higher than A" in words
        if "clear" in words:
            assert split.tenths >= 8
    assert all(len(words) == 1 for words in seen.values())  # one split, one sentence
    assert set(seen) >= {5, 6, 7, 8, 9}  # the whole range was walked


def test_a_face_scored_before_panels_were_predicted_gets_no_verdict_beyond_its_points(alice):
    from scoring.compare import Entry, difference_in_words

    a = Entry("A", "a", uploaded="", photo={}, score=2.0, percentile=20, distribution=None)
    b = Entry("B", "b", uploaded="", photo={}, score=3.0, percentile=55, distribution=panel_for(3.0))
    sentence = difference_in_words(a, b)
    assert sentence.startswith("B scores 1.00 point higher than A. How a panel would split cannot be told")


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
    page = client.get(compare_url(*photos)).content.decode()
    assert "1 photo of this comparison is no longer here: deleted, or not yours to see." in page
    assert f'data-chosen="{photos[0].public_id}"' in page  # the picker, the flagged photo not chosen


def test_a_saved_comparison_opens_without_a_photo_deleted_since(client, alice, charlie):
    saved = scored_rows(alice, 2, 3, 4)
    client.force_login(alice)
    link = compare_url(*saved)
    photos.photo_delete(photo=saved[2])
    response = client.get(link)
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 photo of this comparison is no longer here: deleted, or not yours to see." in page
    assert len(re.findall(r'<strong class="score">[\d.]+</strong> / 5', page)) == 2  # the two left, compared
    # Another's photo in a link reads as a deleted one does: nothing is revealed about it.
    own = scored_rows(charlie, 3, 4)
    client.force_login(charlie)
    mixed = client.get(compare_url(*own, saved[0])).content.decode()
    assert "1 photo of this comparison is no longer here: deleted, or not yours to see." in mixed
    assert len(re.findall(r'<strong class="score">[\d.]+</strong> / 5', mixed)) == 2  # charlie's two only
    assert f"/photos/{saved[0].public_id}/" not in mixed and "2.00 / 5" not in mixed


def test_the_models_error_evens_out_how_raters_would_split():
    from ml.inference.rating_band import share_preferring

    low = [0, 0.05, 0.2, 0.4, 0.25, 0.1, 0, 0, 0, 0]
    high = [0, 0, 0, 0.05, 0.2, 0.4, 0.25, 0.1, 0, 0]
    plain = share_preferring(low, high)
    assert plain == pytest.approx(0.9075)
    assert 0.5 < share_preferring(low, high, score_error=0.45) < plain  # less sure, never reversed
    assert share_preferring(low, low, score_error=0.45) == pytest.approx(0.5)
    assert share_preferring(high, low, score_error=0.45) == pytest.approx(1 - share_preferring(low, high, 0.45))


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
