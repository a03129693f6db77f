"""A photo's label is the file's own name made safe to show; a time zone is one zoneinfo knows."""

import pytest
from django.core.exceptions import ValidationError

from scoring.labels import LABEL_MAX_LENGTH, clean_label
from scoring.models import User
from scoring.time_zones import time_zone_choices, validate_time_zone


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("IMG_0412.jpg", "IMG_0412.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Holiday face.png", "Holiday face.png"),
        ("bad\x00name\x1b[31m.jpg", "badname[31m.jpg"),
        ("right\u202eto-left\u200b.jpg", "rightto-left.jpg"),  # bidi override and zero-width space
        ("  two\t\tspaces \n.jpg ", "two spaces .jpg"),
        ("外婆的照片.jpeg", "外婆的照片.jpeg"),
        ("", ""),
        (None, ""),
        ("/", ""),
    ],
)
def test_it_cleans_the_uploaded_file_name_into_a_label(raw, label):
    assert clean_label(raw) == label


def test_it_caps_a_long_label_without_a_trailing_space():
    label = clean_label("a" * 119 + " " + "b" * 50)
    assert label == "a" * 119
    assert len(clean_label("x" * 500)) == LABEL_MAX_LENGTH


@pytest.mark.parametrize("name", ["Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires", "Europe/London"])
def test_it_accepts_iana_time_zones(name):
    validate_time_zone(name)


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "asia/shanghai", "+08:00", "../../etc/passwd", "UTC\n"])
def test_it_refuses_what_is_not_an_iana_time_zone(name):
    with pytest.raises(ValidationError) as refused:
        validate_time_zone(name)
    assert refused.value.code == "unknown_time_zone"


def test_the_zone_list_is_sorted_and_readable():
    choices = time_zone_choices()
    names = [name for name, _ in choices]
    assert names == sorted(names) and "Asia/Shanghai" in names
    assert ("America/New_York", "America/New York") in choices


@pytest.mark.django_db
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
