"""Uploading as a person does it, in Debian's Chromium: the bytes going out on a slow line, files
checked before they are sent, more files than one upload takes, drop and paste, and no script."""

import base64
import json
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from scoring.models import Photo
from tests.images import jpeg
from tests.web.helpers import logged_in, scoring_worker

pytestmark = pytest.mark.django_db(transaction=True)

MBIT = 1_000_000 / 8  # bytes a second


def throttle(page, *, upload_bytes_per_second: float) -> None:
    """A slow line, as Chromium's DevTools emulates one (the request body is paced too)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": 4 * MBIT, "uploadThroughput": upload_bytes_per_second},
    )


def large_photo(astronaut: np.ndarray, side: int = 1600) -> bytes:
    """The astronaut enlarged, with fine grain so the JPEG stays large: about a megabyte."""
    enlarged = np.asarray(Image.fromarray(astronaut).resize((side, side)), dtype=np.int16)
    grain = np.random.default_rng(0).integers(-12, 13, enlarged.shape)
    return jpeg(np.clip(enlarged + grain, 0, 255).astype(np.uint8), quality=95)


def posts_to_upload(page) -> list:
    """Every POST the page sends to /upload/, recorded as it goes."""
    sent = []
    page.on(
        "request",
        lambda request: sent.append(request) if request.method == "POST" and "/upload/" in request.url else None,
    )
    return sent


@pytest.mark.worker
def test_a_slow_upload_shows_the_percent_sent_keeps_the_button_disabled_and_ends_scored(
    live_server, browser, alice, astronaut, tmp_path
):
    photo_file = tmp_path / "slow.jpg"
    photo_file.write_bytes(large_photo(astronaut))
    assert photo_file.stat().st_size > 700_000
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/upload/")
    throttle(page, upload_bytes_per_second=2 * MBIT)  # about 3 s for the photo
    with scoring_worker():
        page.set_input_files("#id_photos", str(photo_file))
        expect(page.locator("#upload-chosen")).to_contain_text("slow.jpg")
        # Every state the page says, kept here: "Sent. Scoring…" may last only until the server
        # answers and the page moves on to the photo, too short to be caught by polling.
        states: list[str] = []
        page.expose_function("noteUploadState", lambda text: states.append(text))
        page.evaluate(
            """() => { const state = document.getElementById('upload-state');
                new MutationObserver(() => window.noteUploadState(state.textContent))
                    .observe(state, {childList: true, characterData: true, subtree: true}); }"""
        )
        page.click("text=Upload and score")

        bar = page.locator("progress#upload-bar")
        expect(bar).to_be_visible(timeout=2_000)
        expect(page.locator("#upload-button")).to_be_disabled()
        # Part of the file on its way: the percent grows and is said in words.
        page.wait_for_function(
            "() => { const v = document.getElementById('upload-bar').value; return v > 5 && v < 95; }"
        )
        expect(page.locator("#upload-state")).to_have_text(re.compile(r"^Sending: \d{1,2}%$"))
        expect(page).to_have_url(re.compile(r"/photos/[0-9a-f-]{36}/$"), timeout=30_000)
        assert "Sent. Scoring…" in states, states  # once the last byte left, before the photo's page
        expect(page.locator("#status")).to_have_text(re.compile("Scored"), timeout=60_000)
    assert Photo.objects.get(owner=alice).status == Photo.Status.DONE


def test_a_file_over_the_limit_never_leaves_the_browser(
    live_server, browser, alice, astronaut, tmp_path, settings, no_broker
):
    settings.PHOTO_MAX_BYTES = 150_000  # the page follows the server's setting, whatever it is
    big, small = tmp_path / "big.jpg", tmp_path / "small.jpg"
    big.write_bytes(large_photo(astronaut, side=900))
    small.write_bytes(jpeg(astronaut))
    assert big.stat().st_size > 150_000 > small.stat().st_size
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/upload/")
    sent = posts_to_upload(page)

    page.set_input_files("#id_photos", str(big))
    expect(page.locator("#upload-notes")).to_contain_text(
        re.compile(r"big\.jpg is \d+(\.\d)? MB, over the 0\.1 MB limit; it was not sent")
    )
    assert page.locator("#id_photos").input_value() == ""  # the box shows no file as chosen
    page.click("text=Upload and score")
    # Why the file was left out is still said, beside what to do.
    expect(page.locator("#upload-notes li")).to_have_text(
        [re.compile(r"big\.jpg is .* it was not sent"), "Choose at least one photo."]
    )
    page.wait_for_timeout(500)
    assert sent == [] and not Photo.objects.exists()

    # Chosen with a photo that fits, only that one goes.
    page.set_input_files("#id_photos", [str(big), str(small)])
    expect(page.locator("#upload-chosen")).to_have_text("Ready to send 1 photo: small.jpg.")
    page.click("text=Upload and score")
    expect(page).to_have_url(re.compile(r"/photos/[0-9a-f-]{36}/$"))
    assert len(sent) == 1
    body_size = int(sent[0].all_headers()["content-length"])
    assert small.stat().st_size < body_size < small.stat().st_size + 2_000  # the small one, no more
    assert [p.label for p in Photo.objects.all()] == ["small.jpg"]


def test_a_file_that_is_no_photo_is_refused_before_sending(live_server, browser, alice, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/upload/")
    sent = posts_to_upload(page)
    page.set_input_files("#id_photos", str(notes))
    expect(page.locator("#upload-notes")).to_have_text("notes.txt is not a JPEG, PNG or WebP photo; it was not sent.")
    page.click("text=Upload and score")
    page.wait_for_timeout(300)
    assert sent == []


def test_a_file_the_server_refuses_is_said_and_no_longer_ready_to_send(live_server, browser, alice, tmp_path):
    fake = tmp_path / "fake.jpg"  # typed image/jpeg by its name: only the server, reading it, can tell
    fake.write_text("not a photo")
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#id_photos", str(fake))
    expect(page.locator("#upload-chosen")).to_have_text("Ready to send 1 photo: fake.jpg.")
    page.click("text=Upload and score")
    expect(page.locator("#upload-notes")).to_contain_text("fake.jpg: This file is not a photo we can read")
    expect(page.locator("#upload-chosen")).to_be_hidden()
    assert page.eval_on_selector("#id_photos", "input => input.files.length") == 0
    assert not Photo.objects.exists()


def test_more_files_than_one_upload_takes_sends_the_first_ten_and_says_so(live_server, browser, alice, tmp_path):
    files = []
    for number in range(1, 13):
        files.append(tmp_path / f"photo-{number:02d}.jpg")
        files[-1].write_bytes(jpeg(np.full((64, 64, 3), number * 10, np.uint8)))
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/upload/")
    bodies = []

    def answer(route):
        bodies.append(route.request.post_data_buffer)
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"location": "/history/"}))

    page.route("**/upload/", lambda route: answer(route) if route.request.method == "POST" else route.continue_())
    page.set_input_files("#id_photos", [str(f) for f in files])
    expect(page.locator("#upload-notes")).to_have_text(
        "You chose 12 photos: the first 10 are taken, as at most 10 go at a time. Send the rest afterwards."
    )
    page.click("text=Upload and score")
    expect(page).to_have_url(re.compile("/history/$"))
    sent = re.findall(rb'filename="([^"]+)"', bodies[0])
    assert sent == [f"photo-{n:02d}.jpg".encode() for n in range(1, 11)]


DROP = """([name, data, kind]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
  if (kind === "paste") {
    document.body.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true }));
  } else {
    document.body.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
}"""


@pytest.mark.parametrize("kind", ["drop", "paste"])
def test_a_photo_dropped_or_pasted_on_the_page_is_uploaded(live_server, browser, alice, astronaut, no_broker, kind):
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/upload/")
    expect(page.locator("#drop-hint")).to_be_visible()
    page.evaluate(DROP, [f"{kind}.jpg", base64.b64encode(jpeg(astronaut)).decode(), kind])
    expect(page.locator("#upload-chosen")).to_have_text(f"Ready to send 1 photo: {kind}.jpg.")
    page.click("text=Upload and score")
    expect(page).to_have_url(re.compile(r"/photos/[0-9a-f-]{36}/$"))
    assert Photo.objects.get(owner=alice).label == f"{kind}.jpg"


# A photo in the file box that no change event announced, as when it was picked before the page's
# script had run (a page still loading).
PICKED_UNHEARD = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
  document.querySelector("#id_photos").files = transfer.files;
}"""


