"""django-allauth's pages in the product's words: fields say what to type, mail pages say whom to write to."""

import re

import pytest
from django.urls import reverse

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
