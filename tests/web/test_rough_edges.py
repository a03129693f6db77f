"""Issue 24's rough edges, each pinned: sign-up errors under their own field and a mismatch said
beside a weak password, the compare picker's limit, where local mail goes, the model in words,
and one case style on allauth's pages."""

import re

import pytest
from django.urls import reverse

from scoring.model_releases import DATASET_OF_HEAD, RELEASES, model_in_words
from tests.web.conftest import add_scored_rows

pytestmark = pytest.mark.django_db


def sign_up(client, **fields):
    data = {"email": "dora@example.com", "username": "dora", "password1": "a-long-pass-phrase-9"}
    data["password2"] = data["password1"]
    data.update(fields)
    return client.post(reverse("account_signup"), data)


def test_a_sign_up_error_sits_under_its_own_field_before_the_next_label(client, alice):
    page = sign_up(client, username="alice").content.decode()
    error = page.index("A user with that username already exists.")
    assert page.index('id="id_username"') < error < page.index('for="id_password1"')
    assert 'aria-describedby="id_username_error"' in page and 'aria-invalid="true"' in page


def test_a_mismatch_is_reported_beside_the_weak_passwords_errors(client, db):
    response = sign_up(client, password1="abc", password2="abd")
    assert response.status_code == 200  # allauth re-shows the form
    form = response.context["form"]
    assert any("too short" in message for message in form.errors["password1"])
    assert form.errors["password2"] == ["You must type the same password each time."]


def test_a_strong_mismatch_is_reported_once(client, db):
    form = sign_up(client, password2="another-long-phrase-7").context["form"]
    assert form.errors["password2"] == ["You must type the same password each time."]
    assert "password1" not in form.errors


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


def test_with_console_mail_the_reset_page_says_the_mail_is_in_the_servers_console(client, alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    page = client.post(reverse("account_reset_password"), {"email": "alice@example.com"}, follow=True)
    text = page.content.decode()
    assert "prints each email, link included, in the console it runs in" in text
    assert "spam folder" not in text


def test_with_real_mail_the_reset_page_speaks_of_the_spam_folder(client, alice, mailoutbox):
    page = client.post(reverse("account_reset_password"), {"email": "alice@example.com"}, follow=True)
    assert "check your spam folder" in page.content.decode() and len(mailoutbox) == 1
    assert mailoutbox[0].subject == "[Beauty Evaluator] Reset your password"


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
        f"Ensemble of {release.released:%-d %b %Y}, trained on "
        + " and ".join(DATASET_OF_HEAD[head] for head in release.heads)
    )
    assert model_in_words("lite0-0000000000") == ""  # unknown: the page gives the version alone


# Words that keep their capital inside a heading: names.
NAMES = {"Beauty", "Evaluator", "API", "SCUT-FBP5500", "MEBeauty", "Grad-CAM"}
ALLAUTH_PAGES = [
    ("account_login", False),
    ("account_signup", False),
    ("account_reset_password", False),
    ("account_reset_password_done", False),
    ("account_change_password", True),
    ("account_email", True),
    ("account_logout", True),
]


def title_cased(text: str) -> list[str]:
    """Words after the first written with a capital that are not names."""
    words = re.findall(r"[\w-]+", text)
    return [w for w in words[1:] if w[0].isupper() and w not in NAMES and not w.isupper()]


@pytest.mark.parametrize(("name", "signed_in"), ALLAUTH_PAGES)
def test_allauths_pages_speak_in_sentence_case(client, alice, name, signed_in):
    if signed_in:
        client.force_login(alice)
    page = client.get(reverse(name)).content.decode()
    texts = re.findall(r"<(title|h1|h2|button|label|summary)[^>]*>(.*?)</\1>", page, re.S)
    assert texts, name
    for _tag, html in texts:
        for text in re.split(r"<[^>]+>|·", html):  # each run of text on its own (a badge is not a heading's word)
            assert not title_cased(text), (name, text)


def test_a_bad_reset_link_says_so_in_sentence_case(client, alice):
    page = client.get("/accounts/password/reset/key/0-bad-key/", follow=True).content.decode()
    assert "This link no longer works" in page and "Bad Token" not in page
