"""The product as a person meets it, in Debian's Chromium: compare, history, phone widths, accessibility.

Photos are scored in the test's own thread (the real model, no worker): what is under test
here is what the pages do with the results.
"""

import re
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from scoring.models import Photo, User
from tests.web.helpers import DESKTOP, PHONE, add_scored_rows, logged_in, score, scored_rows, upload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_broker")]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def two_scored(alice, astronaut):
    """Alice's two scored photos: the astronaut, and a tighter crop of her (scores a little apart)."""
    first = score(upload(alice, astronaut))
    second = score(upload(alice, np.ascontiguousarray(astronaut[20:400, 80:420])))
    assert first.status == second.status == Photo.Status.DONE
    return first, second


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)  # kept for a person to look at
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_compare_from_a_photo_page_keeps_the_order_of_the_clicks_and_explains_the_difference(
    live_server, browser, two_scored, client, charlie
):
    first, second = two_scored
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/photos/{second.public_id}/")
    page.click("text=Compare with…")
    # The photo it came from is already chosen, as A.
    expect(page.locator(".pick.chosen .order")).to_have_text(["A"])
    page.click("button:has-text('Compare the selected photos')")
    expect(page.locator(".messages .error")).to_contain_text("Pick at least two photos")
    expect(page.locator(".pick.chosen")).to_have_count(1)  # the tick survived the refusal

    page.locator(".pick", has=page.locator(f"input[value='{first.public_id}']")).locator("svg.thumb").click()
    expect(page.locator(".pick.chosen .order")).to_have_text(["A", "B"])
    page.click("button:has-text('Compare the selected photos')")

    expect(page).to_have_url(re.compile(rf"photo={second.public_id}&photo={first.public_id}$"))
    expect(page.locator("[data-letter] h2 .letter")).to_have_text(["A", "B"])
    # Two photos: the verdict is how a panel would split over them, with no "highest".
    expect(page.locator(".verdict")).to_contain_text(re.compile(r"B scores .* (higher|lower) than A|score the same"))
    expect(page.locator(".verdict")).to_contain_text(re.compile(r"in 10 people would rate|too close to call|Nearly"))
    expect(page.locator(".verdict")).not_to_contain_text("highest")
    expect(page.locator(".gradcams img")).to_have_count(2)
    scores = page.locator("[data-letter] .score").all_inner_texts()
    assert all(re.fullmatch(r"\d\.\d\d", s) for s in scores)  # two decimals, as everywhere else
    shoot(page, "compare-desktop")

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "compare-phone")

    # The link is the owner's only.
    client.force_login(charlie)
    assert client.get(page.url.replace(live_server.url, "")).status_code == 404


def test_history_tiles_and_chart_update_as_a_score_arrives_without_a_reload(live_server, browser, alice, astronaut):
    score(upload(alice, astronaut))
    waiting = upload(alice, np.ascontiguousarray(astronaut[::-1, ::-1]), "turned.jpg")
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/history/")
    expect(page.locator("#chart circle")).to_have_count(1)
    tile = page.locator(f".tile[data-id='{waiting.public_id}']")
    expect(tile.locator(".status")).to_have_text(re.compile("queued"))
    page.evaluate("window.notReloaded = true")

    score(waiting)

    expect(tile.locator(".status")).to_have_text(re.compile(r"^\d\.\d\d / 5$"), timeout=15_000)
    expect(page.locator("#chart circle")).to_have_count(2)
    expect(page.locator("#chart-count")).to_have_text("2 photos")
    assert page.evaluate("window.notReloaded") is True
    page.locator("#chart circle").first.click()
    expect(page.locator("#chart-detail")).to_contain_text("/ 5")
    shoot(page, "history-desktop")


@pytest.mark.parametrize("apart", [timedelta(seconds=90), timedelta(days=3)])
def test_history_chart_time_axis_never_repeats_a_label(live_server, browser, two_scored, apart):
    first, second = two_scored
    Photo.objects.filter(pk=first.pk).update(created=second.created - apart)
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/history/")
    expect(page.locator("#chart circle")).to_have_count(2)
    axis = page.locator("#chart text.axis").all_text_contents()
    times = [label for label in axis if re.search(r"\d:\d\d|[A-Z][a-z]{2}", label) and "average" not in label]
    assert len(times) >= 3  # the time ticks, not the score axis or the average
    assert len(set(times)) == len(times), times


