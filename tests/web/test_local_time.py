"""Times are the reader's: the browser's zone taken on the first signed-in visit, the account's
after that; pages, chart points, the API, the export and the account page say which."""

import datetime as dt
import json
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from scoring.collation import collation_key, is_han, pinyin_table
from scoring.local_time import BROWSER_ZONE_COOKIE
from scoring.models import Face, Photo, User
from scoring.time_zones import (
    canonical_time_zone,
    offered_time_zones,
    time_zone_choices,
    time_zone_words,
    told_apart,
    validate_time_zone,
)
from tests.web.test_export import photo_with_files, unzip

pytestmark = pytest.mark.django_db

# 08:36 UTC is 16:36 in Shanghai (no summer time) and 03:36 in New York (EST in December).
UPLOADED = dt.datetime(2026, 12, 3, 8, 36, tzinfo=dt.UTC)


@pytest.fixture
def alices_photo(alice):
    photo = photo_with_files(alice)
    photo.label = "garden.jpg"
    photo.save()
    Photo.objects.filter(pk=photo.pk).update(created=UPLOADED)  # auto_now_add ignores a value on create
    photo.refresh_from_db()
    return photo


def browser_in(client, zone: str) -> None:
    client.cookies[BROWSER_ZONE_COOKIE] = quote(zone)


def test_an_account_without_a_zone_takes_the_browsers_on_its_first_visit(client, alice, alices_photo):
    client.force_login(alice)
    browser_in(client, "Asia/Shanghai")
    page = client.get(reverse("scoring:photo", args=[alices_photo.public_id])).content.decode()
    assert User.objects.get(pk=alice.pk).time_zone == "Asia/Shanghai"
    assert "<title>garden.jpg, 3 Dec 2026, 16:36 · Beauty Evaluator</title>" in page
    assert "Uploaded 3 Dec 2026, 16:36 (China (Shanghai) Time)" in page


def test_the_accounts_zone_wins_over_the_browser_it_is_read_on(client, alice, alices_photo):
    User.objects.filter(pk=alice.pk).update(time_zone="America/New_York")
    client.force_login(alice)
    browser_in(client, "Asia/Shanghai")
    page = client.get(reverse("scoring:history")).content.decode()
    assert "3 Dec 2026, 03:36" in page and "Times are in United States (New York) Time" in page
    assert User.objects.get(pk=alice.pk).time_zone == "America/New_York"


@pytest.mark.parametrize("cookie", ["Mars/Olympus", "", "%00", "Asia%2FShanghai%0A", "x" * 300])
def test_a_cookie_that_names_no_zone_leaves_times_in_utc_and_the_account_untouched(client, alice, alices_photo, cookie):
    client.force_login(alice)
    client.cookies[BROWSER_ZONE_COOKIE] = cookie
    page = client.get(reverse("scoring:photo", args=[alices_photo.public_id]))
    assert page.status_code == 200
    assert "Uploaded 3 Dec 2026, 08:36 (UTC)" in page.content.decode()
    assert User.objects.get(pk=alice.pk).time_zone == ""


def test_the_account_page_changes_the_zone(client, alice, alices_photo):
    client.force_login(alice)
    page = client.get(reverse("scoring:account")).content.decode()
    assert '<option value="Asia/Shanghai">China (Shanghai) Time</option>' in page  # CLDR's name
    response = client.post(reverse("scoring:account_time_zone"), {"time_zone": "Europe/Paris"})
    assert response.status_code == 302
    assert User.objects.get(pk=alice.pk).time_zone == "Europe/Paris"
    page = client.get(reverse("scoring:account")).content.decode()
    assert "Times are now shown in France Time." in page
    assert '<option value="Europe/Paris" selected>' in page


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ("Mars/Olympus", "Pick a time zone from the list"),
        ("UTC+8", "Pick a time zone from the list"),
        ("../../etc/localtime", "Pick a time zone from the list"),
        ("", "This field is required."),
    ],
)
def test_the_account_page_refuses_a_zone_it_does_not_know_with_400(client, alice, zone, message):
    User.objects.filter(pk=alice.pk).update(time_zone="Asia/Tokyo")
    client.force_login(alice)
    response = client.post(reverse("scoring:account_time_zone"), {"time_zone": zone})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.get(pk=alice.pk).time_zone == "Asia/Tokyo"