def test_a_photo_picked_before_the_script_ran_is_still_sent(live_server, browser, alice, astronaut, no_broker):
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/upload/")
    page.evaluate(PICKED_UNHEARD, ["early.jpg", base64.b64encode(jpeg(astronaut)).decode()])
    page.click("text=Upload and score")
    expect(page).to_have_url(re.compile(r"/photos/[0-9a-f-]{36}/$"))
    assert Photo.objects.get(owner=alice).label == "early.jpg"


def test_without_javascript_the_plain_form_uploads_and_a_refusal_is_said(
    live_server, browser, alice, astronaut, tmp_path, no_broker
):
    photo_file, notes = tmp_path / "plain.jpg", tmp_path / "notes.jpg"
    photo_file.write_bytes(jpeg(astronaut))
    notes.write_text("not a photo")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "alice")
    page.fill("input[name=password]", "pw-alice-123")
    page.click("form button[type=submit]")
    page.goto(f"{live_server.url}/upload/")
    expect(page.locator("#drop-hint")).to_be_hidden()  # no script: no drop to offer

    page.set_input_files("#id_photos", str(notes))
    page.click("text=Upload and score")
    expect(page.locator(".messages .error")).to_contain_text("notes.jpg: This file is not a photo we can read")

    page.click("text=Upload and score")  # nothing chosen: the browser sends it, the server says what to do
    expect(page.locator(".errorlist")).to_have_text("Choose at least one photo.")

    page.set_input_files("#id_photos", str(photo_file))
    page.click("text=Upload and score")
    expect(page).to_have_url(re.compile(r"/photos/[0-9a-f-]{36}/$"))
    assert Photo.objects.get(owner=alice).label == "plain.jpg"

    # A phone's camera photo, in the second input alone, is sent too.
    page.goto(f"{live_server.url}/upload/")
    camera_file = tmp_path / "camera.jpg"
    camera_file.write_bytes(jpeg(astronaut))
    page.set_input_files("#camera", str(camera_file))
    page.click("text=Upload and score")
    expect(page).to_have_url(re.compile(r"/photos/[0-9a-f-]{36}/$"))
    assert sorted(Photo.objects.filter(owner=alice).values_list("label", flat=True)) == ["camera.jpg", "plain.jpg"]
    context.close()


def test_a_phone_offers_the_camera(live_server, browser, alice):
    page = logged_in(browser, live_server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page.goto(f"{live_server.url}/upload/")
    camera = page.get_by_label("Or take one with the camera")
    expect(camera).to_be_attached()
    assert camera.get_attribute("capture") == "user"
    assert (
        camera.get_attribute("accept")
        == page.locator("#id_photos").get_attribute("accept")
        == "image/jpeg,image/png,image/webp"
    )
    expect(page.locator(".camera")).to_be_visible()  # a touch screen: its pointer is coarse
