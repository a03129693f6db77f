"""Reviewing uploads (issue 34): the review queue, the owner's side of a flag, a second factor for
staff, the records of every staff access, and the `reviewers` group's permissions."""

import importlib
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from scoring.models import AccessRecord, Photo, User
from tests.web.factories import FaceFactory, PhotoFactory, UserFactory
from tests.web.helpers import (
    DESKTOP,
    browser_sign_in_with_totp,
    enrol_totp,
    fresh_totp_code,
    logged_in,
    scored_rows,
    sign_in_with_totp,
    upload,
)

pytestmark = pytest.mark.django_db
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def reviewers_group() -> Group:
    """The group as migration 0010 makes it, its own function run again: a test before this one
    may have emptied the tables (a live server's test flushes them, the migrations' rows too)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("scoring.migrations.0010_reviewers_group")
    state = MigrationExecutor(connection).loader.project_state(("scoring", "0010_reviewers_group"))
    migration.create_group(state.apps, None)
    return Group.objects.get(name=migration.GROUP)


@pytest.fixture
def reviewer(db) -> User:
    """Staff in the reviewers group, not a superuser: what README's "make someone a reviewer" makes."""
    user = UserFactory(username="rita", is_staff=True)
    user.groups.add(reviewers_group())
    return user


@pytest.fixture
def reviewer_client(reviewer) -> Client:
    client = Client()
    sign_in_with_totp(client, reviewer)
    return client


def queue_url() -> str:
    return reverse("admin:scoring_photo_review")


def decide(client, photo: Photo, decision: str, reason: str = "", note: str = "", **headers):
    url = reverse("admin:scoring_photo_review_decide", args=[photo.public_id])
    return client.post(url, {"decision": decision, "reason": reason, "note": note}, headers=headers)


# The review queue.


def test_the_queue_shows_the_oldest_unreviewed_photo_large_with_its_faces_boxed_and_how_many_are_left(
    reviewer_client, alice
):
    first, second = scored_rows(alice, 3.21, 4.5)
    PhotoFactory(owner=alice, review=Photo.Review.APPROVED)
    page = reviewer_client.get(queue_url()).content.decode()
    assert f'data-photo="{first.public_id}"' in page
    assert "2 photos left to review." in page
    assert page.count('class="face-box"') == 1 and "score 3.21" in page
    assert "(UTC)" in page  # the reviewer's zone, named beside the upload time


def test_approving_and_flagging_move_on_to_the_next_and_the_flag_keeps_reason_and_note(reviewer_client, alice):
    first, second = scored_rows(alice, 3.0, 3.5)
    approved = decide(reviewer_client, first, "approve")
    assert approved.status_code == 302 and approved["Location"] == queue_url()
    assert f'data-photo="{second.public_id}"' in reviewer_client.get(queue_url()).content.decode()
    decide(reviewer_client, second, "flag", "someone_else", "  Looks like a magazine cover.  ")
    second.refresh_from_db()
    assert (second.review, second.review_reason, second.review_note) == (
        "flagged",
        "someone_else",
        "Looks like a magazine cover.",
    )
    assert second.reviewed is not None
    assert 'id="queue-empty"' in reviewer_client.get(queue_url()).content.decode()


def test_a_flag_without_a_reason_is_refused_with_a_sentence_and_the_same_photo(reviewer_client, alice):
    (photo,) = scored_rows(alice, 3.0)
    refused = decide(reviewer_client, photo, "flag", note="why not")
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Choose why the photo is flagged: its owner is told." in page and f'data-photo="{photo.public_id}"' in page
    assert "why not" in page  # the note typed is kept
    assert decide(reviewer_client, photo, "flag", "no-such-reason").status_code == 400
    assert decide(reviewer_client, photo, "maybe").status_code == 400
    photo.refresh_from_db()
    assert photo.review == Photo.Review.UNREVIEWED


def test_the_photos_admin_page_also_refuses_a_flag_without_a_reason(reviewer_client, alice):
    (photo,) = scored_rows(alice, 3.0)
    form = {"review": "flagged", "review_reason": "", "review_note": "", "faces-TOTAL_FORMS": "1",
            "faces-INITIAL_FORMS": "1", "faces-MIN_NUM_FORMS": "0", "faces-MAX_NUM_FORMS": "1000",
            "faces-0-id": str(photo.faces.get().pk), "faces-0-photo": str(photo.pk)}  # fmt: skip
    url = reverse("admin:scoring_photo_change", args=[photo.pk])
    refused = reviewer_client.post(url, form)
    assert refused.status_code == 200
    assert "Choose why the photo is flagged: its owner is told." in refused.content.decode()
    assert Photo.objects.get(pk=photo.pk).review == Photo.Review.UNREVIEWED
    assert reviewer_client.post(url, {**form, "review_reason": "violence"}).status_code == 302
    assert Photo.objects.get(pk=photo.pk).review_reason == Photo.Reason.VIOLENCE


