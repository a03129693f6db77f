"""A person's path through the app in Debian's Chromium, driven by Playwright."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.images import jpeg
from tests.web.helpers import scoring_worker, sign_up

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def browser_page(browser):
    return browser.new_page()


def test_sign_up_upload_watch_the_score_arrive_open_history_and_delete(
    live_server, browser_page, astronaut, tmp_path, stage_count
):
    photo_file = tmp_path / "me.jpg"
    photo_file.write_bytes(jpeg(astronaut))
    page = browser_page
    with scoring_worker():
        sign_up(page, live_server, "erin")

        page.set_input_files("input[name=photos]", str(photo_file))
        page.click("text=Upload and score")
        expect(page).to_have_url(re.compile(r"/photos/[0-9a-f-]{36}/$"))
        # No reload: the page polls until the worker has scored the photo.
        expect(page.locator("#status")).to_have_text(re.compile("Scored"), timeout=60_000)
        score = float(page.locator(".score").first.inner_text())
        assert 1 <= score <= 5
        expect(page.locator(".layers img")).to_have_count(stage_count)
        SCREENSHOTS.mkdir(exist_ok=True)  # kept for a person to look at
        page.screenshot(path=str(SCREENSHOTS / "photo-page.png"), full_page=True)

        page.click("text=History")
        expect(page.locator(".tile")).to_have_count(1)
        expect(page.locator("#chart circle")).to_have_count(1)
        page.locator(".tile").first.click()
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("text=Delete this photo")
        expect(page.get_by_text("The photo and everything computed from it were deleted.")).to_be_visible()
        expect(page.locator(".tile")).to_have_count(0)
    assert os.path.getsize(SCREENSHOTS / "photo-page.png") > 10_000


def test_uploading_several_photos_says_when_their_scoring_has_finished(
    live_server, browser_page, astronaut, tmp_path, alice
):
    files = []
    for name in ("one.jpg", "two.jpg"):
        files.append(tmp_path / name)
        files[-1].write_bytes(jpeg(astronaut))
    page = browser_page
    with scoring_worker():
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", "alice")
        page.fill("input[name=password]", "pw-alice-123")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/upload/")
        page.set_input_files("input[name=photos]", [str(f) for f in files])
        page.click("text=Upload and score")
        banner = page.locator(".messages [aria-live=polite]")  # a list item may not take role=status
        expect(banner).to_have_text("2 photos uploaded; they are being scored.")
        # No reload: the banner changes once the tiles it speaks of are scored.
        expect(banner).to_have_text("Scoring finished: each photo's result is below.", timeout=60_000)
        expect(page.locator('.tile[data-status="done"]')).to_have_count(2)
