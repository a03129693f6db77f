"""Issue 24 in Debian's Chromium with the browser in Asia/Shanghai: the zone is taken on sign-up,
one photo's time reads the same on its card, its page's title and the chart, with the zone
named; its label survives upload, rename and export."""

import io
import json
import re
import zipfile
import zoneinfo

import pytest
from django.utils.formats import date_format
from playwright.sync_api import expect

from scoring.models import Photo, User
from scoring.time_format import TIME_FORMAT
from tests.images import jpeg
from tests.web.helpers import DESKTOP, add_scored_rows, logged_in, scoring_worker, sign_up

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = "Asia/Shanghai"
SHANGHAI_WORDS = "China (Shanghai) Time"  # CLDR's English name, as the pages write it


@pytest.mark.worker
def test_in_shanghai_a_photos_time_is_the_same_on_card_title_and_chart_and_its_label_survives(
    live_server, browser, astronaut, tmp_path
):
    photo_file = tmp_path / "Garden party.jpg"
    photo_file.write_bytes(jpeg(astronaut))
    page = browser.new_context(timezone_id=SHANGHAI, locale="en-GB", viewport=DESKTOP).new_page()
    with scoring_worker():
        sign_up(page, live_server, "fei")
        assert User.objects.get(username="fei").time_zone == SHANGHAI  # from the browser, on sign-up

        page.set_input_files("input[name=photos]", str(photo_file))
        page.click("text=Upload and score")
        expect(page.locator("#status")).to_have_text(re.compile("Scored"), timeout=60_000)
    photo = Photo.objects.get(owner__username="fei")
    local = date_format(photo.created.astimezone(zoneinfo.ZoneInfo(SHANGHAI)), TIME_FORMAT)
    utc = date_format(photo.created, TIME_FORMAT)
    assert local != utc  # eight hours apart: the test cannot pass on UTC by chance

    # The page: label from the file's name, the local time in the title and named with its zone.
    expect(page).to_have_title(f"Garden party.jpg, {local} · Beauty Evaluator")
    expect(page.locator("h1")).to_have_text("Your photo Garden party.jpg")
    expect(page.locator("#uploaded")).to_have_text(f"Uploaded {local} ({SHANGHAI_WORDS})")

    # Renamed on its page: the new name everywhere from then on.
    page.fill("input[name=label]", "Grandma at the garden party")
    page.click("text=Rename")
    expect(page).to_have_title(f"Grandma at the garden party, {local} · Beauty Evaluator")

    page.click("nav >> text=History")
    tile = page.locator(f".tile[data-id='{photo.public_id}']")
    expect(tile.locator(".name")).to_have_text("Grandma at the garden party")
    expect(tile.locator("time")).to_have_text(local)
    expect(tile.locator("svg.thumb")).to_have_attribute("aria-label", "Your photo Grandma at the garden party")
    expect(page.locator("#time-zone-note")).to_contain_text(f"Times are in {SHANGHAI_WORDS}")
    dot = page.locator("#chart circle")
    expect(dot).to_have_count(1)
    dot.hover()
    expect(page.locator("#chart-detail")).to_contain_text(f"Grandma at the garden party, {local} ({SHANGHAI_WORDS}):")
    assert local in dot.locator("title").text_content()

    # The export: same label, same moment with Shanghai's offset, and the zone named.
    download = page.request.get(f"{live_server.url}/account/export/")
    archive = zipfile.ZipFile(io.BytesIO(download.body()))
    [entry] = json.loads(archive.read("scores.json"))
    assert entry["label"] == "Grandma at the garden party"
    assert entry["created"].endswith("+08:00") and entry["time_zone"] == SHANGHAI
    assert entry["created"][11:16] == local[-5:]  # the hour and minute the card shows


@pytest.mark.usefixtures("no_broker")
def test_the_compare_picker_stops_at_four_and_says_why(live_server, browser, alice):
    add_scored_rows(alice, 5)
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/compare/")
    boxes = page.locator(".pick input[type=checkbox]")
    for number in range(4):
        boxes.nth(number).check(force=True)  # the box is hidden under its picture
    expect(page.locator("#picked")).to_have_text("4 of 4 chosen")
    boxes.nth(4).click(force=True)
    expect(page.locator("#picked")).to_have_text("You can compare up to four photos: untick one to pick another.")
    expect(boxes.nth(4)).not_to_be_checked()
    expect(page.locator(".pick.chosen")).to_have_count(4)
    boxes.nth(0).click(force=True)  # one out, the fifth fits
    boxes.nth(4).click(force=True)
    expect(boxes.nth(4)).to_be_checked()
    expect(page.locator("#picked")).to_have_text("4 of 4 chosen")
