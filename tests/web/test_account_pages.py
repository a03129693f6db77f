"""Accounts: signing up and in, passwords, deleting the account, and django-allauth's pages in the
product's words (fields say what to type, mail pages say whom to write to)."""

import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from scoring.models import Photo
from tests.web.helpers import scored_rows

pytestmark = pytest.mark.django_db

MAIL_PAGES = ("account_reset_password", "account_reset_password_done", "account_email_verification_sent")


def test_the_sign_in_form_labels_say_what_to_type(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Username or email" in page
    assert "Keep me signed in on this device" in page
    assert "Login:" not in page and "Remember Me" not in page


def test_signing_in_with_the_relabelled_form_still_works_by_username_and_by_email(client, alice):
    for login in (alice.username, alice.email):
        client.logout()
        response = client.post(reverse("account_login"), {"login": login, "password": "pw-alice-123"})
        assert response.status_code == 302, login
        assert client.get(reverse("scoring:history")).status_code == 200


@pytest.mark.parametrize("name", MAIL_PAGES)
def test_mail_pages_promise_no_contact_when_none_is_configured(client, settings, name):
    settings.CONTACT_EMAIL = ""
    page = client.get(reverse(name)).content.decode()
    assert "contact us" not in page.lower()
    assert "mailto:" not in page


@pytest.mark.parametrize("name", MAIL_PAGES)
def test_mail_pages_and_about_give_the_configured_contact_address(client, settings, name):
    settings.CONTACT_EMAIL = "help@beauty.example"
    assert 'href="mailto:help@beauty.example"' in client.get(reverse(name)).content.decode()
    assert 'href="mailto:help@beauty.example"' in client.get(reverse("scoring:about")).content.decode()


def test_account_mail_is_signed_by_the_product_not_the_host_name(client, alice, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": alice.email})
    (mail,) = mailoutbox
    assert mail.subject.startswith("[Beauty Evaluator] ")
    assert mail.body.startswith("Hello from Beauty Evaluator!")
    assert "Hello from testserver" not in mail.body and "/accounts/password/reset/key/" in mail.body


def test_the_account_page_names_the_account_and_keeps_the_api_docs_link_once_a_key_exists(client, alice):
    client.force_login(alice)
    client.post(reverse("scoring:account"), {"action": "create"})
    page = client.get(reverse("scoring:account")).content.decode()
    page = client.get(reverse("scoring:account")).content.decode()  # the key itself is shown once only
    assert "Signed in as <strong>alice</strong> (alice@example.com)" in page
    assert "You have a key" in page and "replace it below" in page
    assert f'href="{reverse("api-docs")}"' in page and f'href="{reverse("account_change_password")}"' in page


@pytest.mark.parametrize(
    "name, heading",
    [
        ("account_login", "Sign in"),
        ("account_signup", "Sign up"),
        ("account_logout", "Sign out"),
        ("account_change_password", "Change your password"),
        ("account_email", "Email addresses"),
    ],
)
def test_account_pages_are_headed_in_sentence_case_like_the_rest_of_the_site(client, alice, name, heading):
    if name not in ("account_login", "account_signup"):
        client.force_login(alice)
    page = client.get(reverse(name)).content.decode()
    h1 = re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", page, re.S).group(1)
    title = re.search(r"<title>\s*(.*?)\s*·", page, re.S).group(1)
    assert (h1, title) == (heading, heading)
    assert "Current Password" not in page and "New Password" not in page


def test_deleting_the_account_removes_everything(client, alice, scored_photo):
    client.force_login(alice)
    assert client.post(reverse("scoring:account_delete"), {"password": "pw-alice-123"}).status_code == 302
    assert not Photo.objects.exists() and not default_storage.exists(scored_photo.image.name)
    from scoring.models import User

    assert not User.objects.filter(username="alice").exists()


def test_sign_up_then_log_in(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("account_login"), {"login": "dora", "password": "a-long-pass-phrase-9"})
    assert response.status_code == 302
    assert client.get(reverse("scoring:history")).status_code == 200


def test_password_reset_sends_a_mail_with_a_link(client, alice, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/accounts/password/reset/key/" in mailoutbox[0].body


def test_password_change_takes_the_new_password(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pw-alice-123", "password1": "new-long-phrase-77", "password2": "new-long-phrase-77"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("new-long-phrase-77")


def test_repeated_failed_log_ins_are_refused_with_a_message(client, alice):
    for i in range(6):
        response = client.post(reverse("account_login"), {"login": "alice", "password": f"wrong-{i}"})
    assert b"Too many failed login attempts" in response.content
    # Even the right password is refused while the limit holds.
    client.post(reverse("account_login"), {"login": "alice", "password": "pw-alice-123"})
    assert client.get(reverse("scoring:history")).status_code == 302


def test_too_many_sign_ups_from_one_address_get_429(client, settings, db):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    codes = []
    for i in range(3):
        codes.append(
            client.post(
                reverse("account_signup"),
                {
                    "username": f"user{i}",
                    "email": f"user{i}@example.com",
                    "password1": "a-long-pass-phrase-9",
                    "password2": "a-long-pass-phrase-9",
                },
            ).status_code
        )
        client.logout()
    assert codes == [302, 302, 429]


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


def sign_up(client, **fields):
    data = {"email": "dora@example.com", "username": "dora", "password1": "a-long-pass-phrase-9"}
    data["password2"] = data["password1"]
    data.update(fields)
    return client.post(reverse("account_signup"), data)


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
