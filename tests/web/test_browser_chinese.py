"""The whole product in Chinese, as a reader with a zh-CN browser meets it, in Debian's Chromium:
signing up, uploading (a real worker scores), every page a user reaches, and an admin's review.

On each page no English sentence of the site's catalogues (ours and allauth's) may be left in
what the reader sees: the text, the titles, alt texts, labels and confirmations. And the text
must be drawn with CJK glyphs, not the boxes of a missing font.
"""

import ast
import io
import re
import zipfile
from pathlib import Path

import allauth
import numpy as np
import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from scoring.models import Photo, User
from tests.images import jpeg
from tests.web.helpers import DESKTOP, enrol_totp, fresh_totp_code, scoring_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results"
CATALOGUES = [
    ROOT / "locale/zh_Hans/LC_MESSAGES/django.po",
    ROOT / "locale/zh_Hans/LC_MESSAGES/djangojs.po",
    Path(allauth.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po",
]
PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sd]|%[sd%]|<[^>]+>|\{[^}]*\}")
PASSWORD = "a-long-pass-phrase-9"


def msgids(po: Path) -> list[str]:
    """Every msgid and msgid_plural of a .po file."""
    found, current = [], None
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith(("msgid ", "msgid_plural ")):
            current = ast.literal_eval(line.split(" ", 1)[1])
            found.append(current)
        elif line.startswith('"') and current is not None:
            found[-1] += ast.literal_eval(line)
        else:
            current = None
    return [msgid for msgid in found if msgid]


def english_sentences() -> set[str]:
    """The pieces of the catalogues' English of three words or more, between placeholders and tags."""
    pieces = set()
    for po in CATALOGUES:
        for msgid in msgids(po):
            for piece in PLACEHOLDER_OR_TAG.split(msgid):
                piece = " ".join(piece.split()).strip(" .,:;()?!\"'")
                if len(re.findall(r"[A-Za-z]+(?:'[a-z]+)?", piece)) >= 3:
                    pieces.add(piece)
    return pieces


ENGLISH = english_sentences()