def test_every_model_has_a_useful_name_in_the_sites_words(alice):
    (photo,) = scored_rows(alice, 3.456)
    Photo.objects.filter(pk=photo.pk).update(label="beach.jpg")
    photo.refresh_from_db()
    assert str(photo) == "beach.jpg (scored)"
    assert str(photo.faces.get()) == "face 1, score 3.46"
    record = AccessRecord.objects.create(photo=photo, staff=None, staff_name="rita", kind="page")
    assert str(record).startswith("rita opened beach.jpg (scored) on ")


# A second factor for staff.


def test_staff_without_a_second_factor_reach_neither_the_admin_nor_another_users_photo(client, staff, scored_photo):
    client.force_login(staff)  # a password only
    for url in (reverse("admin:scoring_photo_changelist"), reverse("admin:index"), queue_url()):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp")), url
    for url in (
        reverse("scoring:photo", args=[scored_photo.public_id]),
        f"/api/photos/{scored_photo.public_id}/",
        reverse("scoring:media", args=[scored_photo.image.name]),
    ):
        assert client.get(url).status_code == 404, url
    assert not AccessRecord.objects.exists()


def test_staff_enrolled_but_signed_in_before_it_prove_the_factor_again(client, staff, scored_photo):
    enrol_totp(staff)
    client.force_login(staff)
    response = client.get(reverse("admin:scoring_photo_changelist"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_the_admin_sign_in_goes_through_allauths_pages(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_user_may_turn_on_a_second_factor_and_is_then_asked_for_it(client, alice):
    client.post(reverse("account_login"), {"login": "alice", "password": "pw-alice-123"})
    assert reverse("mfa_index") in client.get(reverse("scoring:account")).content.decode()
    client.post(reverse("account_reauthenticate"), {"password": "pw-alice-123"})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200  # the QR code and the secret
    secret = client.session["mfa.totp.secret"]  # what the authenticator app reads from the QR code
    assert client.post(reverse("mfa_activate_totp"), {"code": "000000"}).status_code == 200  # a wrong code
    activated = client.post(reverse("mfa_activate_totp"), {"code": fresh_totp_code(secret)})
    assert activated.status_code == 302 and Authenticator.objects.filter(user=alice, type="totp").exists()
    fresh = Client()
    answer = fresh.post(reverse("account_login"), {"login": "alice", "password": "pw-alice-123"})
    assert answer["Location"] == reverse("mfa_authenticate")
    assert fresh.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200  # refused, asked again
    time.sleep(30 - time.time() % 30 + 0.1)  # a code is used once: the next one
    sign_in_with_totp(Client(), alice, secret)


# Accountability.


def test_the_owner_sees_the_reason_the_note_and_every_access_and_can_delete_it(
    client, reviewer_client, alice, scored_photo
):
    assert reviewer_client.get(reverse("scoring:photo", args=[scored_photo.public_id])).status_code == 200
    reviewer_client.get(queue_url())
    decide(reviewer_client, scored_photo, "flag", "not_a_face", "It is a statue.")
    assert set(AccessRecord.objects.values_list("kind", flat=True)) == {"page", "review"}
    assert set(AccessRecord.objects.values_list("staff_name", flat=True)) == {"rita"}

    client.force_login(alice)
    url = reverse("scoring:photo", args=[scored_photo.public_id])
    page = client.get(url)
    assert page.status_code == 404  # the photo is not shown
    html = page.content.decode()
    assert "No person&#x27;s face (a drawing, an object, a screenshot)" in html and "It is a statue." in html
    assert html.count("Opened by a reviewer on ") == 2 and "the photo in the review queue" in html
    assert "rita" not in html  # staff, not which member of staff
    assert 'id="ask-second-look"' in html

    deleted = client.post(reverse("scoring:photo_delete", args=[scored_photo.public_id]))
    assert deleted.status_code == 302 and not Photo.objects.exists()
    assert not AccessRecord.objects.exists()  # they go with the photo
    assert reviewer_client.get(url).status_code == 404  # gone for staff too


def test_the_owner_reads_the_accesses_on_the_photo_page_in_the_api_and_in_the_export(
    reviewer_client, api, alice, scored_photo
):
    reviewer_client.get(reverse("scoring:photo", args=[scored_photo.public_id]))
    reviewer_client.get(reverse("admin:scoring_photo_change", args=[scored_photo.pk]))
    reviewer_client.get(reverse("scoring:photo", args=[scored_photo.public_id]))  # the same visit: one record
    assert AccessRecord.objects.count() == 2

    owner = Client()
    owner.force_login(alice)
    page = owner.get(reverse("scoring:photo", args=[scored_photo.public_id])).content.decode()
    assert page.count("Opened by a reviewer on ") == 2 and "the photo in the staff pages" in page
    body = api.get(f"/api/photos/{scored_photo.public_id}/").json()
    assert [entry["what"] for entry in body["opened_by_staff"]] == ["admin", "page"]
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*(Z|[+-]\d\d:\d\d)", e["opened"]) for e in body["opened_by_staff"]
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(api.get("/api/export/").streaming_content)))
    (entry,) = json.loads(archive.read("scores.json"))
    assert [e["what"] for e in entry["opened_by_staff"]] == ["admin", "page"]


def test_staff_opening_the_files_or_the_api_answer_leave_a_record_each(reviewer_client, scored_photo):
    assert reviewer_client.get(reverse("scoring:media", args=[scored_photo.annotated.name])).status_code == 200
    assert reviewer_client.get(reverse("scoring:media", args=[scored_photo.image.name])).status_code == 200
    assert reviewer_client.get(f"/api/photos/{scored_photo.public_id}/").status_code == 200
    assert sorted(AccessRecord.objects.values_list("kind", flat=True)) == ["api", "files"]  # two files: one visit


def test_the_owner_opening_their_own_photo_leaves_no_record(client, alice, scored_photo):
    client.force_login(alice)
    client.get(reverse("scoring:photo", args=[scored_photo.public_id]))
    client.get(reverse("scoring:media", args=[scored_photo.image.name]))
    assert not AccessRecord.objects.exists()


def test_no_one_changes_or_deletes_an_access_record(staff_client, reviewer, alice):
    (photo,) = scored_rows(alice, 3.0)
    record = AccessRecord.objects.create(photo=photo, staff=reviewer, staff_name="rita", kind="page")
    # Not a superuser either: the admin offers no change, no deletion.
    assert staff_client.get(reverse("admin:scoring_accessrecord_changelist")).status_code == 200
    assert (
        staff_client.post(reverse("admin:scoring_accessrecord_delete", args=[record.pk]), {"post": "yes"}).status_code
        == 403
    )
    changed = staff_client.post(reverse("admin:scoring_accessrecord_change", args=[record.pk]), {"kind": "api"})
    assert changed.status_code == 403
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        AccessRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(PermissionError):
        AccessRecord.objects.filter(pk=record.pk).update(kind="api")
    record.kind = "api"
    with pytest.raises(PermissionError):
        record.save()
    assert AccessRecord.objects.get(pk=record.pk).kind == "page"
    reviewer.delete()  # a reviewer's account may go; the record keeps their name
    assert AccessRecord.objects.get(pk=record.pk).staff_name == "rita"


# The owner's second look.


def test_the_owner_asks_once_for_another_look_which_puts_it_first_in_the_queue_marked(client, reviewer_client, alice):
    older, flagged = scored_rows(alice, 3.0, 3.5)
    decide(reviewer_client, flagged, "flag", "violence", "Blood on the wall.")
    client.force_login(alice)
    asked = client.post(reverse("scoring:photo_second_look", args=[flagged.public_id]))
    assert asked.status_code == 302
    flagged.refresh_from_db()
    assert flagged.review == Photo.Review.SECOND_LOOK and flagged.second_look_asked is not None
    page = client.get(reverse("scoring:photo", args=[flagged.public_id]))
    assert page.status_code == 404 and "You asked for another look on " in page.content.decode()

    queue = reviewer_client.get(queue_url()).content.decode()
    assert f'data-photo="{flagged.public_id}"' in queue  # before the older unreviewed photo
    assert (
        "Another look asked by its owner." in queue and "Violent or shocking" in queue and "Blood on the wall." in queue
    )

    decide(reviewer_client, flagged, "flag", "violence")
    again = client.post(reverse("scoring:photo_second_look", args=[flagged.public_id]))
    assert again.status_code == 400
    assert "You already asked for another look at this photo; it can be asked once." in again.content.decode()
    assert Photo.objects.get(pk=flagged.pk).review == Photo.Review.FLAGGED
    assert 'id="ask-second-look"' not in client.get(reverse("scoring:photo", args=[flagged.public_id])).content.decode()


def test_no_one_else_asks_for_another_look(client, charlie, reviewer_client, alice):
    (photo,) = scored_rows(alice, 3.0)
    decide(reviewer_client, photo, "flag", "nudity")
    client.force_login(charlie)
    assert client.post(reverse("scoring:photo_second_look", args=[photo.public_id])).status_code == 404
    assert client.post(reverse("scoring:photo_delete", args=[photo.public_id])).status_code == 404
    assert Photo.objects.get(pk=photo.pk).review == Photo.Review.FLAGGED


def test_the_owner_deletes_a_flagged_photo_through_the_api_too(api, reviewer_client, alice):
    (photo,) = scored_rows(alice, 3.0)
    decide(reviewer_client, photo, "flag", "nudity")
    assert api.get(f"/api/photos/{photo.public_id}/").status_code == 404
    assert api.delete(f"/api/photos/{photo.public_id}/").status_code == 204
    assert not Photo.objects.exists()


# The reviewers group.


def test_the_reviewers_group_holds_exactly_what_review_needs():
    codenames = set(reviewers_group().permissions.values_list("codename", flat=True))
    assert codenames == {"view_photo", "view_face", "review_photo", "rescore_photo"}


def test_a_reviewer_reviews_and_rescores_but_edits_no_user_deletes_no_record_and_reads_no_key(
    reviewer_client, reviewer, alice
):
    from rest_framework.authtoken.models import Token

    (photo,) = scored_rows(alice, 3.0)
    Token.objects.create(user=alice)
    record = AccessRecord.objects.create(photo=photo, staff=reviewer, staff_name="rita", kind="page")
    changelist = reverse("admin:scoring_photo_changelist")
    listing = reviewer_client.get(changelist)
    assert listing.status_code == 200 and "uploaded (utc)" in listing.content.decode().lower()  # the zone, named
    page = reviewer_client.get(reverse("admin:scoring_photo_change", args=[photo.pk])).content.decode()
    assert '<select name="review"' in page and 'name="review_note"' in page and 'name="owner"' not in page
    reviewer_client.post(changelist, {"action": "rescore", "_selected_action": [photo.pk]})
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.QUEUED

    forbidden = [
        reverse("admin:scoring_user_changelist"),
        reverse("admin:scoring_user_change", args=[alice.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:authtoken_tokenproxy_changelist"),
        reverse("admin:scoring_accessrecord_changelist"),
        reverse("admin:scoring_accessrecord_delete", args=[record.pk]),
        reverse("admin:scoring_photo_delete", args=[photo.pk]),
    ]
    for url in forbidden:
        assert reviewer_client.get(url).status_code == 403, url
    made_staff = reviewer_client.post(
        reverse("admin:scoring_user_change", args=[alice.pk]), {"username": "alice", "is_staff": "on"}
    )
    assert made_staff.status_code == 403 and not User.objects.get(pk=alice.pk).is_staff
    assert (
        reviewer_client.post(
            reverse("admin:scoring_accessrecord_delete", args=[record.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessRecord.objects.filter(pk=record.pk).exists()
    assert (
        reviewer_client.post(reverse("admin:scoring_photo_delete", args=[photo.pk]), {"post": "yes"}).status_code == 403
    )
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_make_reviewer_makes_staff_in_the_group_and_takes_it_back(charlie):
    reviewers_group()
    call_command("make_reviewer", "charlie")
    charlie.refresh_from_db()
    assert charlie.is_staff and charlie.groups.filter(name="reviewers").exists()
    assert charlie.has_perm("scoring.review_photo") and not charlie.has_perm("scoring.change_user")
    call_command("make_reviewer", "charlie", "--remove")
    charlie.refresh_from_db()
    assert not charlie.is_staff and not charlie.groups.exists()


# Both languages.


def test_the_queue_and_the_owners_side_in_chinese(client, reviewer_client, alice):
    (photo,) = scored_rows(alice, 3.0)
    zh = {"accept-language": "zh-CN"}
    queue = reviewer_client.get(queue_url(), headers=zh).content.decode()
    assert "还有 1 张照片待审核。" in queue and "通过" in queue and "left to review" not in queue
    refused = decide(reviewer_client, photo, "flag", **zh).content.decode()
    assert "请选择标记的原因：照片主人会看到它。" in refused
    decide(reviewer_client, photo, "flag", "child", "小孩", **zh)
    client.force_login(alice)
    page = client.get(reverse("scoring:photo", args=[photo.public_id]), headers=zh).content.decode()
    assert "似乎是儿童" in page and "审核员于" in page and "申请复审" in page
    assert "Opened by a reviewer" not in page and "Seems to show a child" not in page


# In Chromium.


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_with_totp_goes_through_20_uploads_by_keyboard_alone(
    live_server, browser, reviewer, alice, astronaut, no_broker
):
    photos = [upload(alice, astronaut, name=f"upload-{number:02d}.jpg") for number in range(20)]
    for photo in photos:
        FaceFactory(photo=photo, x=180, y=60, w=140, h=170, score=3.4, percentile=60)
    context = browser.new_context(viewport=DESKTOP, timezone_id="Asia/Shanghai")
    page = context.new_page()
    browser_sign_in_with_totp(page, live_server, reviewer, enrol_totp(reviewer), next_url=queue_url())
    expect(page.locator("#left")).to_have_text("20 photos left to review.")
    expect(page.locator(".review-facts")).to_contain_text("(China (Shanghai) Time)")
    expect(page.locator(".face-box")).to_have_count(1)
    assert page.locator(".review-preview image").evaluate("image => image.getBBox().width") > 0
    SCREENSHOTS.mkdir(exist_ok=True)  # kept for a person to look at
    page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), full_page=True)

    plans = {}
    for number, photo in enumerate(photos):
        expect(page.locator("#review")).to_have_attribute("data-photo", str(photo.public_id))
        expect(page.locator("#review-form")).to_have_attribute("data-keys", "on")
        if number % 3 == 0:
            page.keyboard.press("a")
            plans[photo.pk] = ("approved", "", "")
        elif number % 3 == 1:
            page.keyboard.press("3")
            page.keyboard.press("f")
            plans[photo.pk] = ("flagged", "nudity", "")
        else:
            page.keyboard.press("6")
            page.keyboard.press("n")
            page.keyboard.type(f"Note {number}: a poster, not a person")
            page.keyboard.press("Escape")
            page.keyboard.press("f")
            plans[photo.pk] = ("flagged", "other", f"Note {number}: a poster, not a person")
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator("#left")).to_have_text("0 photos left to review.")
    ended = {p.pk: (p.review, p.review_reason, p.review_note) for p in Photo.objects.all()}
    assert ended == plans
    assert AccessRecord.objects.filter(kind="review", staff=reviewer).count() == 20


@pytest.mark.django_db(transaction=True)
def test_in_chromium_staff_without_a_second_factor_see_neither_the_photo_list_nor_alices_photo(
    live_server, browser, staff, alice, astronaut, no_broker
):
    photo = upload(alice, astronaut)
    page = logged_in(browser, live_server, username=staff.username, password=f"pw-{staff.username}-123")
    page.goto(f"{live_server.url}/admin/scoring/photo/")
    expect(page).not_to_have_url(re.compile("/admin/"))
    expect(page.locator("body")).not_to_contain_text(str(photo.public_id)[:8])
    assert page.goto(f"{live_server.url}/photos/{photo.public_id}/").status == 404
    assert not AccessRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_in_chromium_staff_may_use_a_security_key_as_their_second_factor(
    live_server, browser, staff, alice, astronaut, no_broker
):
    photo = upload(alice, astronaut)
    base = live_server.url  # http://localhost: a secure context for WebAuthn
    page = browser.new_context(viewport=DESKTOP).new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True}
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {**options, "isUserVerified": True}})

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", staff.username)
    page.fill("input[name=password]", f"pw-{staff.username}-123")
    page.click("main button[type=submit]")
    page.goto(f"{base}/accounts/2fa/webauthn/add/")
    page.fill("input[name=password]", f"pw-{staff.username}-123")  # allauth asks before adding a factor
    page.click("main button[type=submit]")
    # allauth binds its WebAuthn buttons on DOMContentLoaded: a click before that does nothing.
    page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/$"))
    page.fill("input[name=name]", "desk key")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(re.compile(r"/accounts/2fa/(recovery-codes/.*|webauthn/)$"))  # away from .../add/
    assert Authenticator.objects.filter(user=staff, type="webauthn").exists()

    page.goto(f"{base}/accounts/logout/")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/logout/" not in url)  # signed out before signing in again
    page.goto(f"{base}/accounts/login/?next=/admin/scoring/photo/")
    page.fill("input[name=login]", staff.username)
    page.fill("input[name=password]", f"pw-{staff.username}-123")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))  # loaded: the key's button is bound
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(re.compile(r"/admin/scoring/photo/$"))
    expect(page.locator("#result_list")).to_contain_text(str(photo.public_id)[:8])