def test_the_time_zone_form_is_for_signed_in_users_and_posts_only(client, alice):
    assert client.post(reverse("scoring:account_time_zone"), {"time_zone": "UTC"}).status_code == 302  # to sign in
    client.force_login(alice)
    assert client.get(reverse("scoring:account_time_zone")).status_code == 405


def test_chart_points_carry_the_time_as_the_cards_write_it(client, alice, alices_photo):
    User.objects.filter(pk=alice.pk).update(time_zone="Asia/Shanghai")
    client.force_login(alice)
    history = client.get(reverse("scoring:history")).content.decode()
    assert 'data-time-zone="Asia/Shanghai"' in history
    assert '<time datetime="2026-12-03T16:36:00+08:00">3 Dec 2026, 16:36</time>' in history
    points = client.get(reverse("scoring:history_chart")).json()["points"]
    assert [(p["label"], p["when"]) for p in points] == [("garden.jpg", "3 Dec 2026, 16:36")]
    # The same photo read in another zone is not served from the first zone's cache.
    User.objects.filter(pk=alice.pk).update(time_zone="UTC")
    assert client.get(reverse("scoring:history_chart")).json()["points"][0]["when"] == "3 Dec 2026, 08:36"


def test_the_api_gives_times_with_the_offset_of_the_accounts_zone(alice, alices_photo):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    assert api.get(f"/api/photos/{alices_photo.public_id}/").json()["created"] == "2026-12-03T08:36:00Z"
    User.objects.filter(pk=alice.pk).update(time_zone="Asia/Shanghai")
    body = api.get("/api/photos/").json()
    assert body["results"][0]["created"] == "2026-12-03T16:36:00+08:00"
    assert dt.datetime.fromisoformat(body["results"][0]["created"]) == UPLOADED


def test_the_export_writes_times_in_the_accounts_zone_and_says_which(client, alice, alices_photo):
    User.objects.filter(pk=alice.pk).update(time_zone="Asia/Shanghai")
    client.force_login(alice)
    archive = unzip(client.get(reverse("scoring:export")))
    [entry] = json.loads(archive.read("scores.json"))
    assert (entry["label"], entry["created"], entry["time_zone"]) == (
        "garden.jpg",
        "2026-12-03T16:36:00+08:00",
        "Asia/Shanghai",
    )
    assert "account's time zone, named by time_zone (China (Shanghai) Time)" in archive.read("README.txt").decode()


def test_the_page_loads_the_script_that_reports_the_browsers_zone(client):
    assert "scoring/time_zone.js" in client.get(reverse("account_signup")).content.decode()


def test_the_api_key_date_names_its_zone(client, alice):
    User.objects.filter(pk=alice.pk).update(time_zone="Asia/Shanghai")
    Token.objects.create(user=alice)
    Token.objects.filter(user=alice).update(created=UPLOADED)
    client.force_login(alice)
    assert "made 3 Dec 2026, 16:36 (China (Shanghai) Time)" in client.get(reverse("scoring:account")).content.decode()


def test_a_face_card_shows_the_face_not_the_whole_photo(client, alice, alices_photo):
    Photo.objects.filter(pk=alices_photo.pk).update(width=400, height=300)
    Face.objects.filter(photo=alices_photo).update(x=250, y=100, w=100, h=120)
    client.force_login(alice)
    history = client.get(reverse("scoring:history")).content.decode()
    # A square 1.7 times the face's larger side (204), centred on it, kept inside the 400 x 300 photo.
    assert 'viewBox="196 58 204 204"' in history
    assert 'aria-label="Your photo garden.jpg"' in history


@pytest.mark.parametrize("name", ["Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires", "Europe/London"])
def test_it_accepts_iana_time_zones(name):
    validate_time_zone(name)


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "asia/shanghai", "+08:00", "../../etc/passwd", "UTC\n"])
def test_it_refuses_what_is_not_an_iana_time_zone(name):
    with pytest.raises(ValidationError) as refused:
        validate_time_zone(name)
    assert refused.value.code == "unknown_time_zone"