# What a reader sees besides the text: titles, alt texts, labels, placeholders, confirmations, tooltips.
SEEN_TEXT = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const parts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll("[alt], [title], [aria-label], [placeholder], [data-confirm]")) {
    for (const name of ["alt", "title", "aria-label", "placeholder", "data-confirm"]) {
      if (el.hasAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  document.querySelectorAll("svg title, option").forEach((el) => parts.push(el.textContent));
  return parts.join("\\n");
}"""


# Latin punctuation after Chinese text: a colon ("用户名或邮箱:"), or a full stop that ends a
# sentence ("照片." but not a file name's "自拍.jpg", nor Django's own "筛选..." ellipsis).
LATIN_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff\uff09\u3001][ ]?(?::|\.(?![A-Za-z0-9.]))")
# The network's stage names are internal: "(stem)", "（stage4）", "head" in an alt text.
STAGE_ID = re.compile(r"[(（ ](?:stem|stage\d|head)[)） ,，.。]")
# Two translated sentences joined by a space within a paragraph: "…比例。 每个…".
SPACE_AFTER_STOP = re.compile(r"[。！？][ \t]+(?=[\u4e00-\u9fff])")


def assert_chinese(page, where: str, staff_table: bool = False) -> str:
    """The page is in Chinese: its lang, no English sentence of the catalogues in what it shows,
    and Chinese punctuation and number forms after Chinese text. Only the admin's tables of a
    photo's rows (`staff_table`) may list the network's stage names, as stored."""
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    seen = page.evaluate(SEEN_TEXT)
    text = " ".join(seen.split())
    left = sorted(sentence for sentence in ENGLISH if sentence in text)
    assert not left, f"{where}: English left on the page: {left}"
    assert re.search(r"[\u4e00-\u9fff]{4}", text), f"{where}: no Chinese on the page"
    latin = [text[max(0, m.start() - 12) : m.end() + 3] for m in LATIN_AFTER_CHINESE.finditer(text)]
    assert not latin, f"{where}: Latin punctuation after Chinese text: {latin}"
    assert "百万像素" not in text, f"{where}: megapixels written as 百万像素 (Chinese counts in 万)"
    ids = [text[max(0, m.start() - 12) : m.end()] for m in STAGE_ID.finditer(text)]
    assert staff_table or not ids, f"{where}: the network's internal stage ids shown to readers: {ids}"
    # On the text as drawn: a line break between two paragraphs is no space within one.
    spaced = [seen[max(0, m.start() - 12) : m.end() + 6] for m in SPACE_AFTER_STOP.finditer(seen)]
    assert not spaced, f"{where}: a space after a Chinese full stop: {spaced}"
    return text


def glyph(page, text: str, font: str | None = None) -> Image.Image:
    """A screenshot of `text` drawn large in the page's font (or in `font`)."""
    handle = page.evaluate_handle(
        """([text, font]) => {
          const probe = document.createElement("span");
          probe.textContent = text;
          probe.style.fontSize = "64px";  // CSSOM, which the CSP allows
          probe.style.lineHeight = "1";
          probe.style.display = "inline-block";
          if (font) probe.style.fontFamily = font;
          document.querySelector("main").prepend(probe);
          return probe;
        }""",
        [text, font],
    )
    image = Image.open(io.BytesIO(handle.as_element().screenshot())).convert("L")
    handle.evaluate("probe => probe.remove()")
    return image


def differs(a: Image.Image, b: Image.Image) -> bool:
    if a.size != b.size:
        return True
    return ImageChops.difference(a, b).getbbox() is not None


def assert_drawn_in_cjk_glyphs(page) -> None:
    """Two different characters drawn alike are a missing font's boxes; real glyphs differ, and
    differ from the box drawn for a character no font has (a private-use code point)."""
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in font and "PingFang SC" in font and "Microsoft YaHei" in font
    first, second, box = glyph(page, "评"), glyph(page, "分"), glyph(page, "\ue000")
    assert not differs(first, glyph(page, "评"))  # the probe itself is steady
    assert differs(first, second), "two CJK characters drawn the same: boxes, not glyphs"
    assert differs(first, box) and differs(second, box), "CJK text drawn as a missing font's box"
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '评分')")


def visit(page, url: str, where: str, staff_table: bool = False) -> str:
    page.goto(url)
    return assert_chinese(page, where, staff_table)


def test_a_chinese_reader_meets_no_english_from_sign_up_to_an_admins_review(
    live_server, browser, astronaut, tmp_path, staff
):
    files = [tmp_path / "我的自拍.jpg", tmp_path / "second.jpg"]
    files[0].write_bytes(jpeg(astronaut))
    files[1].write_bytes(jpeg(np.ascontiguousarray(astronaut[20:400, 80:420])))
    site = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)  # kept for a person to look at
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    visit(page, f"{site}/", "home")
    assert_drawn_in_cjk_glyphs(page)
    about = visit(page, f"{site}/about/", "about")
    assert "分数看不到的东西" in about and "同一个分制" in about and "审核上传内容的" in about
    visit(page, f"{site}/accounts/login/", "sign-in page")
    visit(page, f"{site}/accounts/password/reset/", "password reset")
    visit(page, f"{site}/accounts/signup/", "sign-up page")
    page.fill("input[name=email]", "wei@example.com")
    page.fill("input[name=username]", "wei")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD + "x")
    page.click("main button[type=submit]")
    assert_chinese(page, "sign-up page with an error")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="为照片评分")).to_be_visible()
    assert "4000 万像素" in assert_chinese(page, "upload page")

    with scoring_worker():
        page.set_input_files("input[name=photos]", [str(f) for f in files])
        # A Chinese list of names takes 、, not ", ".
        expect(page.locator("#upload-chosen")).to_have_text("准备发送 2 张照片：我的自拍.jpg、second.jpg。")
        page.click("main button[type=submit]")
        banner = page.locator(".messages [aria-live=polite]")
        expect(banner).to_have_text("已上传 2 张照片，正在评分。")
        expect(banner).to_have_text("评分完成：每张照片的结果见下方。", timeout=90_000)
        assert_chinese(page, "history with the upload's banner")
    photos = list(Photo.objects.filter(owner__username="wei").order_by("created"))
    assert [p.status for p in photos] == [Photo.Status.DONE, Photo.Status.DONE]

    page.goto(f"{site}/photos/{photos[0].public_id}/")
    expect(page.locator("#status")).to_have_text(re.compile("^已评分"))
    expect(page.locator(".layers img").first).to_be_visible()
    text = assert_chinese(page, "photo page, every fold open")
    assert "上传于" in text and "（中国（上海）时间）" in text  # the zone by its Chinese name
    assert "分数看不到的东西" in text and "化妆" in text and "修图" in text  # the cautions
    assert "分半信度" in text  # how far people agree, from MEBeauty's own ratings
    assert "25 位评分者会给这张脸打几分" in text and "满分 5 分" in text  # the histogram titled, one scale
    page.screenshot(path=str(SCREENSHOTS / "photo-page-zh.png"), full_page=True)
    page.locator(".layers img").first.click()  # the lightbox, with its caption
    expect(page.locator("#lightbox")).to_be_visible()
    assert_chinese(page, "photo page's lightbox")
    page.keyboard.press("Escape")

    page.goto(f"{site}/history/")
    expect(page.locator("#chart circle")).to_have_count(2)
    page.locator("#chart circle").last.hover()
    expect(page.locator("#chart-detail")).to_contain_text("高于")
    detail = page.locator("#chart-detail").inner_text()
    # The photo's name, time and zone set with Chinese punctuation: "我的自拍.jpg，2026年…（中国（上海）时间）：".
    assert "（中国（上海）时间）：" in detail and ", " not in detail and " (" not in detail, detail
    text = assert_chinese(page, "history and its chart")
    assert "显示时间所用的时区：中国（上海）时间。" in text  # the zone named once, not "按 … 时间 时区"

    page.goto(f"{site}/compare/")
    assert_chinese(page, "compare picker")
    for photo in photos:
        page.locator(".pick", has=page.locator(f"input[value='{photo.public_id}']")).locator("svg.thumb").click()
    expect(page.locator("#picked")).to_contain_text("已选 2 张")
    page.click(".sticky-bar button[type=submit]")
    expect(page.locator(".verdict")).to_be_visible()
    text = assert_chinese(page, "comparison")
    assert (
        re.search(r"每 10 人中有 \d+ 人会给|难分高下|几乎所有人", text) and "最高" not in text
    )  # a split, no "highest"
    assert "分数看不到的东西" in text and "均方根" in text
    page.click("#copy-link")
    assert_chinese(page, "comparison, link copied")

    page.goto(f"{site}/account/")
    assert_chinese(page, "account")
    page.click("button[value=create]")
    expect(page.locator("#new-key")).to_be_visible()
    assert_chinese(page, "account with a new key")
    with page.expect_download() as download:
        page.click("a[download]")
    with zipfile.ZipFile(download.value.path()) as archive:
        readme = archive.read("README.txt").decode()
    assert readme.startswith("您在 Beauty Evaluator 的照片")

    visit(page, f"{site}/accounts/password/change/", "password change")
    page.fill("input[name=oldpassword]", PASSWORD)
    page.fill("input[name=password1]", PASSWORD + "-new")
    page.fill("input[name=password2]", PASSWORD + "-new")
    page.click("main button[type=submit]")
    assert_chinese(page, "password changed")
    visit(page, f"{site}/accounts/email/", "email addresses")
    visit(page, f"{site}/account/delete/", "account deletion")
    visit(page, f"{site}/photos/00000000-0000-0000-0000-000000000000/", "not found")
    visit(page, f"{site}/accounts/logout/", "sign-out page")
    page.click("main button[type=submit]")
    assert_chinese(page, "signed out")
    assert User.objects.get(username="wei").language == ""  # only a pick is stored; the browser asked

    # An admin's review, in a Chinese browser too: signed in with a second factor, as staff must.
    secret = enrol_totp(staff)
    admin = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    visit(admin, f"{site}/admin/login/", "admin sign-in (allauth's page)")
    admin.fill("input[name=login]", staff.username)
    admin.fill("input[name=password]", f"pw-{staff.username}-123")
    admin.click("main button[type=submit]")
    assert_chinese(admin, "the second factor's page")
    admin.fill("input[name=code]", fresh_totp_code(secret))
    admin.click("main button[type=submit]")
    visit(admin, f"{site}/admin/scoring/photo/", "admin photo list")
    visit(admin, f"{site}/admin/scoring/photo/{photos[0].pk}/change/", "admin photo page", staff_table=True)
    visit(admin, f"{site}/admin/scoring/photo/review/", "review queue")
    # Staff opening someone's photo read whose it is, never "your photo".
    admin.goto(f"{site}/photos/{photos[0].public_id}/")
    expect(admin.locator("h1")).to_have_text("照片 我的自拍.jpg，由 wei 上传")
    assert "您的照片：" not in assert_chinese(admin, "a staff member on someone's photo page")
    admin.goto(f"{site}/admin/scoring/photo/")
    admin.check(f"input[name=_selected_action][value='{photos[0].pk}']")
    admin.select_option("select[name=action]", "flag_nudity")
    admin.click("button[name=index]")
    expect(admin.locator(".messagelist")).to_contain_text("已标记 1 张照片。")
    assert_chinese(admin, "admin after the review action")
    assert Photo.objects.get(pk=photos[0].pk).review == Photo.Review.FLAGGED
    page.goto(f"{site}/accounts/login/")  # the owner reads why, and who of staff opened it, in Chinese
    page.fill("input[name=login]", "wei")
    page.fill("input[name=password]", PASSWORD + "-new")
    page.click("main button[type=submit]")
    visit(page, f"{site}/photos/{photos[0].public_id}/", "the owner's flagged photo")
    expect(page.locator("#review-reason")).to_contain_text("裸露或色情内容")
    expect(page.locator("#access-records li").first).to_contain_text("审核员于")
    admin.screenshot(path=str(SCREENSHOTS / "admin-review-zh.png"), full_page=True)
    assert_drawn_in_cjk_glyphs(admin)
