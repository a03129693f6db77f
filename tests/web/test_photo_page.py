"""A photo's page and its files: what its owner sees, who else may open or delete them (staff only)."""

import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from scoring import compare
from scoring.explain import STAGES
from scoring.model_releases import DATASET_OF_HEAD, RELEASES, model_in_words
from scoring.models import Photo
from scoring.services import photos
from tests.web.helpers import flag, photo_urls, scored_rows

pytestmark = pytest.mark.django_db


# The access matrix: each visitor against each URL of Alice's scored photo. Only the owner
# (and staff, below) get it; anyone else gets 404 as if it did not exist, but an anonymous visitor
# is sent to sign in by the page (whatever the id: that reveals nothing either).
VISITORS = ["owner", "charlie", "anonymous"]


MEDIA_FILES = {
    "original": lambda photo: [photo.image],
    "annotated": lambda photo: [photo.annotated],
    "filters": lambda photo: [photo.filters],
    "grad-cam": lambda photo: [photo.top_face.grad_cam],
    "layers": lambda photo: [layer.image for layer in photo.top_face.layers.all()],
}


VIEW_URLS = {
    "page": lambda photo: [reverse("scoring:photo", args=[photo.public_id])],
    "status JSON": lambda photo: [reverse("scoring:photo_status", args=[photo.public_id])],
    "API detail": lambda photo: [f"/api/photos/{photo.public_id}/"],
    **{
        f"media {kind}": lambda photo, files=files: [reverse("scoring:media", args=[f.name]) for f in files(photo)]
        for kind, files in MEDIA_FILES.items()
    },
}


DELETE_REQUESTS = {
    "delete page": lambda client, photo: client.post(reverse("scoring:photo_delete", args=[photo.public_id])),
    "API delete": lambda client, photo: client.delete(f"/api/photos/{photo.public_id}/"),
}


@pytest.fixture
def visitor_client(request, client, alice, charlie):
    """The test client as the visitor the test is parametrized with."""
    who = {"owner": alice, "charlie": charlie, "anonymous": None}[request.param]
    if who is not None:
        client.force_login(who)
    client.is_owner = request.param == "owner"
    return client


@pytest.fixture
def charlies_photo(charlie, face_upload):
    return photos.photo_create(owner=charlie, upload=face_upload)


def test_a_photo_link_opened_signed_out_leads_to_sign_in_and_back_whether_or_not_the_photo_exists(
    client, alice, scored_photo
):
    real = reverse("scoring:photo", args=[scored_photo.public_id])
    made_up = reverse("scoring:photo", args=["00000000-0000-0000-0000-000000000000"])
    answers = [client.get(url) for url in (real, made_up)]
    assert [a.status_code for a in answers] == [302, 302]  # the same answer: existence is not revealed
    assert answers[0]["Location"] == f"/accounts/login/?next={real}"
    signed_in = client.post(answers[0]["Location"], {"login": "alice", "password": "pw-alice-123"})
    assert signed_in["Location"] == real and client.get(real).status_code == 200


def test_owner_sees_photo_page_with_score_and_layers(client, alice, scored_photo, stage_count):
    client.force_login(alice)
    response = client.get(reverse("scoring:photo", args=[scored_photo.public_id]))
    assert response.status_code == 200
    assert b"photo-data" in response.content and b"stage3" in response.content
    status = client.get(reverse("scoring:photo_status", args=[scored_photo.public_id])).json()
    assert status["status"] == Photo.Status.DONE and len(status["faces"][0]["layers"]) == stage_count
    media = client.get(status["faces"][0]["grad_cam_url"])
    assert media.status_code == 200 and media["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("visitor_client", VISITORS, indirect=True)
@pytest.mark.parametrize("url_kind", VIEW_URLS)
def test_only_the_owner_can_open_each_url_of_a_photo(visitor_client, url_kind, scored_photo):
    urls = VIEW_URLS[url_kind](scored_photo)
    assert urls and all(urls), url_kind
    anonymous_page = url_kind == "page" and not visitor_client.session.get("_auth_user_id")
    expected = 200 if visitor_client.is_owner else 302 if anonymous_page else 404
    for url in urls:
        assert visitor_client.get(url).status_code == expected, url


def test_the_matrix_covers_every_stored_file_of_the_photo(scored_photo):
    covered = {f.name for files in MEDIA_FILES.values() for f in files(scored_photo)}
    assert covered == {f.name for f in scored_photo.stored_files()}


@pytest.mark.parametrize("visitor_client", VISITORS, indirect=True)
@pytest.mark.parametrize("request_kind", DELETE_REQUESTS)
def test_only_the_owner_can_delete_a_photo(visitor_client, request_kind, scored_photo):
    response = DELETE_REQUESTS[request_kind](visitor_client, scored_photo)
    if visitor_client.is_owner:
        assert response.status_code in (204, 302)
        assert not Photo.objects.filter(pk=scored_photo.pk).exists()
    else:
        assert response.status_code == 404
        assert Photo.objects.filter(pk=scored_photo.pk).exists()


def test_a_user_cannot_open_another_users_files_by_name(client, alice, charlies_photo):
    client.force_login(alice)
    assert default_storage.exists(charlies_photo.image.name)
    assert client.get(reverse("scoring:media", args=[charlies_photo.image.name])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "photos/{mine}/results/../{my_file}",  # her own original, by a path the route refuses on its face
        "photos/{mine}/../{theirs}/{their_file}",  # up from her folder into Charlie's
        "photos/{mine}/results/../../{theirs}/{their_file}",
        "photos/{mine}/%2e%2e/{theirs}/{their_file}",
        "photos/{mine}/{their_file}",  # Charlie's file name under her photo
        "../../beautysite/settings.py",
    ],
)
def test_a_media_name_with_dot_dot_or_another_users_file_is_refused(client, alice, scored_photo, charlies_photo, name):
    name = name.format(
        mine=scored_photo.public_id,
        my_file=scored_photo.image.name.rsplit("/", 1)[1],
        theirs=charlies_photo.public_id,
        their_file=charlies_photo.image.name.rsplit("/", 1)[1],
    )
    client.force_login(alice)
    assert client.get(f"/private-media/{name}").status_code == 404


