"""In Chromium: each stage's grid of filters marks the dark ones black, under a caption that counts them."""

import pytest
from playwright.sync_api import expect

from ml.inference.dark_filters import dark_filters_for
from tests.web.helpers import logged_in, score, upload

pytestmark = pytest.mark.django_db(transaction=True)

# The colour of square i's top-left pixel, where photo.js's darkFilterGrid says the square lies.
SQUARE_COLOURS = """([canvas, indices]) => {
  const cell = Number(canvas.dataset.cell), columns = Number(canvas.dataset.columns);
  const context = canvas.getContext("2d");
  const at = (i) => context.getImageData((i % columns) * cell, Math.floor(i / columns) * cell, 1, 1).data;
  return indices.map((i) => Array.from(at(i).slice(0, 3)));
}"""


def test_the_stem_grid_shows_its_dark_filters_black_and_the_others_lit(browser, live_server, alice, astronaut):
    photo = score(upload(alice, astronaut))
    shipped = dark_filters_for(photo.model_version)
    assert shipped is not None
    stem = shipped.stages["stem"]
    page = logged_in(browser, live_server)
    page.goto(f"{live_server.url}/photos/{photo.public_id}/")
    grids = page.locator(".layers canvas.dark-filters")
    expect(grids).to_have_count(len(shipped.stages))
    expect(page.locator(".layers .dark-count").first).to_have_text(
        f"{stem.dark} of the {stem.filters} filters in this stage stayed dark on the training photos "
        f"({stem.share:.1%})."
    )
    expect(grids.first).to_have_attribute("aria-label", f"This stage's {stem.filters} filters as squares; "
                                          f"the {stem.dark} dark ones are black.")  # fmt: skip
    dark = stem.dark_channels("stem")
    lit = [i for i in range(stem.filters) if i not in dark][:4]
    colours = page.evaluate(SQUARE_COLOURS, [grids.first.element_handle(), dark + lit])
    assert colours[: len(dark)] == [[0, 0, 0]] * len(dark)
    assert all(colour != [0, 0, 0] for colour in colours[len(dark) :])
    expect(page.locator(".dark-legend").first).to_contain_text("could be removed (pruned)")
    # A visible key under every picture and every grid: what the colours and the black squares mean.
    figures = page.locator(".layers figure.stage")
    expect(page.locator(".layers figure.stage .picture-key")).to_have_count(figures.count())
    expect(page.locator(".layers .grid-key")).to_have_count(len(shipped.stages))
    expect(page.locator(".layers .grid-key").first).to_be_visible()
    expect(page.locator(".layers .grid-key").first).to_contain_text("Black: it stayed dark")