ALIASES_AND_LEGACY = ["PRC", "Asia/Harbin", "Asia/Chongqing", "Asia/Chungking", "UCT", "Zulu", "Universal"]
ALIASES_AND_LEGACY += ["Greenwich", "Etc/GMT+0", "Asia/Calcutta", "US/Eastern", "CST6CDT", "EST5EDT", "Factory"]
ALIASES_AND_LEGACY += ["localtime"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_zone_list_offers_each_place_once_under_a_name_of_its_own(language):
    with translation.override(language):
        choices = time_zone_choices()
    ids, words = [name for name, _ in choices], [said for _, said in choices]
    assert len(set(words)) == len(words) == len(ids) > 400
    assert not set(ALIASES_AND_LEGACY) & set(ids)
    assert {"Asia/Shanghai", "Asia/Kolkata", "America/New_York", "UTC", "Etc/GMT", "Etc/GMT+1"} <= set(ids)
    assert not [said for said in words if "Unknown" in said or "未知" in said or "世界" in said]


def test_the_zone_list_names_the_zones_chinese_readers_saw_in_english_in_chinese():
    with translation.override("zh-hans"):
        chinese = dict(time_zone_choices())
    assert not {"Universal", "Zulu", "Greenwich", "UCT"} & set(chinese.values())
    assert chinese["Asia/Kolkata"] == "印度时间"


def test_fixed_offsets_are_named_by_their_true_offset_from_utc():
    # POSIX writes the sign the other way round: Etc/GMT+1 is an hour *behind* UTC.
    for language in ("en", "zh-hans"):
        with translation.override(language):
            named = dict(time_zone_choices())
        assert (named["Etc/GMT+1"], named["Etc/GMT-8"], named["Etc/GMT-14"]) == ("GMT-01:00", "GMT+08:00", "GMT+14:00")
        assert (named["UTC"], named["Etc/GMT"]) == ("UTC", "GMT")


def test_zones_that_would_share_a_name_are_told_apart_by_their_city():
    with translation.override("zh-hans"):
        words = told_apart(
            {"Asia/Shanghai": "中国时间", "Asia/Urumqi": "中国时间", "Asia/Tokyo": "日本时间"}, "zh_Hans"
        )
    assert words == {
        "Asia/Shanghai": "中国时间（上海）",
        "Asia/Urumqi": "中国时间（乌鲁木齐）",
        "Asia/Tokyo": "日本时间",
    }
    with translation.override("en"):
        words = told_apart({"Asia/Shanghai": "China Time", "Asia/Urumqi": "China Time"}, "en")
    assert words == {"Asia/Shanghai": "China Time, Shanghai", "Asia/Urumqi": "China Time, Ürümqi"}


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("PRC", "Asia/Shanghai"), ("Asia/Calcutta", "Asia/Kolkata"), ("Zulu", "UTC"), ("Etc/UTC", "UTC")]
    + [("Etc/GMT-0", "Etc/GMT"), ("Asia/Shanghai", "Asia/Shanghai"), ("Etc/GMT-8", "Etc/GMT-8")]
    + [("CST6CDT", None), ("Factory", None), ("localtime", None), ("Mars/Olympus", None), ("-01", None)],
)
def test_an_alias_stands_for_its_canonical_zone_and_a_legacy_rule_for_none(name, canonical):
    assert canonical_time_zone(name) == canonical


def test_every_offered_zone_is_its_own_canonical_zone():
    assert all(canonical_time_zone(name) == name for name in offered_time_zones())


FIXED_OFFSETS = [f"Etc/GMT{sign}{hours}" for sign in "+-" for hours in range(1, 15) if (sign, hours) < ("-", 15)]
FIXED_OFFSETS = [name for name in FIXED_OFFSETS if name not in ("Etc/GMT+13", "Etc/GMT+14")]


def test_all_26_fixed_offset_zones_are_offered():
    assert len(FIXED_OFFSETS) == 26 and set(FIXED_OFFSETS) <= offered_time_zones()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("zone", [*FIXED_OFFSETS, "Etc/GMT", "UTC"])
def test_an_account_in_a_fixed_offset_zone_reads_every_page(client, alice, alices_photo, zone, language):
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.post(reverse("scoring:account_time_zone"), {"time_zone": zone}).status_code == 302
    for url in (
        reverse("scoring:account"),
        reverse("scoring:history"),
        reverse("scoring:photo", args=[alices_photo.public_id]),
    ):
        assert client.get(url).status_code == 200, url
    with translation.override(language):
        assert (
            f'<option value="{zone}" selected>{time_zone_words(zone)}</option>'
            in client.get(reverse("scoring:account")).content.decode()
        )