def test_a_photo_that_fails_while_its_page_is_open_offers_another_upload_not_a_comparison(live_server, browser, alice):
    waiting = upload(alice, np.full((300, 300, 3), 120, np.uint8), "wall.jpg")  # no face in it
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/photos/{waiting.public_id}/")
    expect(page.get_by_role("link", name="Compare with…")).to_be_visible()
    expect(page.get_by_role("link", name="Try another photo")).to_be_hidden()

    assert score(waiting).status == Photo.Status.FAILED

    expect(page.locator("#status")).to_have_text(re.compile("No face"), timeout=15_000)
    expect(page.get_by_role("link", name="Try another photo")).to_be_visible()
    expect(page.get_by_role("link", name="Compare with…")).to_be_hidden()


def test_the_photo_page_keeps_the_score_in_view_and_folds_what_it_means(live_server, browser, two_scored):
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/photos/{two_scored[0].public_id}/")
    expect(page.locator(".percentile")).to_be_visible()
    meaning = page.locator("summary", has_text="What the score and the percentile mean")
    expect(meaning).to_have_count(1)  # once, under the first face
    scale = page.locator(".scale")
    expect(scale).to_be_hidden()
    meaning.click()
    expect(scale).to_contain_text("3 about average")


def test_history_chart_keeps_a_crowd_of_same_minute_photos_inside_the_plot(live_server, browser, alice):
    add_scored_rows(alice, 40)  # a batch scored alike: every dot wants the same spot
    page = logged_in(browser, live_server, viewport=PHONE)  # a narrow plot: the crowd overflowed it
    page.goto(f"{live_server.url}/history/")
    dots = page.locator("#chart circle")
    expect(dots).to_have_count(40)
    width = page.evaluate("document.getElementById('chart').viewBox.baseVal.width")
    centres = [float(x) for x in dots.evaluate_all("(dots) => dots.map((d) => d.getAttribute('cx'))")]
    assert all(30 <= x <= width - 14 for x in centres), (width, centres)  # inside the plot's axes
    assert len(set(centres)) > 20  # side by side where they fit, not all on one spot
    expect(page.locator("#chart-mean")).to_have_text("3.00")


def app_pages(live_server, photo: Photo, other: Photo) -> dict[str, str]:
    base = live_server.url
    return {
        "upload": f"{base}/upload/",
        "history": f"{base}/history/",
        "photo": f"{base}/photos/{photo.public_id}/",
        "compare-pick": f"{base}/compare/",
        "compare": f"{base}/compare/?photo={photo.public_id}&photo={other.public_id}",
        "account-delete": f"{base}/account/delete/",
        "password": f"{base}/accounts/password/change/",
        "about": f"{base}/about/",
    }


def visitor_pages(live_server) -> dict[str, str]:
    base = live_server.url
    return {"home": f"{base}/", "login": f"{base}/accounts/login/", "signup": f"{base}/accounts/signup/"}


# Headings and names wider than the screen: an element whose content overflows it, or that ends past the screen's edge.
TOO_WIDE = """(width) => [...document.querySelectorAll("h1, h2, .name, figcaption")]
    .filter((e) => e.offsetParent && (e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > width))
    .map((e) => e.textContent)"""


MENU_HEIGHTS = """() => {
  const menu = document.querySelector("header nav");
  return { menu: menu.getBoundingClientRect().height, row: menu.querySelector("a").getBoundingClientRect().height };
}"""