def test_staff_with_a_second_factor_can_see_alices_photo(staff_client, scored_photo):
    for url in photo_urls(scored_photo):
        assert staff_client.get(url).status_code == 200, url


def test_staff_opening_alices_photo_read_whose_it_is_never_your_photo(client, staff_client, alice, scored_photo):
    page = staff_client.get(reverse("scoring:photo", args=[scored_photo.public_id])).content.decode()
    label = compare.photo_label(scored_photo)
    assert f"<h1>Photo {label}, uploaded by alice</h1>" in page and "Your photo" not in page
    client.force_login(alice)
    page = client.get(reverse("scoring:photo", args=[scored_photo.public_id])).content.decode()
    assert f"<h1>Your photo {label}</h1>" in page


def test_every_privacy_sentence_names_the_staff_who_review_uploads(client, alice):
    for url in (reverse("scoring:home"), reverse("scoring:about")):
        page = client.get(url).content.decode()
        assert "Only you and the staff who review uploads can open your photos." in page  # the footer
        assert "nobody else can open them" not in page and "reported content" not in page
    front = client.get(reverse("scoring:home")).content.decode()
    assert re.search(r"Only you and the site(&#x27;|')s staff who review uploads can open your photos\.", front)


def test_the_photo_names_help_says_staff_see_it_too(client, alice, scored_photo):
    client.force_login(alice)
    url = reverse("scoring:photo", args=[scored_photo.public_id])
    help_text = re.search(r'id="label-help"[^>]*>(.*?)<', client.get(url).content.decode(), re.S)[1]
    assert "Only you and the staff who review uploads see it." in help_text
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "只有您本人和审核上传内容的工作人员能看到。" in re.search(r'id="label-help"[^>]*>(.*?)<', chinese, re.S)[1]


def test_the_photo_page_says_what_the_score_cannot_see_and_how_far_people_agree(client, alice, scored_photo):
    client.force_login(alice)
    page = client.get(reverse("scoring:photo", args=[scored_photo.public_id])).content.decode()
    cautions = page[page.index('id="cautions"') :]
    for words in ("Age, expression and lighting", "retouching", "studio portrait set against a phone selfie"):
        assert words in cautions
    assert "one person&#x27;s rating agrees with the mean of the rest of the panel at a correlation of 0.49" in cautions
    assert "split-half reliability" in cautions and "about as well as the mean of 5 people." in cautions


def test_owner_deletes_a_photo_and_its_files(client, alice, scored_photo):
    client.force_login(alice)
    response = client.post(reverse("scoring:photo_delete", args=[scored_photo.public_id]))
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert not default_storage.exists(scored_photo.image.name)


def test_a_failed_photo_page_does_not_say_it_was_scored(client, alice, no_face_photo):
    photo = no_face_photo
    client.force_login(alice)
    page = client.get(reverse("scoring:photo", args=[photo.public_id])).content.decode()
    assert "No face found in this photo." in page
    assert "Not scored" in page and "Scored by model version" not in page
    assert f'id="try-another" href="{reverse("scoring:upload")}">Try another photo</a>' in page  # not a dead end
    assert re.search(r'id="compare-with" [^>]* hidden>', page)  # a failed photo cannot be compared


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


def test_the_photo_page_names_the_model_in_words_and_keeps_the_id_for_the_details(client, alice, scored_photo):
    client.force_login(alice)
    page = client.get(reverse("scoring:photo", args=[scored_photo.public_id])).content.decode()
    line = re.search(r'<p class="small" id="model-line">(.*?)</p>', page, re.S).group(1)
    assert line.startswith(f"Model: {model_in_words(scored_photo.model_version)}. Scored ")
    assert scored_photo.model_version not in line
    details = page[page.index('id="model-details"') :]
    assert f'<code id="model-version">{scored_photo.model_version}</code>' in details


def test_the_served_weights_have_a_release_whose_datasets_are_the_files_heads():
    from scoring.inference import get_predictor

    predictor = get_predictor()
    release = RELEASES[predictor.version]
    assert release.heads == tuple(predictor.metadata["regressor"]["heads"])
    assert model_in_words(predictor.version) == (
        f"two networks combined, released {release.released:%-d %b %Y}, trained on "
        + " and ".join(DATASET_OF_HEAD[head] for head in release.heads)
    )
    assert model_in_words("lite0-0000000000") == ""  # unknown: the page gives the version alone