def test_an_account_an_hour_behind_utc_says_so_beside_its_times(client, alice, alices_photo):
    User.objects.filter(pk=alice.pk).update(time_zone="Etc/GMT+1")
    client.force_login(alice)
    page = client.get(reverse("scoring:photo", args=[alices_photo.public_id])).content.decode()
    assert "Uploaded 3 Dec 2026, 07:36 (GMT-01:00)" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("scoring:photo", args=[alices_photo.public_id])).content.decode()
    assert "上传于 2026年12月3日 07:36（GMT-01:00）" in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_signed_out_browser_in_a_fixed_offset_zone_reads_page_after_page(client, language):
    browser_in(client, "Etc/GMT-8")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _visit in range(3):
        for url in (reverse("account_login"), reverse("account_signup"), "/about/"):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("stored", "reads_as"), [("PRC", "16:36 (China (Shanghai) Time)"), ("Zulu", "08:36 (UTC)")])
def test_an_account_holding_an_alias_reads_in_its_canonical_zone(client, alice, alices_photo, stored, reads_as):
    User.objects.filter(pk=alice.pk).update(time_zone=stored)
    client.force_login(alice)
    assert (
        f"Uploaded 3 Dec 2026, {reads_as}"
        in client.get(reverse("scoring:photo", args=[alices_photo.public_id])).content.decode()
    )
    assert client.get(reverse("scoring:account")).status_code == 200


@pytest.mark.parametrize("stored", ["CST6CDT", "Factory", "localtime", "-01"])
def test_an_account_holding_a_zone_no_longer_offered_reads_in_utc(client, alice, alices_photo, stored):
    User.objects.filter(pk=alice.pk).update(time_zone=stored)
    client.force_login(alice)
    assert (
        "Uploaded 3 Dec 2026, 08:36 (UTC)"
        in client.get(reverse("scoring:photo", args=[alices_photo.public_id])).content.decode()
    )
    assert '<option value="UTC" selected>UTC</option>' in client.get(reverse("scoring:account")).content.decode()


def test_a_browser_reporting_an_alias_gives_the_account_its_canonical_zone(client, alice, alices_photo):
    client.force_login(alice)
    browser_in(client, "Asia/Calcutta")  # what Chrome reports in India
    assert (
        "Uploaded 3 Dec 2026, 14:06 (India Time)"
        in client.get(reverse("scoring:photo", args=[alices_photo.public_id])).content.decode()
    )
    assert User.objects.get(pk=alice.pk).time_zone == "Asia/Kolkata"


def test_the_zone_list_names_each_zone_in_the_readers_language_sorted_by_that_name():
    choices = time_zone_choices()
    words = [said for _, said in choices]
    assert ("America/New_York", "United States (New York) Time") in choices and ("UTC", "UTC") in choices
    # Letters with accents among the plain ones: Åland under A, not after Zimbabwe.
    assert words.index("Åland Islands Time") < words.index("Albania Time") < words.index("Zimbabwe Time")
    assert words == sorted(words, key=lambda said: collation_key(said, "en"))
    with translation.override("zh-hans"):
        chinese = time_zone_choices()
    named = dict(chinese)
    assert named["Asia/Shanghai"] == "中国（上海）时间" and named["Europe/London"] == "英国时间"
    # By pinyin: 阿 (a) before 不 (bu) before 中 (zhong), not by code point (不 < 中 < 阿).
    said = [words for _, words in chinese]
    assert said.index("阿鲁巴时间") < said.index("不丹时间") < said.index("中国（上海）时间")


def test_the_pinyin_table_reads_every_chinese_character_of_the_zone_list():
    """The table is made by `manage.py make_pinyin_table`; a CLDR update that adds a character needs it made again."""
    with translation.override("zh-hans"):
        characters = {c for _, said in time_zone_choices() for c in said if is_han(c)}
    assert characters and characters <= set(pinyin_table())
    assert (pinyin_table()["中"], pinyin_table()["阿"]) == ("zhong", "a")


def test_a_user_starts_with_no_zone_and_no_language_and_full_clean_checks_the_zone(alice):
    assert (alice.time_zone, alice.language) == ("", "")
    alice.time_zone = "Nowhere/Atlantis"
    with pytest.raises(ValidationError) as refused:
        alice.full_clean()
    assert "time_zone" in refused.value.message_dict
    alice.time_zone = "Asia/Shanghai"
    alice.full_clean()
    alice.save()
    assert User.objects.get(pk=alice.pk).time_zone == "Asia/Shanghai"


@pytest.mark.parametrize("name", ["-01", "+08", "CST6CDT", "Factory", "localtime", "Etc/Unknown", ""])
def test_a_name_that_stands_for_no_offered_zone_reads_as_itself_in_either_language(name):
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert time_zone_words(name) == name
