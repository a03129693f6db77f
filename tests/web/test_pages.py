"""The site's own pages: the front and about pages, the favicon, what every page carries, sign-in first."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_ask_an_anonymous_visitor_to_log_in(client):
    for name in ("scoring:upload", "scoring:history", "scoring:compare"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_page_has_a_skip_link_and_the_about_page_in_its_menu(client, alice):
    for logged_in in (False, True):
        if logged_in:
            client.force_login(alice)
        page = client.get(reverse("scoring:home"), follow=True).content.decode()
        header = page[page.index("<header>") : page.index("</header>")]
        assert page.index('class="skip-link" href="#content"') < page.index("<header>")
        assert '<main id="content"' in page
        assert f'href="{reverse("scoring:about")}">About</a>' in header, logged_in


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


def test_the_front_and_about_pages_say_photos_are_never_trained_on_and_how_long_they_are_kept(client):
    for name in ("scoring:home", "scoring:about"):
        page = client.get(reverse(name)).content.decode()
        assert "never used to train the model" in page, name
        assert "kept until you delete them" in page, name


def test_about_names_the_one_scale_what_the_score_cannot_see_and_how_the_error_was_measured(client):
    page = client.get(reverse("scoring:about")).content.decode()
    assert "Every number on this site is on that one scale" in page and "rounded half up" in page
    # A rater's 1-10 halved as the score is, the lowest said plainly (below any score's 1).
    assert "a rater's 7 of 10 is shown as 3.5, and their lowest, 1, as 0.5" in page
    assert "What the score cannot see" in page and "studio portrait set against a phone selfie" in page
    assert "about as well as the mean of 5 people." in page
    assert "validation list (221 photos held out from its training) the model" in page and "0.45 points" in page
    assert "0.35 points" not in page  # the old margin of error, gone with the ties


@pytest.mark.parametrize(("language", "counted"), [("en", "1,973 in-the-wild photos"), ("zh-hans", "1,973 张日常照片")])
def test_about_counts_the_reference_photos_as_every_other_count_is_grouped(client, language, counted):
    page = client.get(reverse("scoring:about"), headers={"Accept-Language": language}).content.decode()
    assert counted in page and "1973" not in page  # as "21,008" and "2,640" elsewhere (scoring.numbers.whole_number)
