"""The interface speaks the reader's language: English by default, Simplified Chinese for a
browser that asks for it or a person who picks it; a signed-in user's pick follows their account."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from scoring.models import User

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def lang_of(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_english_is_the_default_and_a_chinese_browser_gets_chinese(client):
    english = client.get(reverse("scoring:home"))
    assert lang_of(english) == "en"
    assert "How would a panel of raters score your photo?" in english.content.decode()
    assert not CHINESE.search(english.content.decode().replace("简体中文", ""))  # only the switch names Chinese

    chinese = client.get(reverse("scoring:home"), headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert lang_of(chinese) == "zh-hans"
    assert chinese["Content-Language"] == "zh-hans"
    assert "Accept-Language" in chinese["Vary"]
    page = chinese.content.decode()
    assert "一组评分者会给您的照片打几分？" in page
    assert "How would a panel" not in page
    assert '<button type="submit" class="link" name="language" value="en" lang="en">English</button>' in page


def test_a_visitors_pick_is_kept_in_a_cookie_and_wins_over_the_browser(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/about/"})
    assert response.status_code == 302 and response["Location"] == "/about/"
    about = client.get(reverse("scoring:about"), headers={"accept-language": "en"})
    assert lang_of(about) == "zh-hans"
    assert "关于评分" in about.content.decode()


def test_a_signed_in_users_pick_is_stored_and_followed_on_another_device(client, alice, settings):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/history/"})
    alice.refresh_from_db()
    assert alice.language == "zh-hans"

    other_device = type(client)()  # a fresh browser: no cookie, and it asks for English
    other_device.force_login(alice)
    history = other_device.get(reverse("scoring:history"), headers={"accept-language": "en-GB"})
    assert lang_of(history) == "zh-hans"
    assert "历史记录" in history.content.decode()
    # The pick is also written to that browser's cookie: its pages stay Chinese after signing out.
    assert history.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"

    client.post(reverse("set_language"), {"language": "en", "next": "/history/"})
    alice.refresh_from_db()
    assert alice.language == "en"
    assert lang_of(other_device.get(reverse("scoring:history"))) == "en"


def test_a_language_the_site_lacks_is_not_stored(client, alice):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == ""
    assert lang_of(client.get(reverse("scoring:about"))) == "en"


def test_a_language_picked_before_signing_up_is_kept_on_the_account(client):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.post(
        reverse("account_signup"),
        {
            "email": "li@example.com",
            "username": "li",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="li").language == "zh-hans"


def test_the_api_keeps_its_codes_and_says_its_details_in_the_asked_language(api, client):
    english = api.get("/api/photos/?page_size=0")
    chinese = api.get("/api/photos/?page_size=0", headers={"accept-language": "zh-CN"})
    assert english.status_code == chinese.status_code == 400
    assert english.json()["code"] == chinese.json()["code"] == "invalid_page_size"
    assert english.json()["detail"].startswith("Invalid page size")
    assert CHINESE.search(chinese.json()["detail"])

    anonymous = client.get("/api/photos/", headers={"accept-language": "zh-CN"})  # DRF's own sentence
    assert anonymous.status_code in (401, 403)
    assert anonymous.json()["code"] == "not_authenticated"
    assert CHINESE.search(anonymous.json()["detail"])


def test_a_failed_photos_sentence_is_shown_in_the_readers_language(client, alice, no_face_photo):
    from ml.inference.faces import NoFaceFound

    no_face_photo.error = str(NoFaceFound())  # as the worker stores it, in English
    no_face_photo.save()
    client.force_login(alice)
    url = reverse("scoring:photo", args=[no_face_photo.public_id])
    assert "No face found in this photo." in client.get(url).content.decode()
    chinese = client.get(url, headers={"accept-language": "zh-CN"}).content.decode()
    assert "这张照片中没有找到人脸" in chinese and "No face found" not in chinese
    api = client.get(f"/api/photos/{no_face_photo.public_id}/", headers={"accept-language": "zh-CN"}).json()
    assert api["error_code"] == "no_face" and api["error"].startswith("这张照片中没有找到人脸")


def test_the_scripts_catalogue_is_a_script_of_our_own_in_the_pages_language(client):
    catalogue = client.get(reverse("javascript-catalog"), headers={"accept-language": "zh-CN"})
    assert catalogue.status_code == 200
    assert catalogue["Content-Type"].startswith("text/javascript")
    assert f'"Copied.": {json.dumps("已复制。")}' in catalogue.content.decode()
    page = client.get(reverse("scoring:about")).content.decode()
    assert f'<script src="{reverse("javascript-catalog")}"></script>' in page


def test_dates_and_plurals_follow_the_language(alice):
    from django.utils.formats import date_format

    from scoring.limits import upload_limit_message

    moment = datetime(2026, 12, 3, 8, 36, tzinfo=UTC)
    with translation.override("en"):
        assert date_format(moment, "DATETIME_FORMAT") == "3 Dec 2026, 08:36"
        assert upload_limit_message(1921).endswith("Try again in about 32 minutes.")
    with translation.override("zh-hans"):
        assert date_format(moment, "DATETIME_FORMAT") == "2026年12月3日 08:36"
        assert upload_limit_message(1921).endswith("请大约 32 分钟后再试。")


def test_the_reference_populations_sentence_is_translated():
    """The percentile's population comes from ml/inference/score_quantiles.json: a table made anew with
    another sentence must have that sentence marked (scoring/explain.py) and translated."""
    from ml.inference.percentile import reference_population

    with translation.override("zh-hans"):
        assert translation.gettext(reference_population()) != reference_population()


def test_every_sentence_the_worker_can_store_is_shown_in_chinese_with_its_figures(monkeypatch, tmp_path):
    """The worker stores its sentences in English; each one it can store has a Chinese reading
    (scoring.errors.FAILURE_SENTENCES), and an unknown one is shown as stored."""
    import numpy as np

    from ml.inference import faces
    from scoring.errors import failure_sentence
    from scoring.services import jobs
    from tests.web.helpers import jpeg

    def load_error(source) -> str:
        with pytest.raises(faces.FaceError) as raised:
            faces.load_image(source)
        return str(raised.value)

    monkeypatch.setattr(faces, "MAX_PIXELS", 2_000_000)
    sentences = [
        load_error(jpeg(np.zeros((1500, 2000, 3), np.uint8))),
        load_error(b"not an image"),
        load_error(tmp_path / "gone.jpg"),
        str(faces.NoFaceFound()),
        str(faces.FaceTooSmall(12)),
        jobs.GAVE_UP_MESSAGE,
        jobs.TOO_SLOW_MESSAGE,
    ]
    with translation.override("zh-hans"):
        shown = [failure_sentence(sentence) for sentence in sentences]
        assert failure_sentence("Something no one planned for.") == "Something no one planned for."
        earlier = "This image is too large (2000x1500 pixels); send one under 2 megapixels."
        assert failure_sentence(earlier) == failure_sentence(sentences[0])
    for sentence, chinese in zip(sentences, shown, strict=True):
        assert CHINESE.search(chinese) and not re.search(r"[A-Za-z]{4} [a-z]{3,} [a-z]{3,}", chinese), sentence
        figures = [int(figure) for figure in re.findall(r"\d+", sentence)]
        if sentence.endswith("million pixels."):
            figures[-1] *= 100  # Chinese counts pixels in ten thousands: 2 million is 200 万
        assert [int(figure) for figure in re.findall(r"\d+", chinese)] == figures, chinese  # its figures kept
    with translation.override("en"):
        assert [failure_sentence(sentence) for sentence in sentences] == sentences


def test_mail_is_written_in_the_language_of_the_request_that_sent_it(client, alice, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": alice.email}, headers={"accept-language": "zh-CN"})
    client.post(reverse("account_reset_password"), {"email": alice.email}, headers={"accept-language": "en"})
    chinese, english = mailoutbox
    assert chinese.body.startswith("您好，这里是 Beauty Evaluator！")
    assert CHINESE.search(chinese.subject) and "密码" in chinese.body
    assert english.body.startswith("Hello from Beauty Evaluator!")
    assert not CHINESE.search(english.subject + english.body)


def test_the_photo_admin_names_fields_and_values_in_chinese_and_keeps_them_read_only(staff_client, scored_photo):
    client = staff_client
    headers = {"accept-language": "zh-CN"}
    changelist = reverse("admin:scoring_photo_changelist")
    listing = client.get(changelist, {"status": "done"}, headers=headers).content.decode()
    assert str(scored_photo.public_id) in listing
    assert "上传者" in listing and "已评分" in listing and "未审核" in listing and "上传时间" in listing
    page = client.get(reverse("admin:scoring_photo_change", args=[scored_photo.pk]), headers=headers).content.decode()
    assert "公开 ID" in page and "模型版本" in page and scored_photo.model_version in page
    for field in ("owner", "status", "width", "error", "model_version", "claimed_by"):
        assert f'name="{field}"' not in page, f"{field} is editable"
    assert '<select name="review"' in page and ">已标记</option>" in page
    response = client.post(
        reverse("admin:scoring_photo_change", args=[scored_photo.pk]), {"review": "flagged", "review_reason": "nudity",
        "faces-TOTAL_FORMS": "1", "faces-INITIAL_FORMS": "1", "faces-MIN_NUM_FORMS": "0", "faces-MAX_NUM_FORMS": "1000",
        "faces-0-id": str(scored_photo.faces.get().pk), "faces-0-photo": str(scored_photo.pk)},
    )  # fmt: skip
    assert response.status_code == 302
    scored_photo.refresh_from_db()
    assert scored_photo.review == "flagged" and scored_photo.review_reason == "nudity" and scored_photo.status == "done"


def test_the_admin_names_our_models_and_their_help_in_chinese(staff_client, scored_photo):
    client = staff_client
    headers = {"accept-language": "zh-CN"}
    index = client.get(reverse("admin:index"), headers=headers).content.decode()
    assert ">照片<" in index and ">Photos<" not in index
    page = client.get(reverse("admin:scoring_photo_change", args=[scored_photo.pk]), headers=headers).content.decode()
    assert "已标记：对照片主人隐藏。" in page and "Flagged: hidden" not in page


def test_allauths_pages_use_the_sites_chinese_words(client, alice):
    """allauth's catalogue says Email地址 and 登出; the site's Chinese says 邮箱地址 and 退出登录."""
    client.force_login(alice)
    headers = {"accept-language": "zh-CN"}
    emails = client.get(reverse("account_email"), headers=headers).content.decode()
    assert "邮箱地址" in emails and "Email地址" not in emails
    sign_out = client.get(reverse("account_logout"), headers=headers).content.decode()
    assert "确定要退出登录吗？" in sign_out and "登出" not in sign_out
    english = client.get(reverse("account_email"), headers={"accept-language": "en"}).content.decode()
    assert "Email addresses" in english  # locale/en's sentence case, untouched