def test_no_page_scrolls_sideways_on_a_phone(live_server, browser, two_scored):
    visitor = browser.new_page(viewport=PHONE)
    for name, url in visitor_pages(live_server).items():
        visitor.goto(url)
        assert visitor.evaluate("document.documentElement.scrollWidth") == PHONE["width"], name
        shoot(visitor, f"phone-{name}")
    # A phone's own file name is one long word: it wraps on every page that names the photo.
    Photo.objects.filter(pk=two_scored[0].pk).update(label="PXL_20261206_064512345.PORTRAIT.jpg")
    page = logged_in(browser, live_server, PHONE)
    for name, url in app_pages(live_server, *two_scored).items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"], name
        assert page.evaluate(TOO_WIDE, PHONE["width"]) == [], name
        shoot(page, f"phone-{name}")
    # The signed-in menu in two rows at most, in either language (it took three with a "Password"
    # item that the account page's "Change your password" repeats).
    User.objects.filter(pk=two_scored[0].owner_id).update(username="margaret.hamilton")  # in "Sign out (...)"
    for language in ("en", "zh-hans"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(app_pages(live_server, *two_scored)["history"])
        heights = page.evaluate(MENU_HEIGHTS)
        assert heights["menu"] < 2.6 * heights["row"], (language, heights)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    for name, where in (
        ("photo", "h1"),
        ("compare", ".card h2"),
        ("history", ".tile .name"),
        ("compare-pick", ".name"),
    ):
        page.goto(app_pages(live_server, *two_scored)[name])
        expect(page.locator(where, has_text="PXL_20261206_064512345.PORTRAIT.jpg")).to_be_visible()


def test_a_new_api_key_fits_a_phone_copies_in_one_click_and_is_replaced_only_when_confirmed(
    live_server, browser, alice
):
    from rest_framework.authtoken.models import Token

    page = logged_in(browser, live_server, PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/account/")
    page.click("button:has-text('Make a key')")
    key = page.input_value("#new-key")
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    shoot(page, "phone-account-new-key")
    page.click("text=Copy the key")
    expect(page.locator("#key-copied")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == key
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("button:has-text('Replace my key')")
    expect(page.locator("#new-key")).to_have_value(key)  # still the same page: nothing was sent
    assert questions and "Replace your API key?" in questions[0]
    assert Token.objects.get(user=alice).key == key


# Run in the page: what a screen-reader user would miss. Returns one sentence per problem.
A11Y_PROBLEMS = """() => {
  const problems = [];
  const visible = (el) => el.checkVisibility() || el.type === "file";
  if (!document.documentElement.lang) problems.push("the page has no language");
  if (!document.title.trim()) problems.push("the page has no title");
  document.querySelectorAll("img").forEach((img) => {
    if (img.closest("dialog:not([open])")) return;
    const alt = (img.getAttribute("alt") || "").trim();
    if (alt.length < 4) problems.push("an image has no meaningful alt: " + img.src);
  });
  document.querySelectorAll("input, select, textarea").forEach((input) => {
    if (input.type === "hidden" || !visible(input)) return;
    const named = input.labels.length || input.getAttribute("aria-label") || input.getAttribute("aria-labelledby");
    if (!named) problems.push("an input has no label: " + input.name);
  });
  document.querySelectorAll("button, a[href]").forEach((el) => {
    if (!visible(el) || el.closest("dialog:not([open])")) return;
    const name = el.textContent.trim() || el.getAttribute("aria-label");
    if (!name) problems.push("a control has no name: " + el.outerHTML);
  });
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  ids.filter((id, i) => ids.indexOf(id) !== i).forEach((id) => problems.push("duplicate id " + id));
  if (document.querySelectorAll("h1").length !== 1) problems.push("the page should have one h1");
  return problems;
}"""


def test_every_page_names_its_images_and_inputs_and_has_its_own_title(live_server, browser, two_scored):
    titles = set()
    visitor = browser.new_page(viewport=DESKTOP)
    for name, url in visitor_pages(live_server).items():
        visitor.goto(url)
        assert visitor.evaluate(A11Y_PROBLEMS) == [], name
        titles.add(visitor.title())
    page = logged_in(browser, live_server)
    for name, url in app_pages(live_server, *two_scored).items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(A11Y_PROBLEMS) == [], name
        titles.add(page.title())
    assert len(titles) == len(visitor_pages(live_server)) + len(app_pages(live_server, *two_scored))


# axe-core as shipped inside axe-playwright-python: no network, no CDN.
AXE_JS = files("axe_playwright_python") / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "best-practice"] });
  const where = (v) => v.nodes.map((n) => n.target.join(" ")).join(", ");
  return result.violations.map((v) => v.id + ": " + v.help + " (" + where(v) + ")");
}"""


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(AXE_RUN)


def test_axe_core_finds_no_violation_on_any_page(live_server, browser, two_scored):
    # axe goes in as an inline script, which the site's CSP refuses (tests/web/test_csp.py): let the tool in.
    visitor = browser.new_page(viewport=DESKTOP, bypass_csp=True)
    problems = {}
    for name, url in visitor_pages(live_server).items():
        visitor.goto(url)
        problems[name] = axe_violations(visitor)
    page = logged_in(browser, live_server, bypass_csp=True)
    for name, url in app_pages(live_server, *two_scored).items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        problems[name] = axe_violations(page)
    found = [f"{name}: {problem}" for name, listed in problems.items() for problem in listed]
    assert not found, "\n".join(found)


def test_the_front_page_shows_an_example_and_the_photo_page_enlarges_any_image(live_server, browser, two_scored):
    visitor = browser.new_page(viewport=DESKTOP)
    response = visitor.goto(f"{live_server.url}/favicon.ico")
    assert response.ok and "svg" in response.headers["content-type"]
    visitor.goto(f"{live_server.url}/")
    expect(visitor.get_by_role("link", name="Sign up, it is free")).to_be_visible()
    expect(visitor.locator(".example .score")).to_have_text(re.compile(r"^\d\.\d\d$"))
    visitor.wait_for_load_state("load")
    shown = "[...document.querySelectorAll('main img')].every((img) => img.complete && img.naturalWidth > 0)"
    assert visitor.evaluate(shown)
    shoot(visitor, "home-desktop")

    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/photos/{two_scored[0].public_id}/")
    expect(page.locator("#status")).to_have_text(re.compile("Scored"))
    expect(page.locator(".stage figcaption").first).to_contain_text("Edges and colours")
    # Each stage is named above what it saw, on the photo page as in the front page's example.
    named_first = """(figures) => figures.length > 0 && figures.every((f) =>
        f.querySelector("figcaption").getBoundingClientRect().bottom
        <= f.querySelector("img").getBoundingClientRect().top)"""
    assert page.locator(".stage").evaluate_all(named_first)
    assert visitor.locator(".example .layers figure").evaluate_all(named_first)
    page.locator("img.gradcam").first.click()
    expect(page.locator("#lightbox")).to_be_visible()
    shoot(page, "lightbox-desktop")
    page.keyboard.press("Escape")
    expect(page.locator("#lightbox")).to_be_hidden()
    shoot(page, "photo-desktop")


def test_history_chart_spreads_a_batch_uploaded_together_and_names_its_line(live_server, browser, alice):
    batch = scored_rows(alice, 1.5, 2.5, 3.0, 3.5, 4.0, 4.5)  # different scores: once stacked at one instant
    earlier = scored_rows(alice, 3.0)[0]
    now = batch[0].created
    Photo.objects.filter(pk__in=[p.pk for p in batch]).update(created=now)
    Photo.objects.filter(pk=earlier.pk).update(created=now - timedelta(days=2))
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/history/")
    dots = page.locator("#chart circle")
    expect(dots).to_have_count(7)
    width = page.evaluate("document.getElementById('chart').viewBox.baseVal.width")
    centres = sorted(float(x) for x in dots.evaluate_all("(dots) => dots.map((d) => d.getAttribute('cx'))"))
    assert all(30 <= x <= width - 14 for x in centres), centres
    batch_centres = centres[1:]
    assert all(b - a >= 10 for a, b in zip(batch_centres, batch_centres[1:])), batch_centres  # a dot's width apart
    assert centres[1] - centres[0] > width / 2  # the earlier photo stays where its time is
    # The batch spreads around its own time, the axis's last tick, not pushed left of it by the plot's edge.
    last_tick = max(
        float(x) for x in page.locator("#chart line.tick").evaluate_all("(ts) => ts.map((t) => t.getAttribute('x1'))")
    )
    assert abs(sum(batch_centres) / len(batch_centres) - last_tick) < 2, (batch_centres, last_tick)
    key = page.locator(".chart-key")
    expect(key).to_contain_text("your own average")
    expect(page.locator("#chart-mean")).to_have_text("3.14")
    expect(page.locator("#chart .mean-line title")).to_have_text("Your own average: 3.14 / 5")


def test_each_of_ten_photos_uploaded_together_can_be_hovered_on_the_chart(live_server, browser, alice):
    batch = scored_rows(alice, *[3.0 + k / 100 for k in range(10)])  # scored alike: the dots sit on one row
    Photo.objects.filter(pk__in=[p.pk for p in batch]).update(created=batch[0].created)
    page = logged_in(browser, live_server, viewport=PHONE)
    page.goto(f"{live_server.url}/history/")
    dots = page.locator("#chart circle")
    expect(dots).to_have_count(10)
    diameter = 2 * float(dots.first.get_attribute("r"))
    centres = sorted(float(x) for x in dots.evaluate_all("(dots) => dots.map((d) => d.getAttribute('cx'))"))
    assert all(b - a >= diameter for a, b in zip(centres, centres[1:])), centres
    for dot in dots.all():
        box = dot.bounding_box()
        # The point under the dot's centre, and a point near its edge, belong to that dot and no neighbour.
        for dx in (0, box["width"] * 0.4, -box["width"] * 0.4):
            x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2
            hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).dataset.id", [x, y])
            assert hit == dot.get_attribute("data-id")
    dots.nth(4).hover()
    expect(page.locator("#chart circle:hover")).to_have_attribute("data-id", dots.nth(4).get_attribute("data-id"))


def test_the_photo_page_puts_the_photo_beside_the_score_on_a_wide_screen_and_lists_its_sections(
    live_server, browser, two_scored
):
    page = logged_in(browser, live_server, viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/photos/{two_scored[0].public_id}/")
    photo, face = page.locator(".result-photo img"), page.locator("#face-1")
    expect(face).to_be_visible()
    page.wait_for_function("() => document.querySelector('.result-photo img').complete")
    photo_box, face_box = photo.bounding_box(), face.bounding_box()
    assert photo_box["x"] + photo_box["width"] <= face_box["x"]  # side by side
    assert face_box["y"] < photo_box["y"] + photo_box["height"]  # on the same rows
    assert photo_box["width"] >= 420  # drawn large, not a third of the page
    sections = page.locator("#on-this-page a")
    expect(sections).to_have_text(
        [
            re.compile(r"^Face 1: \d\.\d\d / 5$"),
            "Face 1: what the network looked at",
            "The first layer's filters",
            "What the score cannot see",
            "Name, or delete the photo",
        ]
    )
    expect(page.locator("#on-this-page a", has_text="What the score cannot see")).to_have_attribute("href", "#cautions")
    filters = page.locator("#first-filters details")
    filters.evaluate("(details) => { details.open = false; }")
    sections.nth(2).click()
    expect(filters).to_have_attribute("open", "")
    shoot(page, "photo-wide")

    page.set_viewport_size(PHONE)
    photo_box, face_box = photo.bounding_box(), face.bounding_box()
    assert face_box["y"] >= photo_box["y"] + photo_box["height"]  # one column: the score under the photo
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]


def test_history_finds_a_photo_by_name_and_orders_by_score(live_server, browser, alice):
    for label, value in (("beach.jpg", 3.0), ("wedding dance.jpg", 2.0), ("Wedding vows.jpg", 4.0)):
        Photo.objects.filter(pk=scored_rows(alice, value)[0].pk).update(label=label)
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/history/")
    page.get_by_label("Search by name").fill("wedding")
    page.get_by_label("Order").select_option(label="Lowest score first")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".tile .name")).to_have_text(["wedding dance.jpg", "Wedding vows.jpg"])
    page.get_by_label("Order").select_option(label="Highest score first")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".tile .name")).to_have_text(["Wedding vows.jpg", "wedding dance.jpg"])
    page.click("text=Clear the search")
    expect(page.locator(".tile .name")).to_have_text(["Wedding vows.jpg", "beach.jpg", "wedding dance.jpg"])
